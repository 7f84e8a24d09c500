"""Surface 002 — providers and their bookings (`/api/v1`)."""

from datetime import UTC

from fastapi import APIRouter
from pydantic import BaseModel, EmailStr

from slotbook.accounts import permissions
from slotbook.accounts.model import User
from slotbook.calendars import calendars as cal
from slotbook.calendars.model import CalendarKind
from slotbook.engine import UnitOfWork
from slotbook.errors import CalendarNotFound, EmailTaken, InvalidInput
from slotbook.scheduling import local_day_bounds
from slotbook.store.bookings.booking_reads import list_bookings
from slotbook.surfaces.http.auth import OptionalUser, StrictUser
from slotbook.surfaces.http.deps import EngineDep
from slotbook.surfaces.http.errors import surface_route
from slotbook.surfaces.http.fields import Count, Day, Days, Limit, Minutes, Name, Offset, ProviderId
from slotbook.surfaces.http.replies import ProviderBookingOut, examples
from slotbook.surfaces.http.shared import PROVIDER_STYLE, provider_booking_out

KIND = CalendarKind.PROVIDER
router = APIRouter(
    prefix="/api/v1", tags=["002 providers"], route_class=surface_route(PROVIDER_STYLE)
)


class ProviderIn(BaseModel):
    model_config = examples({"name": "Dr Who", "email": "dr.who@example.com"})

    name: Name
    email: EmailStr
    timezone: str | None = None
    slot_minutes: Count | None = None
    min_notice_minutes: Minutes = 0
    horizon_days: Days | None = None
    change_cutoff_minutes: Minutes = 0


class ProviderOut(BaseModel):
    model_config = examples(
        {
            "id": 1,
            "name": "Dr Who",
            "email": "dr.who@example.com",
            "timezone": "UTC",
            "slot_minutes": 60,
            "change_cutoff_minutes": 0,
        }
    )

    id: int
    name: str
    email: str | None
    timezone: str
    slot_minutes: int
    change_cutoff_minutes: int

    @classmethod
    def of(cls, calendar: cal.Calendar, viewer: User | None = None) -> "ProviderOut":
        """`email` is null for a 004 provider unless `viewer` may manage their calendar."""
        return cls(
            id=calendar.id,
            name=calendar.name,
            email=permissions.email_shown_to(viewer, calendar),
            timezone=calendar.timezone,
            slot_minutes=calendar.slot_minutes,
            change_cutoff_minutes=calendar.change_cutoff_minutes,
        )


async def get_provider(uow: UnitOfWork, provider_id: int) -> cal.Calendar:
    return await cal.get_calendar(uow, provider_id, kind=KIND)


@router.post(
    "/providers",
    status_code=201,
    summary="Register a provider",
    responses=PROVIDER_STYLE.responses(
        EmailTaken, InvalidInput("slot_minutes must be between 1 and 1440")
    ),
)
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
    engine: EngineDep, viewer: OptionalUser, limit: Limit = 50, offset: Offset = 0
) -> list[ProviderOut]:
    async for attempt in engine.attempts(read_only=True):
        async with attempt as uow:
            found = await cal.list_calendars(uow, kind=KIND, limit=limit, offset=offset)
    return [ProviderOut.of(c, viewer) for c in found]


@router.get(
    "/providers/{provider_id}",
    summary="One provider",
    responses=PROVIDER_STYLE.responses(CalendarNotFound),
)
async def show_provider(
    provider_id: ProviderId, engine: EngineDep, viewer: OptionalUser
) -> ProviderOut:
    async for attempt in engine.attempts(read_only=True):
        async with attempt as uow:
            provider = await get_provider(uow, provider_id)
    return ProviderOut.of(provider, viewer)


@router.get(
    "/bookings",
    summary="Provider bookings, paged, by provider and dates",
    responses=PROVIDER_STYLE.responses(CalendarNotFound),
)
async def list_provider_bookings(
    engine: EngineDep,
    user: StrictUser,
    viewer: OptionalUser,
    provider_id: ProviderId | None = None,
    date_from: Day | None = None,
    date_to: Day | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> list[ProviderBookingOut]:
    async for attempt in engine.attempts(read_only=True):
        async with attempt as uow:
            if provider_id is not None:
                providers = [await get_provider(uow, provider_id)]
                permissions.check_owner(user, providers[0])
                permissions.check_may_list_bookings(viewer, providers[0])
            else:
                permissions.check_admin(user)
                providers = [
                    p
                    for p in await cal.list_calendars(uow, kind=KIND, limit=None)
                    if not p.patients_only or permissions.may_manage(viewer, p)
                ]
            by_id = {p.id: p for p in providers}
            # one provider: its days; several: UTC days
            zone = providers[0].zone if provider_id is not None else UTC
            found = await list_bookings(
                uow,
                calendar_ids=list(by_id),
                start=local_day_bounds(zone, date_from)[0] if date_from else None,
                end=local_day_bounds(zone, date_to)[1] if date_to else None,
                limit=limit,
                offset=offset,
            )
    return [
        ProviderBookingOut.model_validate(provider_booking_out(b, by_id[b.calendar_id]))
        for b in found
    ]
