"""Background work each server process runs."""
