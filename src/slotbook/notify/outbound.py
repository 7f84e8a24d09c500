"""Requests to a URL of someone else's choosing (webhook deliveries), made safely.

A webhook makes the server send requests wherever its creator says, so: only `http` and
`https`; the address is checked when the connection is made, on the very address that
is dialled (a name that resolves to a loopback, private, link-local, shared or cloud
metadata address is refused, so DNS rebinding cannot slip past a check made earlier),
unless `SLOTBOOK_WEBHOOK_ALLOW_PRIVATE=1`; redirects are never followed (a 3xx is just
an answer); a whole request has `timeout` seconds; at most `MAX_BODY` bytes of the
answer are read and kept.
"""

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpcore

MAX_BODY = 1024
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class Refused(Exception):
    """The URL may not be sent to; the message says why."""


@dataclass(frozen=True, slots=True)
class Answer:
    status_code: int
    body: str  # the first MAX_BODY bytes, decoded leniently


def why_not_public(address: IPAddress) -> str | None:
    """What kind of non-public address this is, or None for a public one."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    for kind, flag in (
        ("loopback", address.is_loopback),
        ("link-local (cloud metadata)", address.is_link_local),
        ("private", address.is_private),
        ("multicast", address.is_multicast),
        ("unspecified", address.is_unspecified),
    ):
        if flag:
            return kind
    return None if address.is_global else "non-public"


def check_url_form(url: str) -> tuple[str, int]:
    """The host and port of an absolute http(s) URL; Refused otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused("url must be an absolute http:// or https:// URL")
    if parts.username or parts.password:
        raise Refused("url must not carry a user name or password")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise Refused("url has an invalid port") from exc
    return parts.hostname, port


async def resolve(host: str, port: int, *, allow_private: bool) -> list[str]:
    """The addresses `host` resolves to, all of them allowed; Refused otherwise."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Refused(f"url's host {host!r} cannot be resolved") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not allow_private:
        for address in addresses:
            kind = why_not_public(ipaddress.ip_address(address.split("%")[0]))
            if kind:
                raise Refused(
                    f"url's host {host!r} resolves to a {kind} address ({address}); "
                    "webhooks are only sent to public addresses"
                )
    return addresses


async def check_url(url: str, *, allow_private: bool) -> None:
    """Refused unless `url` may be sent to now."""
    host, port = check_url_form(url)
    await resolve(host, port, allow_private=allow_private)


class _GuardedBackend(httpcore.AnyIOBackend):
    """Dials only allowed addresses: resolves the host itself and connects to the
    checked address (TLS still verifies the host name)."""

    def __init__(self, *, allow_private: bool) -> None:
        self._allow_private = allow_private

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's signature
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await resolve(host, port, allow_private=self._allow_private)
        return await super().connect_tcp(addresses[0], port, timeout, local_address, socket_options)


class Outbound:
    """A pool of connections for outgoing POSTs; one per process."""

    def __init__(self, *, allow_private: bool, timeout: float) -> None:
        self.allow_private = allow_private
        self.timeout = timeout
        self._pool = httpcore.AsyncConnectionPool(
            network_backend=_GuardedBackend(allow_private=allow_private),
            max_connections=100,
            keepalive_expiry=30.0,
        )

    async def post(self, url: str, headers: dict[str, str], body: bytes) -> Answer:
        """POST `body`; the answer, whatever its status. Refused, OSError, TimeoutError
        or an httpcore error when there is none."""
        check_url_form(url)
        limits = {"connect": self.timeout, "read": self.timeout, "write": self.timeout}
        async with (
            asyncio.timeout(self.timeout),
            self._pool.stream(
                "POST",
                url,
                headers=list(headers.items()),
                content=body,
                extensions={"timeout": limits | {"pool": self.timeout}},
            ) as response,
        ):
            kept = b""
            async for chunk in response.aiter_stream():
                kept += chunk
                if len(kept) >= MAX_BODY:
                    break
            return Answer(response.status, kept[:MAX_BODY].decode("utf-8", errors="replace"))

    async def close(self) -> None:
        await self._pool.aclose()
