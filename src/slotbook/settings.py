"""Configuration: every setting has a SLOTBOOK_ name; the seed documents' names work too."""

import re
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

import limits
from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from slotbook import zones


def _parse_networks(value: str) -> tuple[IPv4Network | IPv6Network, ...]:
    """Comma-separated addresses or networks (`10.0.0.0/8, ::1`)."""
    return tuple(
        ip_network(part.strip(), strict=False) for part in value.split(",") if part.strip()
    )


def _env(name: str, *aliases: str) -> AliasChoices:
    return AliasChoices(f"SLOTBOOK_{name}", name, *aliases)


class Settings(BaseSettings):
    """All of slotbook's configuration, read from the environment and `.env`."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str = Field(
        "sqlite+aiosqlite:///./slotbook.db", validation_alias=_env("DATABASE_URL")
    )
    redis_url: str | None = Field(None, validation_alias=_env("REDIS_URL"))
    #: PostgreSQL: half the connections a process may open (as load needs them; then kept)
    db_pool_size: int = Field(10, gt=0, validation_alias=_env("DB_POOL_SIZE"))
    #: seconds to make a connection, to run one statement, to wait for a free connection;
    #: past any of them a request is answered 503 with Retry-After
    db_connect_timeout_seconds: float = Field(
        5.0, gt=0, validation_alias=_env("DB_CONNECT_TIMEOUT_SECONDS")
    )
    db_statement_timeout_seconds: float = Field(
        5.0, gt=0, validation_alias=_env("DB_STATEMENT_TIMEOUT_SECONDS")
    )
    db_pool_timeout_seconds: float = Field(
        5.0, gt=0, validation_alias=_env("DB_POOL_TIMEOUT_SECONDS")
    )
    #: signs access tokens; unset: a random key made on first start and kept in the database
    secret_key: str | None = Field(
        None,
        min_length=1,
        validation_alias=_env("JWT_SECRET_KEY", "SECRET_KEY", "SLOTBOOK_SECRET_KEY"),
    )
    auth: Literal["open", "strict"] = Field("open", validation_alias=_env("AUTH"))
    access_token_expire_minutes: int = Field(
        30, gt=0, validation_alias=_env("ACCESS_TOKEN_EXPIRE_MINUTES")
    )
    confirmation_grace_period_minutes: int = Field(
        30, gt=0, validation_alias=_env("CONFIRMATION_GRACE_PERIOD_MINUTES")
    )
    cache_expiry_seconds: int = Field(3600, gt=0, validation_alias=_env("CACHE_EXPIRY_SECONDS"))
    #: namespaces the cache's Redis keys, so deployments (or test runs) can share a Redis
    cache_key_prefix: str = Field("slotbook:", validation_alias=_env("CACHE_KEY_PREFIX"))
    #: Argon2 cost; the defaults are pwdlib's recommended ones (about 0.2 s a hash)
    password_hash_time_cost: int = Field(
        3, ge=1, le=20, validation_alias=_env("PASSWORD_HASH_TIME_COST")
    )
    password_hash_memory_kib: int = Field(
        65536, ge=8, le=4_194_304, validation_alias=_env("PASSWORD_HASH_MEMORY_KIB")
    )
    default_slot_duration_minutes: int = Field(
        60, gt=0, le=1440, validation_alias=_env("DEFAULT_SLOT_DURATION_MINUTES")
    )
    max_advance_booking_days: int = Field(
        365, gt=0, validation_alias=_env("MAX_ADVANCE_BOOKING_DAYS")
    )
    default_timezone: str = Field("UTC", validation_alias=_env("DEFAULT_TIMEZONE"))
    reservation_slot_minutes: int = Field(
        15, gt=0, le=1440, validation_alias=_env("RESERVATION_SLOT_MINUTES")
    )
    max_window_days: int = Field(62, gt=0, validation_alias=_env("MAX_WINDOW_DAYS"))
    board_timezone: str = Field("UTC", validation_alias=_env("BOARD_TIMEZONE"))
    board_first_hour: int = Field(3, ge=0, le=23, validation_alias=_env("BOARD_FIRST_HOUR"))
    board_last_hour: int = Field(15, ge=1, le=23, validation_alias=_env("BOARD_LAST_HOUR"))
    board_slot_minutes: int = Field(60, gt=0, le=1440, validation_alias=_env("BOARD_SLOT_MINUTES"))
    redis_channel_prefix: str = Field(
        "slotbook", min_length=1, validation_alias=_env("REDIS_CHANNEL_PREFIX")
    )
    ws_max_message_bytes: int = Field(4096, gt=0, validation_alias=_env("WS_MAX_MESSAGE_BYTES"))
    ws_send_queue: int = Field(64, gt=0, validation_alias=_env("WS_SEND_QUEUE"))
    ws_messages_per_second: float = Field(
        10.0, gt=0, validation_alias=_env("WS_MESSAGES_PER_SECOND")
    )
    ws_message_burst: int = Field(30, gt=0, validation_alias=_env("WS_MESSAGE_BURST"))
    sweep_interval_seconds: float = Field(
        5.0, gt=0, validation_alias=_env("SWEEP_INTERVAL_SECONDS")
    )
    log_format: Literal["text", "json"] = Field("text", validation_alias=_env("LOG_FORMAT"))
    #: `GET /metrics`: served unless turned off; with a token set, only to `Bearer <token>`
    metrics_enabled: bool = Field(True, validation_alias=_env("METRICS_ENABLED"))
    metrics_token: str | None = Field(None, validation_alias=_env("METRICS_TOKEN"))
    #: run the periodic jobs (sweeper, purge, outbox dispatcher) in this process
    run_jobs: bool = Field(True, validation_alias=_env("RUN_JOBS"))
    #: how often each process looks for outbox work others committed (its own: at once)
    dispatch_interval_seconds: float = Field(
        1.0, gt=0, validation_alias=_env("DISPATCH_INTERVAL_SECONDS")
    )
    #: send webhooks to loopback/private/link-local addresses too (tests, closed networks)
    webhook_allow_private: bool = Field(False, validation_alias=_env("WEBHOOK_ALLOW_PRIVATE"))
    webhook_timeout_seconds: float = Field(
        10.0, gt=0, le=60, validation_alias=_env("WEBHOOK_TIMEOUT_SECONDS")
    )
    #: requests: body bytes, header lines and header bytes (over: 413 / 431, body unread)
    max_body_bytes: int = Field(1_048_576, gt=0, validation_alias=_env("MAX_BODY_BYTES"))
    max_header_count: int = Field(100, gt=0, validation_alias=_env("MAX_HEADER_COUNT"))
    max_header_bytes: int = Field(16_384, ge=1024, validation_alias=_env("MAX_HEADER_BYTES"))
    #: what one calendar's schedule may hold (a 4xx names the limit that was passed)
    max_ranges_per_day: int = Field(24, gt=0, validation_alias=_env("MAX_RANGES_PER_DAY"))
    max_dated_hours: int = Field(1000, gt=0, validation_alias=_env("MAX_DATED_HOURS"))
    max_rule_days: int = Field(3660, gt=0, validation_alias=_env("MAX_RULE_DAYS"))
    #: rate limits (`limits` notation: "20/minute", "50 per hour"); Redis when REDIS_URL is set
    rate_limit_sign_in_failures_per_address: str = Field(
        "20 per 10 minutes", validation_alias=_env("RATE_LIMIT_SIGN_IN_FAILURES_PER_ADDRESS")
    )
    rate_limit_sign_in_failures_per_account: str = Field(
        "100 per hour", validation_alias=_env("RATE_LIMIT_SIGN_IN_FAILURES_PER_ACCOUNT")
    )
    rate_limit_registrations_per_address: str = Field(
        "100 per hour", validation_alias=_env("RATE_LIMIT_REGISTRATIONS_PER_ADDRESS")
    )
    rate_limit_token_misses_per_address: str = Field(
        "60 per minute", validation_alias=_env("RATE_LIMIT_TOKEN_MISSES_PER_ADDRESS")
    )
    rate_limit_bookings_per_address: str = Field(
        "600 per minute", validation_alias=_env("RATE_LIMIT_BOOKINGS_PER_ADDRESS")
    )
    #: networks whose X-Forwarded-For is believed (comma-separated; empty: nobody's)
    trusted_proxies: str = Field("", validation_alias=_env("TRUSTED_PROXIES"))
    #: Argon2 hashes computed at once per process (each takes PASSWORD_HASH_MEMORY_KIB)
    max_concurrent_password_hashes: int = Field(
        2, gt=0, validation_alias=_env("MAX_CONCURRENT_PASSWORD_HASHES")
    )
    max_holds_per_patient: int = Field(3, gt=0, validation_alias=_env("MAX_HOLDS_PER_PATIENT"))
    rate_limit_resend_links_per_email: str = Field(
        "5 per hour", validation_alias=_env("RATE_LIMIT_RESEND_LINKS_PER_EMAIL")
    )
    rate_limit_resend_links_per_address: str = Field(
        "30 per hour", validation_alias=_env("RATE_LIMIT_RESEND_LINKS_PER_ADDRESS")
    )
    #: where mail goes: `smtp://user:pass@host:port` (`?starttls=true`), `smtps://…` for
    #: implicit TLS; unset: written to the Maildir `mail_dir` instead of being sent
    smtp_url: str | None = Field(None, validation_alias=_env("SMTP_URL"))
    mail_from: str = Field("slotbook <slotbook@localhost>", validation_alias=_env("MAIL_FROM"))
    mail_dir: str = Field("./mail", min_length=1, validation_alias=_env("MAILDIR"))
    #: the base of links in emails (default: the serve address)
    public_url: str | None = Field(None, validation_alias=_env("PUBLIC_URL"))
    smtp_timeout_seconds: float = Field(
        30.0, gt=0, le=300, validation_alias=_env("SMTP_TIMEOUT_SECONDS")
    )
    #: origins (comma-separated, `https://shop.example.com`) whose pages may frame the
    #: booking pages (`/embed.js`); empty: no page may frame them
    embed_origins: str = Field("", validation_alias=_env("EMBED_ORIGINS"))
    #: longest life of one console change feed response (the console then reconnects);
    #: a stopping server waits for open feeds that long at most
    console_feed_seconds: float = Field(
        25.0, gt=0, le=3600, validation_alias=_env("CONSOLE_FEED_SECONDS")
    )
    host: str = Field("127.0.0.1", validation_alias=_env("HOST"))
    port: int = Field(8000, validation_alias=_env("PORT"))

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, url: str) -> str:
        """Accept the plain URLs people write and pick the async driver for them."""
        for plain, driver in (
            ("postgres://", "postgresql+asyncpg://"),
            ("postgresql://", "postgresql+asyncpg://"),
            ("sqlite://", "sqlite+aiosqlite://"),
        ):
            if url.startswith(plain):
                return driver + url.removeprefix(plain)
        return url

    @field_validator("default_timezone", "board_timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        zones.zone(name)
        return name

    @field_validator(
        "rate_limit_sign_in_failures_per_address",
        "rate_limit_sign_in_failures_per_account",
        "rate_limit_registrations_per_address",
        "rate_limit_token_misses_per_address",
        "rate_limit_bookings_per_address",
        "rate_limit_resend_links_per_email",
        "rate_limit_resend_links_per_address",
    )
    @classmethod
    def _rate(cls, rate: str) -> str:
        try:
            limits.parse(rate)
        except ValueError as exc:
            raise ValueError(f"{rate!r} is not a rate like '20/minute' or '50 per hour'") from exc
        return rate

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str) -> str:
        _parse_networks(value)
        return value

    @property
    def trusted_networks(self) -> tuple[IPv4Network | IPv6Network, ...]:
        return _parse_networks(self.trusted_proxies)

    @field_validator("embed_origins")
    @classmethod
    def _origins(cls, value: str) -> str:
        for origin in value.split(","):
            origin = origin.strip()
            if origin and not re.fullmatch(r"https?://[A-Za-z0-9.\-\[\]:]+", origin):
                raise ValueError(f"not an origin (scheme://host[:port]): {origin!r}")
        return value

    @property
    def framing_origins(self) -> tuple[str, ...]:
        return tuple(o.strip() for o in self.embed_origins.split(",") if o.strip())

    @model_validator(mode="after")
    def _board_hours(self) -> "Settings":
        if self.board_first_hour >= self.board_last_hour:
            raise ValueError("board_first_hour must be before board_last_hour")
        return self

    @field_validator("smtp_url")
    @classmethod
    def _smtp(cls, url: str | None) -> str | None:
        if url and urlsplit(url).scheme not in ("smtp", "smtps"):
            raise ValueError("must be smtp://user:pass@host:port or smtps://…")
        return url or None

    @property
    def links_base(self) -> str:
        """Where links in emails point: SLOTBOOK_PUBLIC_URL, or the serve address."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def mail_display(self) -> str:
        """Where mail goes, fit for logs."""
        if self.smtp_url:
            return f"SMTP {without_password(self.smtp_url)}"
        return f"written to the Maildir {self.mail_dir} (no SLOTBOOK_SMTP_URL)"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def database_display(self) -> str:
        """The database URL without its password, fit for logs."""
        return without_password(self.database_url)

    @property
    def redis_display(self) -> str | None:
        return without_password(self.redis_url) if self.redis_url else None


def without_password(url: str) -> str:
    """`scheme://user:secret@host/db` → `scheme://user:***@host/db`."""
    parts = urlsplit(url)
    if "@" not in parts.netloc or ":" not in parts.netloc.rsplit("@", 1)[0]:
        return url
    credentials, host = parts.netloc.rsplit("@", 1)
    user = credentials.split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


@lru_cache
def get_settings() -> Settings:
    return Settings()
