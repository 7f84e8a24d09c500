"""The browser pages slotbook serves itself: booking, managing a booking, the live board."""
