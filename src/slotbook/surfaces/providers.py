"""Surface 002 — providers and their bookings (`/api/v1`)."""

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, EmailStr

from slotbook.errors import InvalidInput
from slotbook.services import calendars as cal
from slotbook.services import permissions
from slotbook.services.bookings import Booking, claim_time, list_bookings
from slotbook.services.engine import Engine, UnitOfWork
from slotbook.services.idempotency import IdempotencyKey, Reply, idempotent
from slotbook.surfaces.auth import StrictUser
from slotbook.surfaces.deps import EngineDep
from slotbook.surfaces.errors import ErrorStyle, surface_route
from slotbook.surfaces.fields import Days, Id, Limit, Minutes, Name, Offset, parse_clock, parse_id

KIND = "provider"
REQUIRED = ("provider_id", "date", "time")
STYLE = ErrorStyle(
    key="error",
    validation_status=400,
    overrides={
        "calendar_not_found": (404, "Provider not found"),
        "slot_taken": (409, "This time slot is already booked"),
        "in_past": (400, "Cannot book a time in the past"),
        "email_taken": (409, "A provider with that email already exists"),
        "invalid_input": (400, None),
    },
)
router = APIRouter(prefix="/api/v1", tags=["002 providers"], route_class=surface_route(STYLE))


class ProviderIn(BaseModel):
    name: Name
    email: EmailStr
    timezone: str | None = None
    slot_minutes: int | None = None
    min_notice_minutes: Minutes = 0
    horizon_days: Days | None = None
    change_cutoff_minutes: Minutes = 0


class ProviderOut(BaseModel):
    id: int
    name: str
    email: str | None
    timezone: str
    slot_minutes: int
    change_cutoff_minutes: int

    @classmethod
    def of(cls, calendar: cal.Calendar) -> "ProviderOut":
        return cls(
            id=calendar.id,
            name=calendar.name,
            email=calendar.email,
            timezone=calendar.timezone,
            slot_minutes=calendar.slot_minutes,
            change_cutoff_minutes=calendar.change_cutoff_minutes,
        )


def booking_out(booking: Booking, calendar: cal.Calendar) -> dict[str, Any]:
    """A provider booking as surface 002 shows it."""
    local = booking.start_at.astimezone(calendar.zone)
    return {
        "id": booking.id,
        "provider_id": booking.calendar_id,
        "date": local.date().isoformat(),
        "time": local.strftime("%H:%M:%S"),
        "end_time": booking.end_at.astimezone(calendar.zone).strftime("%H:%M:%S"),
        "status": booking.status,
        "created_at": booking.created_at.isoformat(),
    }


async def get_provider(uow: UnitOfWork, provider_id: int) -> cal.Calendar:
    return await cal.get_calendar(uow, provider_id, kind=KIND)


@router.post("/providers", status_code=201, summary="Register a provider")
async def create_provider(body: ProviderIn, engine: EngineDep, user: StrictUser) -> ProviderOut:
    if body.slot_minutes is not None and not 0 < body.slot_minutes <= 1440:
        raise InvalidInput("slot_minutes must be between 1 and 1440")
    async for attempt in engine.attempts(write=True):
        async with attempt as uow:
            calendar = await cal.create_calendar(
                uow,
                kind=KIND,
                name=body.name,
                email=str(body.email).lower(),
                user_id=await permissions.owner_of_new_calendar(uow, user),
                timezone=body.timezone,
                slot_minutes=body.slot_minutes,
                enforce_hours=False,
                min_notice_minutes=body.min_notice_minutes,
                horizon_days=body.horizon_days,
                change_cutoff_minutes=body.change_cutoff_minutes,
            )
    return ProviderOut.of(calendar)


@router.get("/providers", summary="Providers, paged")
async def list_providers(
    engine: EngineDep, limit: Limit = 50, offset: Offset = 0
) -> list[ProviderOut]:
    async for attempt in engine.attempts():
        async with attempt as uow:
            found = await cal.list_calendars(uow, kind=KIND, limit=limit, offset=offset)
    return [ProviderOut.of(c) for c in found]


@router.get("/providers/{provider_id}", summary="One provider")
async def show_provider(provider_id: Id, engine: EngineDep) -> ProviderOut:
    async for attempt in engine.attempts():
        async with attempt as uow:
            provider = await get_provider(uow, provider_id)
    return ProviderOut.of(provider)


@router.get("/bookings", summary="Provider bookings, paged, by provider and dates")
async def list_provider_bookings(
    engine: EngineDep,
    user: StrictUser,
    provider_id: Id | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> list[dict[str, Any]]:
    async for attempt in engine.attempts():
        async with attempt as uow:
            if provider_id is not None:
                providers = [await get_provider(uow, provider_id)]
                permissions.check_owner(user, providers[0])
            else:
                permissions.check_admin(user)
                providers = await cal.list_calendars(uow, kind=KIND, limit=None)
            by_id = {p.id: p for p in providers}
            zone = providers[0].zone if provider_id is not None else None
            found = await list_bookings(
                uow,
                calendar_ids=list(by_id),
                start=_day_start(date_from, zone),
                end=_day_start(date_to, zone, next_day=True),
                limit=limit,
                offset=offset,
            )
    return [booking_out(b, by_id[b.calendar_id]) for b in found]


def _day_start(day: date | None, zone: tzinfo | None, *, next_day: bool = False) -> datetime | None:
    """Midnight starting `day` (or the day after) in `zone` (UTC when several providers)."""
    if day is None:
        return None
    return datetime.combine(day + timedelta(days=next_day), time(), zone or UTC)


def _required(body: dict[str, Any]) -> None:
    missing = [f for f in REQUIRED if body.get(f) in (None, "")]
    if missing:
        raise InvalidInput(f"Missing required fields: {', '.join(missing)}")


def _parse_date(value: Any) -> date:
    """`YYYY-MM-DD` exactly; InvalidInput otherwise."""
    try:
        if isinstance(value, str) and len(value) == 10:
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise InvalidInput("Invalid date format, expected YYYY-MM-DD")


async def book_provider_time(
    engine: Engine, body: dict[str, Any], idempotency_key: str | None
) -> Reply:
    """POST /api/v1/bookings with surface 002's body: {provider_id, date, time}."""
    _required(body)
    try:
        provider_id = parse_id(body["provider_id"])
    except ValueError as exc:
        raise InvalidInput("Invalid provider_id") from exc
    day = _parse_date(body["date"])
    wall = parse_clock(body["time"])

    async def book(uow: UnitOfWork) -> Reply:
        calendar = await get_provider(uow, provider_id)
        start_at = calendar.at(day, wall)
        if start_at is None:
            raise InvalidInput(f"{body['time']} does not exist on {day} in {calendar.timezone}")
        made = await claim_time(uow, calendar=calendar, start_at=start_at, source="providers")
        return Reply(201, booking_out(made.booking, calendar) | {"booking_token": made.token})

    key = IdempotencyKey.of(
        idempotency_key,
        scope="providers.bookings",
        request={"provider_id": provider_id, "date": day, "time": wall},
    )
    return await idempotent(engine, key, book)
