"""Authenticating a BigCommerce webhook delivery: Standard Webhooks signature when present, else our secret header."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from typing import Any

from plugin.bigcommerce.signed_payload import shop_from_context
from plugin.excerpt import excerpt
from plugin.json_body import JsonBodyError, parse_json_object
from plugin.keys import ShopRef
from plugin.middleware.body_limit import LARGE_LIMIT
from plugin.platform import WebhookRejected

SECRET_HEADER = "X-Upfront-Webhook-Secret"
TIMESTAMP_TOLERANCE_SECONDS = 300
UNIX_SECONDS = re.compile(r"[0-9]{1,11}")  # up to the year 5138: a longer one is no time a datetime can hold


def webhook_secret_for(store_hash: str, client_secret: str) -> str:
    """The secret header value we register on a store's hooks: derived, so verifying needs no storage."""
    return hmac.new(client_secret.encode(), store_hash.encode(), hashlib.sha256).hexdigest()


def standard_signature(client_secret: str, delivery_id: str, timestamp: str, body: bytes) -> str:
    signed = delivery_id.encode() + b"." + timestamp.encode() + b"." + body
    digest = hmac.new(client_secret.encode(), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def unix_seconds(value: str) -> int | None:
    """A Unix time in whole seconds as Standard Webhooks and BigCommerce write it (ASCII digits, no sign)."""
    return int(value) if UNIX_SECONDS.fullmatch(value) else None


def _verify_standard(headers: Mapping[str, str], body: bytes, client_secret: str, now: float) -> None:
    delivery_id = headers.get("webhook-id", "")
    timestamp = headers.get("webhook-timestamp", "")
    if not delivery_id:
        raise WebhookRejected(401, "signed delivery lacks the webhook-id header")
    if not timestamp:
        raise WebhookRejected(401, "signed delivery lacks the webhook-timestamp header")
    if unix_seconds(timestamp) is None:
        raise WebhookRejected(400, f"webhook-timestamp is not a Unix time in whole seconds: {excerpt(timestamp)}")
    if abs(now - int(timestamp)) > TIMESTAMP_TOLERANCE_SECONDS:
        raise WebhookRejected(401, "webhook-timestamp is more than 5 minutes off: stale or replayed")
    expected = standard_signature(client_secret, delivery_id, timestamp, body).encode()
    offered = headers.get("webhook-signature", "").split()
    if not any(hmac.compare_digest(expected, candidate.encode()) for candidate in offered):
        raise WebhookRejected(401, "webhook-signature does not match")


def parse_payload(body: bytes) -> dict[str, Any]:
    try:
        return parse_json_object(body, max_bytes=LARGE_LIMIT)
    except JsonBodyError as exc:
        raise WebhookRejected(exc.status, exc.reason) from None


def producer_shop(payload: Mapping[str, Any]) -> ShopRef:
    producer = payload.get("producer")
    if not isinstance(producer, str):
        raise WebhookRejected(400, "payload has no producer")
    try:
        return shop_from_context(producer)
    except ValueError:
        raise WebhookRejected(400, "producer is not a store like stores/abc123") from None


def authenticate_delivery(headers: Mapping[str, str], body: bytes, *, client_secret: str, now: float) -> dict[str, Any]:
    """Return the parsed payload of an authentic delivery; raise WebhookRejected (401 forged, 400 malformed)."""
    lowered = {name.lower(): value for name, value in headers.items()}
    if "webhook-signature" in lowered:
        _verify_standard(lowered, body, client_secret, now)
        return parse_payload(body)
    offered = lowered.get(SECRET_HEADER.lower(), "")
    if not offered:
        raise WebhookRejected(401, "delivery carries neither webhook-signature nor our secret header")
    payload = parse_payload(body)
    expected = webhook_secret_for(producer_shop(payload).id, client_secret)
    if not hmac.compare_digest(expected.encode(), offered.encode()):
        raise WebhookRejected(401, "secret header does not match")
    return payload
