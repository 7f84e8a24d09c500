"""Booking a calendar's time or an event's seats: every change of a booking's state.

`transitions` is the only module that writes bookings and slots; the others decide
what to ask of it.
"""
