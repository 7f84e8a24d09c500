"""Surface 004 — accounts and reservations (no prefix; every route but sign-up and
sign-in needs a bearer token).

Ids: a provider's id here is their user id (GET /providers also shows the `calendar_id`
that surface 002 knows them by). A time slot's `id` is its start instant in whole
minutes since the Unix epoch (unique per provider). A reservation's `slot_id` is the
booking's id, the same id every other surface shows for that booking.
"""

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Form, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from slotbook.accounts import permissions
from slotbook.accounts import users as accounts
from slotbook.accounts.model import Role, User
from slotbook.availability.free_slots import check_window_length
from slotbook.availability.timeslots import offered_slots
from slotbook.booking import reservations
from slotbook.booking.model import Booking, BookingStatus
from slotbook.calendars import calendars as cal
from slotbook.calendars.settings import change_settings
from slotbook.engine import UnitOfWork
from slotbook.errors import (
    BookingNotFound,
    EmailTaken,
    Forbidden,
    InvalidHours,
    InvalidWindow,
    NotChangeable,
    NotFound,
    OffGrid,
    OutsideHours,
    ProviderNotFound,
    ReservationExpired,
    Unauthorized,
    WindowTooLong,
)
from slotbook.protection.rate_limits import Rule
from slotbook.scheduling import DateHours, Slot, WeeklyRule
from slotbook.surfaces.documents.schedule_text import DayCodes, TimeOfDay
from slotbook.surfaces.http.auth import BearerToken, CurrentUser, current_user, require_role
from slotbook.surfaces.http.deps import (
    IDEMPOTENCY_KEY_DOCUMENTED,
    BookingAttemptDep,
    EngineDep,
    RateLimiterDep,
    SlotCacheDep,
    address_of,
    per_address,
)
from slotbook.surfaces.http.errors import TIME_CLAIM_ERRORS, ErrorStyle, surface_route
from slotbook.surfaces.http.fields import Day, Id, Moment, Name, Offset
from slotbook.surfaces.http.replies import Answer, MessageOut, examples
from slotbook.surfaces.http.shared import Reply, answer_once

STYLE = ErrorStyle(
    overrides={
        "email_taken": (409, "Email already registered"),
        "slot_taken": (409, "Time slot is not available: it is already taken"),
        "outside_hours": (409, "Time slot is not available: it is outside the provider's hours"),
        "off_grid": (409, None),
        "in_past": (409, "Time slot is in the past"),
        "too_soon": (409, None),
        "beyond_horizon": (409, None),
    }
)
router = APIRouter(tags=["004 reservations"], route_class=surface_route(STYLE))

#: how many days `time-slots` and `booked-appointments` show when no end_date is given
DEFAULT_WINDOW_DAYS = 7
Password = Annotated[str, StringConstraints(min_length=8, max_length=1024)]
Admin = Annotated[User, Depends(require_role(Role.ADMIN))]
Patient = Annotated[User, Depends(require_role(Role.PATIENT))]
Provider = Annotated[User, Depends(require_role(Role.PROVIDER))]
ProviderOrAdmin = Annotated[User, Depends(require_role(Role.PROVIDER, Role.ADMIN))]
PatientOrProvider = Annotated[User, Depends(require_role(Role.PATIENT, Role.PROVIDER))]


class RegisterIn(BaseModel):
    model_config = examples(
        {"name": "Pat", "email": "pat@example.com", "password": "correct-horse", "role": "patient"}
    )

    name: Name
    email: EmailStr
    password: Password
    role: accounts.Role


class ResetIn(BaseModel):
    model_config = examples({"email": "pat@example.com", "new_password": "battery-staple"})

    email: EmailStr
    new_password: Password


class TimeRange(BaseModel):
    start: TimeOfDay
    end: TimeOfDay


class WeeklyTimes(TimeRange):
    days: DayCodes


class GeneralSchedule(BaseModel):
    start_date: Day | None = None
    end_date: Day | None = None
    times: list[WeeklyTimes] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _dates_in_order(self) -> "GeneralSchedule":
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValueError("end_date must not be before start_date")
        return self


class DateException(BaseModel):
    date: Day
    times: list[TimeRange] = Field(default_factory=list, max_length=100)


class ManualSlots(BaseModel):
    date: Day
    times: list[TimeRange] = Field(min_length=1, max_length=100)


class ProviderAvailabilityIn(BaseModel):
    model_config = examples(
        {
            "general_schedule": {
                "start_date": "2031-01-01",
                "end_date": "2031-12-31",
                "times": [{"days": "M-F", "start": "9am", "end": "5pm"}],
            },
            "exceptions": [{"date": "2031-01-24", "times": []}],
            "manual_appointment_slots": [
                {"date": "2031-01-25", "times": [{"start": "10am", "end": "12pm"}]}
            ],
        }
    )

    general_schedule: GeneralSchedule | None = None
    exceptions: list[DateException] = Field(default_factory=list, max_length=1000)
    manual_appointment_slots: list[ManualSlots] = Field(default_factory=list, max_length=1000)
    timezone: str | None = None

    def schedule(self) -> cal.Schedule:
        """Weekly rules valid from start_date to end_date; an exception replaces its date's
        hours (none: closed); manual slots add hours on their date."""
        general = self.general_schedule or GeneralSchedule()
        rules = [
            WeeklyRule(day, t.start, t.end, general.start_date, general.end_date)
            for t in general.times
            for day in t.days
        ]
        closed = [DateHours(e.date, None, None, True) for e in self.exceptions if not e.times]
        replaced = [
            DateHours(e.date, t.start, t.end, True) for e in self.exceptions for t in e.times
        ]
        added = [
            DateHours(m.date, t.start, t.end, False)
            for m in self.manual_appointment_slots
            for t in m.times
        ]
        return cal.Schedule(rules=rules, dates=closed + replaced + added)


class ReserveIn(BaseModel):
    model_config = examples({"provider_id": 2, "start_time": "2031-01-20T09:00:00+00:00"})

    provider_id: Id
    start_time: Moment


class SlotIdIn(BaseModel):
    model_config = examples({"slot_id": 42})

    slot_id: Id


class SignInForm(BaseModel):
    """OAuth2's password form: `username` is the email."""

    model_config = examples({"username": "pat@example.com", "password": "correct-horse"})

    username: str
    password: str
    grant_type: str | None = Field(None, pattern="^password$")
    scope: str = ""


class RegisteredOut(Answer):
    model_config = examples({"message": "User registered successfully", "id": 3})

    message: str
    id: int


class TokenOut(Answer):
    model_config = examples(
        {"access_token": "eyJhbGciOi…", "token_type": "bearer", "expires_in": 1800}
    )

    access_token: str
    token_type: str
    expires_in: int


class ProviderAccountOut(Answer):
    model_config = examples(
        {"id": 2, "name": "Dr Who", "email": "dr@example.com", "calendar_id": 4}
    )

    id: int
    name: str
    email: str
    calendar_id: int | None


class TimeSlotOffer(BaseModel):
    model_config = examples(
        {
            "id": 32944140,
            "provider_id": 2,
            "start_time": "2031-01-20T09:00:00+00:00",
            "end_time": "2031-01-20T09:15:00+00:00",
            "status": "available",
        }
    )

    id: int = Field(description="The slot's start in whole minutes since the Unix epoch")
    provider_id: int
    start_time: str
    end_time: str
    status: str


class ProviderAppointmentOut(Answer):
    id: int
    provider_id: int
    start_time: str
    end_time: str
    status: str = Field(description="reserved or booked")
    client_id: int | None
    reserved_by: str | None
    reserved_until: str | None
    confirmed: bool


class ReservationOut(ProviderAppointmentOut):
    model_config = examples(
        {
            "message": "Slot reserved successfully",
            "slot_id": 42,
            "id": 42,
            "provider_id": 2,
            "start_time": "2031-01-20T09:00:00+00:00",
            "end_time": "2031-01-20T09:15:00+00:00",
            "status": "reserved",
            "client_id": 3,
            "reserved_by": "Pat",
            "reserved_until": "2031-01-19T10:30:00+00:00",
            "confirmed": False,
            "booking_token": "Jq3…",
        }
    )

    message: str
    slot_id: int
    booking_token: str


class SlotMessageOut(Answer):
    model_config = examples({"message": "Appointment cancelled successfully", "slot_id": 42})

    message: str
    slot_id: int


def _iso(instant: dt.datetime, calendar: cal.Calendar) -> str:
    return instant.astimezone(calendar.zone).isoformat()


def slot_out(slot: Slot, zone: dt.tzinfo, provider_id: int) -> dict[str, Any]:
    return {
        "id": int(slot.start.timestamp()) // 60,
        "provider_id": provider_id,
        "start_time": slot.start.astimezone(zone).isoformat(),
        "end_time": slot.end.astimezone(zone).isoformat(),
        "status": "available",
    }


def appointment_out(booking: Booking, calendar: cal.Calendar, provider_id: int) -> dict[str, Any]:
    held = booking.status == BookingStatus.HELD
    pending = booking.status == BookingStatus.PENDING
    return {
        "id": booking.id,
        "provider_id": provider_id,
        "start_time": _iso(booking.start_at, calendar),
        "end_time": _iso(booking.end_at, calendar),
        "status": "reserved" if held else "pending" if pending else "booked",
        "client_id": booking.user_id,
        "reserved_by": booking.name,
        "reserved_until": _iso(booking.hold_expires_at, calendar)
        if held and booking.hold_expires_at
        else None,
        "confirmed": booking.status == BookingStatus.CONFIRMED,
    }


def _window(
    calendar: cal.Calendar, now: dt.datetime, start: dt.date | None, end: dt.date | None
) -> tuple[dt.date, dt.date]:
    """The local days asked for; by default a week from today in the provider's zone."""
    first = start or calendar.today(now)
    last = end or first + dt.timedelta(days=DEFAULT_WINDOW_DAYS - 1)
    if last < first:
        raise InvalidWindow()
    return first, last


def _instant(calendar: cal.Calendar, start: dt.datetime) -> dt.datetime:
    """An instant as given, or a wall time in the provider's zone."""
    if start.tzinfo is not None:
        return start.astimezone(dt.UTC)
    instant = calendar.at(start.date(), start.time())
    if instant is None:  # a wall time that DST skips
        raise OutsideHours()
    return instant


@router.post(
    "/register",
    summary="Register a provider, patient or admin",
    response_model=RegisteredOut,
    responses=STYLE.responses(
        EmailTaken,
        Unauthorized("An admin's token is needed to register another admin"),
        Forbidden("Only an admin can register another admin"),
    ),
    dependencies=[per_address(Rule.REGISTRATIONS_PER_ADDRESS)],
)
async def register(body: RegisterIn, engine: EngineDep, token: BearerToken) -> dict[str, Any]:
    actor = await current_user(engine, token) if body.role == Role.ADMIN and token else None
    user = await accounts.register(
        engine,
        name=body.name,
        email=str(body.email),
        password=body.password,
        role=body.role,
        actor=actor,
    )
    return {"message": "User registered successfully", "id": user.id}


@router.post(
    "/token",
    summary="Sign in (OAuth2 password form: username = email)",
    response_model=TokenOut,
    responses=STYLE.responses(Unauthorized(accounts.WRONG_CREDENTIALS)),
)
async def sign_in(
    request: Request,
    engine: EngineDep,
    limiter: RateLimiterDep,
    form: Annotated[SignInForm, Form()],
) -> dict[str, Any]:
    """Failed attempts count per client address and per account; either used up is 429
    before the password is even checked (so guessing costs no Argon2 work either)."""
    counted = (
        (Rule.SIGN_IN_FAILURES_PER_ADDRESS, address_of(request)),
        (Rule.SIGN_IN_FAILURES_PER_ACCOUNT, form.username.strip().lower()),
    )
    for rule, key in counted:
        await limiter.check(rule, key)
    try:
        user = await accounts.authenticate(engine, email=form.username, password=form.password)
    except Unauthorized:
        for rule, key in counted:
            await limiter.hit(rule, key)
        raise
    return {
        "access_token": await accounts.access_token(engine, user),
        "token_type": "bearer",
        "expires_in": engine.settings.access_token_expire_minutes * 60,
    }


@router.post(
    "/reset-password",
    summary="Reset a password (yourself, or anyone as an admin)",
    response_model=MessageOut,
    responses=STYLE.responses(
        NotFound("User not found"), Forbidden("You may only reset your own password")
    ),
)
async def reset_password(
    engine: EngineDep,
    user: CurrentUser,
    email: str | None = Query(None),
    new_password: str | None = Query(None),
    body: dict[str, Any] | None = Body(
        None,
        description="`email` and `new_password`, if not given as query parameters",
        examples=[{"email": "pat@example.com", "new_password": "battery-staple"}],
    ),
) -> dict[str, str]:
    given = {k: v for k, v in {"email": email, "new_password": new_password}.items() if v}
    try:
        reset = ResetIn.model_validate((body or {}) | given)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False)) from exc
    await accounts.reset_password(
        engine, actor=user, email=str(reset.email), new_password=reset.new_password
    )
    return {"message": "Password reset successfully"}


@router.get(
    "/providers",
    summary="Every provider (admins only)",
    response_model=list[ProviderAccountOut],
    responses=STYLE.responses(Forbidden("This needs the admin role")),
)
async def list_providers(
    engine: EngineDep,
    _: Admin,
    limit: int = Query(100, ge=1, le=1000),
    offset: Offset = 0,
) -> list[dict[str, Any]]:
    async for attempt in engine.attempts():
        async with attempt as uow:
            found = await accounts.list_providers(uow, limit=limit, offset=offset)
    return [
        {"id": u.id, "name": u.name, "email": u.email, "calendar_id": calendar_id}
        for u, calendar_id in found
    ]


@router.post(
    "/providers/{provider_id}/availability",
    summary="Set your availability (that provider only)",
    response_model=MessageOut,
    responses=STYLE.responses(
        ProviderNotFound, InvalidHours, Forbidden("Only that provider may do that")
    ),
)
async def set_availability(
    provider_id: Id, body: ProviderAvailabilityIn, engine: EngineDep, user: Provider
) -> dict[str, str]:
    permissions.check_is_provider(user, provider_id)
    # The heavy part (joining up to the body limit's worth of ranges) before the write lock.
    schedule = cal.compacted(engine.settings, body.schedule())
    async for attempt in engine.attempts(write=True):
        async with attempt as uow:
            calendar = await accounts.provider_calendar(uow, provider_id)
            if body.timezone and body.timezone != calendar.timezone:
                calendar = await change_settings(uow, calendar.id, {"timezone": body.timezone})
            await cal.set_schedule(uow, calendar, schedule)
    return {"message": "Availability set successfully"}


class BookingPolicyIn(BaseModel):
    """Who may book the provider's calendar: `signed_in_patients` (the default: patients
    reserve through this surface) or `anyone` (also 002's bookings, the board and the
    booking pages, without sign-in)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"who_may_book": "anyone"}]})

    who_may_book: cal.WhoMayBook


class BookingPolicyOut(BaseModel):
    provider_id: int
    calendar_id: int
    who_may_book: cal.WhoMayBook


@router.put(
    "/providers/{provider_id}/booking-policy",
    summary="Open your calendar to bookings without sign-in, or close it (that provider only)",
    responses={
        401: {"description": 'No or bad token: `{"detail": "Not authenticated"}`'},
        403: {"description": 'Not that provider: `{"detail": "Only that provider ..."}`'},
    },
)
async def set_booking_policy(
    provider_id: Id, body: BookingPolicyIn, engine: EngineDep, user: Provider
) -> BookingPolicyOut:
    permissions.check_is_provider(user, provider_id)
    async for attempt in engine.attempts(write=True):
        async with attempt as uow:
            calendar = await accounts.provider_calendar(uow, provider_id)
            calendar = await cal.update_calendar(uow, calendar, who_may_book=body.who_may_book)
    return BookingPolicyOut(
        provider_id=provider_id, calendar_id=calendar.id, who_may_book=body.who_may_book
    )


@router.get(
    "/providers/{provider_id}/time-slots",
    summary="A provider's free slots",
    response_model=list[TimeSlotOffer],
    responses=STYLE.responses(ProviderNotFound, InvalidWindow, WindowTooLong),
)
async def time_slots(
    provider_id: Id,
    engine: EngineDep,
    cache: SlotCacheDep,
    _: CurrentUser,
    start_date: Day | None = None,
    end_date: Day | None = None,
) -> list[dict[str, Any]]:
    async for attempt in engine.attempts():
        async with attempt as uow:
            calendar = await accounts.provider_calendar(uow, provider_id)
    first, last = _window(calendar, engine.clock(), start_date, end_date)
    slots = await offered_slots(engine, cache, calendar, first, last)
    zone = calendar.zone
    return [slot_out(s, zone, provider_id) for s in slots]


@router.post(
    "/appointments/reserve",
    summary="Hold a slot for the grace period (patients)",
    response_model=ReservationOut,
    responses=STYLE.responses(
        ProviderNotFound,
        *TIME_CLAIM_ERRORS,
        OffGrid("09:05 is not on the calendar's 15-minute grid"),
        Forbidden("This needs the patient role"),
    ),
    openapi_extra=IDEMPOTENCY_KEY_DOCUMENTED,
)
async def reserve(attempt: BookingAttemptDep, body: ReserveIn, patient: Patient) -> dict[str, Any]:
    async def hold(uow: UnitOfWork) -> Reply:
        calendar = await accounts.provider_calendar(uow, body.provider_id)
        made = await reservations.reserve(
            uow, patient=patient, calendar=calendar, start_at=_instant(calendar, body.start_time)
        )
        booking = made.booking
        return Reply(
            200,
            {
                "message": "Slot reserved successfully",
                "slot_id": booking.id,
                **appointment_out(booking, calendar, body.provider_id),
                "booking_token": made.token,
            },
        )

    request = {"patient": patient.id} | body.model_dump(mode="json")
    reply = await answer_once(
        attempt.engine, attempt.idempotency_key, hold, scope="reservations.reserve", request=request
    )
    return reply.body


@router.post(
    "/appointments/confirm",
    summary="Confirm your reservation (patients)",
    response_model=SlotMessageOut,
    responses=STYLE.responses(
        BookingNotFound("Reservation not found"),
        ReservationExpired,
        NotChangeable("This reservation was cancelled"),
        Forbidden("This reservation is someone else's"),
    ),
)
async def confirm(body: SlotIdIn, engine: EngineDep, patient: Patient) -> dict[str, Any]:
    async for attempt in engine.attempts(write=True):
        async with attempt as uow:
            booking = await reservations.confirm(uow, patient=patient, booking_id=body.slot_id)
    if booking.status == BookingStatus.PENDING:
        message = "Reservation confirmed; pending the provider's approval"
    else:
        message = "Reservation confirmed successfully"
    return {"message": message, "slot_id": body.slot_id, "status": booking.status}


@router.post(
    "/appointments/cancel",
    summary="Cancel an appointment (its patient or provider)",
    response_model=SlotMessageOut,
    responses=STYLE.responses(
        BookingNotFound("Appointment not found"),
        NotChangeable,
        Forbidden("You may only cancel your own appointments"),
    ),
)
async def cancel(body: SlotIdIn, engine: EngineDep, user: PatientOrProvider) -> dict[str, Any]:
    async for attempt in engine.attempts(write=True):
        async with attempt as uow:
            await reservations.cancel(uow, user=user, booking_id=body.slot_id)
    return {"message": "Appointment cancelled successfully", "slot_id": body.slot_id}


@router.get(
    "/providers/{provider_id}/booked-appointments",
    summary="A provider's reserved and booked appointments (that provider or an admin)",
    response_model=list[ProviderAppointmentOut],
    responses=STYLE.responses(
        ProviderNotFound,
        InvalidWindow,
        WindowTooLong,
        Forbidden("Only that provider or an admin may do that"),
    ),
)
async def booked_appointments(
    provider_id: Id,
    engine: EngineDep,
    user: ProviderOrAdmin,
    start_date: Day | None = None,
    end_date: Day | None = None,
) -> list[dict[str, Any]]:
    permissions.check_is_provider(user, provider_id, or_admin=True)
    async for attempt in engine.attempts():
        async with attempt as uow:
            calendar = await accounts.provider_calendar(uow, provider_id)
            first, last = _window(calendar, uow.now, start_date, end_date)
            check_window_length(engine.settings, first, last)
            found = await reservations.appointments(uow, calendar, first, last)
    return [appointment_out(b, calendar, provider_id) for b in found]
