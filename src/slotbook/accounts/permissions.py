"""Who may do what: roles, and (in strict mode) the owners of calendars.

`user` is None when the service runs open (surfaces 000-003 without sign-in): then
anyone may. In strict mode it is the signed-in user.
"""

from slotbook.accounts.model import Role, User
from slotbook.calendars import calendars as cal
from slotbook.engine import UnitOfWork
from slotbook.errors import Forbidden, PatientsOnly, Unauthorized


def check_role(user: User, roles: tuple[str, ...]) -> None:
    if user.role not in roles:
        raise Forbidden(f"This needs the {' or '.join(roles)} role")


def check_is_provider(user: User, provider_id: int, *, or_admin: bool = False) -> None:
    """Only the provider `provider_id` themself (or an admin, if `or_admin`)."""
    if (user.role == Role.PROVIDER and user.id == provider_id) or (or_admin and user.is_admin):
        return
    raise Forbidden("Only that provider" + (" or an admin" if or_admin else "") + " may do that")


def check_owner(user: User | None, calendar: cal.Calendar) -> None:
    """Only the calendar's owner or an admin (anyone when open)."""
    if user is None or user.is_admin or calendar.user_id == user.id:
        return
    raise Forbidden("Only this calendar's owner or an admin may do that")


def check_admin(user: User | None) -> None:
    """Only an admin (anyone when open)."""
    if user is not None and not user.is_admin:
        raise Forbidden("Only an admin may do that")


async def owner_of_new_calendar(uow: UnitOfWork, user: User | None) -> int | None:
    """Who owns a calendar `user` creates: they do, unless open mode or an admin (then
    nobody, and admins manage it). A user owns at most one calendar."""
    if user is None or user.is_admin:
        return None
    if await cal.find_calendar_of_user(uow, user.id) is not None:
        raise Forbidden("You already own a calendar; an admin can create more")
    return user.id


def may_manage(viewer: User | None, calendar: cal.Calendar) -> bool:
    """Whether a signed-in `viewer` (whatever the mode) is the calendar's owner or an admin."""
    return viewer is not None and (viewer.is_admin or calendar.user_id == viewer.id)


def email_shown_to(viewer: User | None, calendar: cal.Calendar) -> str | None:
    """A calendar's email, unless it is a 004 provider's and `viewer` may not manage it."""
    return calendar.email if not calendar.patients_only or may_manage(viewer, calendar) else None


#: why a surface with no sign-in does not show a 004 provider's calendar
NOT_SHOWN_WITHOUT_SIGN_IN = (
    "This calendar is for signed-in patients only: see its free time with "
    "GET /providers/{id}/time-slots and reserve with POST /appointments/reserve"
)


def check_shown_without_sign_in(calendar: cal.Calendar) -> None:
    """Surfaces with no sign-in (the board, the booking pages) show only calendars that
    anyone may book; a 004 provider's calendar is for its signed-in patients."""
    if calendar.patients_only:
        raise PatientsOnly(NOT_SHOWN_WITHOUT_SIGN_IN)


def check_may_list_bookings(viewer: User | None, calendar: cal.Calendar) -> None:
    """A 004 provider's appointments are listed to that provider or an admin only, in
    either mode."""
    if calendar.patients_only and not may_manage(viewer, calendar):
        raise Forbidden("Only this provider or an admin may list these appointments")


def check_configurer(user: User | None, calendar: cal.Calendar, *, strict: bool) -> None:
    """Who may change a calendar's settings or decide on its pending bookings.

    A calendar an account owns (a 004 provider's; any made in strict mode) needs that
    owner or an admin, signed in. Any other calendar is as open as its hours: anyone in
    open mode, an admin in strict mode. `user` is whoever sent a bearer token, if any.
    """
    if user is not None and (user.is_admin or calendar.user_id == user.id):
        return
    if calendar.user_id is None and not strict:
        return
    if user is None:
        raise Unauthorized()
    raise Forbidden("Only this calendar's owner or an admin may do that")


def check_console_user(user: User) -> None:
    """The owner's console (and the API routes it alone needs) is for providers and
    admins: a patient's token reads no calendar's bookings or hours there."""
    if user.role not in (Role.PROVIDER, Role.ADMIN):
        raise Forbidden("This is for providers and admins; a patient's account cannot use it")


def check_manager(user: User, calendar: cal.Calendar) -> None:
    """A signed-in provider for their own calendar, or an admin for any (whatever the
    mode): who may read and change a calendar's hours and bookings from the console."""
    check_console_user(user)
    if not may_manage(user, calendar):
        raise Forbidden("Only this calendar's owner or an admin may do that")
