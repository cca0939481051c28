"""The Texts page: Twilio credentials are saved encrypted and never shown back, bad settings are refused with the
field named and change nothing, and the page shows what to paste into Twilio and the counts per stage."""

from __future__ import annotations

import pytest

from plugin.sms.config import config_key, load_sms_config
from plugin.storage import as_text
from tests.admin.conftest import SHOP_A, SHOP_B, AdminClients

pytestmark = pytest.mark.anyio

SID = "AC" + "ab" * 16
TOKEN = "twilio-auth-token-7f3a9c"


async def test_credentials_are_stored_encrypted_and_shown_masked(admin: AdminClients) -> None:
    auth = admin.shopify()
    form = {"enabled": True, "account_sid": SID, "auth_token": TOKEN, "sender": "+4915712345678"}
    saved = await admin.http.put("/admin/api/sms/settings", json=form, headers=auth)
    assert saved.status_code == 200, saved.text
    assert TOKEN not in saved.text and "••••3a9c" in saved.text and "Connected" in saved.text

    stored = {
        as_text(k): as_text(v)
        for k, v in (await admin.services.redis.hgetall(config_key(admin.services, SHOP_A))).items()
    }
    assert TOKEN not in str(stored) and stored["auth_token"].startswith("v1.")
    assert (await load_sms_config(admin.services, SHOP_A)).auth_token == TOKEN

    # Saving again with the token field left empty keeps the token.
    again = await admin.http.put(
        "/admin/api/sms/settings", json={**form, "auth_token": "", "registered_countries": "us, ca"}, headers=auth
    )
    assert again.status_code == 200
    kept = await load_sms_config(admin.services, SHOP_A)
    assert kept.auth_token == TOKEN and kept.registered_countries == {"US", "CA"}

    # A request naming only some settings changes only those; an empty body changes nothing.
    assert (
        await admin.http.put("/admin/api/sms/settings", json={"help_text": "Call us"}, headers=auth)
    ).status_code == 200
    assert (await admin.http.put("/admin/api/sms/settings", content=b"", headers=auth)).status_code == 400
    partial = await load_sms_config(admin.services, SHOP_A)
    assert (partial.auth_token, partial.sender, partial.help_text) == (TOKEN, "+4915712345678", "Call us")

    page = await admin.http.get("/admin/api/fragments/sms", headers=auth)
    assert page.status_code == 200 and TOKEN not in page.text
    assert "/sms/twilio/inbound?shop=shopify%3A" in page.text
    assert (await load_sms_config(admin.services, SHOP_B)).connected is False  # the other shop is untouched


@pytest.mark.parametrize(
    ("form", "field"),
    [
        pytest.param({"account_sid": "AC123", "auth_token": "x"}, "account_sid", id="short-sid"),
        pytest.param({"account_sid": SID, "auth_token": "has blanks in it"}, "auth_token", id="token-with-blanks"),
        pytest.param({"enabled": "yes"}, "enabled", id="enabled-not-boolean"),
        pytest.param({"account_sid": "", "clear_credentials": "yes"}, "clear_credentials", id="clear-not-boolean"),
        pytest.param({"sender": "+49 not a number!"}, "sender", id="bad-sender"),
        pytest.param({"registered_countries": "USA"}, "registered_countries", id="bad-country"),
        pytest.param({"messaging_service_sid": "MG1"}, "messaging_service_sid", id="bad-service"),
    ],
)
async def test_bad_settings_are_refused_with_the_field(admin: AdminClients, form: dict[str, str], field: str) -> None:
    auth = admin.shopify()
    before = await admin.services.redis.hgetall(config_key(admin.services, SHOP_A))
    answer = await admin.http.put("/admin/api/sms/settings", json=form, headers=auth)
    assert answer.status_code == 400 and answer.json()["field"] == field
    assert await admin.services.redis.hgetall(config_key(admin.services, SHOP_A)) == before
