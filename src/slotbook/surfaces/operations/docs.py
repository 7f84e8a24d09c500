"""`/docs` (Swagger UI) and `/redoc`, from the assets fastapi-offline ships (no CDN), the
AsyncAPI document, and the five documents the surfaces implement."""

from functools import cache
from importlib.resources import files

from fastapi import APIRouter, HTTPException
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles

from slotbook.apidocs.asyncapi import ASYNCAPI, DOCUMENTS

ASSETS_URL = "/docs/assets"
OAUTH2_REDIRECT = "/docs/oauth2-redirect"
REDOC_JS_URL = "/docs/redoc.js"
REDOCLY_LOGO = b"https://cdn.redoc.ly/redoc/logo-mini.svg"

router = APIRouter(include_in_schema=False)


def assets() -> StaticFiles:
    """Swagger UI's and ReDoc's scripts, styles and icon, as the pinned package ships them."""
    return StaticFiles(directory=str(files("fastapi_offline") / "static"))


@cache
def offline_redoc_bundle() -> bytes:
    """ReDoc's bundle with its one remote reference, the Redocly logo in the side menu's
    footer, made an empty image: ReDoc drops an image that fails, and nothing leaves."""
    bundle = (files("fastapi_offline") / "static" / "redoc.standalone.js").read_bytes()
    return bundle.replace(REDOCLY_LOGO, b"data:,")


@router.get("/docs")
async def swagger_ui() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="slotbook — API",
        oauth2_redirect_url=OAUTH2_REDIRECT,
        swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_URL}/favicon.png",
        swagger_ui_parameters={"persistAuthorization": True, "displayRequestDuration": True},
    )


@router.get(OAUTH2_REDIRECT)
async def swagger_ui_redirect() -> HTMLResponse:
    return get_swagger_ui_oauth2_redirect_html()


@router.get("/redoc")
async def redoc() -> HTMLResponse:
    return get_redoc_html(
        openapi_url="/openapi.json",
        title="slotbook — API",
        redoc_js_url=REDOC_JS_URL,
        redoc_favicon_url=f"{ASSETS_URL}/favicon.png",
        with_google_fonts=False,
    )


@router.get(REDOC_JS_URL)
def redoc_bundle() -> Response:
    return Response(
        offline_redoc_bundle(),
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=86400"},
    )


@router.get("/asyncapi.json")
async def asyncapi() -> dict[str, object]:
    return ASYNCAPI


@router.get("/docs/documents/")
async def documents() -> PlainTextResponse:
    return PlainTextResponse("".join(f"/docs/documents/{name}\n" for name in DOCUMENTS))


@router.get("/docs/documents/{name}")
async def document(name: str) -> PlainTextResponse:
    if name not in DOCUMENTS:
        raise HTTPException(404, "No such document")
    return PlainTextResponse(DOCUMENTS[name])
