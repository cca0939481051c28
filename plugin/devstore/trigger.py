"""`upfront webhook trigger TOPIC`: a correctly signed delivery, posted to a running app.

Against `upfront dev` the dev store makes the change itself (a fresh order placed now, then its shipment and
delivery) and delivers the webhook, so the app's API calls see the same order and a journey really starts. An app
without the dev store (`--url` of a deployed app) gets a canned sample, signed here with the configured secret.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TextIO

import httpx

from plugin.devstore.bigcommerce import DEMO_STORE_HASH, create_bigcommerce_emulator
from plugin.devstore.deliveries import CREATE_TOPICS, TRIGGER_PATH
from plugin.devstore.shopify import DEMO_SHOP, create_shopify_emulator
from plugin.settings import Settings

TRIGGER_TIMEOUT = 30.0  # the dev store waits up to 15 s for the worker to deal with each step

# `--journey`: an order's whole way, one delivery per step (topic, fields); BigCommerce knows no "out for delivery".
JOURNEYS: dict[str, Sequence[tuple[str, dict[str, str]]]] = {
    "shopify": (
        ("orders/create", {}),
        ("fulfillments/create", {"shipment_status": "in_transit"}),
        ("fulfillments/update", {"shipment_status": "out_for_delivery"}),
        ("fulfillments/update", {"shipment_status": "delivered"}),
    ),
    "bigcommerce": (
        ("store/order/created", {}),
        ("store/shipment/created", {}),
        ("store/order/statusUpdated", {"status": "completed"}),
    ),
}


def infer_platform(topic: str) -> str:
    return "bigcommerce" if topic.startswith("store/") else "shopify"


def signed_delivery(settings: Settings, platform: str, topic: str, shop: str | None) -> tuple[dict[str, str], bytes]:
    if platform == "shopify":
        shopify = create_shopify_emulator(str(settings.shopify_api_secret), settings.shopify_api_key, settings.app_url)
        return shopify.webhook(topic, shop or DEMO_SHOP)
    bigcommerce = create_bigcommerce_emulator(
        settings.bigcommerce_client_id, str(settings.bigcommerce_client_secret), settings.app_url
    )
    return bigcommerce.webhook_delivery(topic, shop or DEMO_STORE_HASH)


def _via_dev_store(base: str, body: dict[str, str], out: TextIO) -> tuple[int, str] | None:
    """Ask the dev store to make the change and deliver it: (exit status, the shop's outbox URL), or None when
    the app has no dev store."""
    response = httpx.post(base + TRIGGER_PATH, json=body, timeout=TRIGGER_TIMEOUT)
    if response.status_code in (404, 405):
        return None
    try:
        answer: dict[str, Any] = response.json()
    except ValueError:
        answer = {"error": response.text[:200]}
    if "error" in answer:
        print(f"The dev store refused {body['topic']}: {answer['error']}", file=out)
        return 1, ""
    placed = " (fresh, placed now)" if body["topic"] in CREATE_TOPICS else ""
    order = f"order {answer['order']}{placed} — " if answer.get("order") else "canned sample — "
    print(
        f"{answer['platform']} {answer['topic']}: {order}POST {answer['webhook']} -> {answer['status']} "
        f"{answer['answer']}" + (f"; journey: {answer['journey']}" if answer.get("journey") else ""),
        file=out,
    )
    where = str(answer["outbox"]) + ("" if answer["platform"] == "shopify" else " (then the Emails tab)")
    return (0 if response.is_success else 1), where


def _signed_sample(settings: Settings, base: str, platform: str, topic: str, shop: str | None, out: TextIO) -> int:
    secret = settings.shopify_api_secret if platform == "shopify" else settings.bigcommerce_client_secret
    if secret is None:
        name = "SHOPIFY_API_SECRET" if platform == "shopify" else "BIGCOMMERCE_CLIENT_SECRET"
        print(f"{name} is not set: the delivery could not be signed the way the app verifies it.", file=out)
        return 1
    target = f"{base}/webhooks/{platform}"
    try:
        headers, body = signed_delivery(settings, platform, topic, shop)
    except (KeyError, ValueError) as exc:
        print(f"No sample delivery for {platform} topic {topic!r} ({exc}).", file=out)
        return 2
    if platform == "shopify" and topic == "app/uninstalled":
        print(
            "No dev store answers there to uninstall the app: the app confirms an uninstall with Shopify and "
            "refuses this one while the shop's token works.",
            file=out,
        )
    response = httpx.post(target, headers=headers, content=body, timeout=TRIGGER_TIMEOUT)
    print(f"POST {target} ({platform} {topic}, canned sample) -> {response.status_code} {response.text}", file=out)
    return 0 if response.is_success else 1


def trigger(
    settings: Settings,
    topic: str | None,
    *,
    platform: str | None,
    shop: str | None,
    base: str,
    out: TextIO,
    journey: bool = False,
    fields: dict[str, str] | None = None,
) -> int:
    """Send one topic (or, with `journey`, an order's whole way); print what happened and where to look."""
    platform = platform or (infer_platform(topic) if topic else "shopify")
    steps = JOURNEYS[platform] if journey else ((topic or "", fields or {}),)
    outbox: str | None = None
    try:
        for step_topic, step_fields in steps:
            body = {"topic": step_topic, "platform": platform, **step_fields, **({"shop": shop} if shop else {})}
            answered = _via_dev_store(base, body, out)
            if answered is None:
                return _signed_sample(settings, base, platform, step_topic, shop, out)
            status, outbox = answered
            if status != 0:
                return status
    except httpx.TransportError as exc:
        print(f"Could not reach {base} ({type(exc).__name__}). Is the app running (`make dev`)?", file=out)
        return 1
    if outbox:
        print(f"Emails: the dev outbox of this shop's admin, {outbox}", file=out)
    return 0
