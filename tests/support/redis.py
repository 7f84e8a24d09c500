"""Redis for the cache tests: the shared test server, or a private one a test may pause,
stop and start again (to take Redis away mid-test)."""

import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import redis
from redis.exceptions import RedisError

from tests.support.databases import REDIS_TEST_URL, unavailable
from tests.support.servers import free_port


def require_redis(url: str = REDIS_TEST_URL) -> str:
    """`url`, after checking that Redis answers there (skip or fail otherwise)."""
    try:
        with redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2) as client:
            client.ping()
    except (RedisError, OSError) as exc:
        unavailable(f"Redis at {url}", exc)
    return url


def delete_prefixed(url: str, prefix: str) -> None:
    with redis.Redis.from_url(url, socket_timeout=2) as client:
        for key in client.scan_iter(match=f"{prefix}*", count=1000):
            client.delete(key)


def keys(url: str, prefix: str) -> set[str]:
    with redis.Redis.from_url(url, socket_timeout=2, decode_responses=True) as client:
        return set(client.scan_iter(match=f"{prefix}*", count=1000))


class PrivateRedis:
    """A `redis-server` process of the test's own, on a free loopback port."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            unavailable("redis-server binary", FileNotFoundError("redis-server not on PATH"))
        self.binary = binary
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with redis.Redis.from_url(self.url, socket_timeout=0.5) as client:
                    client.ping()
                    return
            except (RedisError, OSError):
                time.sleep(0.05)  # polling a starting process
        raise RuntimeError(f"redis-server on port {self.port} did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None

    def pause(self) -> None:
        """Freeze the server: connections stay open, nothing answers, data is kept."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGCONT)


@contextmanager
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    server.start()
    try:
        yield server
    finally:
        server.stop()
