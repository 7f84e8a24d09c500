"""Which process of a `--workers N` server holds a given loopback connection (Linux /proc),
so a test can put clients on every worker rather than hope the kernel spreads them."""

import os
from pathlib import Path

ESTABLISHED = "01"


def _tcp_sockets() -> list[tuple[int, int, str, str]]:
    """(local port, remote port, state, inode) of every IPv4 TCP socket."""
    rows = []
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, state, inode = fields[1], fields[2], fields[3], fields[9]
        rows.append((int(local.split(":")[1], 16), int(remote.split(":")[1], 16), state, inode))
    return rows


def _owners(inode: str) -> set[int]:
    owners = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                if os.readlink(f"/proc/{pid}/fd/{fd}") == f"socket:[{inode}]":
                    owners.add(int(pid))
        except OSError:  # gone, or not ours to look at
            continue
    return owners


def worker_of(server_port: int, client_port: int) -> int:
    """The process holding the server side of the connection from `client_port`."""
    for local, remote, state, inode in _tcp_sockets():
        if local == server_port and remote == client_port and state == ESTABLISHED:
            (pid,) = _owners(inode)
            return pid
    raise LookupError(f"no connection from port {client_port} to port {server_port}")
