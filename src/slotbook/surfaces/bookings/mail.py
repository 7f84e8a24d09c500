"""Email (`/api/v1/bookings/resend-links`, `/api/v1/admin/outbox`): a booker asks for
their manage links again; an admin sees the emails that could not be sent.

`resend-links` answers 202 with the same body whether or not the address has bookings
(and does the same work before answering either way, bar the rows it writes); it is
rate limited per email address and per client address. Errors are `{"detail", "code"}`.
"""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, EmailStr

from slotbook.accounts.model import Role
from slotbook.accounts.users import User
from slotbook.errors import Forbidden, TooManyRequests, Unauthorized
from slotbook.notify.mail import review
from slotbook.notify.mail.links import resend_links
from slotbook.protection.rate_limits import Rule
from slotbook.store.outbox.mail import Envelope
from slotbook.surfaces.http.auth import require_role
from slotbook.surfaces.http.deps import EngineDep, RateLimiterDep, address_of
from slotbook.surfaces.http.errors import ErrorStyle, surface_route
from slotbook.surfaces.http.fields import Limit, Offset
from slotbook.surfaces.http.replies import examples

STYLE = ErrorStyle()
router = APIRouter(prefix="/api/v1", tags=["email"], route_class=surface_route(STYLE))
SENT = "If we have upcoming bookings for that address, we have sent their links"


class ResendIn(BaseModel):
    model_config = examples({"email": "ada@example.com"})

    email: EmailStr


class Accepted(BaseModel):
    message: str


@router.post(
    "/bookings/resend-links",
    status_code=202,
    summary="Email me the links to my upcoming bookings again (old links stop working)",
    responses=STYLE.responses(TooManyRequests(retry_after=60)),
)
async def resend(
    body: ResendIn, request: Request, engine: EngineDep, limiter: RateLimiterDep
) -> Accepted:
    await limiter.hit(Rule.RESEND_LINKS_PER_ADDRESS, address_of(request))
    await limiter.hit(Rule.RESEND_LINKS_PER_EMAIL, str(body.email).lower())
    await resend_links(engine, str(body.email))
    return Accepted(message=SENT)


Admin = Annotated[User, Depends(require_role(Role.ADMIN))]


@router.get(
    "/admin/outbox",
    summary="Emails by status (admins): those that could not be sent are `failed`",
    responses=STYLE.responses(Unauthorized(), Forbidden("Only an admin may do that")),
)
async def outbox(
    engine: EngineDep,
    _: Admin,
    status: Annotated[Literal["pending", "sent", "failed"], Query()] = "failed",
    limit: Limit = 50,
    offset: Offset = 0,
) -> list[Envelope]:
    """Each email without its text, newest first."""
    return await review.messages(engine, status=status, limit=limit, offset=offset)
