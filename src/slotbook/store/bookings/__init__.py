"""The SQL of bookings: which occupy time (predicates), reading them, the one set of statements
that change them (only booking.transitions imports it), seat and limit counters, 004's
holds, series and waitlist rows.
"""
