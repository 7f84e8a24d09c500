"""Who a freed place is offered to: the first in its waitlist's line.

`booking.transitions` asks this module, inside the very transaction that frees a place
(cancel, move away, decline, a hold's or a pending booking's expiry), who is next, and
turns the place into a hold for them (`Source.WAITLIST`, for the calendar's
`waitlist_offer_minutes`). Nobody else can take it meanwhile: the hold occupies it like
any other. The line is strict: on an explicit slot nobody is offered seats while someone
ahead of them waits for more seats than are free; on calendar time each start time has
its own line, and only its first is ever offered it.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from slotbook.availability.free_slots import check_unclaimed
from slotbook.booking.model import NO_BUFFERS, Booking, Draft, Source
from slotbook.calendars.model import Calendar
from slotbook.engine import UnitOfWork
from slotbook.store.bookings import waitlist as lines
from slotbook.store.bookings.booking_reads import get_seat_slot
from slotbook.store.bookings.waitlist import WaitlistEntry


@dataclass(frozen=True, slots=True)
class Offer:
    """A freed place for one in line: the hold that offers it to them."""

    entry: WaitlistEntry
    hold: Draft


async def next_in_line(uow: UnitOfWork, calendar: Calendar, freed: Booking) -> list[Offer]:
    """Who may be offered what `freed` gave back, in the order to try them: on a slot,
    its line from the first (the caller stops at the first who cannot be given their
    seats); on calendar time, the first of each start time's line whose slot, with the
    calendar's buffers, meets `freed`'s claimed time. Nobody for a place that has
    already started."""
    hold_until = uow.now + timedelta(minutes=calendar.waitlist_offer_minutes)
    if freed.slot_id is not None:
        slot = await get_seat_slot(uow, freed.slot_id)
        if slot is None or slot.start_at <= uow.now:
            return []
        line = await lines.waiting_for_slot(uow, slot.id, most=slot.capacity)
        return [
            Offer(e, _hold(e, calendar, slot.start_at, slot.end_at, hold_until, slot.id))
            for e in line
        ]
    length = calendar.slot_length
    after = freed.claimed.start - length - timedelta(minutes=calendar.buffer_after_minutes)
    before = freed.claimed.end + timedelta(minutes=calendar.buffer_before_minutes)
    heads: dict[datetime, WaitlistEntry] = {}
    for entry in await lines.waiting_for_times(uow, calendar.id, max(after, uow.now), before):
        heads.setdefault(entry.start_at, entry)
    return [
        Offer(e, _hold(e, calendar, e.start_at, e.start_at + length, hold_until))
        for e in heads.values()
    ]


def _hold(
    entry: WaitlistEntry,
    calendar: Calendar,
    start_at: datetime,
    end_at: datetime,
    hold_until: datetime,
    slot_id: int | None = None,
) -> Draft:
    return Draft(
        calendar_id=calendar.id,
        slot_id=slot_id,
        start_at=start_at,
        end_at=end_at,
        source=Source.WAITLIST,
        name=entry.name,
        email=entry.email,
        seats=entry.seats,
        hold_until=hold_until,
        buffers=NO_BUFFERS if slot_id is not None else calendar.buffers,
    )


async def check_place_free(uow: UnitOfWork, calendar: Calendar, hold: Draft) -> None:
    """On calendar time, refuse (SlotTaken, InsideBuffer) a time some other claim still
    meets; seats are decided by the claim itself."""
    if hold.slot_id is None:
        await check_unclaimed(uow, calendar, hold.start_at, hold.end_at)
