"""Persistence, and the only SQL: tables, the database handle, the invariant's predicates,
and every query and statement the use cases need (`booking_writes` only for
`booking.transitions`)."""
