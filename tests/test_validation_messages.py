"""Malformed requests get a message that names the problem, on every surface."""

import pytest

from slotbook.surfaces.http.validation import NOT_JSON

#: one JSON-body operation per surface, and the status its malformed input gets
JSON_ROUTES = [
    ("POST", "/api/v1/availability", 422, "detail"),  # 001
    ("POST", "/api/v1/providers", 400, "error"),  # 002
    ("POST", "/api/v1/bookings", 400, "error"),  # 002 / 003
    ("POST", "/api/v1/events", 422, "detail"),  # 003
    ("PUT", "/api/v1/bookings/some-token", 422, "detail"),  # managing a booking
    ("POST", "/register", 422, "detail"),  # 004
    ("POST", "/api/v1/calendars/1/bookings", 422, "detail"),  # the booking pages
]


@pytest.mark.parametrize(("method", "path", "status", "key"), JSON_ROUTES)
async def test_malformed_json_names_the_line_and_column(client, method, path, status, key):
    response = await client.request(
        method, path, content=b'{"name": 1,}', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == status
    assert response.json()[key].startswith("Malformed JSON at line 1, column 12")


async def test_malformed_json_on_a_later_line():
    from fastapi.exceptions import RequestValidationError

    from slotbook.surfaces.http.validation import SentBody, describe_validation

    sent = SentBody(b'{\n  "a": 1,\n  oops\n}', "application/json")
    error = RequestValidationError(
        [{"type": "json_invalid", "loc": ("body", 14), "msg": "JSON decode error", "ctx": {}}]
    )
    assert describe_validation(error, sent) == "Malformed JSON at line 3, column 3"


@pytest.mark.parametrize(("method", "path", "status", "key"), JSON_ROUTES)
@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
async def test_a_body_not_sent_as_json_says_so(client, method, path, status, key, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    response = await client.request(method, path, content=b"name=x", headers=headers)
    assert response.status_code == status
    assert response.json()[key] == NOT_JSON


async def test_messages_have_no_value_error_prefix(client):
    response = await client.put(
        "/api/v1/bookings/some-token", json={"new_time_slot_id": 1, "new_time": "10:00"}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["detail"].startswith("give either new_time_slot_id")
    assert "Value error" not in response.text
