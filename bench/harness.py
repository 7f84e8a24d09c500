"""Shared pieces of the benchmarks: fresh databases, server processes, load, results."""

import asyncio
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from tests.support.databases import (  # noqa: E402
    create_postgres_database,
    create_sqlite_database,
    drop_postgres_database,
    wipe,
)
from tests.support.servers import running_servers  # noqa: E402

RESULTS = ROOT / "bench" / "RESULTS.md"

__all__ = [
    "create_postgres_database",
    "create_sqlite_database",
    "drop_postgres_database",
    "fresh_database",
    "percentile",
    "run_concurrently",
    "running_servers",
    "wipe",
    "write_section",
]


@asynccontextmanager
async def fresh_database(backend: str) -> AsyncIterator[str]:
    """A migrated database of `backend` ("postgresql" or "sqlite") for one run."""
    if backend == "postgresql":
        url = await asyncio.to_thread(create_postgres_database)
        try:
            yield url
        finally:
            await asyncio.to_thread(drop_postgres_database, url)
    else:
        yield await asyncio.to_thread(create_sqlite_database, Path(tempfile.mkdtemp()))


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


async def run_concurrently(
    jobs: int, concurrency: int, job: Callable[[int], Awaitable[None]]
) -> tuple[float, list[float]]:
    """Run job(0..jobs-1) with at most `concurrency` in flight; (seconds, latencies)."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(jobs):
        queue.put_nowait(i)
    latencies: list[float] = []

    async def worker() -> None:
        while not queue.empty():
            i = queue.get_nowait()
            started = time.perf_counter()
            await job(i)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started, latencies


def machine() -> str:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"commit {commit or 'unknown'}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )


def write_section(name: str, body: str) -> None:
    """Replace (or append) the section `name` of bench/RESULTS.md."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    block = f"{start}\n{body.rstrip()}\n\n_Measured on {machine()}._\n{end}"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    RESULTS.write_text(text)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def bar_chart(
    name: str, title: str, groups: list[str], series: dict[str, list[float]], ylabel: str
) -> str:
    """Save a grouped bar chart as bench/<name>.png; returns the Markdown to show it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4), dpi=100)
    width = 0.8 / max(1, len(series))
    for k, (label, values) in enumerate(series.items()):
        positions = [i + k * width for i in range(len(groups))]
        ax.bar(positions, values, width, label=label)
    ax.set_xticks([i + width * (len(series) - 1) / 2 for i in range(len(groups))], groups)
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    ax.legend()
    fig.tight_layout()
    fig.savefig(ROOT / "bench" / f"{name}.png")
    plt.close(fig)
    return f"![{title}]({name}.png)"
