"""Calendars, their opening hours, and events (calendars of explicit slots with seats)."""
