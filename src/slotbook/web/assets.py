"""The pages' scripts, styles and icon, compressed and cacheable.

Every asset is served twice: under `/static/{version}/`, where `version` is a hash of
all the assets' contents, for a year (`immutable`) — the pages link there, and the ES
modules' relative imports stay under the same version — and under `/static/` for
anything linked without one, revalidated on each use (ETag). Text is gzipped.
"""

import hashlib
import os
from functools import cache
from pathlib import Path

from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Scope

STATIC = Path(__file__).parent / "static"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


@cache
def version() -> str:
    """A short hash of every asset's name and content: new assets, new URLs."""
    digest = hashlib.sha256()
    for path in sorted(STATIC.iterdir()):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def versioned(path: str) -> str:
    """`/static/x.js` as the pages link it: under the current version."""
    return path.replace("/static/", f"/static/{version()}/", 1)


class _CachedFiles(StaticFiles):
    def __init__(self, cache_control: str) -> None:
        super().__init__(directory=STATIC)
        self.cache_control = cache_control

    def file_response(
        self,
        full_path: "os.PathLike[str] | str",
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = self.cache_control
        return response


def static_apps() -> dict[str, ASGIApp]:
    """Mount path -> app: the versioned one first (the plain one would match it too)."""
    return {
        f"/static/{version()}": GZipMiddleware(_CachedFiles(IMMUTABLE)),
        "/static": GZipMiddleware(_CachedFiles(REVALIDATE)),
    }


def favicon() -> FileResponse:
    return FileResponse(
        STATIC / "favicon.ico",
        media_type="image/x-icon",
        headers={"Cache-Control": "public, max-age=86400"},
    )


def script(name: str) -> FileResponse:
    """A script served at a fixed URL (other sites link it), revalidated on each use."""
    return FileResponse(
        STATIC / name, media_type="text/javascript", headers={"Cache-Control": REVALIDATE}
    )
