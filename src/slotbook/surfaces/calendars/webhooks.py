"""Webhooks (`/api/v1/webhooks`): signed notifications of booking changes.

Always with a bearer token (from `POST /token`), in open mode too: a calendar's owner
subscribes to their calendar, an admin to any or all. Errors are `{"detail", "code"}`.
"""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field, StringConstraints

from slotbook.booking.transitions import Transition
from slotbook.notify import subscriptions
from slotbook.store.outbox.webhooks import Attempt, Webhook
from slotbook.surfaces.http.auth import CurrentUser
from slotbook.surfaces.http.deps import EngineDep
from slotbook.surfaces.http.errors import ErrorStyle, surface_route
from slotbook.surfaces.http.fields import Id, Limit, Offset
from slotbook.surfaces.http.replies import examples

STYLE = ErrorStyle()
router = APIRouter(prefix="/api/v1", tags=["webhooks"], route_class=surface_route(STYLE))

Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2048)]


class WebhookIn(BaseModel):
    model_config = examples(
        {"url": "https://example.com/slotbook-hook", "events": ["booking.created"]}
    )

    url: Url = Field(examples=["https://example.com/slotbook-hook"])
    events: list[Transition] | None = Field(
        None, min_length=1, description="Event types to send (default: all)"
    )
    calendar_id: Id | None = Field(
        None, description="Only this calendar (default: yours; admins: every calendar)"
    )


class WebhookOut(BaseModel):
    id: int
    url: str
    events: list[str]
    calendar_id: int | None
    disabled: bool
    disabled_at: datetime | None
    failed_in_a_row: int = Field(description="Deliveries that failed for good, in a row")
    created_at: datetime

    @classmethod
    def of(cls, webhook: Webhook) -> "WebhookOut":
        return cls(
            id=webhook.id,
            url=webhook.url,
            events=list(webhook.events),
            calendar_id=webhook.calendar_id,
            disabled=webhook.disabled_at is not None,
            disabled_at=webhook.disabled_at,
            failed_in_a_row=webhook.failed_in_a_row,
            created_at=webhook.created_at,
        )


class NewWebhookOut(WebhookOut):
    secret: str = Field(description="Signing secret (whsec_…); shown only in this answer")


class AttemptOut(BaseModel):
    event_id: str = Field(description="The webhook-id header: the same on every retry")
    type: str
    attempt: int
    status_code: int | None
    error: str | None
    at: datetime
    next_attempt_at: datetime | None
    delivery_status: str = Field(description="pending, delivered or failed")
    response_body: str | None = Field(description="The answer's first kilobyte")

    @classmethod
    def of(cls, attempt: Attempt) -> "AttemptOut":
        return cls(**{name: getattr(attempt, name) for name in cls.model_fields})


@router.post(
    "/webhooks",
    status_code=201,
    summary="Subscribe a URL to booking events",
    responses={
        401: {"description": "No or bad bearer token"},
        403: {"description": "Not the calendar's owner nor an admin"},
        422: {"description": "A URL that is malformed or not public, an unknown event type"},
    },
)
async def create_webhook(body: WebhookIn, user: CurrentUser, engine: EngineDep) -> NewWebhookOut:
    webhook = await subscriptions.subscribe(
        engine, user=user, url=body.url, events=body.events, calendar_id=body.calendar_id
    )
    return NewWebhookOut(**WebhookOut.of(webhook).model_dump(), secret=webhook.secret)


@router.get("/webhooks", summary="Your webhooks")
async def list_webhooks(user: CurrentUser, engine: EngineDep) -> list[WebhookOut]:
    return [WebhookOut.of(w) for w in await subscriptions.endpoints_of(engine, user)]


@router.delete(
    "/webhooks/{webhook_id}",
    status_code=204,
    summary="Unsubscribe",
    responses={404: {"description": "No such webhook of yours"}},
)
async def delete_webhook(webhook_id: Id, user: CurrentUser, engine: EngineDep) -> Response:
    await subscriptions.unsubscribe(engine, user=user, webhook_id=webhook_id)
    return Response(status_code=204)


@router.get(
    "/webhooks/{webhook_id}/deliveries",
    summary="Recent delivery attempts, newest first",
    responses={404: {"description": "No such webhook of yours"}},
)
async def list_deliveries(
    webhook_id: Id, user: CurrentUser, engine: EngineDep, limit: Limit = 50, offset: Offset = 0
) -> list[AttemptOut]:
    found = await subscriptions.attempts(
        engine, user=user, webhook_id=webhook_id, limit=limit, offset=offset
    )
    return [AttemptOut.of(a) for a in found]
