"""Persistence, and the only SQL: tables, the database handle, and every query and
statement the use cases need. Grouped: `bookings/` (the invariant's predicates, reads,
`booking_writes` only for `booking.transitions`, counters, holds, series, waitlist) and
`outbox/` (the outbox and its consumers' rows); calendars, users, feeds, keys beside."""
