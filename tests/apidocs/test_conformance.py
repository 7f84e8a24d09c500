"""Schemathesis: every operation of the OpenAPI document, against a real server process
on SQLite and on PostgreSQL, with no token and with a provider's, a patient's and an
admin's — every answer must be documented (status, content type, body schema) and none a
server error.

The example count per operation is bounded (MAX_EXAMPLES) so the whole run stays within
a couple of minutes; the generation is derandomised, so a failure reproduces.
"""

import asyncio
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.meta import TestPhase
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from slotbook.app import create_app
from slotbook.settings import Settings
from tests.support.databases import in_thread, wipe
from tests.support.servers import running_servers

pytestmark = pytest.mark.slow

MAX_EXAMPLES = 4
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
ROLES = ("anonymous", "provider", "patient", "admin")
#: sign-ups and sign-ins are a good share of the calls: keep Argon2 cheap here; a console
#: change feed (server-sent events) answers for a moment, not minutes; and one
#: client sends every request, so the per-address rate limits (429s, documented) are set
#: out of its way: what is checked here is every other answer
SERVER_ENV = {
    "SLOTBOOK_CONSOLE_FEED_SECONDS": "0.2",  # the change feed's answer ends that soon
    "SLOTBOOK_PASSWORD_HASH_TIME_COST": "1",
    "SLOTBOOK_PASSWORD_HASH_MEMORY_KIB": "1024",
    **{
        f"SLOTBOOK_RATE_LIMIT_{rule}": "1000000 per minute"
        for rule in (
            "SIGN_IN_FAILURES_PER_ADDRESS",
            "SIGN_IN_FAILURES_PER_ACCOUNT",
            "REGISTRATIONS_PER_ADDRESS",
            "TOKEN_MISSES_PER_ADDRESS",
            "BOOKINGS_PER_ADDRESS",
        )
    },
}

schema = schemathesis.openapi.from_dict(create_app(Settings(_env_file=None)).openapi())


@dataclass
class Api:
    url: str
    headers: dict[str, dict[str, str]]


def _seed(url: str) -> dict[str, dict[str, str]]:
    """Accounts of each role, and one object of each kind, so ids like 1 exist."""
    day = (datetime.now(UTC) + timedelta(days=7)).date().isoformat()
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    with httpx.Client(base_url=url, timeout=30) as http:
        for role in ("admin", "provider", "patient"):
            email = f"{role}@example.com"
            registered = http.post(
                "/register",
                json={"name": role.title(), "email": email, "password": "password-1", "role": role},
            )
            assert registered.status_code == 200, registered.text
            token = http.post("/token", data={"username": email, "password": "password-1"})
            headers[role] = {"Authorization": f"Bearer {token.json()['access_token']}"}
        provider_id = http.get("/providers", headers=headers["admin"]).json()[0]["id"]
        steps = [
            http.post(
                f"/providers/{provider_id}/availability",
                json={
                    "general_schedule": {"times": [{"days": "M-Su", "start": "9am", "end": "5pm"}]}
                },
                headers=headers["provider"],
            ),
            http.post(
                "/api/v1/availability",
                json={"calendar_owner_id": "alice", "start_time": "09:00", "end_time": "17:00"},
            ),
            http.post("/api/v1/providers", json={"name": "Dr Who", "email": "who@example.com"}),
            http.post(
                "/api/v1/events",
                json={
                    "name": "Conference",
                    "event_date": day,
                    "time_slots": [{"start_time": "09:00", "end_time": "10:00", "max_capacity": 5}],
                },
            ),
        ]
        for response in steps:
            assert response.status_code < 300, response.text
    return headers


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def api(request: pytest.FixtureRequest) -> Iterator[Api]:
    database_url = request.getfixturevalue(f"{request.param}_url")
    in_thread(asyncio.run, wipe(database_url))
    with running_servers(database_url, count=1, env=SERVER_ENV) as (url,):
        yield Api(url, _seed(url))


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_documented(case, api: Api) -> None:
    """Each generated request is sent as every role: no token, provider, patient, admin.
    The coverage phase's cases (boundary and invalid values, up to ~180 for the largest
    bodies) go as one role each, the roles in turn per operation, so that every role
    still meets a share of every operation's coverage cases at a quarter of the calls."""
    for role in _roles_for(case):
        case.call_and_validate(
            base_url=api.url, headers=api.headers[role], checks=CHECKS, timeout=30
        )


_coverage_turns: dict[str, Iterator[str]] = {}


def _roles_for(case: schemathesis.Case) -> tuple[str, ...]:
    if case.meta is None or case.meta.phase.name != TestPhase.COVERAGE:
        return ROLES
    turn = _coverage_turns.setdefault(case.operation.label, itertools.cycle(ROLES))
    return (next(turn),)
