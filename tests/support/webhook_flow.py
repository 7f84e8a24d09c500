"""Subscribing to webhooks and reading what was delivered, as a client would."""

import asyncio
from collections.abc import Callable
from typing import Any

import httpx

from tests.support.live import PATIENCE
from tests.support.receiver import Receiver

FAST_HASHING = {
    "SLOTBOOK_PASSWORD_HASH_TIME_COST": "1",
    "SLOTBOOK_PASSWORD_HASH_MEMORY_KIB": "1024",
}
#: what server processes need to deliver to a receiver on loopback, promptly
WEBHOOK_ENV = FAST_HASHING | {
    "SLOTBOOK_WEBHOOK_ALLOW_PRIVATE": "1",
    "SLOTBOOK_DISPATCH_INTERVAL_SECONDS": "0.2",
}


async def account(http: httpx.AsyncClient, base: str, role: str, email: str) -> tuple[int, dict]:
    """Register and sign in on surface 004: (user id, Authorization header)."""
    body = {"name": email, "email": email, "password": "a long password", "role": role}
    registered = await http.post(f"{base}/register", json=body)
    assert registered.status_code == 200, registered.text
    token = await http.post(
        f"{base}/token", data={"username": email, "password": "a long password"}
    )
    return registered.json()["id"], {"Authorization": f"Bearer {token.json()['access_token']}"}


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
