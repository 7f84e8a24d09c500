"""GET /metrics: Prometheus' format, all workers' samples added up, off or token-protected."""

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from slotbook.settings import Settings
from tests.support.servers import running_servers

TIMES = [f"{hour:02d}:00" for hour in range(8, 18)]  # ten distinct times
TRIES_PER_TIME = 3


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of an exposition, by name and sorted labels."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


@pytest.mark.slow
async def test_bookings_on_two_workers_add_up_in_one_scrape(database_url):
    with running_servers(database_url, count=1, workers=2) as (url,):
        day = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            provider = await http.post(
                "/api/v1/providers", json={"name": "Dr Metric", "email": "metric@example.com"}
            )
            assert provider.status_code == 201, provider.text
            provider_id = provider.json()["id"]

        async def book(time: str) -> int:
            # a connection of its own per request, so the kernel spreads them over workers
            async with httpx.AsyncClient(base_url=url, timeout=30) as fresh:
                response = await fresh.post(
                    "/api/v1/bookings",
                    json={"provider_id": provider_id, "date": day, "time": time},
                )
                return response.status_code

        statuses = await asyncio.gather(*(book(t) for t in TIMES * TRIES_PER_TIME))
        assert sorted(set(statuses)) == [201, 409]
        created, conflicts = statuses.count(201), statuses.count(409)
        assert created == len(TIMES)

        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            scraped = await http.get("/metrics")
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain")
    found = samples(scraped.text)

    def value(name: str, **labels: str) -> float:
        return found.get((name, tuple(sorted(labels.items()))), 0.0)

    assert value("slotbook_bookings_total", surface="providers", outcome="created") == created
    assert value("slotbook_bookings_total", surface="providers", outcome="conflict") == conflicts
    route = "/api/v1/bookings"
    assert value("slotbook_http_requests_total", method="POST", route=route, status="201") == (
        created
    )
    assert value("slotbook_http_requests_total", method="POST", route=route, status="409") == (
        conflicts
    )
    latency_count = value(
        "slotbook_http_request_duration_seconds_count", method="POST", route=route
    )
    assert latency_count == created + conflicts
    assert value("slotbook_db_pool_connections_in_use") >= 0
    assert ("slotbook_websocket_connections", ()) in found


async def test_metrics_name_route_templates_not_paths(client):
    await client.get("/api/v1/events/12345")
    text = (await client.get("/metrics")).text
    assert 'route="/api/v1/events/{event_id}"' in text
    assert "/api/v1/events/12345" not in text


class TestTheOutboxBacklog:
    @pytest.fixture
    def settings(self, database_url: str) -> Settings:
        # no dispatcher: what the bookings append stays in the outbox for the scrape to see
        return Settings(database_url=database_url, run_jobs=False, _env_file=None)

    async def test_is_the_unrouted_events_and_the_age_of_the_oldest(self, client, clock):
        def backlog(text: str) -> tuple[float, float]:
            found = samples(text)
            return (
                found[("slotbook_outbox_backlog", ())],
                found[("slotbook_outbox_oldest_age_seconds", ())],
            )

        assert backlog((await client.get("/metrics")).text) == (0, 0)
        provider = await client.post(
            "/api/v1/providers", json={"name": "Dr Queue", "email": "queue@example.com"}
        )
        for time in ("09:00", "10:00"):
            booked = await client.post(
                "/api/v1/bookings",
                json={"provider_id": provider.json()["id"], "date": "2031-01-20", "time": time},
            )
            assert booked.status_code == 201, booked.text
            clock.advance(seconds=30)
        assert backlog((await client.get("/metrics")).text) == (2, 60)


class TestWithAMetricsToken:
    @pytest.fixture
    def settings(self, database_url: str) -> Settings:
        return Settings(database_url=database_url, metrics_token="s3cret-metrics", _env_file=None)

    async def test_the_token_is_required(self, client):
        assert (await client.get("/metrics")).status_code == 401
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        right = await client.get("/metrics", headers={"Authorization": "Bearer s3cret-metrics"})
        assert right.status_code == 200


class TestWithMetricsOff:
    @pytest.fixture
    def settings(self, database_url: str) -> Settings:
        return Settings(database_url=database_url, metrics_enabled=False, _env_file=None)

    async def test_there_are_none(self, client):
        assert (await client.get("/metrics")).status_code == 404
