"""`POST /webhooks/shopify`: raw-byte HMAC (both header families, rotating secrets), dedupe, topic mapping, the
unsigned headers bound to the body, and app/uninstalled acting only once Shopify confirms it."""

from __future__ import annotations

import json
import time
from datetime import datetime

import httpx
import pytest

from plugin import events
from plugin.devstore.shopify import DEMO_SHOP, ShopifyEmulator, create_shopify_emulator, sign_webhook
from plugin.keys import ShopRef
from plugin.logs import JsonFormatter
from plugin.partitions import layout_key
from plugin.platform import WebhookRejected
from plugin.services import Services
from plugin.settings import load_settings
from plugin.shopify.topics import TOPIC_EVENTS
from plugin.shopify.webhooks import verify_shopify_webhook
from tests.conftest import APP_URL, SHOPIFY_API_KEY, SHOPIFY_SECRET, AppClientFactory
from tests.platforms.conftest import run_worker_until_idle
from tests.shopify.conftest import SHOP

pytestmark = pytest.mark.anyio

COMPLIANCE = ["customers/data_request", "customers/redact", "shop/redact"]


def as_received(headers: dict[str, str]) -> dict[str, str]:
    """Header names as the endpoint hands them to the adapter: lowercased, as ASGI delivers them."""
    return {name.lower(): value for name, value in headers.items()}


async def post(app: httpx.AsyncClient, headers: dict[str, str], body: bytes) -> httpx.Response:
    return await app.post("/webhooks/shopify", headers=headers, content=body)


@pytest.mark.parametrize("topic", ["orders/create", *COMPLIANCE])
async def test_bad_hmac_is_refused_with_401(
    app_client: AppClientFactory, emulator: ShopifyEmulator, topic: str
) -> None:
    headers, body = emulator.webhook(topic, secret="not-the-app-secret")
    async with app_client() as app:
        answer = await post(app, headers, body)
    assert answer.status_code == 401


@pytest.mark.parametrize("topic", ["orders/create", *COMPLIANCE])
async def test_a_body_changed_after_signing_is_refused(
    app_client: AppClientFactory, emulator: ShopifyEmulator, topic: str
) -> None:
    headers, body = emulator.webhook(topic)
    async with app_client() as app:
        answer = await post(app, headers, body.replace(b"}", b', "x": 1}', 1))
    assert answer.status_code == 401


async def test_good_delivery_is_queued_once_and_its_redelivery_is_a_duplicate(
    app_client: AppClientFactory, emulator: ShopifyEmulator, installed: ShopRef
) -> None:
    headers, body = emulator.webhook("orders/create")
    async with app_client() as app:
        first = await post(app, headers, body)
        again = await post(app, headers, body)
    assert first.json() == {"status": "queued"}
    assert again.json() == {"status": "duplicate"}


async def test_a_delivery_is_logged_once_its_access_line_naming_the_outcome(
    app_client: AppClientFactory, emulator: ShopifyEmulator, installed: ShopRef, caplog: pytest.LogCaptureFixture
) -> None:
    """At INFO, as production logs: one line per delivery (the access line), which says what became of it."""
    headers, body = emulator.webhook("orders/create")
    async with app_client() as app:
        await post(app, headers, body)
        await post(app, headers, body)
    lines = [
        json.loads(JsonFormatter().format(r)) for r in caplog.records if r.name.startswith(("upfront", "webhooks"))
    ]
    assert [(line["msg"], line.get("webhook"), line["status"]) for line in lines] == [
        ("request", "accepted", 200),
        ("request", "duplicate", 200),
    ]
    assert {(line["type"], line["shop"], line["path"]) for line in lines} == {
        (events.ORDER_CREATED, installed.tag, "/webhooks/shopify")
    }


async def test_lowercase_header_family_is_accepted(
    app_client: AppClientFactory, emulator: ShopifyEmulator, installed: ShopRef
) -> None:
    headers, body = emulator.webhook("fulfillments/update", lowercase_headers=True)
    assert "shopify-hmac-sha256" in headers
    async with app_client() as app:
        answer = await post(app, headers, body)
    assert answer.json() == {"status": "queued"}


async def test_previous_secret_is_accepted_during_rotation(
    app_client: AppClientFactory, emulator: ShopifyEmulator, test_env: dict[str, str]
) -> None:
    rotated = load_settings(
        {**test_env, "SHOPIFY_API_SECRET": "rotated", "SHOPIFY_API_SECRET_PREVIOUS": SHOPIFY_SECRET}
    )
    headers, body = emulator.webhook("shop/redact")  # signed with the previous secret
    async with app_client(app_settings=rotated) as app:
        old = await post(app, headers, body)
        new = await post(app, *emulator.webhook("shop/redact", secret="rotated"))
        unknown = await post(app, *emulator.webhook("shop/redact", secret="another"))
    assert (old.status_code, new.status_code, unknown.status_code) == (200, 200, 401)


@pytest.mark.parametrize(
    ("drop", "status"),
    [("X-Shopify-Hmac-Sha256", 401), ("X-Shopify-Topic", 400), ("X-Shopify-Shop-Domain", 400)],
    ids=["hmac-is-a-missing-credential", "topic", "shop"],
)
async def test_missing_headers_are_refused(
    app_client: AppClientFactory, emulator: ShopifyEmulator, drop: str, status: int
) -> None:
    headers, body = emulator.webhook("orders/create")
    del headers[drop]
    async with app_client() as app:
        answer = await post(app, headers, body)
    assert answer.status_code == status


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b"\xff\xfe"], ids=["text", "array", "binary"])
async def test_signed_body_that_is_not_a_json_object_gets_400(
    app_client: AppClientFactory, emulator: ShopifyEmulator, body: bytes
) -> None:
    headers, _ = emulator.webhook("orders/create")
    headers["X-Shopify-Hmac-Sha256"] = sign_webhook(SHOPIFY_SECRET, body)
    async with app_client() as app:
        answer = await post(app, headers, body)
    assert answer.status_code == 400


async def test_a_genuine_uninstall_stops_the_shop_once_shopify_confirms_it(
    app_client: AppClientFactory, installed: ShopRef, services: Services, emulator: ShopifyEmulator
) -> None:
    assert await services.shops.is_active(SHOP)
    async with app_client() as app:
        answer = await post(app, *emulator.uninstall_app())  # Shopify revokes the token, then delivers
    assert answer.json() == {"status": "queued"}
    await run_worker_until_idle(services)
    assert not await services.shops.is_active(SHOP)
    assert await services.shops.load_token(SHOP) is None


async def test_a_forged_uninstall_changes_nothing(
    app_client: AppClientFactory, installed: ShopRef, services: Services, emulator: ShopifyEmulator
) -> None:
    async with app_client() as app:
        answer = await post(app, *emulator.webhook("app/uninstalled", secret="forged"))
    assert answer.status_code == 401
    assert await services.shops.is_active(SHOP)


@pytest.mark.parametrize(("topic", "event_type"), sorted(TOPIC_EVENTS.items()))
def test_every_topic_maps_to_its_internal_event(emulator: ShopifyEmulator, topic: str, event_type: str) -> None:
    headers, body = emulator.webhook(topic, event_id="evt-1")
    event = verify_shopify_webhook(as_received(headers), body, [SHOPIFY_SECRET])
    assert event is not None
    assert (event.type, event.source_topic, event.delivery_id) == (event_type, topic, "evt-1")
    assert event.shop == ShopRef("shopify", DEMO_SHOP)
    assert event.payload == json.loads(body)
    if event_type in (events.ORDER_CREATED, events.FULFILLMENT_UPDATED, events.FULFILLMENT_EVENT_CREATED):
        assert event.order_id == "450789470"


def test_delivery_id_falls_back_to_webhook_id_and_time_to_payload(emulator: ShopifyEmulator) -> None:
    headers, body = emulator.webhook("orders/updated")
    webhook_id = headers["X-Shopify-Webhook-Id"]
    del headers["X-Shopify-Event-Id"], headers["X-Shopify-Triggered-At"]
    event = verify_shopify_webhook(as_received(headers), body, [SHOPIFY_SECRET])
    assert event is not None
    assert event.delivery_id == webhook_id
    assert event.occurred_at == datetime.fromisoformat("2026-11-02T16:00:00+01:00")  # the same moment, in UTC


def test_unknown_topic_is_ignored_after_verification(emulator: ShopifyEmulator) -> None:
    headers, body = emulator.webhook("products/update")
    assert verify_shopify_webhook(as_received(headers), body, [SHOPIFY_SECRET]) is None


async def test_an_uninstall_from_before_the_latest_install_is_ignored(
    app_client: AppClientFactory, installed: ShopRef, services: Services
) -> None:
    an_hour_ago = create_shopify_emulator(SHOPIFY_SECRET, SHOPIFY_API_KEY, APP_URL, clock=lambda: time.time() - 3600)
    async with app_client() as app:
        answer = await post(app, *an_hour_ago.webhook("app/uninstalled"))
    assert answer.status_code == 200
    await run_worker_until_idle(services)
    assert await services.shops.is_active(SHOP)


@pytest.mark.parametrize("topic", ["app/uninstalled", "shop/update", *COMPLIANCE])
def test_a_body_naming_another_shop_is_refused(emulator: ShopifyEmulator, topic: str) -> None:
    """The shop header is not signed: a body signed for one shop cannot be pinned on another."""
    headers, body = emulator.webhook(topic, "other-shop.myshopify.com")
    headers["X-Shopify-Shop-Domain"] = DEMO_SHOP
    with pytest.raises(WebhookRejected, match="not the shop in the shop domain header") as refused:
        verify_shopify_webhook(as_received(headers), body, [SHOPIFY_SECRET])
    assert refused.value.status == 401


def test_a_body_that_names_no_shop_where_shopify_always_names_one_is_refused(emulator: ShopifyEmulator) -> None:
    headers, body = emulator.webhook("app/uninstalled", payload={"id": 548380009, "name": "Upfront Demo"})
    with pytest.raises(WebhookRejected, match="has no myshopify_domain"):
        verify_shopify_webhook(as_received(headers), body, [SHOPIFY_SECRET])


@pytest.mark.parametrize(
    ("triggered_at", "accepted"),
    [
        ("2020-01-01T00:00:00Z", True),
        ("2099-01-01T00:00:00Z", False),
        ("yesterday", False),
        ("0001-01-01T00:00:00+14:00", False),
    ],
    ids=["far-past", "far-future", "not-a-time", "before-year-one-in-utc"],
)
def test_triggered_at_may_be_old_but_not_ahead_of_our_clock(
    emulator: ShopifyEmulator, triggered_at: str, accepted: bool
) -> None:
    headers, body = emulator.webhook("orders/updated")
    headers["X-Shopify-Triggered-At"] = triggered_at
    if accepted:
        event = verify_shopify_webhook(as_received(headers), body, [SHOPIFY_SECRET])
        assert event is not None and event.occurred_at.year == 2020
    else:
        with pytest.raises(WebhookRejected, match="Triggered-At") as refused:
            verify_shopify_webhook(as_received(headers), body, [SHOPIFY_SECRET])
        assert refused.value.status == 400


def test_triggered_at_within_the_clock_skew_is_accepted() -> None:
    two_minutes_ahead = create_shopify_emulator(
        SHOPIFY_SECRET, SHOPIFY_API_KEY, APP_URL, clock=lambda: time.time() + 120
    )
    headers, body = two_minutes_ahead.webhook("orders/updated")
    assert verify_shopify_webhook(as_received(headers), body, [SHOPIFY_SECRET]) is not None


async def test_deliveries_for_a_shop_that_never_installed_are_answered_and_not_queued(
    app_client: AppClientFactory, emulator: ShopifyEmulator, services: Services
) -> None:
    async with app_client() as app:
        answers = [
            (await post(app, *emulator.webhook(topic))).json()
            for topic in ("orders/create", "app/uninstalled", "shop/update", *COMPLIANCE)
        ]
    assert answers == [{"status": "ignored", "reason": "shop not installed"}] * len(answers)
    assert await services.shops.status(SHOP) is None  # app/uninstalled created no shop record
    created = [key async for key in services.redis.scan_iter(match=f"{services.keys.prefix}:*")]
    assert [key for key in created if key != layout_key(services.keys)] == []  # the app's partition layout only
