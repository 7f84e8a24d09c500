"""Logs: a start-up line, one access line per request, request ids in and out, JSON."""

import json
import logging

import httpx
import pytest

from slotbook.observability.logs import TextFormatter
from tests.support.servers import LOGS, running_servers

SECRET = "pw-never-logged"


def server_log(url: str) -> str:
    return (LOGS / f"{url.rsplit(':', 1)[1]}.log").read_text()


async def test_request_ids_come_back_given_or_made(client):
    given = await client.get("/health", headers={"X-Request-ID": "trace-42.a"})
    assert given.headers["X-Request-ID"] == "trace-42.a"
    made = await client.get("/health")
    assert len(made.headers["X-Request-ID"]) == 32
    int(made.headers["X-Request-ID"], 16)  # hex digits, as a uuid4's
    again = await client.get("/health")
    assert again.headers["X-Request-ID"] != made.headers["X-Request-ID"]
    unusable = await client.get("/health", headers={"X-Request-ID": "no spaces\tor tabs"})
    assert unusable.headers["X-Request-ID"] != "no spaces\tor tabs"


@pytest.mark.slow
def test_json_logs_name_the_server_then_each_request_without_secrets(tmp_path):
    database = f"sqlite+aiosqlite:///{tmp_path / 'logs.db'}"
    env = {
        "SLOTBOOK_LOG_FORMAT": "json",
        "SLOTBOOK_REDIS_URL": f"redis://:{SECRET}@127.0.0.1:1/0",
        "SLOTBOOK_SMTP_URL": f"smtp://mailer:{SECRET}@127.0.0.1:1",
    }
    from slotbook.store.migrate import upgrade

    upgrade(database)
    with running_servers(database, count=1, env=env) as (url,):
        token = "tok-" + "x" * 40
        httpx.get(f"{url}/api/v1/bookings/{token}", headers={"X-Request-ID": "req-1"})
    # read once the server has stopped: its access line may be written after the answer
    text = server_log(url)
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    assert SECRET not in text
    assert token not in text
    start = next(line for line in lines if "serving on" in line["message"])
    assert f"serving on {url}" in start["message"]
    assert f"{url}/docs" in start["message"]
    assert start["database"] == database
    assert start["broker"] == "redis://:***@127.0.0.1:1/0"
    assert start["mail"] == "SMTP smtp://mailer:***@127.0.0.1:1"
    access = next(
        line
        for line in lines
        if line["logger"] == "slotbook.access" and line.get("request_id") == "req-1"
    )
    assert access["method"] == "GET"
    assert access["route"] == "/api/v1/bookings/{token}"
    assert access["status"] == 404
    assert access["ms"] >= 0


def test_text_lines_tell_the_time_as_logging_itself_does():
    """The text format renders a second's date and time once; every line still reads
    exactly as the standard formatter would write it, across seconds and midnights."""
    ours = TextFormatter()
    standard = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    for created in (1_000_000_000.0, 1_000_000_000.999, 1_000_000_001.0005, 1_700_006_399.5):
        for later in (0.0, 0.25, 86_400.0):
            record = logging.makeLogRecord({"msg": "GET / 200", "levelname": "INFO"})
            record.created = created + later
            record.msecs = (record.created - int(record.created)) * 1000
            assert ours.format(record) == standard.format(record)
