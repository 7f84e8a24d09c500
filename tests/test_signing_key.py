"""The access-token key: never built in, made once per deployment, shared by its instances."""

import logging
import subprocess
import sys
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager

from slotbook.app import create_app
from slotbook.settings import Settings
from tests.support.accounts import PASSWORD, bearer, deployment_signing_key, sign_up

SRC = Path(__file__).resolve().parents[1] / "src"


def test_no_signing_key_is_built_into_the_code():
    assert Settings(_env_file=None).secret_key is None
    for source in SRC.rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        assert "change-me" not in text, source
        assert "secret_key: str =" not in text, source


async def _app_client(settings: Settings, clock, stack):
    manager = await stack.enter_async_context(LifespanManager(create_app(settings, clock=clock)))
    transport = httpx.ASGITransport(app=manager.app)
    return await stack.enter_async_context(
        httpx.AsyncClient(transport=transport, base_url="http://slotbook.test")
    )


async def test_without_a_configured_key_one_is_made_logged_and_shared_by_every_instance(
    settings, clock, caplog
):
    caplog.set_level(logging.WARNING, logger="slotbook.keys")
    async with AsyncExitStack() as stack:
        first = await _app_client(settings, clock, stack)
        second = await _app_client(settings, clock, stack)
        made = [r for r in caplog.records if "made a random access-token signing key" in r.message]
        assert len(made) == 1  # the second instance found the first one's key
        patient = await sign_up(first, "patient")
        answer = await second.get("/providers/1/time-slots", headers=patient.headers)
        assert answer.status_code != 401, answer.text
    key = await deployment_signing_key(settings)
    assert len(key) >= 64


async def test_a_configured_key_is_used_and_tokens_of_another_key_are_refused(settings, clock):
    ours = settings.model_copy(update={"secret_key": "k" * 40})
    async with AsyncExitStack() as stack:
        generated = await _app_client(settings, clock, stack)
        configured = await _app_client(ours, clock, stack)
        patient = await sign_up(generated, "patient")
        refused = await configured.get("/providers/1/time-slots", headers=patient.headers)
        assert refused.status_code == 401
        answer = await configured.post(
            "/token", data={"username": "patient@example.com", "password": PASSWORD}
        )
        token = answer.json()["access_token"]
        assert (
            await configured.get("/providers/1/time-slots", headers=bearer(token))
        ).status_code != 401
        assert (
            await generated.get("/providers/1/time-slots", headers=bearer(token))
        ).status_code == 401


def test_serve_refuses_a_short_key_on_a_non_loopback_address(tmp_path):
    env = {
        "PYTHONPATH": str(SRC),
        "PATH": "/usr/bin:/bin",
        "SLOTBOOK_SECRET_KEY": "too-short",
        "SLOTBOOK_DATABASE_URL": f"sqlite:///{tmp_path}/never-made.db",
    }
    done = subprocess.run(
        [sys.executable, "-m", "slotbook", "serve", "--host", "0.0.0.0", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "shorter than 32 bytes" in done.stderr
    assert not (tmp_path / "never-made.db").exists()  # refused before doing anything
