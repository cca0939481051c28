"""Hostile input at every help entry point, generated: settings, request bodies, events and prompt parameters are
answered with a 2xx or a 4xx with a reason, never a 5xx, and a refused settings change writes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.help.conftest import ADMIN_TOKEN, HelpClient, storefront

pytestmark = pytest.mark.anyio

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.text(max_size=30)
    | st.sampled_from(
        [
            "idle",
            "exit_intent",
            "shipping_estimate",
            "09:00",
            "24:00",
            "2026-12-24",
            "a@b.co",
            "https://x.example",
            "DE",
        ]
    )
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=25,
)
KEYS = st.sampled_from(["rules", "faq", "channels", "hours", "caps", "support_email", "reply_minutes", "enabled"])
SETTINGS = st.dictionaries(KEYS, JSON, max_size=4)
RULE_LIKE = st.fixed_dictionaries(
    {
        "id": st.sampled_from(["a", "b-1", "Bad Id"]),
        "trigger": st.dictionaries(
            st.sampled_from(["type", "seconds", "above", "not_shipped", "policy", "views"]), JSON
        ),
    },
    optional={"where": JSON, "audience": JSON, "prompt": JSON},
)
REQUESTS = st.dictionaries(
    st.sampled_from(["email", "question", "page", "cart", "cart_consent", "rule", "locale", "tz", "website"]), JSON
)
QUERY = st.dictionaries(
    st.sampled_from(
        ["rule", "page", "locale", "tz", "bucket", "country", "postcode", "subtotal", "currency", "weight_g"]
    ),
    st.text(max_size=20),
)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FAST
@given(changes=SETTINGS | st.builds(lambda rules: {"rules": rules}, st.lists(RULE_LIKE, max_size=3)))
async def test_settings_changes_are_saved_or_refused_with_a_reason(
    help_client: HelpClient, changes: dict[str, Any]
) -> None:
    async with help_client() as client:
        client.headers["authorization"] = ADMIN_TOKEN
        before = (await client.get("/admin/help/settings")).json()["settings"]
        answer = await client.put("/admin/help/settings", content=json.dumps(changes))
        after = (await client.get("/admin/help/settings")).json()["settings"]
        rules = await client.get(storefront("/help/rules"))
        prompt = await client.get(storefront("/help/prompt"), params={"rule": "a"})
    assert answer.status_code in (200, 400), answer.text
    if answer.status_code == 400:
        assert answer.json()["error"] and answer.json()["field"]
        assert after == before
    assert rules.status_code == 200 and prompt.status_code in (200, 404)


@FAST
@given(body=REQUESTS)
async def test_request_bodies_are_stored_or_refused_with_a_reason(
    help_client: HelpClient, body: dict[str, Any]
) -> None:
    async with help_client() as client:
        answer = await client.post(storefront("/help/requests"), content=json.dumps(body))
    assert answer.status_code in (201, 400, 429), answer.text
    if answer.status_code == 400:
        assert answer.json()["error"]


@FAST
@given(query=QUERY, events=JSON)
async def test_prompt_parameters_and_event_batches_never_break_the_server(
    help_client: HelpClient, query: dict[str, str], events: Any
) -> None:
    async with help_client() as client:
        prompt = await client.get(storefront("/help/prompt"), params=query)
        rules = await client.get(storefront("/help/rules"), params=query)
        counted = await client.post(
            storefront("/help/events"), content=json.dumps({"consent": "analytics", "events": events})
        )
    assert prompt.status_code in (200, 400), prompt.text
    assert rules.status_code in (200, 400), rules.text
    assert counted.status_code in (204, 400, 429), counted.text
