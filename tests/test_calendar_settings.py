"""`GET`/`PATCH /api/v1/calendars/{id}/settings`: every setting in one place, each
value checked (a 422 naming the field, nothing changed), changed only by those who may
set that calendar's hours."""

import pytest

from tests.support.accounts import sign_up
from tests.support.owners import owner_calendar

DEFAULTS = {
    "kind": "owner",
    "slot_minutes": 60,
    "timezone": "UTC",
    "min_notice_minutes": 0,
    "horizon_days": 365,
    "change_cutoff_minutes": 0,
    "cancel_cutoff_minutes": 0,
    "move_cutoff_minutes": 0,
    "buffer_before_minutes": 0,
    "buffer_after_minutes": 0,
    "max_per_day": None,
    "max_per_week": None,
    "max_per_booker_per_day": None,
    "max_per_booker_per_week": None,
    "requires_approval": False,
    "approval_timeout_minutes": 1440,
    "max_seats_per_booking": 10,
    "waitlist_offer_minutes": 60,
    "reminder_minutes": 1440,
    "email": None,
}


def settings_of(calendar_id: int) -> str:
    return f"/api/v1/calendars/{calendar_id}/settings"


async def test_a_new_calendar_shows_every_setting_with_its_default(client):
    calendar_id = await owner_calendar(client)
    response = await client.get(settings_of(calendar_id))
    assert response.status_code == 200
    assert response.json() == DEFAULTS | {"calendar_id": calendar_id}


async def test_a_patch_changes_only_the_settings_it_names(client):
    calendar_id = await owner_calendar(client)
    changes = {
        "buffer_before_minutes": 10,
        "buffer_after_minutes": 15,
        "max_per_day": 4,
        "max_per_booker_per_week": 2,
        "requires_approval": True,
        "approval_timeout_minutes": 60,
        "timezone": "Europe/Berlin",
    }
    patched = await client.patch(settings_of(calendar_id), json=changes)
    assert patched.status_code == 200, patched.text
    assert patched.json() == DEFAULTS | changes | {"calendar_id": calendar_id}
    assert (await client.get(settings_of(calendar_id))).json() == patched.json()
    cleared = await client.patch(settings_of(calendar_id), json={"max_per_day": None})
    assert cleared.json()["max_per_day"] is None
    assert cleared.json()["max_per_booker_per_week"] == 2


async def test_an_empty_patch_changes_nothing(client):
    calendar_id = await owner_calendar(client, max_per_day=2)
    response = await client.patch(settings_of(calendar_id), json={})
    assert response.status_code == 200
    assert response.json() == DEFAULTS | {"calendar_id": calendar_id, "max_per_day": 2}


async def test_change_cutoff_sets_both_cutoffs_and_each_can_differ(client):
    calendar_id = await owner_calendar(client)
    both = await client.patch(settings_of(calendar_id), json={"change_cutoff_minutes": 120})
    assert (both.json()["cancel_cutoff_minutes"], both.json()["move_cutoff_minutes"]) == (120, 120)
    apart = await client.patch(settings_of(calendar_id), json={"cancel_cutoff_minutes": 1440})
    assert (apart.json()["cancel_cutoff_minutes"], apart.json()["move_cutoff_minutes"]) == (
        1440,
        120,
    )
    again = await client.patch(settings_of(calendar_id), json={"change_cutoff_minutes": 30})
    assert (again.json()["cancel_cutoff_minutes"], again.json()["move_cutoff_minutes"]) == (30, 30)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"buffer_before_minutes": -1}, "buffer_before_minutes: must be 0 to 1440"),
        ({"buffer_after_minutes": 1441}, "buffer_after_minutes: must be 0 to 1440"),
        ({"max_per_day": 0}, "max_per_day: must be 1 to 10000, or null for no limit"),
        ({"max_per_week": -3}, "max_per_week: must be 1 to 10000"),
        ({"max_per_booker_per_day": 10**9}, "max_per_booker_per_day: must be 1"),
        ({"approval_timeout_minutes": 0}, "approval_timeout_minutes: must be 1"),
        ({"min_notice_minutes": -5}, "min_notice_minutes: Input should be greater than"),
        ({"cancel_cutoff_minutes": "soon"}, "cancel_cutoff_minutes: Input should be a valid"),
        ({"requires_approval": "perhaps"}, "requires_approval: Input should be a valid boolean"),
        ({"buffer_before_minutes": None}, "buffer_before_minutes may not be null"),
        ({"max_per_month": 3}, "max_per_month: Extra inputs are not permitted"),
        ({"timezone": "Mars/Olympus"}, "Unknown time zone: Mars/Olympus"),
        ({"max_seats_per_booking": 3}, "max_seats_per_booking: only an event's time slots"),
    ],
)
async def test_a_bad_value_is_a_422_naming_the_field_and_changes_nothing(client, change, named):
    calendar_id = await owner_calendar(client)
    # a valid change beside the bad one is not applied either
    refused = await client.patch(settings_of(calendar_id), json={"max_per_week": 9} | change)
    assert refused.status_code == 422, refused.text
    assert named in refused.json()["detail"]
    assert (await client.get(settings_of(calendar_id))).json()["max_per_week"] is None


async def test_an_unknown_calendar_is_404(client):
    assert (await client.get(settings_of(999))).json()["detail"] == "Calendar not found"
    missing = await client.patch(settings_of(999), json={"max_per_day": 2})
    assert (missing.status_code, missing.json()["detail"]) == (404, "Calendar not found")


async def test_a_providers_settings_are_theirs_or_an_admins_even_when_open(client):
    admin = await sign_up(client, "admin")
    provider = await sign_up(client, "provider")
    patient = await sign_up(client, "patient")
    listed = await client.get("/providers", headers=admin.headers)
    calendar_id = listed.json()[0]["calendar_id"]
    change = {"buffer_after_minutes": 15}
    anonymous = await client.patch(settings_of(calendar_id), json=change)
    assert anonymous.status_code == 401
    other = await client.patch(settings_of(calendar_id), json=change, headers=patient.headers)
    assert other.status_code == 403
    for allowed in (provider, admin):
        done = await client.patch(settings_of(calendar_id), json=change, headers=allowed.headers)
        assert done.status_code == 200


class TestStrictMode:
    @pytest.fixture
    def settings(self, settings):
        return settings.model_copy(update={"auth": "strict"})

    async def test_only_the_owner_or_an_admin_changes_settings(self, client):
        alice = await sign_up(client, "patient", "alice@example.com")
        mallory = await sign_up(client, "patient", "mallory@example.com")
        admin = await sign_up(client, "admin")
        calendar_id = await owner_calendar(client, headers=alice.headers)
        change = {"max_per_day": 3}
        assert (await client.patch(settings_of(calendar_id), json=change)).status_code == 401
        refused = await client.patch(settings_of(calendar_id), json=change, headers=mallory.headers)
        assert refused.status_code == 403
        for allowed in (alice, admin):
            done = await client.patch(
                settings_of(calendar_id), json=change, headers=allowed.headers
            )
            assert done.status_code == 200
        assert (await client.get(settings_of(calendar_id))).json()["max_per_day"] == 3
