"""`slotbook` command line: serve, migrate, check, openapi, admin, feed-url.

Nothing here imports prometheus-client (through the app, the database layer or the
services) at module level: `serve --workers N` must set PROMETHEUS_MULTIPROC_DIR before
the workers import it. Commands import what they need when they run.
"""

import asyncio
import ipaddress
import json
import logging
import logging.config
from typing import Any

import typer
import uvicorn
from pydantic import AliasChoices, ValidationError
from uvicorn.importer import import_from_string

from slotbook import __version__
from slotbook.accounts.signing_keys import MIN_KEY_BYTES, too_short
from slotbook.calendars import feeds
from slotbook.engine import Engine
from slotbook.errors import DomainError, plain_message
from slotbook.observability.logs import logging_config
from slotbook.observability.multiprocess import metrics_directory
from slotbook.settings import Settings, get_settings
from slotbook.store.db import Database
from slotbook.store.migrate import upgrade
from slotbook.workers import serve_workers

cli = typer.Typer(
    help="slotbook — one booking engine behind five booking APIs.", no_args_is_help=True
)
admin = typer.Typer(help="Manage accounts.", no_args_is_help=True)
cli.add_typer(admin, name="admin")
log = logging.getLogger("slotbook")
#: the ASGI app factory, loaded by name (as uvicorn does) so that importing the CLI does
#: not import the app
APP = "slotbook.app:create_served_app"
#: as `POST /register` asks
MIN_PASSWORD = 8


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


def _load_settings() -> Settings:
    """The settings, or exit 2 naming what is wrong with them."""
    try:
        return get_settings()
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"])
            typer.echo(f"FAIL settings: {where}: {plain_message(error['msg'])}", err=True)
        raise typer.Exit(2) from exc


def settings_sources() -> str:
    """Where settings come from, and every setting's names (for `serve --help`)."""
    names = []
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        choices = alias.choices if isinstance(alias, AliasChoices) else [name]
        names.append(" / ".join(str(c) for c in choices))
    return (
        "Settings come from, first found wins: this command's options (host, port), "
        "environment variables, a .env file in the working directory, then the defaults "
        "(see the README's Configuration table). Names: " + "; ".join(names) + "."
    )


def _version(value: bool) -> None:
    if value:
        typer.echo(f"slotbook {__version__}")
        raise typer.Exit()


@cli.callback()
def options(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit"
    ),
) -> None:
    """slotbook — one booking engine behind five booking APIs."""


@cli.command()
def migrate() -> None:
    """Apply database migrations to the configured database."""
    settings = _load_settings()
    upgrade(settings.database_url)
    typer.echo(f"migrated {settings.database_display}")


@cli.command()
def check() -> None:
    """Check settings, database (reachable, migrated, clock), Redis and mail; exit 1 if any
    check fails, naming why."""
    from slotbook.observability.checks import run_checks

    settings = _load_settings()
    findings = asyncio.run(run_checks(settings))
    for finding in findings:
        typer.echo(finding.line(), err=not finding.ok)
    if not all(f.ok for f in findings):
        raise typer.Exit(1)


@cli.command()
def openapi(
    indent: int = typer.Option(2, help="JSON indentation (0: one line)"),
) -> None:
    """Print the OpenAPI document (as served at /openapi.json)."""
    create_app = import_from_string(APP)  # as `serve` loads it
    schema = create_app(_load_settings()).openapi()
    typer.echo(json.dumps(schema, indent=indent or None, ensure_ascii=False))


@admin.command("create")
def create_admin(
    email: str = typer.Option(..., help="The admin's email (their sign-in name)"),
    name: str = typer.Option(..., help="The admin's name"),
    password: str = typer.Option(
        ..., prompt=True, hide_input=True, confirmation_prompt=True, help="Asked for if omitted"
    ),
) -> None:
    """Create the first admin account (later admins are registered by an admin's token)."""
    from slotbook.errors import DomainError

    settings = _load_settings()
    try:
        user_id = asyncio.run(_create_admin(settings, email=email, name=name, password=password))
    except DomainError as exc:
        typer.echo(f"FAIL admin: {exc.message}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"created admin {email} (id {user_id})")


async def _create_admin(settings: Settings, *, email: str, name: str, password: str) -> int:
    from pydantic import EmailStr, TypeAdapter

    from slotbook.accounts import users
    from slotbook.engine import Engine
    from slotbook.errors import InvalidInput
    from slotbook.store.db import Database

    try:
        address = TypeAdapter(EmailStr).validate_python(email)
    except ValidationError as exc:
        raise InvalidInput(f"email: {plain_message(exc.errors()[0]['msg'])}") from exc
    if not name.strip():
        raise InvalidInput("name: must not be empty")
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"password: at least {MIN_PASSWORD} characters")
    db = Database(settings.database_url)
    try:
        user = await users.register(
            Engine(settings, db),
            name=name.strip(),
            email=str(address),
            password=password,
            role=users.Role.ADMIN,
            actor=None,
        )
    finally:
        await db.dispose()
    return user.id


@cli.command(epilog=settings_sources())
def serve(
    host: str = typer.Option(None, help="Address to bind (default: SLOTBOOK_HOST or 127.0.0.1)"),
    port: int = typer.Option(None, help="Port (default: SLOTBOOK_PORT or 8000)"),
    workers: int = typer.Option(1, min=1, help="Worker processes"),
    migrate_first: bool = typer.Option(True, "--migrate/--no-migrate", help="Apply migrations"),
) -> None:
    """Apply migrations, then serve the API."""
    settings = _load_settings()
    host = host or settings.host
    port = port or settings.port
    log_config = logging_config(settings.log_format)
    logging.config.dictConfig(log_config)
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
    log.info(startup_line(settings, host, port, workers), extra=startup_fields(settings))
    options: dict[str, Any] = {
        "factory": True,
        "host": host,
        "port": port,
        "log_config": log_config,
        "log_level": "warning",
        "access_log": False,
    } | server_options(settings)
    with metrics_directory(workers):
        if workers > 1:
            serve_workers(uvicorn.Config(APP, workers=workers, **options))
        else:
            uvicorn.run(APP, **options)


def startup_fields(settings: Settings) -> dict[str, Any]:
    return {
        "database": settings.database_display,
        "broker": settings.redis_display or "in-process",
        "mail": settings.mail_display,
    }


def startup_line(settings: Settings, host: str, port: int, workers: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    base = f"http://{shown}:{port}"
    fields = startup_fields(settings)
    return (
        f"slotbook {__version__} serving on {base} (docs: {base}/docs) with {workers} "
        f"worker{'s' if workers > 1 else ''}; database: {fields['database']}; "
        f"broker: {fields['broker']}; mail: {fields['mail']}; auth: {settings.auth}"
    )


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
