"""The counter rows behind booking limits (`tables.booking_counts`).

A limit is taken with one statement, atomic on both databases: insert the period's row
with 1, or add 1 to it only while it is below the limit. No row returned means the
limit is reached: two simultaneous claims can never both pass it, because the second
waits on the first's row lock (PostgreSQL) or on the one writer (SQLite).
"""

from datetime import date

from sqlalchemy import ColumnElement, and_, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from slotbook.engine import UnitOfWork
from slotbook.scheduling.rules import Counts, Limits, Period, Quota
from slotbook.store.tables import booking_counts as counts
from slotbook.store.tables import calendars

CountKey = tuple[Period, date, str]

#: the first key of the advisory locks moves of time claims queue on (the second: the calendar id);
#: two-key advisory locks never meet the one-key ones (`store.users`)
TIME_CLAIMS_LOCK = 4_004_019


async def take(uow: UnitOfWork, calendar_id: int, quota: Quota) -> bool:
    """Take one unit of `quota`; False (nothing written) when it is used up."""
    dialect = postgresql if uow.is_postgresql else sqlite
    row = {
        "calendar_id": calendar_id,
        "period": quota.period.value,
        "starts_on": quota.starts_on,
        "booker": quota.booker,
        "taken": 1,
    }
    statement = dialect.insert(counts).values(row)
    statement = statement.on_conflict_do_update(
        index_elements=[counts.c.calendar_id, counts.c.period, counts.c.starts_on, counts.c.booker],
        set_={"taken": counts.c.taken + 1},
        where=counts.c.taken < quota.limit,
    ).returning(counts.c.taken)
    return (await uow.conn.execute(statement)).first() is not None


async def give_back(uow: UnitOfWork, calendar_id: int, key: CountKey) -> None:
    """Give one unit back to this counter, if it is kept (a limit that is not set keeps
    none)."""
    period, day, booker = key
    await uow.conn.execute(
        update(counts)
        .where(
            counts.c.calendar_id == calendar_id,
            counts.c.period == period.value,
            counts.c.starts_on == day,
            counts.c.booker == booker,
            counts.c.taken > 0,
        )
        .values(taken=counts.c.taken - 1)
    )


def _family(period: Period, per_booker: bool) -> ColumnElement[bool]:
    return and_(
        counts.c.period == period.value,
        counts.c.booker != "" if per_booker else counts.c.booker == "",
    )


async def drop_family(
    uow: UnitOfWork, calendar_id: int, period: Period, *, per_booker: bool
) -> None:
    """Stop keeping one kind of counter (its limit was removed)."""
    await uow.conn.execute(
        delete(counts).where(counts.c.calendar_id == calendar_id, _family(period, per_booker))
    )


async def reset_family(
    uow: UnitOfWork,
    calendar_id: int,
    period: Period,
    *,
    per_booker: bool,
    taken: Counts,
) -> None:
    """Keep one kind of counter from now on, starting from `taken` (its limit was set)."""
    await drop_family(uow, calendar_id, period, per_booker=per_booker)
    rows = [
        {
            "calendar_id": calendar_id,
            "period": p.value,
            "starts_on": day,
            "booker": booker,
            "taken": n,
        }
        for (p, day, booker), n in taken.taken.items()
        if p is period and bool(booker) == per_booker
    ]
    if rows:
        await uow.conn.execute(insert(counts), rows)


async def lock_limits(
    uow: UnitOfWork, calendar_id: int, *, exclusive: bool = False, claiming_time: bool = False
) -> Limits:
    """The calendar's limits, read so as to order counting against a change of which
    counters are kept (PostgreSQL; SQLite's one writer already orders everything).

    Every transition that adds or removes an active booking reads them `FOR KEY SHARE`
    before it touches a counter (the lock a booking's foreign key takes anyway, so
    concurrent claims do not wait on each other, nor on other changes to the calendar);
    a settings change that starts or stops keeping one reads them `FOR UPDATE`
    (`exclusive`), which waits for those and holds them off, so its recount never misses
    a booking being made or given up meanwhile, and a claim never goes by limits older
    than the last change.

    `claiming_time`: the transaction is about to move a claim of the calendar's time (an
    UPDATE, which cannot leave a conflict to `ON CONFLICT`); in the same statement it
    waits until no other transaction is doing so, and holds the next off until it ends
    (a transaction-scoped advisory lock), so that two overlapping moves queue instead of
    deadlocking on each other's exclusion checks.

    A calendar this transaction read `for_claim` (`store.calendars`) holds that lock
    already: its limits as read then are the answer, without a round trip."""
    if not (exclusive or claiming_time) and calendar_id in uow.claim_limits:
        return uow.claim_limits[calendar_id]
    limits = (
        calendars.c.max_per_day,
        calendars.c.max_per_week,
        calendars.c.max_per_booker_per_day,
        calendars.c.max_per_booker_per_week,
    )
    query = select(*limits).where(calendars.c.id == calendar_id)
    if uow.is_postgresql and claiming_time:
        query = query.add_columns(func.pg_advisory_xact_lock(TIME_CLAIMS_LOCK, calendar_id))
    if uow.is_postgresql:
        query = (
            query.with_for_update()
            if exclusive
            else query.with_for_update(read=True, key_share=True)
        )
    row = (await uow.conn.execute(query)).one()
    return Limits(*row[: len(limits)])
