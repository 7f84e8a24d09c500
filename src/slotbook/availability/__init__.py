"""Free slots: one read path for every surface, and the cache in front of it."""
