"""A calendar's settings, booking rules and email settings (`reminder_minutes`, the
owner's notice `email`): `GET`/`PATCH /api/v1/calendars/{id}/settings`.

Errors are `{"detail": message, "code"}`; a bad value is a 422 naming the field.
Who may change them: `services.permissions.check_configurer`.
"""

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, model_validator

from slotbook.accounts import permissions
from slotbook.calendars import calendars as cal
from slotbook.calendars.settings import change_settings
from slotbook.errors import CalendarNotFound
from slotbook.scheduling.rules import MAX_BUFFER_MINUTES
from slotbook.surfaces.http.auth import OptionalUser
from slotbook.surfaces.http.deps import EngineDep
from slotbook.surfaces.http.errors import ErrorStyle, surface_route
from slotbook.surfaces.http.fields import MAX_SEATS_PER_BOOKING, Days, Id, Minutes

STYLE = ErrorStyle()
MAX_LIMIT = 10_000
MAX_APPROVAL_TIMEOUT_MINUTES = 43_200  # 30 days
MAX_REMINDER_MINUTES = 43_200  # 30 days
router = APIRouter(
    prefix="/api/v1/calendars", tags=["calendar settings"], route_class=surface_route(STYLE)
)


def _between(low: int, high: int, what: str) -> AfterValidator:
    def check(value: int) -> int:
        if not low <= value <= high:
            raise ValueError(f"must be {what}")
        return value

    return AfterValidator(check)


Buffer = Annotated[
    int, _between(0, MAX_BUFFER_MINUTES, f"0 to {MAX_BUFFER_MINUTES} minutes (at most a day)")
]
BookingLimit = Annotated[
    int,
    _between(
        1,
        MAX_LIMIT,
        f"1 to {MAX_LIMIT}, or null for no limit (to close a day, change its hours)",
    ),
]
ApprovalTimeout = Annotated[
    int,
    _between(1, MAX_APPROVAL_TIMEOUT_MINUTES, f"1 to {MAX_APPROVAL_TIMEOUT_MINUTES} minutes"),
]
ReminderMinutes = Annotated[
    int,
    _between(0, MAX_REMINDER_MINUTES, f"0 (no reminder) to {MAX_REMINDER_MINUTES} minutes"),
]
SeatsPerBooking = Annotated[
    int, _between(1, MAX_SEATS_PER_BOOKING, f"1 to {MAX_SEATS_PER_BOOKING}")
]
WaitlistOffer = Annotated[
    int, _between(1, MAX_APPROVAL_TIMEOUT_MINUTES, f"1 to {MAX_APPROVAL_TIMEOUT_MINUTES} minutes")
]

#: Settings whose null means something (no limit; follow change_cutoff_minutes).
NULLABLE = {
    "cancel_cutoff_minutes",
    "move_cutoff_minutes",
    "max_per_day",
    "max_per_week",
    "max_per_booker_per_day",
    "max_per_booker_per_week",
    "email",
}


class SettingsPatch(BaseModel):
    """Only the settings given change; an unknown name is refused."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"buffer_after_minutes": 15, "max_per_day": 4, "requires_approval": True}]
        },
    )

    timezone: str | None = None
    min_notice_minutes: Minutes | None = None
    horizon_days: Days | None = None
    change_cutoff_minutes: Minutes | None = None
    cancel_cutoff_minutes: Minutes | None = None
    move_cutoff_minutes: Minutes | None = None
    buffer_before_minutes: Buffer | None = None
    buffer_after_minutes: Buffer | None = None
    max_per_day: BookingLimit | None = None
    max_per_week: BookingLimit | None = None
    max_per_booker_per_day: BookingLimit | None = None
    max_per_booker_per_week: BookingLimit | None = None
    requires_approval: bool | None = None
    approval_timeout_minutes: ApprovalTimeout | None = None
    max_seats_per_booking: SeatsPerBooking | None = None
    waitlist_offer_minutes: WaitlistOffer | None = None
    reminder_minutes: ReminderMinutes | None = None
    email: EmailStr | None = None

    @model_validator(mode="after")
    def _null_only_where_it_means_something(self) -> "SettingsPatch":
        for name in self.model_fields_set - NULLABLE:
            if getattr(self, name) is None:
                raise ValueError(f"{name} may not be null")
        return self

    def changes(self) -> dict[str, Any]:
        return {
            name: str(value) if name == "email" and value else value
            for name in self.model_fields_set
            if (value := getattr(self, name)) is not None or name in NULLABLE
        }


class SettingsOut(BaseModel):
    """Every setting in force. The cut-offs are the ones that apply (a cancel or move
    cut-off never set separately follows `change_cutoff_minutes`)."""

    calendar_id: int
    kind: str
    slot_minutes: int
    timezone: str
    min_notice_minutes: int
    horizon_days: int
    change_cutoff_minutes: int
    cancel_cutoff_minutes: int
    move_cutoff_minutes: int
    buffer_before_minutes: int
    buffer_after_minutes: int
    max_per_day: int | None
    max_per_week: int | None
    max_per_booker_per_day: int | None
    max_per_booker_per_week: int | None
    requires_approval: bool
    approval_timeout_minutes: int
    max_seats_per_booking: int
    waitlist_offer_minutes: int
    reminder_minutes: int
    email: str | None

    @classmethod
    def of(cls, calendar: cal.Calendar) -> "SettingsOut":
        return cls(
            calendar_id=calendar.id,
            kind=calendar.kind,
            slot_minutes=calendar.slot_minutes,
            timezone=calendar.timezone,
            min_notice_minutes=calendar.min_notice_minutes,
            horizon_days=calendar.horizon_days,
            change_cutoff_minutes=calendar.change_cutoff_minutes,
            cancel_cutoff_minutes=calendar.cancel_cutoff,
            move_cutoff_minutes=calendar.move_cutoff,
            buffer_before_minutes=calendar.buffer_before_minutes,
            buffer_after_minutes=calendar.buffer_after_minutes,
            max_per_day=calendar.max_per_day,
            max_per_week=calendar.max_per_week,
            max_per_booker_per_day=calendar.max_per_booker_per_day,
            max_per_booker_per_week=calendar.max_per_booker_per_week,
            requires_approval=calendar.requires_approval,
            approval_timeout_minutes=calendar.approval_timeout_minutes,
            max_seats_per_booking=calendar.max_seats_per_booking,
            waitlist_offer_minutes=calendar.waitlist_offer_minutes,
            reminder_minutes=calendar.reminder_minutes,
            email=calendar.notice_email,
        )


@router.get(
    "/{calendar_id}/settings",
    summary="A calendar's settings and booking rules",
    responses=STYLE.responses(CalendarNotFound),
)
async def show_settings(calendar_id: Id, engine: EngineDep) -> SettingsOut:
    async for attempt in engine.attempts():
        async with attempt as uow:
            calendar = await cal.get_calendar(uow, calendar_id)
    return SettingsOut.of(calendar)


@router.patch(
    "/{calendar_id}/settings",
    summary="Change some of a calendar's settings",
    responses={
        401: {"description": "A calendar with an owner account, and no valid bearer token"},
        403: {"description": "Signed in, but not this calendar's owner nor an admin"},
        404: {"content": {"application/json": {"example": {"detail": "Calendar not found"}}}},
        422: {
            "content": {
                "application/json": {
                    "example": {
                        "detail": "buffer_before_minutes: must be 0 to 1440 "
                        "minutes (at most a day)",
                        "code": "invalid_input",
                    }
                }
            }
        },
    },
)
async def patch_settings(
    calendar_id: Id, body: SettingsPatch, engine: EngineDep, user: OptionalUser
) -> SettingsOut:
    async for attempt in engine.attempts(write=True):
        async with attempt as uow:
            calendar = await cal.get_calendar(uow, calendar_id)
            permissions.check_configurer(user, calendar, strict=engine.settings.auth == "strict")
            changed = await change_settings(uow, calendar_id, body.changes())
    return SettingsOut.of(changed)
