"""`slotbook` command line: serve, migrate, feed-url."""

import asyncio
import ipaddress
import logging
from typing import Any

import typer
import uvicorn

from slotbook.accounts.signing_keys import MIN_KEY_BYTES, too_short
from slotbook.calendars import feeds
from slotbook.engine import Engine
from slotbook.errors import DomainError
from slotbook.settings import Settings, get_settings
from slotbook.store.db import Database
from slotbook.store.migrate import upgrade
from slotbook.workers import serve_workers

cli = typer.Typer(
    help="slotbook — one booking engine behind five booking APIs.", no_args_is_help=True
)
log = logging.getLogger("slotbook")
APP = "slotbook.app:create_app"


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's WebSocket options (shared by the tests' in-process servers).

    The app answers a message over `ws_max_message_bytes` with a close and a reason; the
    server drops a frame four times that size before reading all of it. No
    permessage-deflate: a board update is 1-2 KB, and compressing every subscriber's copy
    separately costs ~50 us of CPU and a zlib context (~60 KB) per connection.
    """
    return {"ws_max_size": 4 * settings.ws_max_message_bytes, "ws_per_message_deflate": False}


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


@cli.command()
def migrate() -> None:
    """Apply database migrations to the configured database."""
    settings = get_settings()
    upgrade(settings.database_url)
    typer.echo(f"migrated {settings.database_url.split('@')[-1]}")


@cli.command()
def serve(
    host: str = typer.Option(None, help="Address to bind (default: SLOTBOOK_HOST or 127.0.0.1)"),
    port: int = typer.Option(None, help="Port (default: SLOTBOOK_PORT or 8000)"),
    workers: int = typer.Option(1, min=1, help="Worker processes"),
    migrate_first: bool = typer.Option(True, "--migrate/--no-migrate", help="Apply migrations"),
) -> None:
    """Apply migrations, then serve the API."""
    settings = get_settings()
    host = host or settings.host
    port = port or settings.port
    logging.basicConfig(level=logging.INFO)
    if too_short(settings.secret_key):
        if not _is_loopback(host):
            typer.echo(
                f"refusing to serve on {host}: SLOTBOOK_SECRET_KEY is shorter than "
                f"{MIN_KEY_BYTES} bytes (set a longer one, or unset it to have one made)",
                err=True,
            )
            raise typer.Exit(2)
        log.warning("SLOTBOOK_SECRET_KEY is shorter than %d bytes", MIN_KEY_BYTES)
    if migrate_first:
        upgrade(settings.database_url)
    if settings.auth == "open" and not _is_loopback(host):
        log.warning(
            "serving in open mode on %s: anyone who can reach it can change availability; "
            "set SLOTBOOK_AUTH=strict",
            host,
        )
    options: dict[str, Any] = {"factory": True, "host": host, "port": port, "log_level": "warning"}
    options |= server_options(settings)
    if workers > 1:
        serve_workers(uvicorn.Config(APP, workers=workers, **options))
    else:
        uvicorn.run(APP, **options)


async def _issue_feed(settings: Settings, calendar_id: int) -> str:
    db = Database(settings.database_url)
    try:
        return await feeds.issue(Engine(settings, db), user=None, calendar_id=calendar_id)
    finally:
        await db.dispose()


@cli.command("feed-url")
def feed_url(
    calendar_id: int = typer.Argument(..., help="The calendar's id"),
    base_url: str = typer.Option(
        None, help="Where the server is reached (default: http://SLOTBOOK_HOST:SLOTBOOK_PORT)"
    ),
) -> None:
    """Issue a calendar's secret iCal feed URL (any earlier one stops working)."""
    settings = get_settings()
    try:
        secret = asyncio.run(_issue_feed(settings, calendar_id))
    except DomainError as exc:
        typer.echo(exc.message, err=True)
        raise typer.Exit(1) from exc
    base = base_url or f"http://{settings.host}:{settings.port}"
    typer.echo(base.rstrip("/") + feeds.feed_path(secret))


def main() -> None:
    cli()
