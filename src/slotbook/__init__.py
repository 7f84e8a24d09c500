"""slotbook: one booking engine behind five booking APIs."""

__version__ = "0.1.0"
