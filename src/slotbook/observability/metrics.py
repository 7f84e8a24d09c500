"""Prometheus metrics, correct under `slotbook serve --workers N`.

With several workers `slotbook serve` sets PROMETHEUS_MULTIPROC_DIR (a fresh directory)
before any worker starts; each worker then writes its samples there and `GET /metrics`,
whichever worker answers, adds up every worker's (prometheus-client's multiprocess mode).
Gauges of live things (connections, pool) are summed over live workers only: a worker
that stops marks its files dead.
The outbox's backlog is the database's, not a worker's: it is read at each scrape and its
gauges keep the most recent reading (`mostrecent`), whichever worker made it.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from slotbook.errors import Conflict, DomainError
from slotbook.observability.multiprocess import MULTIPROC_ENV

REQUESTS = Counter(
    "slotbook_http_requests",
    "HTTP requests answered, by method, route template and status",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "slotbook_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
BOOKINGS = Counter(
    "slotbook_bookings",
    "Booking attempts by the surface that made them and their outcome",
    ["surface", "outcome"],
)
WEBSOCKETS = Gauge(
    "slotbook_websocket_connections",
    "Open live-board WebSocket connections",
    multiprocess_mode="livesum",
)
CACHE = Counter(
    "slotbook_slot_cache_lookups",
    "Time-slot cache lookups per calendar-day: hit or miss",
    ["result"],
)
POOL_IN_USE = Gauge(
    "slotbook_db_pool_connections_in_use",
    "Database connections checked out of the pool",
    multiprocess_mode="livesum",
)
OUTBOX_BACKLOG = Gauge(
    "slotbook_outbox_backlog",
    "Outbox work not finished: events not yet routed plus deliveries still pending",
    multiprocess_mode="mostrecent",
)
OUTBOX_OLDEST_AGE = Gauge(
    "slotbook_outbox_oldest_age_seconds",
    "Age of the oldest unfinished outbox work (0 when there is none)",
    multiprocess_mode="mostrecent",
)


@cache
def _request_series(method: str, route: str, status: int) -> tuple[Counter, Histogram]:
    """The request counter's and latency histogram's children for these labels, made once
    (`labels()` costs a lock and a lookup, twice a request otherwise). As bounded as the
    labels themselves: methods, route templates and statuses."""
    return REQUESTS.labels(method, route, str(status)), LATENCY.labels(method, route)


def request_answered(method: str, route: str, status: int, seconds: float) -> None:
    """Count one answered request and how long it took."""
    counter, latency = _request_series(method, route, status)
    counter.inc()
    latency.observe(seconds)


def outbox_reading(size: int, oldest_age_seconds: float) -> None:
    OUTBOX_BACKLOG.set(size)
    OUTBOX_OLDEST_AGE.set(oldest_age_seconds)


def booking_outcome(exc: DomainError) -> str:
    """A short, bounded label for why a booking was not made."""
    if isinstance(exc, Conflict):
        return "conflict"
    if "limit" in exc.code:
        return "limit"
    if exc.status >= 500:
        return "unavailable"
    return "rejected"


@contextmanager
def booking_attempt(surface: str) -> Iterator[None]:
    """Count one booking attempt: `created` when the block ends normally, else its outcome."""
    try:
        yield
    except DomainError as exc:
        _bookings(surface, booking_outcome(exc)).inc()
        raise
    count_created(surface)


@cache
def _bookings(surface: str, outcome: str) -> Counter:
    """The booking counter's child for these (bounded) labels, made once."""
    return BOOKINGS.labels(surface, outcome)


def count_created(surface: str) -> None:
    """Count one booking made."""
    _bookings(surface, "created").inc()


def cache_lookups(hits: int, misses: int) -> None:
    if hits:
        CACHE.labels("hit").inc(hits)
    if misses:
        CACHE.labels("miss").inc(misses)


def is_multiprocess() -> bool:
    return bool(os.environ.get(MULTIPROC_ENV))


def exposition() -> tuple[bytes, str]:
    """Every metric in Prometheus' text format (all workers' when multiprocess)."""
    if is_multiprocess():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def worker_stopped() -> None:
    """Drop this worker's live gauges (its counters stay: they are history)."""
    if is_multiprocess():
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]
