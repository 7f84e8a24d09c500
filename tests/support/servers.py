"""Real `slotbook serve` processes on loopback, for concurrency and scale-out tests."""

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

LOGS = Path(tempfile.gettempdir()) / "slotbook-test-servers"

SRC = Path(__file__).resolve().parents[2] / "src"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def spawn(
    database_url: str | None,
    *,
    env: dict[str, str] | None = None,
    workers: int = 1,
    fresh_in: Path | None = None,
) -> tuple[subprocess.Popen[bytes], str]:
    """Start one `slotbook serve` process on a free port (not waiting for it to be up).
    `fresh_in`: as a fresh install run in that directory (no database URL, no mail
    directory: the defaults there; migrated first)."""
    LOGS.mkdir(exist_ok=True)
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("SLOTBOOK_")}
    base_env["PYTHONPATH"] = str(SRC)
    if fresh_in is None:
        base_env["SLOTBOOK_MAILDIR"] = str(LOGS / "mail")  # not ./mail/ of the checkout
    if database_url is not None:
        base_env["SLOTBOOK_DATABASE_URL"] = database_url
    base_env |= env or {}
    port = free_port()
    log = (LOGS / f"{port}.log").open("wb")  # a file, not a pipe: never fills up
    command = [sys.executable, "-m", "slotbook", "serve", "--port", str(port)]
    command += ["--workers", str(workers)] + ([] if fresh_in else ["--no-migrate"])
    proc = subprocess.Popen(
        command,
        env=base_env,
        cwd=fresh_in,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    return proc, f"http://127.0.0.1:{port}"


def log_of(url: str) -> str:
    """What the server at `url` wrote so far."""
    return (LOGS / f"{url.rsplit(':', 1)[1]}.log").read_text(errors="replace")


@contextmanager
def running_servers(
    database_url: str, count: int = 2, *, env: dict[str, str] | None = None, workers: int = 1
) -> Iterator[list[str]]:
    """Start `count` server processes on one database; yield their base URLs."""
    started = [spawn(database_url, env=env, workers=workers) for _ in range(count)]
    try:
        for proc, url in started:
            wait_until_up(url, proc)
        yield [url for _, url in started]
    finally:
        for proc, _ in started:
            proc.terminate()
        for proc, _ in started:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def wait_until_up(url: str, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server at {url} exited with {proc.returncode}:\n{log_of(url)}")
        try:
            # Any answer will do: uvicorn listens once the app has started. (/health, not
            # /openapi.json: building the schema cost each new process ~1 s of CPU.)
            httpx.get(f"{url}/health", timeout=1)
            return
        except httpx.TransportError:
            pass
        time.sleep(0.1)  # polling a starting process, not waiting for time to pass
    raise RuntimeError(f"server at {url} did not start within {timeout}s")
