"""Booking beyond one document: the shared POST /api/v1/bookings, managing a booking by its
token, recurring series, the waitlist, and lost links sent again by email.
"""
