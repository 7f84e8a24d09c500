"""Surface 004 fixtures' shared shapes: a day, a weekly schedule, instants."""

DAY = "2031-01-20"  # a Monday after the clock's "now" (Wednesday 2031-01-15 08:00 UTC)
WEEKDAYS_9_TO_5 = {
    "general_schedule": {
        "start_date": "2031-01-01",
        "end_date": "2031-12-31",
        "times": [{"days": "M-F", "start": "9am", "end": "5pm"}],
    }
}


def at(day: str, clock: str) -> str:
    """An ISO instant in UTC, as time-slots shows it for a UTC provider."""
    return f"{day}T{clock}:00+00:00"
