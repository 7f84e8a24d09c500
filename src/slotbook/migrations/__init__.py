"""Alembic migrations; `slotbook migrate` (and `serve`) apply them."""
