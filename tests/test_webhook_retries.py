"""The retry schedule the README documents ("Delivery, retries, and the outbound rules"),
as the pure decisions `notify.retries` makes for every webhook delivery and email."""

import random
from datetime import UTC, datetime, timedelta

from slotbook.notify.retries import GIVE_UP_AFTER, next_attempt_at, nominal_wait

BEGAN = datetime(2031, 1, 15, 8, tzinfo=UTC)
MINUTE, HOUR = 60, 3600
#: the README's table: each attempt's nominal wait after the previous one, and its time
#: since the first
README_WAITS = [5, 20, 80, 5 * MINUTE + 20, 21 * MINUTE + 20, 5120, 20480, 6 * HOUR, 6 * HOUR]
README_SINCE_FIRST = [0, 5, 25, 105, 425, 1705, 6825, 27305, 48905, 70505, 92105]


class Fixed(random.Random):
    """A jitter that always draws the same factor."""

    def __init__(self, factor: float) -> None:
        super().__init__()
        self.factor = factor

    def uniform(self, a: float, b: float) -> float:
        assert (a, b) == (0.8, 1.2)
        return self.factor


def attempts(rng: random.Random) -> list[datetime]:
    """When a delivery that always fails is attempted, from the first to the last."""
    times = [BEGAN]
    while then := next_attempt_at(began_at=BEGAN, failures=len(times), now=times[-1], rng=rng):
        times.append(then)
    return times


def test_waits_grow_fourfold_from_five_seconds_to_at_most_six_hours():
    waits = [nominal_wait(n).total_seconds() for n in range(1, len(README_WAITS) + 1)]
    assert waits == README_WAITS
    assert nominal_wait(30) == timedelta(hours=6)


def test_the_nominal_schedule_is_eleven_attempts_over_about_25_and_a_half_hours():
    since_first = [(t - BEGAN).total_seconds() for t in attempts(Fixed(1.0))]
    assert since_first == README_SINCE_FIRST


def test_whatever_the_jitter_a_delivery_is_tried_for_at_least_a_day_then_given_up():
    for factor in (0.8, 1.0, 1.2):
        times = attempts(Fixed(factor))
        assert all(t - BEGAN < GIVE_UP_AFTER for t in times[:-1]), factor
        assert times[-1] - BEGAN >= GIVE_UP_AFTER == timedelta(hours=24), factor


def test_each_wait_is_jittered_within_a_fifth_either_way():
    rng = random.Random(15)
    for failures in range(1, 10):
        nominal = nominal_wait(failures)
        waits = {
            next_attempt_at(began_at=BEGAN, failures=failures, now=BEGAN, rng=rng) - BEGAN  # type: ignore[operator]
            for _ in range(100)
        }
        assert len(waits) > 1  # not the same instant for every sender
        assert all(nominal * 0.8 <= wait <= nominal * 1.2 for wait in waits)
