"""The baseline for bench/overhead.py: a bare ASGI app answering fixed JSON bodies.

BARE_BODIES holds a JSON object mapping each path to the body text to answer with.
"""

import json
import os
from typing import Any

BODIES = {path: body.encode() for path, body in json.loads(os.environ["BARE_BODIES"]).items()}


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    body = BODIES.get(scope["path"], b"{}")
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
