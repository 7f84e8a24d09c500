"""`slotbook check`: a line per dependency; non-zero with the reason when one fails."""

import os
import subprocess
import sys

import pytest

from tests.support.servers import SRC, free_port

pytestmark = pytest.mark.slow


def check(**env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("SLOTBOOK_")}
    return subprocess.run(
        [sys.executable, "-m", "slotbook", "check"],
        env=base | {"PYTHONPATH": str(SRC)} | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_ready_database_passes_every_check(database_url):
    done = check(SLOTBOOK_DATABASE_URL=database_url)
    assert done.returncode == 0, done.stdout + done.stderr
    for name in ("settings", "database", "migrations", "clock", "redis", "mail"):
        assert f"ok   {name}:" in done.stdout


def test_a_database_that_is_down_fails_with_its_address():
    port = free_port()
    done = check(SLOTBOOK_DATABASE_URL=f"postgresql://slotbook:pw@127.0.0.1:{port}/slotbook")
    assert done.returncode == 1
    assert f"FAIL database: cannot reach postgresql+asyncpg://slotbook:***@127.0.0.1:{port}" in (
        done.stderr
    )
    assert ":pw@" not in done.stdout + done.stderr


def test_pending_migrations_fail_and_say_what_to_run(tmp_path):
    done = check(SLOTBOOK_DATABASE_URL=f"sqlite:///{tmp_path / 'blank.db'}")
    assert done.returncode == 1
    assert "FAIL migrations: pending" in done.stderr
    assert "run `slotbook migrate`" in done.stderr


def test_redis_configured_but_down_fails(database_url):
    done = check(
        SLOTBOOK_DATABASE_URL=database_url, SLOTBOOK_REDIS_URL=f"redis://127.0.0.1:{free_port()}/0"
    )
    assert done.returncode == 1
    assert "FAIL redis: configured but cannot reach redis://127.0.0.1:" in done.stderr
    assert "ok   database:" in done.stdout


def test_bad_settings_fail_naming_the_setting():
    done = check(SLOTBOOK_BOARD_TIMEZONE="Mars/Olympus")
    assert done.returncode == 2
    assert "FAIL settings: SLOTBOOK_BOARD_TIMEZONE: unknown IANA time zone" in done.stderr
