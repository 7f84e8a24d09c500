"""Fixtures: every API test runs once on SQLite and once on PostgreSQL."""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager

from slotbook.engine import Engine
from slotbook.settings import Settings
from slotbook.store.db import Database
from tests.support.apps import in_process_app
from tests.support.clock import FrozenClock
from tests.support.databases import (
    create_postgres_database,
    create_sqlite_database,
    drop_postgres_database,
    wipe,
)
from tests.support.live import LiveServer, live_server
from tests.support.smtp import Inbox, smtp_server

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session", autouse=True)
def maildir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Mail that tests do not send to their own SMTP server goes to a Maildir of theirs,
    never to ./mail/ (SLOTBOOK_MAILDIR is read by every Settings() a test makes)."""
    path = tmp_path_factory.mktemp("mail")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SLOTBOOK_MAILDIR", str(path))
        yield path


@pytest.fixture(scope="module")
def smtp() -> Iterator[Inbox]:
    """A real SMTP server on loopback, one per test module that uses it."""
    with smtp_server() as inbox:
        yield inbox


@pytest.fixture
def inbox(smtp: Inbox) -> Inbox:
    """The module's SMTP server, emptied and accepting mail."""
    smtp.messages.clear()
    smtp.refuse = None
    return smtp


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return create_sqlite_database(tmp_path_factory.mktemp("sqlite"))


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    url = create_postgres_database()
    yield url
    drop_postgres_database(url)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
async def database_url(backend: str, request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """A blank, migrated database of the parametrised backend."""
    url = request.getfixturevalue(f"{backend}_url")
    await wipe(url)
    yield url


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def settings(database_url: str) -> Settings:
    # Cheap Argon2 keeps sign-ups fast; test_accounts checks the real defaults separately.
    return Settings(
        database_url=database_url,
        password_hash_time_cost=1,
        password_hash_memory_kib=1024,
        _env_file=None,
    )


@pytest.fixture
async def engine(settings: Settings, clock: FrozenClock) -> AsyncIterator[Engine]:
    """The booking engine on the test's database and clock, without an app."""
    db = Database(settings.database_url)
    try:
        yield Engine(settings, db, clock)
    finally:
        await db.dispose()


@pytest.fixture
async def client(settings: Settings, clock: FrozenClock) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to an in-process app on the test's database and clock."""
    app = in_process_app(settings, clock)
    async with (
        LifespanManager(app, startup_timeout=30) as manager,  # a loaded CI machine is slow
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app), base_url="http://slotbook.test"
        ) as http,
    ):
        yield http


@pytest.fixture
async def server(settings: Settings, clock: FrozenClock) -> AsyncIterator[LiveServer]:
    """A real server (uvicorn, in the test's loop) on the test's database and clock, for
    WebSocket tests."""
    async with live_server(settings, clock) as running:
        yield running


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).name.startswith("test_concurrency"):
            item.add_marker(pytest.mark.slow)
