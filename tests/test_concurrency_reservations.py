"""Patients racing to reserve the same slot through two real server processes: exactly
one hold per slot, on SQLite and on PostgreSQL. The servers run on the real clock."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import httpx

from tests.support.accounts import FAST_HASHING, sign_up_at
from tests.support.redis import delete_prefixed, require_redis
from tests.support.servers import running_servers

PATIENTS = 8
HOURS = ("10:00", "11:00", "12:00")


async def provider_open_every_day(
    http: httpx.AsyncClient, servers: list[str]
) -> tuple[int, dict[str, str]]:
    """A 004 provider signed up on the first server, open 9am-5pm every day through the
    second; their id and authorization headers."""
    provider_id, provider = await sign_up_at(http, servers[0], "provider", "doc@example.com")
    every_day = {"general_schedule": {"times": [{"days": "M-Su", "start": "9am", "end": "5pm"}]}}
    response = await http.post(
        f"{servers[1]}/providers/{provider_id}/availability", json=every_day, headers=provider
    )
    assert response.status_code == 200
    return provider_id, provider


async def test_racing_patients_on_two_servers_get_exactly_one_hold_per_slot(database_url):
    day = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    with running_servers(database_url, 2, env=FAST_HASHING) as servers:
        async with httpx.AsyncClient(timeout=60) as http:
            provider_id, provider = await provider_open_every_day(http, servers)
            patients = [
                await sign_up_at(http, servers[n % 2], "patient", f"p{n}@example.com")
                for n in range(PATIENTS)
            ]

            async def reserve(n: int, hour: str) -> httpx.Response:
                return await http.post(
                    f"{servers[n % 2]}/appointments/reserve",
                    json={"provider_id": provider_id, "start_time": f"{day}T{hour}:00+00:00"},
                    headers=patients[n][1],
                )

            races = [(n, hour) for hour in HOURS for n in range(PATIENTS)]
            answers = await asyncio.gather(*(reserve(n, hour) for n, hour in races))

            for hour in HOURS:
                statuses = sorted(
                    a.status_code for (_, h), a in zip(races, answers, strict=True) if h == hour
                )
                assert statuses == [200] + [409] * (PATIENTS - 1), (hour, statuses)
            listed = await http.get(
                f"{servers[1]}/providers/{provider_id}/booked-appointments",
                params={"start_date": day, "end_date": day},
                headers=provider,
            )
            held = listed.json()
            assert sorted(a["start_time"][11:16] for a in held) == list(HOURS)
            assert all(a["status"] == "reserved" for a in held)
            offered = await http.get(
                f"{servers[0]}/providers/{provider_id}/time-slots",
                params={"start_date": day, "end_date": day},
                headers=patients[0][1],
            )
            starts = {s["start_time"][11:16] for s in offered.json()}
            assert not starts & set(HOURS)


async def test_one_patient_racing_for_many_slots_on_two_servers_holds_at_most_the_cap(
    database_url,
):
    """The hoarding the abuse issue found (297 holds in 1.3 s): a patient's reservations,
    sent at once through two server processes, leave at most the cap (3) held."""
    day = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    starts = [f"{h:02d}:{m:02d}" for h in range(9, 17) for m in (0, 30)]  # 16 free slots
    with running_servers(database_url, 2, env=FAST_HASHING) as servers:
        async with httpx.AsyncClient(timeout=60) as http:
            provider_id, provider = await provider_open_every_day(http, servers)
            _, patient = await sign_up_at(http, servers[0], "patient", "hoarder@example.com")
            answers = await asyncio.gather(
                *(
                    http.post(
                        f"{servers[n % 2]}/appointments/reserve",
                        json={"provider_id": provider_id, "start_time": f"{day}T{at}:00+00:00"},
                        headers=patient,
                    )
                    for n, at in enumerate(starts)
                )
            )
            statuses = sorted(a.status_code for a in answers)
            assert statuses == [200] * 3 + [409] * (len(starts) - 3), statuses
            assert {a.json()["code"] for a in answers if a.status_code == 409} == {"hold_limit"}
            listed = await http.get(
                f"{servers[1]}/providers/{provider_id}/booked-appointments",
                params={"start_date": day, "end_date": day},
                headers=provider,
            )
            assert len(listed.json()) == 3


async def test_a_read_cached_on_one_server_sees_a_reservation_made_on_another(database_url):
    redis_url = require_redis()
    prefix = f"slotbook-test-{uuid.uuid4().hex[:12]}:"
    env = FAST_HASHING | {"SLOTBOOK_REDIS_URL": redis_url, "SLOTBOOK_CACHE_KEY_PREFIX": prefix}
    day = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    try:
        with running_servers(database_url, 2, env=env) as (first, second):
            async with httpx.AsyncClient(timeout=60) as http:
                provider_id, provider = await sign_up_at(http, first, "provider", "doc@example.com")
                every_day = {
                    "general_schedule": {"times": [{"days": "M-Su", "start": "9am", "end": "5pm"}]}
                }
                await http.post(
                    f"{first}/providers/{provider_id}/availability",
                    json=every_day,
                    headers=provider,
                )
                _, patient = await sign_up_at(http, second, "patient", "pat@example.com")
                window = {"start_date": day, "end_date": day}
                url = f"/providers/{provider_id}/time-slots"

                async def offered_on(server: str) -> set[str]:
                    response = await http.get(f"{server}{url}", params=window, headers=patient)
                    return {s["start_time"][11:16] for s in response.json()}

                assert "10:00" in await offered_on(first)  # cached, in Redis
                reserved = await http.post(
                    f"{second}/appointments/reserve",
                    json={"provider_id": provider_id, "start_time": f"{day}T10:00:00+00:00"},
                    headers=patient,
                )
                assert reserved.status_code == 200
                assert "10:00" not in await offered_on(first)
    finally:
        delete_prefixed(redis_url, prefix)
