"""IANA time zone names: only those `zoneinfo` lists are zones.

`ZoneInfo(name)` also "finds" directories (`Etc`, `America`), files that are not zones
(`__pycache__`) and fails in other ways on long or unencodable names; checking a name
against `zoneinfo.available_timezones()` first leaves no such case.
"""

from functools import cache
from zoneinfo import ZoneInfo, available_timezones


@cache
def _known() -> frozenset[str]:
    return frozenset(available_timezones())


def is_zone(name: str) -> bool:
    return name in _known()


def zone(name: str) -> ZoneInfo:
    """The zone `name`; ValueError naming it when it is not an IANA zone."""
    if not is_zone(name):
        raise ValueError(f"unknown IANA time zone {name[:64]!r}")
    return ZoneInfo(name)
