"""Surface 004 accounts: register, sign in, reset a password, and the tokens themselves."""

import base64
import json

import jwt
import pytest

from slotbook.accounts.users import hash_password
from slotbook.settings import Settings
from tests.support.accounts import (
    PASSWORD,
    bearer,
    deployment_signing_key,
    sign_in,
    sign_up,
)
from tests.support.clock import FrozenClock


def person(role: str = "patient", email: str = "pat@example.com", **extra: object) -> dict:
    return {"name": "Pat", "email": email, "password": PASSWORD, "role": role} | extra


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def claims_of(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


async def test_registering_answers_with_the_new_users_id(client):
    response = await client.post("/register", json=person())
    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "User registered successfully"
    assert isinstance(body["id"], int)


async def test_an_email_can_register_only_once_whatever_its_case(client):
    await client.post("/register", json=person())
    again = await client.post("/register", json=person(email="PAT@example.com", role="provider"))
    assert again.status_code == 409
    assert again.json()["detail"] == "Email already registered"


@pytest.mark.parametrize(
    "change",
    [
        {"role": "superuser"},
        {"email": "not-an-email"},
        {"password": "short"},
        {"name": ""},
        {"role": None},
    ],
)
async def test_bad_registrations_are_422_and_register_nobody(client, change):
    response = await client.post("/register", json=person() | change)
    assert response.status_code == 422
    assert response.json()["detail"]
    assert (await client.post("/register", json=person())).status_code == 200


async def test_a_missing_registration_field_is_named(client):
    body = person()
    del body["password"]
    response = await client.post("/register", json=body)
    assert response.status_code == 422
    assert "password" in response.json()["detail"]


async def test_signing_in_gives_a_bearer_token(client):
    await client.post("/register", json=person())
    response = await client.post(
        "/token", data={"username": "pat@example.com", "password": PASSWORD}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert claims_of(body["access_token"])["sub"] == "1"


@pytest.mark.parametrize(
    ("username", "password"),
    [("pat@example.com", "wrong password"), ("nobody@example.com", PASSWORD)],
)
async def test_wrong_credentials_are_401(client, username, password):
    await client.post("/register", json=person())
    response = await client.post("/token", data={"username": username, "password": password})
    assert response.status_code == 401
    assert response.json()["detail"] == "Incorrect email or password"
    assert response.headers["www-authenticate"] == "Bearer"


async def test_signing_in_without_the_form_fields_is_422(client):
    response = await client.post("/token", data={"username": "pat@example.com"})
    assert response.status_code == 422


async def test_the_first_admin_registers_freely_later_ones_need_an_admin(client):
    first = await client.post("/register", json=person("admin", "root@example.com"))
    assert first.status_code == 200
    anonymous = await client.post("/register", json=person("admin", "second@example.com"))
    assert anonymous.status_code == 401
    patient = await sign_up(client, "patient")
    by_patient = await client.post(
        "/register", json=person("admin", "second@example.com"), headers=patient.headers
    )
    assert by_patient.status_code == 403
    admin = bearer(await sign_in(client, "root@example.com"))
    by_admin = await client.post(
        "/register", json=person("admin", "second@example.com"), headers=admin
    )
    assert by_admin.status_code == 200


async def test_a_registered_provider_is_a_provider_on_every_surface(client):
    admin = await sign_up(client, "admin")
    provider = await sign_up(client, "provider", "doc@example.com", name="Dr Who")
    listed = await client.get("/providers", headers=admin.headers)
    assert listed.status_code == 200
    [entry] = listed.json()
    assert entry["id"] == provider.id
    assert (entry["name"], entry["email"]) == ("Dr Who", "doc@example.com")
    on_002 = await client.get(f"/api/v1/providers/{entry['calendar_id']}")
    assert on_002.json()["name"] == "Dr Who"
    assert on_002.json()["email"] is None  # shown only to who may manage the calendar
    assert on_002.json()["slot_minutes"] == 15
    by_admin = await client.get(f"/api/v1/providers/{entry['calendar_id']}", headers=admin.headers)
    assert by_admin.json()["email"] == "doc@example.com"


async def test_resetting_your_password_retires_the_old_one_and_its_tokens(client):
    patient = await sign_up(client, "patient")
    response = await client.post(
        "/reset-password",
        json={"email": patient.email, "new_password": "a brand new secret"},
        headers=patient.headers,
    )
    assert response.status_code == 200
    assert response.json()["message"] == "Password reset successfully"
    old = await client.post("/token", data={"username": patient.email, "password": PASSWORD})
    assert old.status_code == 401
    assert (await sign_in(client, patient.email, "a brand new secret")).count(".") == 2
    stale = await client.post(
        "/reset-password",
        json={"email": patient.email, "new_password": "yet another one"},
        headers=patient.headers,
    )
    assert stale.status_code == 401


async def test_reset_password_takes_query_parameters_too(client):
    patient = await sign_up(client, "patient")
    response = await client.post(
        "/reset-password",
        params={"email": patient.email, "new_password": "via the query string"},
        headers=patient.headers,
    )
    assert response.status_code == 200
    await sign_in(client, patient.email, "via the query string")


async def test_an_admin_may_reset_anyones_password_nobody_else_may(client):
    admin = await sign_up(client, "admin")
    patient = await sign_up(client, "patient")
    other = await sign_up(client, "patient", "other@example.com")
    body = {"email": patient.email, "new_password": "chosen by admin"}
    by_other = await client.post("/reset-password", json=body, headers=other.headers)
    assert by_other.status_code == 403
    await sign_in(client, patient.email)  # unchanged
    by_admin = await client.post("/reset-password", json=body, headers=admin.headers)
    assert by_admin.status_code == 200
    await sign_in(client, patient.email, "chosen by admin")


async def test_reset_password_errors(client):
    admin = await sign_up(client, "admin")
    body = {"email": "ghost@example.com", "new_password": "whatever it is"}
    assert (await client.post("/reset-password", json=body)).status_code == 401
    unknown = await client.post("/reset-password", json=body, headers=admin.headers)
    assert unknown.status_code == 404
    missing = await client.post(
        "/reset-password", json={"email": admin.email}, headers=admin.headers
    )
    assert missing.status_code == 422
    assert "new_password" in missing.json()["detail"]


async def test_a_token_works_until_it_expires(client, clock: FrozenClock):
    patient = await sign_up(client, "patient")
    clock.advance(minutes=29)
    provider_list = "/providers/1/time-slots"
    assert (await client.get(provider_list, headers=patient.headers)).status_code != 401
    clock.advance(minutes=1)
    expired = await client.get(provider_list, headers=patient.headers)
    assert expired.status_code == 401
    assert expired.json()["detail"] == "Token has expired"
    assert expired.headers["www-authenticate"] == "Bearer"


def _forgeries(token: str, key: str, admin_id: int) -> dict[str, str]:
    header, _payload, signature = token.split(".")
    claims = claims_of(token)
    promoted = claims | {"sub": str(admin_id)}
    far_future = claims | {"exp": claims["exp"] + 10**6}
    return {
        "tampered subject": f"{header}.{_b64(promoted)}.{signature}",
        "tampered expiry": f"{header}.{_b64(far_future)}.{signature}",
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(promoted)}.",
        "HS512 with our key": jwt.encode(promoted, key, algorithm="HS512"),
        "another key": jwt.encode(promoted, "x" * 40, algorithm="HS256"),
        "no subject": jwt.encode({k: v for k, v in claims.items() if k != "sub"}, key, "HS256"),
        "a subject past the id range": jwt.encode(
            claims | {"sub": "9223372036854775808"}, key, "HS256"
        ),
        "a non-ASCII digit subject": jwt.encode(claims | {"sub": "\u00b2"}, key, "HS256"),
        "no expiry": jwt.encode({k: v for k, v in claims.items() if k != "exp"}, key, "HS256"),
        "an expiry beyond any token's lifetime": jwt.encode(
            claims | {"exp": claims["exp"] + 10**8}, key, "HS256"
        ),
        "a fractional expiry": jwt.encode(claims | {"exp": claims["exp"] + 0.5}, key, "HS256"),
        "garbage": "not.a.token",
    }


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
async def test_tampered_foreign_and_unsigned_tokens_are_401(client, settings):
    admin = await sign_up(client, "admin")
    patient = await sign_up(client, "patient")
    token = patient.headers["Authorization"].removeprefix("Bearer ")
    key = await deployment_signing_key(settings)
    for what, forged in _forgeries(token, key, admin.id).items():
        response = await client.get("/providers", headers=bearer(forged))
        assert response.status_code == 401, what
    assert (await client.get("/providers", headers=admin.headers)).status_code == 200


async def test_passwords_are_stored_as_argon2id_with_the_recommended_cost():
    hashed = await hash_password(Settings(_env_file=None), "secret")
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


async def test_open_mode_ignores_tokens_on_the_owner_side_of_surfaces_001_and_002(client):
    hours = {"calendar_owner_id": "alice", "start_time": "09:00", "end_time": "17:00"}
    garbage = bearer("garbage")
    assert (
        await client.post("/api/v1/availability", json=hours, headers=garbage)
    ).status_code == 200
    provider = {"name": "Dr Who", "email": "who@example.com"}
    assert (await client.post("/api/v1/providers", json=provider)).status_code == 201
