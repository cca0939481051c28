"""Help settings through the admin's JSON: refused changes get a 400 naming the field and why (and change nothing),
accepted ones are stored with the next revision, and the script receives only the compact rules it evaluates."""

from __future__ import annotations

import json
from typing import Any

import pytest

from plugin.devstore.storefront import DEMO_HELP_SETTINGS
from plugin.keys import ShopRef
from tests.help.conftest import ADMIN_TOKEN, HelpClient, storefront
from widgets.help.settings import (
    default_help_settings,
    help_settings_from_dict,
    help_settings_to_dict,
    parse_stored_help,
)

pytestmark = pytest.mark.anyio

RULE = {"id": "r1", "trigger": {"type": "idle", "seconds": 30}}


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"rules": [{"id": "r1", "trigger": {"type": "hover"}}]}, "rules.0.trigger.type", "must be one of"),
        ({"rules": [{"id": "r1", "trigger": {"type": "time_on_page"}}]}, "rules.0.trigger.seconds", "required"),
        ({"rules": [{**RULE, "trigger": {"type": "idle", "seconds": 0}}]}, "rules.0.trigger.seconds", "between"),
        ({"rules": [{"id": "r1", "trigger": {"type": "shipping_estimate"}}]}, "rules.0.trigger.above", "not_shipped"),
        ({"rules": [{**RULE, "where": {"url": "https://x/*"}}]}, "rules.0.where.url", "path pattern"),
        ({"rules": [{**RULE, "where": {"pages": ["checkout"]}}]}, "rules.0.where.pages", "not one of"),
        (
            {"rules": [{**RULE, "where": {"cart_above": "80", "cart_below": "50"}}]},
            "rules.0.where.cart_below",
            "more than cart_above",
        ),
        ({"rules": [{**RULE, "audience": {"countries": ["XX"]}}]}, "rules.0.audience.countries", "ISO country"),
        ({"rules": [{**RULE, "audience": {"device": "tv"}}]}, "rules.0.audience.device", "must be one of"),
        ({"rules": [{**RULE, "prompt": {"faq": ["nope"]}}]}, "rules.0.prompt.faq", "not the id of an FAQ"),
        ({"rules": [{**RULE, "prompt": {"text": {"ko": "안녕하세요"}}}]}, "rules.0.prompt.text.ko", "language"),
        (
            {"rules": [{**RULE, "prompt": {"actions": [{"label": {"en": "Guide"}, "url": "javascript:x"}]}}]},
            "rules.0.prompt.actions.0.url",
            "https",
        ),
        ({"rules": [RULE, RULE]}, "rules", "its own id"),
        ({"channels": [{"kind": "fax", "value": "1"}]}, "channels.0.kind", "must be one of"),
        ({"channels": [{"kind": "email", "value": "not-an-address"}]}, "channels.0.value", "not an email"),
        ({"channels": [{"kind": "chat", "value": "http://chat.example"}]}, "channels.0.value", "https"),
        ({"hours": {"weekly": {"mon": [["17:00", "09:00"]]}}}, "hours.weekly.mon.0", "close after it opens"),
        ({"hours": {"weekly": {"mon": [["9", "17:00"]]}}}, "hours.weekly.mon.0", "time like"),
        ({"hours": {"weekly": {"funday": []}}}, "hours.weekly.funday", "not a setting"),
        ({"hours": {"timezone": "Mars/Olympus"}}, "hours.timezone", "not a timezone"),
        ({"hours": {"closures": [{"from": "2026-12-31", "to": "2026-12-24"}]}}, "hours.closures.0.to", "before"),
        ({"faq": [{"id": "a", "source": "shipping", "answer": {"en": "Free!"}}]}, "faq.0.answer", "shop's facts"),
        ({"faq": [{"id": "a", "question": {"en": "Why?"}}]}, "faq.0.answer", "texts by language"),
        ({"caps": {"per_session": 0}}, "caps.per_session", "between 1 and 10"),
        ({"retention_days": 1000}, "retention_days", "between"),
        ({"support_email": "x@"}, "support_email", "not an email"),
        ({"colour": "red"}, "colour", "not a setting"),
    ],
    ids=lambda value: value if isinstance(value, str) and "." in value else None,
)
async def test_a_bad_change_is_400_with_the_field_and_changes_nothing(
    help_client: HelpClient, changes: dict[str, Any], field: str, reason: str
) -> None:
    async with help_client() as client:
        client.headers["authorization"] = ADMIN_TOKEN
        before = (await client.get("/admin/help/settings")).json()["settings"]
        refused = await client.put("/admin/help/settings", json=changes)
        after = (await client.get("/admin/help/settings")).json()["settings"]
    assert refused.status_code == 400
    assert refused.json()["field"] == field
    assert reason in refused.json()["error"]
    assert after == before


async def test_a_good_change_is_stored_and_the_script_gets_compact_rules(help_client: HelpClient) -> None:
    rules = [
        {
            "id": "big-cart",
            "trigger": {"type": "exit_intent"},
            "where": {"pages": ["cart"], "cart_above": "100"},
            "audience": {"device": "desktop", "countries": ["de", "AT"], "languages": ["DE"]},
            "prompt": {"text": {"de": "Fragen zu Ihrer Bestellung?"}, "faq": ["shipping"]},
        },
        {"id": "slow-estimate", "trigger": {"type": "shipping_estimate", "above": "9.50"}},
        {"id": "off", "enabled": False, "trigger": {"type": "time_on_page", "seconds": 5}},
    ]
    async with help_client() as client:
        client.headers["authorization"] = ADMIN_TOKEN
        before = (await client.get("/admin/help/settings")).json()
        saved = await client.put("/admin/help/settings", json={"rules": rules, "caps": {"every_days": 3}})
        german = await client.get(storefront("/help/rules"), params={"locale": "de-AT", "country": "AT"})
        english = await client.get(storefront("/help/rules"), params={"locale": "en", "country": "AT"})
    assert saved.status_code == 200
    document = saved.json()
    assert document["settings"]["revision"] == before["settings"]["revision"] + 1
    assert document["settings"]["rules"][0]["audience"]["countries"] == ["DE", "AT"]
    assert document["settings"]["caps"] == {"per_session": 1, "every_days": 3, "dismiss_days": 7}
    assert german.json() == {
        "variant": "treatment",
        "caps": {"session": 1, "days": 3, "dismiss": 7},
        "rules": [
            {"id": "big-cart", "on": "exit_intent", "pages": ["cart"], "cart_above": "100", "device": "desktop"},
            {"id": "slow-estimate", "on": "shipping_estimate", "above": "9.50"},
        ],
    }
    # The audience's language and country are settled on the server: an English storefront gets the second only.
    assert [rule["id"] for rule in english.json()["rules"]] == ["slow-estimate"]


async def test_the_admin_sees_what_is_missing_and_the_reply_time_shoppers_are_told(
    help_client: HelpClient, shop: ShopRef
) -> None:
    async with help_client() as client:
        client.headers["authorization"] = ADMIN_TOKEN
        demo = (await client.get("/admin/help/settings")).json()
        await client.put("/admin/help/settings", json={"hours": None, "rules": [], "channels": []})
        bare = (await client.get("/admin/help/settings")).json()
        unsigned = await client.get("/admin/help/settings", headers={"authorization": ""})
    assert demo["problems"] == []
    assert demo["reply_time"] == {"measured_seconds": None, "samples": 0, "stated_minutes": 120}
    assert demo["settings"]["hours"]["weekly"]["sat"] == [["10:00", "14:00"]]
    assert any("business hours" in problem for problem in bare["problems"])
    assert any("never appears" in problem for problem in bare["problems"])
    assert unsigned.status_code == 401


async def test_turned_off_help_sends_no_rules_and_takes_no_requests(help_client: HelpClient) -> None:
    async with help_client() as client:
        client.headers["authorization"] = ADMIN_TOKEN
        await client.put("/admin/help/settings", json={"enabled": False})
        rules = await client.get(storefront("/help/rules"))
        sent = await client.post(storefront("/help/requests"), json={"email": "a@example.com", "question": "Hi"})
    assert rules.json() == {"variant": "off", "rules": []}
    assert sent.status_code == 404


def test_stored_settings_read_back_exactly() -> None:
    defaults = default_help_settings({})
    parsed = help_settings_from_dict(DEMO_HELP_SETTINGS, defaults, timezone="Europe/Berlin")
    again = help_settings_from_dict(help_settings_to_dict(parsed), defaults, timezone="Europe/Berlin")
    assert again == parsed
    assert parse_stored_help(json.dumps(help_settings_to_dict(parsed)), defaults, "Europe/Berlin") == parsed
