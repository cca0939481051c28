"""Shopify webhook deliveries: verify the raw bytes (both header families, rotating secrets) and normalize."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from typing import Any

from plugin.events import PlatformEvent
from plugin.excerpt import excerpt
from plugin.json_body import JsonBodyError, parse_json_object_text
from plugin.keys import ShopRef
from plugin.middleware.body_limit import LARGE_LIMIT
from plugin.platform import WebhookRejected
from plugin.shopify.domains import normalize_shop_domain, shopify_shop
from plugin.shopify.signatures import verify_webhook_hmac
from plugin.shopify.topics import event_type_for

# Shopify sends `X-Shopify-Topic` and, in its newer family, `shopify-topic`: same names after the prefix.
_LEGACY, _NEWER = "x-shopify-", "shopify-"

# The HMAC covers the body only: the headers can be rewritten by anyone who holds one signed body. A delivery
# may claim a time this far ahead of our clock (clock skew), no further: a future time would otherwise win over
# every later install when deliveries are ordered.
TRIGGERED_AT_SKEW = timedelta(minutes=5)

# Topics whose body names its shop, and where: the shop object (app/uninstalled, shop/update) carries its
# `myshopify_domain`; the compliance payloads carry `shop_domain`. For these the body must name the header's shop.
BODY_SHOP_FIELDS: Mapping[str, str] = {
    "app/uninstalled": "myshopify_domain",
    "shop/update": "myshopify_domain",
    "customers/data_request": "shop_domain",
    "customers/redact": "shop_domain",
    "shop/redact": "shop_domain",
}


@cache  # a handful of names, spelled out once rather than on every delivery
def _header_names(name: str) -> tuple[str, str]:
    return _LEGACY + name, _NEWER + name


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """The first non-empty of X-Shopify-<name> and Shopify-<name>, stripped. Names are lowercase, as ASGI gives
    them: looking up the few we read is cheaper than folding every header a delivery carries."""
    legacy, newer = _header_names(name)
    value = headers.get(legacy) or headers.get(newer)
    return value.strip() if value else None


@lru_cache(maxsize=4096)  # deliveries repeat a bounded set of domains; only signed ones get this far
def _shop(domain: str) -> ShopRef | None:
    normalized = normalize_shop_domain(domain)
    return None if normalized is None else shopify_shop(normalized)


def _timestamp(value: object) -> datetime | None:
    """An ISO 8601 time in UTC; None for anything else, a time at the ends of the calendar included (year 1
    at +14:00 is no UTC datetime: it would fail later, when the event is stored)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
        return (parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def verify_shopify_webhook(
    headers: Mapping[str, str], body: bytes, secrets: Sequence[str], *, now: Callable[[], datetime] | None = None
) -> PlatformEvent | None:
    """The delivery as an internal event; None for a topic we do not handle. Raises WebhookRejected.
    `headers` by lowercase name, as ASGI delivers them."""
    given = _header(headers, "hmac-sha256")
    if given is None:
        raise WebhookRejected(401, "missing HMAC header")  # no credential: the same answer as a wrong one
    if not secrets or not verify_webhook_hmac(body, given, secrets):
        raise WebhookRejected(401, "HMAC does not match")
    topic = _header(headers, "topic")
    domain = _header(headers, "shop-domain")
    delivery_id = _header(headers, "event-id") or _header(headers, "webhook-id")
    if topic is None or domain is None or delivery_id is None:
        raise WebhookRejected(400, "missing topic, shop domain or delivery id header")
    shop = _shop(domain)
    if shop is None:
        raise WebhookRejected(400, "shop domain header is not a myshopify.com domain")
    try:
        payload, text = parse_json_object_text(body, max_bytes=LARGE_LIMIT)
    except JsonBodyError as exc:
        raise WebhookRejected(exc.status, exc.reason) from None
    event_type = event_type_for(topic)
    if event_type is None:
        return None
    _check_body_names_the_shop(topic, payload, shop)
    received_at = now() if now else datetime.now(UTC)
    triggered_at = _triggered_at(_header(headers, "triggered-at"), received_at)
    occurred_at = triggered_at or _timestamp(payload.get("updated_at")) or received_at
    return PlatformEvent(
        shop=shop,
        type=event_type,
        delivery_id=delivery_id,
        occurred_at=occurred_at,
        source_topic=topic,
        payload=payload,
        order_id=_order_id(topic, payload),
        payload_json=text,
    )


def _triggered_at(value: str | None, received_at: datetime) -> datetime | None:
    """The delivery's `Triggered-At`; a time ahead of ours by more than the allowed skew is refused."""
    if value is None:
        return None
    triggered_at = _timestamp(value)
    if triggered_at is None:
        raise WebhookRejected(400, f"Triggered-At header is not an ISO 8601 time: {excerpt(value)}")
    if triggered_at - received_at > TRIGGERED_AT_SKEW:
        raise WebhookRejected(400, "Triggered-At header is more than 5 minutes in the future")
    return triggered_at


def _check_body_names_the_shop(topic: str, payload: Mapping[str, Any], shop: ShopRef) -> None:
    """The shop header is not signed: for a topic whose signed body names its shop, both must agree."""
    field = BODY_SHOP_FIELDS.get(topic)
    if field is None:
        return
    named = payload.get(field)
    if not isinstance(named, str) or not named:
        raise WebhookRejected(400, f"body of a {topic} delivery has no {field}")
    if normalize_shop_domain(named.strip()) != shop.id:
        raise WebhookRejected(401, f"body's {field} is not the shop in the shop domain header")


def _order_id(topic: str, payload: Mapping[str, Any]) -> str | None:
    """Orders carry their id as `id`; fulfillments and fulfillment events as `order_id`."""
    value = payload.get("id") if topic.startswith("orders/") else payload.get("order_id")
    return str(value) if isinstance(value, int | str) and str(value).isdigit() else None
