"""Calendars and their opening hours in the database."""

import secrets
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, Select, bindparam, delete, insert, or_, select, true, update

from slotbook.calendars.model import Calendar, Schedule
from slotbook.engine import UnitOfWork
from slotbook.scheduling import DateHours, WeeklyRule
from slotbook.scheduling.rules import ClaimedTime
from slotbook.store.bookings.booking_reads import (
    CLAIMED_TIMES_ARRAYS,
    claimed_times_given,
    claimed_times_of,
)
from slotbook.store.bookings.predicates import contains_text
from slotbook.store.driver_sql import DriverStatement
from slotbook.store.tables import availability_rules, calendars, date_hours
from slotbook.store.unique import insert_unique


def new_version() -> str:
    """A calendar row's new `version` (see `store.kept_calendars`)."""
    return secrets.token_hex(16)


def _calendar(uow: UnitOfWork, row: Row[Any]) -> Calendar:
    return uow.keep(Calendar(**row._mapping))


def _select(uow: UnitOfWork, *, for_claim: bool) -> Select[Any]:
    """Whole calendar rows; `for_claim`: read as a claim reads its limits
    (`booking_counts.lock_limits`), so that the claim need not read them again."""
    query = select(calendars)
    return (
        query.with_for_update(read=True, key_share=True)
        if for_claim and uow.is_postgresql
        else query
    )


def _for_claim(uow: UnitOfWork, calendar: Calendar | None, for_claim: bool) -> Calendar | None:
    if calendar is not None and for_claim:
        uow.claim_limits[calendar.id] = calendar.limits
    return calendar


def _with_id(query: Select[Any], *, of_kind: bool) -> Select[Any]:
    """`query` of the calendar whose id is given (`calendar_id`); `of_kind`: and kind."""
    query = query.where(calendars.c.id == bindparam("calendar_id"))
    return query.where(calendars.c.kind == bindparam("kind")) if of_kind else query


#: `get_calendar_row` in a unit outside any transaction (where no claim reads), by
#: whether a kind is given
_WITH_ID_ON_DRIVER = {
    of_kind: DriverStatement.of(_with_id(select(calendars), of_kind=of_kind))
    for of_kind in (False, True)
}


async def _read_on_driver(
    uow: UnitOfWork, statement: DriverStatement, given: dict[str, Any]
) -> Calendar | None:
    """The calendar `statement` finds, run straight on the unit's driver."""
    found = await statement.fetchrow(uow.driver(), given)
    return uow.keep(Calendar(**found)) if found else None


async def get_calendar_row(
    uow: UnitOfWork, calendar_id: int, *, kind: str | None = None, for_claim: bool = False
) -> Calendar | None:
    """The calendar with this id (and kind, if given); `for_claim`: read as a claim on it
    reads its limits."""
    given: dict[str, Any] = {"calendar_id": calendar_id}
    if kind is not None:
        given["kind"] = kind
    of_kind = kind is not None
    if uow.outside_transaction and not for_claim:
        return await _read_on_driver(uow, _WITH_ID_ON_DRIVER[of_kind], given)
    query = _with_id(_select(uow, for_claim=for_claim), of_kind=of_kind)
    row = (await uow.conn.execute(query, given)).first()
    return _for_claim(uow, _calendar(uow, row) if row else None, for_claim)


async def calendars_by_id(uow: UnitOfWork, calendar_ids: set[int]) -> dict[int, Calendar]:
    """Each of these calendars, by id."""
    rows = await uow.conn.execute(select(calendars).where(calendars.c.id.in_(calendar_ids)))
    return {row.id: _calendar(uow, row) for row in rows}


async def find_calendar_of_user(uow: UnitOfWork, user_id: int) -> Calendar | None:
    """The calendar this user owns, if any (a user owns at most one)."""
    row = (await uow.conn.execute(select(calendars).where(calendars.c.user_id == user_id))).first()
    return _calendar(uow, row) if row else None


async def list_calendars(
    uow: UnitOfWork, *, kind: str, limit: int | None = 50, offset: int = 0
) -> list[Calendar]:
    """Calendars of one kind, oldest first."""
    query = select(calendars).where(calendars.c.kind == kind).order_by(calendars.c.id)
    rows = await uow.conn.execute(query.limit(limit).offset(offset))
    return [_calendar(uow, r) for r in rows]


async def search_calendars(
    uow: UnitOfWork, *, user_id: int | None, text: str | None, limit: int, offset: int
) -> list[Calendar]:
    """Calendars by id: only `user_id`'s (None: every one), and only those whose name,
    email or owner key contains `text` (any case), if given."""
    query = select(calendars).order_by(calendars.c.id)
    if user_id is not None:
        query = query.where(calendars.c.user_id == user_id)
    if text:
        query = query.where(
            contains_text((calendars.c.name, calendars.c.email, calendars.c.owner_key), text)
        )
    rows = await uow.conn.execute(query.limit(limit).offset(offset))
    return [_calendar(uow, r) for r in rows]


def _of_owner(query: Select[Any]) -> Select[Any]:
    """`query` of the calendar whose kind and owner key are given (`kind`, `owner_key`)."""
    return query.where(
        calendars.c.kind == bindparam("kind"), calendars.c.owner_key == bindparam("owner_key")
    )


#: `find_calendar` in a unit outside any transaction (where no claim reads)
_OF_OWNER_ON_DRIVER = DriverStatement.of(_of_owner(select(calendars)))


#: `_OF_OWNER_ON_DRIVER`, and in the same statement the claimed times of the calendar
#: expected to be the one found (`claimed_times_given`'s parameters)
_OF_OWNER_WITH_CLAIMS_ON_DRIVER = DriverStatement.of(
    _of_owner(
        select(calendars, CLAIMED_TIMES_ARRAYS).select_from(
            calendars.join(CLAIMED_TIMES_ARRAYS, true())
        )
    )
)
#: the names of its four columns of claims (the rest are the calendar's)
_CLAIMS_COLUMNS = tuple(c.name for c in CLAIMED_TIMES_ARRAYS.c)


async def find_calendar_and_claims(
    uow: UnitOfWork,
    *,
    kind: str,
    owner_key: str,
    expected: Calendar,
    start: datetime,
    end: datetime,
) -> tuple[Calendar | None, Sequence[ClaimedTime] | None]:
    """`find_calendar` in a unit outside any transaction, and in the same round trip the
    calendar's `claimed_times` of [start, end) if the calendar found is still `expected`
    — the same row at the same version, so a window made from `expected` is its own;
    None for them otherwise (the caller reads them for the calendar as it is now)."""
    given = claimed_times_given(expected.id, start, end, uow.now, expected.buffers)
    found = await _OF_OWNER_WITH_CLAIMS_ON_DRIVER.fetchrow(
        uow.driver(), given | {"kind": kind, "owner_key": owner_key}
    )
    if found is None:
        return None, None
    row = dict(found)
    claimed = claimed_times_of([row.pop(name) for name in _CLAIMS_COLUMNS])
    calendar = uow.keep(Calendar(**row))
    if calendar.id != expected.id or calendar.version != expected.version:
        return calendar, None
    return calendar, claimed


async def find_calendar(
    uow: UnitOfWork, *, kind: str, owner_key: str, for_claim: bool = False
) -> Calendar | None:
    """The calendar of this kind and owner key; `for_claim`: read as a claim on it reads
    its limits."""
    given = {"kind": kind, "owner_key": owner_key}
    if uow.outside_transaction and not for_claim:
        return await _read_on_driver(uow, _OF_OWNER_ON_DRIVER, given)
    row = (await uow.conn.execute(_of_owner(_select(uow, for_claim=for_claim)), given)).first()
    return _for_claim(uow, _calendar(uow, row) if row else None, for_claim)


async def insert_calendar(uow: UnitOfWork, values: dict[str, Any]) -> Calendar | None:
    """Write a calendar (every column but the id); None if its email or (kind, owner
    key) is already taken (the rest of the transaction goes on)."""
    row = await insert_unique(uow, calendars, values | {"version": new_version()})
    return Calendar(**row._mapping) if row else None  # not kept: it may yet roll back


async def update_calendar_row(uow: UnitOfWork, calendar_id: int, changes: dict[str, Any]) -> None:
    """Change the calendar's row (under a new version)."""
    uow.kept.forget(calendar_id)
    changed = update(calendars).where(calendars.c.id == calendar_id)
    await uow.conn.execute(changed.values(changes | {"version": new_version()}))


#: schedules read for a window, by (calendar id, schedule version, first, last day): a
#: version is a random token written with the hours it names (`replace_schedule`), so
#: an entry can never answer for other hours, in any database this process uses
_schedules: dict[tuple[int, str, date, date], Schedule] = {}
#: the most it keeps: past this, the oldest entry goes. A window holds at most its days'
#: dated hours and the weekly rules (the schedule limits bound both), so this bounds the
#: memory any sequence of requests can pin to a few tens of MB
SCHEDULES_KEPT = 512


def kept_schedule(
    calendar_id: int, version: str | None, first: date, last: date
) -> Schedule | None:
    """The calendar's schedule for the local days `first`..`last` at `version`, if this
    process keeps it (`load_schedule`)."""
    return _schedules.get((calendar_id, version, first, last)) if version else None


async def load_schedule(
    uow: UnitOfWork,
    calendar_id: int,
    first: date | None = None,
    last: date | None = None,
    *,
    version: str | None = None,
) -> Schedule:
    """The calendar's schedule; with `first` and `last`, only the rules and dated hours
    that can touch those local days (all a slot listing or a claim needs). With the
    calendar's `version` (read with it), a window read before is answered from memory."""
    if first is None or last is None:
        return await _read_schedule(uow, calendar_id)
    if version is None:
        return await _read_schedule(uow, calendar_id, first, last)
    key = (calendar_id, version, first, last)
    schedule = _schedules.get(key)
    if schedule is None:
        schedule = _schedules[key] = await _read_schedule(uow, calendar_id, first, last)
        while len(_schedules) > SCHEDULES_KEPT:
            del _schedules[next(iter(_schedules))]
    return schedule


async def _read_schedule(
    uow: UnitOfWork, calendar_id: int, first: date | None = None, last: date | None = None
) -> Schedule:
    rule_query = select(availability_rules).where(availability_rules.c.calendar_id == calendar_id)
    date_query = select(date_hours).where(date_hours.c.calendar_id == calendar_id)
    if first is not None and last is not None:
        rule = availability_rules.c
        rule_query = rule_query.where(
            or_(rule.valid_from.is_(None), rule.valid_from <= last),
            or_(rule.valid_until.is_(None), rule.valid_until >= first),
        )
        date_query = date_query.where(date_hours.c.on_date.between(first, last))
    rules = await uow.conn.execute(rule_query)
    dates = await uow.conn.execute(date_query)
    return Schedule(
        rules=[
            WeeklyRule(r.weekday, r.start_time, r.end_time, r.valid_from, r.valid_until)
            for r in rules
        ],
        dates=[DateHours(d.on_date, d.start_time, d.end_time, d.mode == "replace") for d in dates],
    )


async def replace_schedule(uow: UnitOfWork, calendar_id: int, schedule: Schedule) -> str:
    """Replace the calendar's weekly rules and date-specific hours with `schedule`, under
    a new schedule version; that version."""
    conn = uow.conn
    version = new_version()
    await update_calendar_row(uow, calendar_id, {"schedule_version": version})
    await conn.execute(
        delete(availability_rules).where(availability_rules.c.calendar_id == calendar_id)
    )
    await conn.execute(delete(date_hours).where(date_hours.c.calendar_id == calendar_id))
    if schedule.rules:
        await conn.execute(
            insert(availability_rules),
            [
                {
                    "calendar_id": calendar_id,
                    "weekday": r.weekday,
                    "start_time": r.start,
                    "end_time": r.end,
                    "valid_from": r.valid_from,
                    "valid_until": r.valid_until,
                }
                for r in schedule.rules
            ],
        )
    if schedule.dates:
        await conn.execute(
            insert(date_hours),
            [
                {
                    "calendar_id": calendar_id,
                    "on_date": d.on,
                    "mode": "replace" if d.replace else "extra",
                    "start_time": d.start,
                    "end_time": d.end,
                }
                for d in schedule.dates
            ],
        )
    return version
