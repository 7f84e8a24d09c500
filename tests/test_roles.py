"""Surface 004's role matrix: every endpoint against every kind of caller.

No token or a bad one is 401; the wrong role, someone else's calendar or someone else's
reservation is 403. Each caller gets fresh state (its own slot, its own reservation),
so a status tells only who may do it.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.support.accounts import Account, sign_up
from tests.support.reservations import DAY, WEEKDAYS_9_TO_5, at

ROLES = ("nobody", "forged", "patient", "other_patient", "provider", "other_provider", "admin")


@dataclass
class World:
    accounts: dict[str, Account]

    def headers(self, role: str) -> dict[str, str]:
        if role == "nobody":
            return {}
        if role == "forged":
            return {"Authorization": "Bearer not.a.valid-token"}
        return self.accounts[role].headers

    def __getattr__(self, role: str) -> Account:
        return self.accounts[role]


async def make_world(client: httpx.AsyncClient) -> World:
    accounts = {
        "admin": await sign_up(client, "admin"),
        "provider": await sign_up(client, "provider", "doc@example.com"),
        "other_provider": await sign_up(client, "provider", "other-doc@example.com"),
        "patient": await sign_up(client, "patient", "pat@example.com"),
        "other_patient": await sign_up(client, "patient", "other-pat@example.com"),
    }
    world = World(accounts)
    response = await client.post(
        f"/providers/{world.provider.id}/availability",
        json=WEEKDAYS_9_TO_5,
        headers=world.provider.headers,
    )
    assert response.status_code == 200
    return world


def nth_slot(n: int) -> str:
    return at(DAY, f"{9 + n // 4:02d}:{15 * (n % 4):02d}")


async def patients_reservation(client: httpx.AsyncClient, world: World, n: int) -> int:
    response = await client.post(
        "/appointments/reserve",
        json={"provider_id": world.provider.id, "start_time": nth_slot(n)},
        headers=world.patient.headers,
    )
    assert response.status_code == 200, response.text
    return response.json()["slot_id"]


Request = tuple[str, str, dict[str, Any]]
Prepare = Callable[[httpx.AsyncClient, World, int], Awaitable[Request]]


@dataclass(frozen=True)
class Case:
    name: str
    prepare: Prepare
    expected: tuple[int, ...]  # one status per role in ROLES


async def list_providers(client, world, n) -> Request:
    return "GET", "/providers", {}


async def set_availability(client, world, n) -> Request:
    return "POST", f"/providers/{world.provider.id}/availability", {"json": WEEKDAYS_9_TO_5}


async def time_slots(client, world, n) -> Request:
    return "GET", f"/providers/{world.provider.id}/time-slots", {}


async def reserve(client, world, n) -> Request:
    body = {"provider_id": world.provider.id, "start_time": nth_slot(n)}
    return "POST", "/appointments/reserve", {"json": body}


async def confirm(client, world, n) -> Request:
    slot_id = await patients_reservation(client, world, n)
    return "POST", "/appointments/confirm", {"json": {"slot_id": slot_id}}


async def cancel(client, world, n) -> Request:
    slot_id = await patients_reservation(client, world, n)
    return "POST", "/appointments/cancel", {"json": {"slot_id": slot_id}}


async def booked_appointments(client, world, n) -> Request:
    return "GET", f"/providers/{world.provider.id}/booked-appointments", {}


async def reset_patients_password(client, world, n) -> Request:
    body = {"email": world.patient.email, "new_password": f"new password {n}"}
    return "POST", "/reset-password", {"json": body}


async def register_an_admin(client, world, n) -> Request:
    body = {"name": "Root", "email": f"root{n}@example.com", "password": "x" * 12, "role": "admin"}
    return "POST", "/register", {"json": body}


async def register_a_patient(client, world, n) -> Request:
    body = {"name": "New", "email": f"new{n}@example.com", "password": "x" * 12, "role": "patient"}
    return "POST", "/register", {"json": body}


#                     nobody forged patient other  provider other  admin
CASES = [
    Case("GET /providers", list_providers, (401, 401, 403, 403, 403, 403, 200)),
    Case("POST availability", set_availability, (401, 401, 403, 403, 200, 403, 403)),
    Case("GET time-slots", time_slots, (401, 401, 200, 200, 200, 200, 200)),
    Case("POST reserve", reserve, (401, 401, 200, 200, 403, 403, 403)),
    Case("POST confirm", confirm, (401, 401, 200, 403, 403, 403, 403)),
    Case("POST cancel", cancel, (401, 401, 200, 403, 200, 403, 403)),
    Case("GET booked-appointments", booked_appointments, (401, 401, 403, 403, 200, 403, 200)),
    # the patient's own reset is tried before anyone else's token is needed again
    Case("POST reset-password", reset_patients_password, (401, 401, 200, 403, 403, 403, 200)),
    Case("POST register admin", register_an_admin, (401, 401, 403, 403, 403, 403, 200)),
    Case("POST register patient", register_a_patient, (200, 200, 200, 200, 200, 200, 200)),
]


@pytest.fixture
def settings(settings):
    """One patient holds a reservation per role tried: more than the default cap."""
    return settings.model_copy(update={"max_holds_per_patient": len(ROLES)})


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
async def test_who_may_call_what(client, case: Case):
    world = await make_world(client)
    seen = {}
    for n, role in enumerate(ROLES):
        method, url, kwargs = await case.prepare(client, world, n)
        response = await client.request(method, url, headers=world.headers(role), **kwargs)
        seen[role] = response.status_code
        if response.status_code == 401:
            assert response.headers["www-authenticate"] == "Bearer"
    assert seen == dict(zip(ROLES, case.expected, strict=True))
