"""The `slotbook` command: version, schema, first admin, where settings come from."""

import json
import os
import subprocess
import sys

import httpx
import pytest
from asgi_lifespan import LifespanManager

from slotbook import __version__
from slotbook.app import create_app
from slotbook.settings import Settings
from tests.support.servers import SRC


def slotbook(*args: str, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("SLOTBOOK_")}
    return subprocess.run(
        [sys.executable, "-m", "slotbook", *args],
        env=base | {"PYTHONPATH": str(SRC), "COLUMNS": "200"} | env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_version():
    done = slotbook("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"slotbook {__version__}"


def test_openapi_prints_the_served_schema():
    done = slotbook("openapi")
    assert done.returncode == 0, done.stderr
    schema = json.loads(done.stdout)
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/bookings" in schema["paths"]


def test_serve_help_says_where_settings_come_from():
    done = slotbook("serve", "--help")
    assert done.returncode == 0
    text = " ".join(done.stdout.split())
    assert "environment variables, a .env file" in text
    assert "SLOTBOOK_DATABASE_URL / DATABASE_URL" in text


@pytest.mark.slow
async def test_admin_create_prompts_for_the_password_and_the_admin_can_sign_in(database_url):
    done = slotbook(
        "admin",
        "create",
        "--email",
        "root@example.com",
        "--name",
        "Root",
        stdin="a-long-password\na-long-password\n",
        SLOTBOOK_DATABASE_URL=database_url,
    )
    assert done.returncode == 0, done.stderr
    assert "created admin root@example.com" in done.stdout
    assert "a-long-password" not in done.stdout
    again = slotbook(
        "admin",
        "create",
        "--email",
        "second@example.com",
        "--name",
        "Second",
        stdin="another-password\nanother-password\n",
        SLOTBOOK_DATABASE_URL=database_url,
    )
    assert again.returncode == 1
    assert "FAIL admin:" in again.stderr
    app = create_app(Settings(database_url=database_url, _env_file=None))
    async with (
        LifespanManager(app) as manager,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://t") as c,
    ):
        signed_in = await c.post(
            "/token", data={"username": "root@example.com", "password": "a-long-password"}
        )
    assert signed_in.status_code == 200
