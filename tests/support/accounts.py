"""Signing up and in on surface 004, as a client would."""

from dataclasses import dataclass

import httpx

from slotbook.accounts.signing_keys import signing_key
from slotbook.engine import Engine
from slotbook.settings import Settings
from slotbook.store.db import Database

PASSWORD = "correct horse battery"
#: cheap Argon2 for the server processes tests start
FAST_HASHING = {
    "SLOTBOOK_PASSWORD_HASH_TIME_COST": "1",
    "SLOTBOOK_PASSWORD_HASH_MEMORY_KIB": "1024",
}


@dataclass(frozen=True)
class Account:
    id: int
    email: str
    headers: dict[str, str]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def sign_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> str:
    response = await client.post("/token", data={"username": email, "password": password})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


async def sign_up(
    client: httpx.AsyncClient,
    role: str,
    email: str | None = None,
    *,
    name: str | None = None,
    headers: dict[str, str] | None = None,
) -> Account:
    """Register and sign in; returns the account with its Authorization header."""
    email = email or f"{role}@example.com"
    body = {"name": name or role.title(), "email": email, "password": PASSWORD, "role": role}
    response = await client.post("/register", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return Account(response.json()["id"], email, bearer(await sign_in(client, email)))


async def sign_up_at(
    http: httpx.AsyncClient, base: str, role: str, email: str
) -> tuple[int, dict[str, str]]:
    """Register and sign in on the server at `base`: (user id, Authorization header)."""
    body = {"name": email, "email": email, "password": PASSWORD, "role": role}
    registered = await http.post(f"{base}/register", json=body)
    assert registered.status_code == 200, registered.text
    token = await http.post(f"{base}/token", data={"username": email, "password": PASSWORD})
    return registered.json()["id"], bearer(token.json()["access_token"])


async def deployment_signing_key(settings: Settings) -> str:
    """The key the service signs access tokens with on `settings`' database."""
    db = Database(settings.database_url)
    try:
        return await signing_key(Engine(settings, db))
    finally:
        await db.dispose()
