"""The webhook consumer: one delivery per event and subscribed endpoint, sent as the
Standard Webhooks specification says, retried from the database until it succeeds.

A delivery is a `POST` of `{"type", "timestamp", "data": {"booking"}}` with the headers
`webhook-id` (the event's id, the same on every retry), `webhook-timestamp` (when this
attempt was signed) and `webhook-signature` (`v1,` + base64 HMAC-SHA256 of
`id.timestamp.body` under the endpoint's `whsec_` secret), made by the `standardwebhooks`
package. A 2xx within the timeout is success; anything else is retried (`retries`).
While an endpoint fails, only one of its deliveries is tried per back-off step and the
others wait, held, until it answers (`store.webhook_breaker`); an endpoint whose last
`DISABLE_AFTER` deliveries all failed is disabled.
"""

import asyncio
import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpcore
from standardwebhooks import Webhook as Signer

from slotbook import __version__
from slotbook.engine import Engine, UnitOfWork
from slotbook.notify import retries
from slotbook.notify.batch import deliver_batch, finish_batch
from slotbook.notify.outbound import Outbound, Refused
from slotbook.store.outbox import webhook_breaker as breaker
from slotbook.store.outbox import webhooks as store
from slotbook.store.outbox.outbox import Event
from slotbook.store.outbox.webhooks import AttemptResult, DueDelivery

#: how long a claimed delivery is left to its dispatcher (longer than any send)
LEASE = timedelta(seconds=60)
#: deliveries claimed and sent together
BATCH = 50
#: failed deliveries in a row (each after its full day of retries) that disable an endpoint
DISABLE_AFTER = 20


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt came to."""

    status_code: int | None = None
    error: str | None = None
    body: str | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def body_of(delivery: DueDelivery) -> bytes:
    """The request body: the same bytes on every attempt."""
    payload = {
        "type": delivery.type,
        "timestamp": delivery.occurred_at.isoformat(),
        "data": {"booking": json.loads(delivery.booking)},
    }
    return json.dumps(payload).encode()


def signed_headers(delivery: DueDelivery, body: bytes, signed_at: datetime) -> dict[str, str]:
    """The Standard Webhooks headers for one attempt."""
    signature = Signer(delivery.secret).sign(delivery.event_id, signed_at, body.decode())
    return {
        "content-type": "application/json",
        "user-agent": f"slotbook-webhooks/{__version__}",
        "webhook-id": delivery.event_id,
        "webhook-timestamp": str(int(signed_at.timestamp())),
        "webhook-signature": signature,
    }


def wall_clock() -> datetime:
    """The real time: signatures are checked against the receiver's own clock, so they
    carry the real time even when the engine's clock is a test's."""
    return datetime.now(UTC)


class WebhookConsumer:
    """Turns new events into deliveries, and sends the deliveries that are due."""

    batch = BATCH

    def __init__(self, outbound: Outbound, rng: random.Random | None = None) -> None:
        self._outbound = outbound
        self._rng = rng or random.Random()

    async def take(self, uow: UnitOfWork, events: list[Event]) -> None:
        """One pending delivery per event and enabled endpoint that wants it; held at
        once for an endpoint that is failing (`store.webhook_breaker`)."""
        endpoints = await store.enabled(uow)
        pairs = [(w.id, e.id) for e in events for w in endpoints if w.wants(e)]
        wanted = {webhook_id for webhook_id, _ in pairs}
        await breaker.lock(uow, wanted)
        await store.add_deliveries(uow, pairs)

    async def claim(self, uow: UnitOfWork) -> list[DueDelivery]:
        """Take one batch of due deliveries for one attempt each."""
        return await store.claim_due(uow, lease_until=uow.now + LEASE, limit=BATCH)

    async def deliver(self, engine: Engine, claimed: list[DueDelivery]) -> int:
        """Send a batch already claimed; how many were attempted."""
        return await finish_batch(engine, claimed, attempt=self._send, record=self._record_all)

    async def deliver_due(self, engine: Engine) -> int:
        """Send one batch of due deliveries; how many were attempted."""
        return await deliver_batch(
            engine,
            any_due=store.has_due,
            claim=self.claim,
            attempt=self._send,
            record=self._record_all,
        )

    async def _send(self, claimed: list[DueDelivery]) -> list[Outcome]:
        return list(await asyncio.gather(*(self._attempt(d) for d in claimed)))

    async def _record_all(self, uow: UnitOfWork, done: list[tuple[DueDelivery, Outcome]]) -> None:
        await self._record(uow, [self._result(uow.now, d, o) for d, o in done])

    async def _attempt(self, delivery: DueDelivery) -> Outcome:
        body = body_of(delivery)
        headers = signed_headers(delivery, body, wall_clock())
        try:
            answer = await self._outbound.post(delivery.url, headers, body)
        except Refused as exc:
            return Outcome(error=f"refused: {exc}")
        except TimeoutError:
            return Outcome(error=f"timed out after {self._outbound.timeout:g} s")
        except (OSError, httpcore.NetworkError, httpcore.ProtocolError) as exc:
            return Outcome(error=f"{type(exc).__name__}: {exc}"[:300])
        return Outcome(status_code=answer.status_code, body=answer.body)

    def _result(self, now: datetime, delivery: DueDelivery, outcome: Outcome) -> AttemptResult:
        """The attempt as recorded, with when to try again (None: delivered, or given up)."""
        next_at = (
            None
            if outcome.ok
            else retries.next_attempt_at(
                began_at=delivery.created_at,
                failures=delivery.attempts + 1,
                now=now,
                rng=self._rng,
            )
        )
        return AttemptResult(
            delivery=delivery,
            status="delivered" if outcome.ok else ("pending" if next_at else "failed"),
            status_code=outcome.status_code,
            error=outcome.error,
            response_body=outcome.body,
            next_attempt_at=next_at,
        )

    async def _record(self, uow: UnitOfWork, results: list[AttemptResult]) -> None:
        """Write the attempts. An endpoint that took one is no longer failing: what was
        held for it is released. One that only failed keeps a single probe and holds the
        rest; its held deliveries past their day fail with the probe. One whose last
        DISABLE_AFTER deliveries all failed for good is disabled."""
        touched = {r.delivery.webhook_id for r in results}
        await breaker.lock(uow, touched)
        await store.record_attempts(uow, results)
        answered = {r.delivery.webhook_id for r in results if r.status == "delivered"}
        await store.reset_failures(uow, answered)
        await breaker.release(uow, answered)
        for webhook_id in sorted(touched - answered):
            failed = sum(
                1 for r in results if r.delivery.webhook_id == webhook_id and r.status == "failed"
            )
            failed += await breaker.give_up_held(
                uow, webhook_id, began_before=uow.now - retries.GIVE_UP_AFTER
            )
            await breaker.hold_all_but_probe(uow, webhook_id)
            if failed and await store.count_failures(uow, webhook_id, failed) >= DISABLE_AFTER:
                await store.disable(uow, webhook_id)
