"""Who is asking: the client's address, for per-address rate limits.

`X-Forwarded-For` is believed only when the peer is one of `SLOTBOOK_TRUSTED_PROXIES`:
then the client is the right-most address in it that is not itself a trusted proxy.
Anyone else could write any address there, and so escape every per-address limit.
"""

from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

from starlette.requests import HTTPConnection

Networks = tuple[IPv4Network | IPv6Network, ...]
UNKNOWN = "unknown"


def _address(text: str) -> IPv4Address | IPv6Address | None:
    try:
        return ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address: IPv4Address | IPv6Address | None, proxies: Networks) -> bool:
    return address is not None and any(address in network for network in proxies)


def client_address(connection: HTTPConnection, proxies: Networks) -> str:
    """The address a request (or WebSocket) comes from, as a string."""
    peer = connection.client.host if connection.client else UNKNOWN
    if not proxies or not _trusted(_address(peer), proxies):
        return peer
    forwarded = ",".join(connection.headers.getlist("x-forwarded-for")).split(",")
    for hop in reversed(forwarded):
        address = _address(hop)
        if address is None:
            return peer  # a malformed chain: trust none of it
        if not _trusted(address, proxies):
            return str(address)
    return peer
