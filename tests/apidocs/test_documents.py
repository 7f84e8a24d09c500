"""The API describes itself: OpenAPI that names real shapes, AsyncAPI for the board,
the documents the surfaces implement."""

import pytest

from slotbook.settings import Settings


async def openapi(client) -> dict:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()


async def test_post_bookings_shows_both_bodies_as_one_booking_in_union(client):
    schema = await openapi(client)
    operation = schema["paths"]["/api/v1/bookings"]["post"]
    body = operation["requestBody"]["content"]["application/json"]
    assert body["schema"]["$ref"] == "#/components/schemas/BookingIn"
    shapes = {ref["$ref"] for ref in schema["components"]["schemas"]["BookingIn"]["anyOf"]}
    assert shapes == {
        "#/components/schemas/ProviderBookingIn",
        "#/components/schemas/SeatBookingIn",
    }
    assert set(body["examples"]) == {"provider time (002)", "event seat (003)"}
    created = operation["responses"]["201"]["content"]["application/json"]["schema"]
    assert len(created["anyOf"]) == 2


async def test_errors_are_documented_in_each_surfaces_shape(client):
    paths = (await openapi(client))["paths"]
    owners_404 = paths["/api/v1/slots"]["get"]["responses"]["404"]["content"]["application/json"]
    assert owners_404["schema"]["$ref"] == "#/components/schemas/Error"
    assert owners_404["examples"]["calendar_not_found"]["value"] == {
        "detail": "User Not Found",
        "code": "calendar_not_found",
    }
    provider = paths["/api/v1/providers/{provider_id}"]["get"]["responses"]
    assert provider["404"]["content"]["application/json"]["schema"]["$ref"] == (
        "#/components/schemas/ProvidersError"
    )
    assert provider["400"]["description"]  # malformed input is 400 on surface 002
    assert "422" not in provider


async def test_schema_names_are_readable_and_every_body_has_an_example(client):
    schema = await openapi(client)
    names = list(schema["components"]["schemas"])
    assert not [n for n in names if "__" in n or n.startswith("Body_")]
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            body = operation.get("requestBody", {}).get("content", {})
            for media in body.values():
                ref = media["schema"].get("$ref", "")
                component = schema["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {})
                assert (
                    media.get("examples")
                    or component.get("examples")
                    or (media["schema"].get("examples"))
                ), f"{method} {path} has no example"


async def test_tags_link_the_documents_they_implement_and_those_are_served(client):
    tags = {t["name"]: t["description"] for t in (await openapi(client))["tags"]}
    assert "/docs/documents/002_f89167d8f7d5f2ed.txt" in tags["002 providers"]
    assert "/asyncapi.json" in tags["000 live slot board"]
    document = await client.get("/docs/documents/002_f89167d8f7d5f2ed.txt")
    assert document.status_code == 200
    assert "provider" in document.text.lower()
    assert (await client.get("/docs/documents/nope.txt")).status_code == 404


async def test_open_mode_shows_locks_only_where_a_token_is_needed(client):
    paths = (await openapi(client))["paths"]
    assert "security" not in paths["/api/v1/availability"]["post"]
    assert "security" not in paths["/api/v1/bookings"]["post"]
    assert paths["/appointments/reserve"]["post"]["security"] == [{"OAuth2PasswordBearer": []}]
    assert {} in paths["/register"]["post"]["security"]  # only to register further admins


class TestStrictMode:
    @pytest.fixture
    def settings(self, database_url: str) -> Settings:
        return Settings(database_url=database_url, auth="strict", _env_file=None)

    async def test_owner_side_writes_show_a_lock(self, client):
        paths = (await openapi(client))["paths"]
        assert paths["/api/v1/availability"]["post"]["security"] == [{"OAuth2PasswordBearer": []}]
        assert "security" not in paths["/api/v1/appointments"]["post"]  # booking stays open


async def test_the_websocket_protocol_is_an_asyncapi_3_document(client):
    document = (await client.get("/asyncapi.json")).json()
    assert document["asyncapi"] == "3.0.0"
    assert document["channels"]["slotBooking"]["address"] == "/slot-booking"
    assert set(document["components"]["messages"]) == {
        "BookSlot",
        "CancelSlot",
        "GetSlots",
        "SlotsUpdate",
        "BookingResponse",
        "CancellationResponse",
        "Error",
    }
    assert "/asyncapi.json" in (await openapi(client))["info"]["description"]


async def test_docs_pages_load_their_assets_from_this_server(client):
    for page in ("/docs", "/redoc"):
        html = (await client.get(page)).text
        assert "/docs/assets/" in html
        assert "cdn" not in html.lower()
    assert (await client.get("/docs/assets/swagger-ui-bundle.js")).status_code == 200
    assert (await client.get("/docs/assets/redoc.standalone.js")).status_code == 200
