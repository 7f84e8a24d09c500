"""Subscribing to webhooks and reading what was delivered, as a client would."""

import asyncio
from collections.abc import Callable
from typing import Any

import httpx

from tests.support.accounts import FAST_HASHING
from tests.support.live import PATIENCE
from tests.support.receiver import Receiver

#: what server processes need to deliver to a receiver on loopback, promptly
WEBHOOK_ENV = FAST_HASHING | {
    "SLOTBOOK_WEBHOOK_ALLOW_PRIVATE": "1",
    "SLOTBOOK_DISPATCH_INTERVAL_SECONDS": "0.2",
}


async def subscribe(
    http: httpx.AsyncClient, base: str, headers: dict, url: str, **body: Any
) -> dict[str, Any]:
    made = await http.post(f"{base}/api/v1/webhooks", json={"url": url} | body, headers=headers)
    assert made.status_code == 201, made.text
    return made.json()


async def until_received(
    receiver: Receiver, done: Callable[[Receiver], bool], patience: float = PATIENCE
) -> None:
    """Wait, with a deadline, until what `receiver` got satisfies `done`."""
    async with asyncio.timeout(patience):
        while not done(receiver):  # noqa: ASYNC110 - polling another party's state
            await asyncio.sleep(0.02)
