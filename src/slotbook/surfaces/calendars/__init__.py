"""The owner's side of a calendar, as the console uses it: who is signed in, the calendars they
manage, settings, hours, bookings, approvals, the change feed, webhooks and the iCal feed.
"""
