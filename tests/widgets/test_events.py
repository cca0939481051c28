"""Outcome events: counted per (widget, variant, day) only with analytics consent, validated and rate limited."""

from __future__ import annotations

import json
from datetime import date

import pytest

from plugin.keys import ShopRef
from plugin.services import Services
from tests.widgets.conftest import SHOP_ORIGIN, WidgetClient
from widgets.outcomes import MAX_BODY_BYTES, REQUESTS_PER_WINDOW, read_outcomes

pytestmark = pytest.mark.anyio

EVENTS = "/storefront/shopify/upfront-demo.myshopify.com/events"
DAY = date(2026, 11, 17)  # the fixed clock's day in Berlin


def batch(*events: tuple[str, str, str], consent: str | None = "analytics") -> str:
    body: dict[str, object] = {"events": [{"widget": w, "variant": v, "type": t} for w, v, t in events]}
    if consent is not None:
        body["consent"] = consent
    return json.dumps(body)


async def test_a_consented_batch_is_counted_per_widget_variant_and_day(
    widget_client: WidgetClient, services: Services, shop: ShopRef
) -> None:
    async with widget_client() as client:
        first = await client.post(
            EVENTS,
            content=batch(
                ("estimate", "treatment", "impression"),
                ("estimate", "treatment", "interaction"),
                ("estimate", "treatment", "impression"),
                ("badges", "control", "impression"),
            ),
            headers={"Content-Type": "text/plain;charset=UTF-8", "Origin": SHOP_ORIGIN},
        )
        second = await client.post(EVENTS, content=batch(("estimate", "control", "add_to_cart")))
    assert (first.status_code, second.status_code) == (204, 204)
    assert await read_outcomes(services.redis, services.keys, shop, DAY) == {
        ("estimate", "treatment", "impression"): 2,
        ("estimate", "treatment", "interaction"): 1,
        ("badges", "control", "impression"): 1,
        ("estimate", "control", "add_to_cart"): 1,
    }


@pytest.mark.parametrize("consent", [None, "functional", "yes"], ids=["missing", "other-category", "vague"])
async def test_without_analytics_consent_nothing_is_recorded(
    widget_client: WidgetClient, services: Services, shop: ShopRef, consent: str | None
) -> None:
    async with widget_client() as client:
        answer = await client.post(EVENTS, content=batch(("estimate", "treatment", "impression"), consent=consent))
    assert answer.status_code == 403
    assert answer.json()["field"] == "consent"
    assert await read_outcomes(services.redis, services.keys, shop, DAY) == {}


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("not json", "JSON object"),
        ("[]", "JSON object"),
        ('{"consent": "analytics", "events": []}', "non-empty list"),
        (batch(("chat", "treatment", "impression")), "widget must be one of"),
        (batch(("estimate", "b", "impression")), "variant must be one of"),
        (batch(("estimate", "treatment", "purchase")), "type must be one of"),
        (batch(*[("estimate", "treatment", "impression")] * 51), "at most 50"),
    ],
    ids=["not-json", "array", "empty", "widget", "variant", "type", "too-many"],
)
async def test_malformed_batches_are_refused_with_a_reason(
    widget_client: WidgetClient, services: Services, shop: ShopRef, body: str, reason: str
) -> None:
    async with widget_client() as client:
        answer = await client.post(EVENTS, content=body)
    assert answer.status_code == 400
    assert reason in answer.json()["error"]
    assert await read_outcomes(services.redis, services.keys, shop, DAY) == {}


async def test_an_oversized_body_is_refused(widget_client: WidgetClient, shop: ShopRef) -> None:
    async with widget_client() as client:
        answer = await client.post(EVENTS, content="x" * (MAX_BODY_BYTES + 1))
    assert answer.status_code == 413


async def test_one_address_is_rate_limited_per_shop_without_storing_the_address(
    widget_client: WidgetClient, services: Services, shop: ShopRef
) -> None:
    body = batch(("estimate", "treatment", "impression"))
    async with widget_client() as client:
        answers = [await client.post(EVENTS, content=body) for _ in range(REQUESTS_PER_WINDOW + 1)]
    assert [a.status_code for a in answers[:-1]] == [204] * REQUESTS_PER_WINDOW
    assert answers[-1].status_code == 429
    assert 0 < int(answers[-1].headers["retry-after"]) <= 60
    counts = await read_outcomes(services.redis, services.keys, shop, DAY)
    assert counts == {("estimate", "treatment", "impression"): REQUESTS_PER_WINDOW}
    every_key = [key async for key in services.redis.scan_iter(match=services.keys.shop(shop, "*"))]
    assert not any("127.0.0.1" in key for key in every_key)


async def test_events_for_an_unknown_shop_are_404(widget_client: WidgetClient, shop: ShopRef) -> None:
    async with widget_client() as client:
        answer = await client.post("/storefront/shopify/nobody.myshopify.com/events", content=batch())
    assert answer.status_code == 404
