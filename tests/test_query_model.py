"""`QueryModel` reads, refuses and documents query parameters as FastAPI's own `Query()`
parameters do: a route moved to it changes nothing a client can see."""

from typing import Annotated, Any

import httpx
import pytest
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from slotbook.surfaces.http.fields import Day, OwnerKey
from slotbook.surfaces.http.query import QueryModel


class Wanted(BaseModel):
    calendar_owner_id: OwnerKey
    for_date: Day
    days: Annotated[int, Query(ge=1, le=31)] = 7


WANTED = QueryModel(Wanted)


def both_ways() -> FastAPI:
    """One route declaring the parameters to FastAPI, one reading them via QueryModel;
    both answer what they read, and a refusal as FastAPI's errors."""
    app = FastAPI()

    @app.exception_handler(RequestValidationError)
    async def refused(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{k: e[k] for k in ("loc", "msg", "type")} for e in exc.errors()]
        return JSONResponse({"errors": errors}, status_code=422)

    @app.get("/declared")
    async def declared(
        calendar_owner_id: Annotated[OwnerKey, Query()],
        for_date: Annotated[Day, Query()],
        days: Annotated[int, Query(ge=1, le=31)] = 7,
    ) -> dict[str, Any]:
        return {"owner": calendar_owner_id, "day": for_date.isoformat(), "days": days}

    @app.get("/modelled", openapi_extra=WANTED.documented)
    async def modelled(request: Request) -> dict[str, Any]:
        query = WANTED.read(request)
        return {
            "owner": query.calendar_owner_id,
            "day": query.for_date.isoformat(),
            "days": query.days,
        }

    return app


@pytest.mark.parametrize(
    "query",
    [
        "calendar_owner_id=alice&for_date=2031-01-20",
        "calendar_owner_id=+alice+&for_date=2031-01-20&days=3&ignored=1",
        "calendar_owner_id=a&calendar_owner_id=b&for_date=2031-01-20",  # the last one counts
        "",
        "calendar_owner_id=alice",
        "calendar_owner_id=&for_date=20-01-2031",
        "calendar_owner_id=alice&for_date=2031-02-30&days=0",
        "calendar_owner_id=alice&for_date=2031-01-20&days=x",
    ],
)
async def test_reads_and_refuses_as_fastapi_does(query: str) -> None:
    transport = httpx.ASGITransport(app=both_ways())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        declared = await client.get(f"/declared?{query}")
        modelled = await client.get(f"/modelled?{query}")
    assert (modelled.status_code, modelled.json()) == (declared.status_code, declared.json())


def test_documents_the_parameters_as_fastapi_does() -> None:
    paths = both_ways().openapi()["paths"]
    declared = paths["/declared"]["get"]["parameters"]
    assert paths["/modelled"]["get"]["parameters"] == declared
    assert [p["name"] for p in declared] == ["calendar_owner_id", "for_date", "days"]


def test_refuses_a_model_whose_fields_need_definitions() -> None:
    class Nested(BaseModel):
        inner: Wanted

    with pytest.raises(TypeError, match="plain types"):
        QueryModel(Nested)
