"""Webhooks are only sent to public addresses (unless SLOTBOOK_WEBHOOK_ALLOW_PRIVATE=1,
which these tests leave unset): loopback, private, link-local (cloud metadata) and shared
addresses are refused when subscribing, and again when each connection is made."""

import pytest

from slotbook.notify.outbound import Outbound, Refused
from tests.support.accounts import sign_up


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://localhost:8080/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.1/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://100.100.100.200/",
    ],
)
async def test_urls_that_are_not_public_are_refused(client, url):
    admin = await sign_up(client, "admin")
    response = await client.post("/api/v1/webhooks", json={"url": url}, headers=admin.headers)
    assert response.status_code == 422
    assert "public" in response.json()["detail"]


async def test_a_delivery_to_a_name_that_resolves_to_loopback_is_refused_when_dialled():
    outbound = Outbound(allow_private=False, timeout=5)
    try:
        with pytest.raises(Refused, match="loopback"):
            await outbound.post("http://localhost:9/hook", {}, b"{}")
    finally:
        await outbound.close()
