"""FastAPI dependencies shared by the surfaces."""

from typing import Annotated

from fastapi import Depends, Header, Request

from slotbook.services.engine import Engine


def get_engine(request: Request) -> Engine:
    return request.app.state.engine


EngineDep = Annotated[Engine, Depends(get_engine)]
IdempotencyHeader = Annotated[
    str | None,
    Header(alias="Idempotency-Key", description="Retry-safe key: same key and body, same answer"),
]
