"""A real webhook receiver on loopback: records every request, answers as scripted."""

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from standardwebhooks import Webhook
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.support.web import serving


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes
    status: int  # what the receiver answered

    @property
    def id(self) -> str:
        return self.headers["webhook-id"]

    def json(self) -> Any:
        return json.loads(self.body)

    def verified(self, secret: str) -> Any:
        """The payload, if the signature is right for `secret` (the Standard Webhooks
        verifier); raises WebhookVerificationError otherwise."""
        return Webhook(secret).verify(self.body, self.headers)


@dataclass
class Receiver:
    """Answers the statuses in `script` in turn, then `otherwise`."""

    script: list[int] = field(default_factory=list)
    otherwise: int = 200
    delay: float = 0.0  # seconds before answering (a slow receiver)
    received: list[Received] = field(default_factory=list)
    url: str = ""

    def delivered(self) -> list[Received]:
        return [r for r in self.received if 200 <= r.status < 300]

    async def _hook(self, request: Request) -> Response:
        status = self.script.pop(0) if self.script else self.otherwise
        headers = {k.lower(): v for k, v in request.headers.items()}
        self.received.append(Received(headers, await request.body(), status))
        if self.delay:
            await asyncio.sleep(self.delay)  # a receiver that is slow to answer
        if 300 <= status < 400:
            return Response(status_code=status, headers={"location": "/elsewhere"})
        return Response("x" * 5000 if status >= 500 else "ok", status_code=status)


@asynccontextmanager
async def receiving(
    script: list[int] | None = None, *, otherwise: int = 200, port: int = 0, delay: float = 0.0
) -> AsyncIterator[Receiver]:
    """A receiver served on loopback (`port`, or a free one) until the block ends. A 3xx
    answer redirects to `/elsewhere`, which records its requests too."""
    receiver = Receiver(list(script or []), otherwise, delay)
    app = Starlette(
        routes=[
            Route("/hook", receiver._hook, methods=["POST"]),
            Route("/elsewhere", receiver._hook, methods=["POST", "GET"]),
        ]
    )
    async with serving(app, port=port) as base:
        receiver.url = f"{base}/hook"
        yield receiver
