"""Surface 004 fixtures' shared shapes: a day, a weekly schedule, instants; and a clinic
set up over HTTP on a real server."""

from dataclasses import dataclass

import httpx

from tests.support.accounts import Account, sign_up

DAY = "2031-01-20"  # a Monday after the clock's "now" (Wednesday 2031-01-15 08:00 UTC)
WEEKDAYS_9_TO_5 = {
    "general_schedule": {
        "start_date": "2031-01-01",
        "end_date": "2031-12-31",
        "times": [{"days": "M-F", "start": "9am", "end": "5pm"}],
    }
}


def at(day: str, clock: str) -> str:
    """An ISO instant in UTC, as time-slots shows it for a UTC provider."""
    return f"{day}T{clock}:00+00:00"


@dataclass(frozen=True)
class Clinic:
    """A provider open 9-5 on one day, a patient, and the provider's calendar id."""

    provider: Account
    patient: Account
    calendar_id: int
    day: str

    async def offered(self, reader: httpx.AsyncClient) -> list[str]:
        """The day's time-slot starts, as `reader`'s server answers (through its cache)."""
        response = await reader.get(
            f"/providers/{self.provider.id}/time-slots",
            params={"start_date": self.day, "end_date": self.day},
            headers=self.patient.headers,
        )
        assert response.status_code == 200, response.text
        return [s["start_time"] for s in response.json()]

    async def reserve(self, writer: httpx.AsyncClient, clock: str) -> httpx.Response:
        return await writer.post(
            "/appointments/reserve",
            json={"provider_id": self.provider.id, "start_time": at(self.day, clock)},
            headers=self.patient.headers,
        )


async def open_clinic(http: httpx.AsyncClient, day: str) -> Clinic:
    """Sign up an admin, a provider open 9-5 on `day` (open to bookings without sign-in,
    so the live board shows it) and a patient, on a real server."""
    admin = await sign_up(http, "admin", "root@example.com")
    provider = await sign_up(http, "provider", "doc@example.com")
    patient = await sign_up(http, "patient", "pat@example.com")
    hours = {
        "general_schedule": {
            "start_date": day,
            "end_date": day,
            "times": [{"days": "M-Su", "start": "9am", "end": "5pm"}],
        }
    }
    answer = await http.post(
        f"/providers/{provider.id}/availability", json=hours, headers=provider.headers
    )
    assert answer.status_code == 200, answer.text
    opened = await http.put(  # so that its day can be watched on the live board
        f"/providers/{provider.id}/booking-policy",
        json={"who_may_book": "anyone"},
        headers=provider.headers,
    )
    assert opened.status_code == 200, opened.text
    [entry] = (await http.get("/providers", headers=admin.headers)).json()
    return Clinic(provider, patient, entry["calendar_id"], day)
