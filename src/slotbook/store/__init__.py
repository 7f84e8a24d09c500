"""Persistence: tables, the database handle, and the few queries that matter."""
