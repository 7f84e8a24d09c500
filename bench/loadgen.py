"""A minimal HTTP/1.1 keep-alive load generator, so the client is not what is measured.

httpx spends milliseconds of CPU per request at a few hundred connections on this
machine; this client speaks just enough HTTP/1.1 (Content-Length bodies, keep-alive)
over asyncio streams to load a local server with one connection per concurrent client.
"""

import asyncio
import json
import time
from collections import Counter
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

Request = tuple[str, str, Any]  # method, path, JSON body or None


class Connection:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str
    ) -> None:
        self.reader, self.writer, self.host = reader, writer, host

    @classmethod
    async def open(cls, base: str) -> "Connection":
        url = urlsplit(base)
        reader, writer = await asyncio.open_connection(url.hostname, url.port)
        return cls(reader, writer, url.netloc)

    async def request(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        payload = b"" if body is None else json.dumps(body).encode()
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Length: {len(payload)}\r\n"
        )
        if body is not None:
            head += "Content-Type: application/json\r\n"
        self.writer.write(head.encode() + b"\r\n" + payload)
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


async def run_load(
    bases: list[str], connections: int, jobs: int, request_of: Callable[[int], Request]
) -> tuple[float, list[float], Counter[int]]:
    """Send jobs 0..jobs-1 over `connections` keep-alive connections spread across
    `bases`; returns (seconds, per-request latencies, status counts)."""
    conns = [await Connection.open(bases[i % len(bases)]) for i in range(connections)]
    queue = iter(range(jobs))
    latencies: list[float] = []
    statuses: Counter[int] = Counter()

    async def drive(conn: Connection) -> None:
        for i in queue:
            method, path, body = request_of(i)
            began = time.perf_counter()
            status, _ = await conn.request(method, path, body)
            latencies.append(time.perf_counter() - began)
            statuses[status] += 1

    began = time.perf_counter()
    await asyncio.gather(*(drive(c) for c in conns))
    seconds = time.perf_counter() - began
    for c in conns:
        c.close()
    return seconds, latencies, statuses
