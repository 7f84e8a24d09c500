"""Protection against abuse: rate limits."""
