"""Several worker processes on one listening socket (`slotbook serve --workers N`), shut
down so that a request arriving meanwhile is answered or refused, never reset.

uvicorn's supervisor keeps its own copy of the listening socket open until every worker
has drained and exited: the kernel goes on accepting connections that no worker will
take, and resets them when the supervisor exits. Ours closes its copy before telling the
workers to stop. And a stopping uvicorn worker closes, without an answer, every
connection whose request it has not read yet, including one it accepted a moment
before; ours stops accepting first, reads for `READ_GRACE` seconds (such requests are
then served), and only then drains as uvicorn does.
"""

import asyncio
import socket

from uvicorn import Config, Server
from uvicorn.supervisors import multiprocess

READ_GRACE = 0.5  # seconds


class DrainingServer(Server):
    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
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
