"""When a failed delivery is tried again: exponential back-off with jitter, for a day.

The n-th retry waits 5 s x 4^(n-1), at most 6 h, each wait scaled by a random factor in
[0.8, 1.2] so that endpoints coming back are not hit by every sender at once. A failure
24 h or more after the delivery began is the last: the delivery is marked failed.
Nominally: 5 s, 20 s, 80 s, 5 min 20 s, 21 min 20 s, 1 h 25 min, 5 h 41 min, then 6 h
apart — 11 attempts over about 25 h 35 min.
"""

import random
from datetime import datetime, timedelta

FIRST_WAIT = timedelta(seconds=5)
GROWTH = 4
LONGEST_WAIT = timedelta(hours=6)
JITTER = 0.2
GIVE_UP_AFTER = timedelta(hours=24)


def nominal_wait(failures: int) -> timedelta:
    """The wait after the `failures`-th failed attempt, before jitter. (Grown step by
    step up to the cap, so any count of failures has one: 5 s x 4^23 does not fit a
    timedelta.)"""
    wait = FIRST_WAIT
    for _ in range(failures - 1):
        wait *= GROWTH
        if wait >= LONGEST_WAIT:
            return LONGEST_WAIT
    return wait


def next_attempt_at(
    *, began_at: datetime, failures: int, now: datetime, rng: random.Random
) -> datetime | None:
    """When to try again after `failures` failed attempts; None: give up."""
    if now - began_at >= GIVE_UP_AFTER:
        return None
    return now + nominal_wait(failures) * rng.uniform(1 - JITTER, 1 + JITTER)
