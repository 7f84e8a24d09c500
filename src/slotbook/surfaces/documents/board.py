"""Surface 000 — the live slot board: `GET /`, `GET /health`, `WS /slot-booking`.

`/slot-booking` shows the default board's today (in the board's zone, re-evaluated on
every message); `?calendar=<id>` any calendar-time calendar, `&date=YYYY-MM-DD` a fixed
day, or an event's seats (read only). Every committed change to a watched calendar-day,
from any surface and any instance, pushes a fresh `slots_update` to its subscribers.

The default board keeps the document's open `cancel_slot`; a board opened on a calendar
cancels only the booking whose `booking_token` comes with the request.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Iterable, Mapping
from contextlib import asynccontextmanager
from datetime import date
from functools import partial
from typing import Any

from fastapi import APIRouter, FastAPI, Request, WebSocket
from pydantic import BaseModel, Field

from slotbook.accounts import permissions
from slotbook.availability.slot_cache import SlotCache
from slotbook.booking import board
from slotbook.calendars import events as ev
from slotbook.calendars.calendars import Calendar, get_calendar
from slotbook.engine import CalendarDay, Engine, UnitOfWork
from slotbook.errors import (
    BookedElsewhere,
    BookingNotFound,
    Busy,
    ChangeCutoff,
    DomainError,
    InPast,
    InsideBuffer,
    InvalidInput,
    LimitReached,
    TooManyRequests,
    Unavailable,
)
from slotbook.observability import metrics
from slotbook.protection.rate_limits import RateLimiter, Rule
from slotbook.realtime.broker import Broker, make_broker
from slotbook.realtime.hub import Hub, Topic
from slotbook.realtime.news import OK
from slotbook.realtime.ratelimit import TokenBucket
from slotbook.realtime.send_queue import TRY_AGAIN_LATER, SendQueue
from slotbook.realtime.watchers import CalendarWatchers
from slotbook.surfaces.documents import board_messages as msg
from slotbook.surfaces.http.deps import address_of
from slotbook.surfaces.http.fields import check_supported_day, parse_id
from slotbook.surfaces.http.replies import Answer, JsonAnswer, examples

log = logging.getLogger("slotbook.board")
router = APIRouter(tags=["000 live slot board"])

POLICY_VIOLATION, MESSAGE_TOO_BIG, INTERNAL_ERROR = 1008, 1009, 1011
HEALTH_TIMEOUT = 3.0
SOMETHING_WRONG = "Something went wrong; try again"


class Live:
    """What the board needs at run time, kept on `app.state.live`."""

    def __init__(self, engine: Engine, hub: Hub, broker: Broker) -> None:
        self.engine = engine
        self.hub = hub
        self.broker = broker
        #: calendars known to be showable (calendars are never deleted nor change kind)
        self.showable: set[int] = set()
        self._board_id: int | None = None
        self._ensuring = asyncio.Lock()

    async def board_id(self) -> int:
        """The default board's calendar id; the board is made (or brought in line with the
        settings) the first time it is asked for."""
        async with self._ensuring:
            if self._board_id is None:
                async for attempt in self.engine.attempts(write=True):
                    async with attempt as uow:
                        made = await board.ensure_board(uow)
                self._board_id = made.id
                self.showable.add(made.id)
            return self._board_id


async def render(engine: Engine, topic: Topic) -> tuple[str, str]:
    """The `slots_update` of a topic, as (key, text)."""
    async for attempt in engine.attempts():
        async with attempt as uow:
            calendar = await get_calendar(uow, topic.calendar_id)
            if calendar.kind == ev.KIND:
                event = await ev.get_event(uow, calendar.id)
                return msg.seats_update(calendar, event.slots, uow.now)
            day = topic.day or await board.rolling_day(uow, calendar)  # as of now
            slots = await board.board_day(uow, calendar, day)
    return msg.slots_update(calendar, day, slots, uow.now)


@asynccontextmanager
async def live_board(app: FastAPI, engine: Engine) -> AsyncIterator[None]:
    """Carry every committed change to live subscribers (the default board is made on
    first use)."""
    hub = Hub(partial(render, engine))
    cache: SlotCache = app.state.slot_cache
    watchers: CalendarWatchers = app.state.watchers

    def news(days: Iterable[CalendarDay]) -> Awaitable[Any]:
        changed = frozenset(days)
        engine.heard(changed)
        cache.heard(changed)
        watchers.notify(changed)
        return hub.notify(changed)

    def resync() -> Awaitable[Any]:
        engine.heard(None)
        cache.heard(None)
        watchers.notify_all()
        return hub.notify_all()

    broker = make_broker(engine, news, resync)
    cache.follow(broker.caught_up)
    engine.on_change(broker.publish)
    await broker.start()
    # The default board is made when first asked for, not here: on a fresh install the
    # first calendar anyone makes is 1 (002's document books `"provider_id": 1`).
    app.state.live = Live(engine, hub, broker)
    try:
        yield
    finally:
        await broker.close()
        await hub.close()


def _live(app: Any) -> Live:
    live: Live = app.state.live
    return live


def _day(value: str) -> date:
    try:
        day = date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise InvalidInput(f"Invalid date: {msg.echo(value)} (expected YYYY-MM-DD)")
    try:
        return check_supported_day(day)
    except ValueError as exc:
        raise InvalidInput(f"Invalid date: {value} ({exc})") from exc


async def _topic(live: Live, params: Mapping[str, str]) -> Topic:
    """The topic a connection's query string asks for; InvalidInput or CalendarNotFound."""
    if "calendar" in params:
        try:
            calendar_id = parse_id(params["calendar"])
        except ValueError as exc:
            raise InvalidInput(f"Invalid calendar: {msg.echo(params['calendar'])}") from exc
    else:
        calendar_id = await live.board_id()
    day = _day(params["date"]) if "date" in params else None
    if calendar_id not in live.showable:
        async for attempt in live.engine.attempts():
            async with attempt as uow:
                calendar = await get_calendar(
                    uow, calendar_id
                )  # calendar time, or an event's seats
        # No one signs in here: a 004 provider's calendar is not shown (nor booked; the
        # claim refuses that too). A provider who opens theirs later is shown from then on.
        permissions.check_shown_without_sign_in(calendar)
        live.showable.add(calendar_id)
    return Topic(calendar_id, day)


class Session:
    """One client's conversation on `/slot-booking`."""

    def __init__(
        self, live: Live, websocket: WebSocket, topic: Topic, queue: SendQueue, *, open_cancel: bool
    ) -> None:
        self.live = live
        self.websocket = websocket
        self.topic = topic
        self.queue = queue
        #: whether `cancel_slot` may go without a booking_token (the default board only)
        self.open_cancel = open_cancel
        settings = live.engine.settings
        self.max_bytes = settings.ws_max_message_bytes
        self.bucket = TokenBucket(settings.ws_messages_per_second, settings.ws_message_burst)
        self.limiter: RateLimiter = websocket.app.state.rate_limiter
        self.address = address_of(websocket)

    async def run(self) -> None:
        await self.safely(self.send_slots())
        while True:
            message = await self.websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            if self.queue.closing:
                continue  # being disconnected; the close is on its way
            text = message.get("text")
            frame: str | bytes = text if text is not None else message.get("bytes") or b""
            size = len(frame.encode()) if isinstance(frame, str) else len(frame)
            if size > self.max_bytes:
                reason = f"Message too big: at most {self.max_bytes} bytes"
                self.queue.close(MESSAGE_TOO_BIG, reason)
            elif not self.bucket.take():
                self.queue.close(POLICY_VIOLATION, "Too many messages: slow down and reconnect")
            else:
                await self.answer(frame)

    async def answer(self, frame: str | bytes) -> None:
        try:
            request = msg.parse(frame)
        except msg.BadMessage as exc:
            self.queue.send(msg.error(exc.message))
            return
        if request.type == msg.GET:
            await self.safely(self.send_slots())
        elif request.type == msg.BOOK:
            await self.safely(self.book(request))
        else:
            await self.safely(self.cancel(request))

    async def safely(self, work: Awaitable[str | None]) -> None:
        """Run one request and queue its answer; whatever goes wrong, the client gets an
        error message and the connection stays up."""
        try:
            answer = await work
        except Exception:
            log.exception("board request failed")
            answer = msg.error(SOMETHING_WRONG)
        if answer is not None:
            self.queue.send(answer)

    async def send_slots(self) -> str | None:
        """A fresh `slots_update` (rendered once for everyone who asked meanwhile)."""
        self.queue.forget_state()
        return None if await self.live.hub.refresh(self.topic) else msg.error(SOMETHING_WRONG)

    async def calendar_day(self, uow: UnitOfWork) -> tuple[Calendar, date]:
        """The calendar and the day this connection shows, as of this unit's `now`."""
        calendar = await board.live_calendar(uow, self.topic.calendar_id)
        return calendar, self.topic.day or await board.rolling_day(uow, calendar)

    async def book(self, request: msg.Request) -> str:
        if request.slot is None:
            return msg.booking_response(request, None, None)
        try:
            await self.limiter.hit(Rule.BOOKINGS_PER_ADDRESS, self.address)
        except TooManyRequests as exc:
            return msg.booking_response(request, None, exc.message)
        try:
            async for attempt in self.live.engine.attempts(write=True):
                async with attempt as uow:
                    made = await board.book_slot(uow, *await self.calendar_day(uow), request.slot)
        except (Busy, Unavailable) as exc:  # nothing was decided: worth retrying
            return msg.booking_response(request, None, f"{exc.message}; try again")
        except InPast:
            return msg.booking_response(request, None, f"Slot {request.label} has already started")
        except InvalidInput as exc:  # an event's seats: not booked here
            return msg.booking_response(request, None, exc.message)
        except (LimitReached, InsideBuffer) as exc:  # a booking rule: say which
            return msg.booking_response(
                request, None, f"Slot {request.label} is not available: {exc.message}"
            )
        except DomainError:
            return msg.booking_response(request, None, None)
        # Committed: every subscriber, this client included, has its update queued.
        return msg.booking_response(request, made, None)

    async def cancel(self, request: msg.Request) -> str:
        if request.slot is None:
            return msg.cancellation_response(request, False, None)
        if request.token is None and not self.open_cancel:
            return msg.cancellation_response(request, False, msg.token_needed(request))
        try:
            async for attempt in self.live.engine.attempts(write=True):
                async with attempt as uow:
                    calendar, day = await self.calendar_day(uow)
                    if request.token is None:
                        await board.cancel_slot(uow, calendar, day, request.slot)
                    else:
                        await board.cancel_slot_by_token(
                            uow, calendar, day, request.slot, request.token
                        )
        except (Busy, Unavailable) as exc:
            return msg.cancellation_response(request, False, f"{exc.message}; try again")
        except (ChangeCutoff, InvalidInput) as exc:
            return msg.cancellation_response(request, False, exc.message)
        except BookingNotFound:
            failure = msg.not_this_token(request) if request.token is not None else None
            return msg.cancellation_response(request, False, failure)
        except BookedElsewhere:
            return msg.cancellation_response(
                request,
                False,
                f"Slot {request.label} was booked elsewhere; cancel it with its booking token",
            )
        except DomainError:
            return msg.cancellation_response(request, False, None)
        return msg.cancellation_response(request, True, None)


@router.websocket("/slot-booking")
async def slot_booking(websocket: WebSocket) -> None:
    live = _live(websocket.app)
    await websocket.accept()
    try:
        topic = await _topic(live, websocket.query_params)
    except DomainError as exc:  # a bad request, or (5xx) the database cannot answer
        await websocket.send_text(msg.error(exc.message))
        code = TRY_AGAIN_LATER if exc.status >= 500 else POLICY_VIOLATION
        await websocket.close(code, exc.message[:120])
        return
    except Exception:
        log.exception("could not open a board")
        await websocket.send_text(msg.error(SOMETHING_WRONG))
        await websocket.close(INTERNAL_ERROR, SOMETHING_WRONG)
        return
    queue = SendQueue(websocket, live.engine.settings.ws_send_queue)
    live.hub.subscribe(topic, queue)
    try:
        open_cancel = "calendar" not in websocket.query_params
        with metrics.WEBSOCKETS.track_inprogress():
            await Session(live, websocket, topic, queue, open_cancel=open_cancel).run()
    finally:
        live.hub.unsubscribe(topic, queue)
        await queue.stop()


async def _today_on_board(live: Live) -> list[board.BoardSlot]:
    board_id = await live.board_id()
    async for attempt in live.engine.attempts():
        async with attempt as uow:
            default = await get_calendar(uow, board_id)
            slots = await board.board_day(uow, default, await board.rolling_day(uow, default))
    return slots


class BoardStatusOut(Answer):
    model_config = examples(
        {
            "message": "Slot Booking API is running",
            "websocket_endpoint": "/slot-booking",
            "active_connections": 2,
            "booked_slots": [9, 10],
        }
    )

    message: str
    websocket_endpoint: str
    active_connections: int = Field(description="WebSocket connections to this instance")
    booked_slots: list[int] = Field(description="Today's booked slots on the default board")


class DependencyHealth(BaseModel):
    status: str


class BrokerHealth(DependencyHealth):
    kind: str = Field(description="in-process or redis")


class HealthOut(BaseModel):
    model_config = examples(
        {
            "status": "healthy",
            "timestamp": "2031-01-20T08:00:00+00:00",
            "active_connections": 2,
            "total_slots": 12,
            "booked_slots_count": 2,
            "available_slots_count": 5,
            "database": {"status": "ok"},
            "broker": {"kind": "redis", "status": "ok"},
        }
    )

    status: str = Field(description="healthy, degraded (broker down) or unhealthy (database)")
    timestamp: str
    active_connections: int
    total_slots: int | None = None
    booked_slots_count: int | None = None
    available_slots_count: int | None = None
    database: DependencyHealth
    broker: BrokerHealth
    failed: list[str] | None = Field(None, description="the dependencies that failed")


@router.get("/", summary="The board's status", response_model=BoardStatusOut)
async def status(request: Request) -> dict[str, Any]:
    live = _live(request.app)
    slots = await _today_on_board(live)
    return {
        "message": "Slot Booking API is running",
        "websocket_endpoint": "/slot-booking",
        "active_connections": live.hub.connections,
        "booked_slots": [s.id for s in slots if s.booked],
    }


@router.get(
    "/health",
    summary="Health of this instance, its database and its broker",
    response_model=None,
    responses={
        200: {"model": HealthOut, "description": "Healthy, or degraded (Redis unreachable)"},
        503: {"model": HealthOut, "description": "Unhealthy: the database cannot be reached"},
    },
)
async def health(request: Request) -> JsonAnswer:
    live = _live(request.app)
    body: dict[str, Any] = {
        "status": "healthy",
        "timestamp": live.engine.clock().isoformat(),
        "active_connections": live.hub.connections,
    }
    broker = {"kind": live.broker.kind, "status": await live.broker.health()}
    try:
        slots = await asyncio.wait_for(_today_on_board(live), HEALTH_TIMEOUT)
    except Exception as exc:  # any failure to read is an unreachable database
        return JsonAnswer(
            body
            | {
                "status": "unhealthy",
                "failed": ["database"],
                "database": {"status": f"unreachable ({type(exc).__name__})"},
                "broker": broker,
            },
            status_code=503,
        )
    body |= {
        "total_slots": len(slots),
        "booked_slots_count": sum(s.booked for s in slots),
        "available_slots_count": sum(s.available for s in slots),
        "database": {"status": OK},
        "broker": broker,
    }
    if broker["status"] != OK:
        body |= {"status": "degraded", "failed": ["broker"]}
    return JsonAnswer(body)
