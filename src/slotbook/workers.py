"""Several worker processes on one listening socket (`slotbook serve --workers N`), shut
down so that a request arriving meanwhile is answered or refused, never reset.

uvicorn's supervisor keeps its own copy of the listening socket open until every worker
has drained and exited: the kernel goes on accepting connections that no worker will
take, and resets them when the supervisor exits. Ours closes its copy before telling the
workers to stop. A stopping uvicorn worker then closes its copy too, and the kernel
resets whatever it had accepted that the worker had not taken yet; and the worker closes,
without an answer, every connection whose request it has not read yet, including one it
took a moment before. Ours first takes every connection the kernel has accepted, then
closes its copy (from the last copy's close on, a new connection is refused), reads for
`READ_GRACE` seconds (so the requests on those connections are served), and only then
drains as uvicorn does.
"""

import asyncio
import socket

from uvicorn import Config, Server
from uvicorn.supervisors import multiprocess

READ_GRACE = 0.5  # seconds


def _accepted(listener: socket.socket) -> list[socket.socket]:
    """Every connection waiting in `listener`'s accept queue (it is non-blocking)."""
    taken: list[socket.socket] = []
    while True:
        try:
            conn, _ = listener.accept()
        except ConnectionAbortedError:
            continue
        except OSError:  # BlockingIOError: none left
            return taken
        conn.setblocking(False)
        taken.append(conn)


class DrainingServer(Server):
    def _protocol(self) -> asyncio.Protocol:
        """A connection's HTTP protocol, as uvicorn makes it for the connections it accepts."""
        return self.config.http_protocol_class(  # type: ignore[call-arg]
            config=self.config, server_state=self.server_state, app_state=self.lifespan.state
        )

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        taken = [conn for listener in sockets or [] for conn in _accepted(listener)]
        for server in self.servers:
            server.close()
        for listener in sockets or []:
            listener.close()
        loop = asyncio.get_running_loop()
        for conn in taken:
            await loop.connect_accepted_socket(self._protocol, conn)
        await asyncio.sleep(READ_GRACE)
        await super().shutdown(sockets)


class Worker(multiprocess.Process):
    @property
    def server(self) -> Server:
        if self._server is None:
            self._server = DrainingServer(config=self.config)
        return self._server


class Supervisor(multiprocess.Multiprocess):
    def terminate_all(self) -> None:
        for sock in self.sockets:
            sock.close()
        super().terminate_all()


def serve_workers(config: Config) -> None:
    """Run `config.workers` worker processes until SIGTERM or SIGINT."""
    multiprocess.Process = Worker  # type: ignore[misc]  # uvicorn makes workers by this name
    Supervisor(config, sockets=[config.bind_socket()]).run()
