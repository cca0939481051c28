"""BigCommerce webhook scopes as data: which internal event each becomes, and how a delivery is normalized."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from plugin import events
from plugin.bigcommerce.webhook_auth import producer_shop, unix_seconds
from plugin.events import PlatformEvent
from plugin.platform import WebhookRejected

SCOPE_EVENTS: Mapping[str, str] = {
    "store/order/created": events.ORDER_CREATED,
    "store/order/statusUpdated": events.ORDER_STATUS_UPDATED,
    "store/shipment/created": events.SHIPMENT_CREATED,
    "store/shipment/updated": events.SHIPMENT_UPDATED,
    "store/customer/deleted": events.CUSTOMER_DELETED,
    "store/app/uninstalled": events.APP_UNINSTALLED,
}

EVENT_HASH = re.compile(r"[0-9A-Za-z_-]{1,128}")  # BigCommerce's is 40 hex digits; anything else is digested


def _occurred_at(payload: Mapping[str, Any], headers: Mapping[str, str], received_at: float) -> datetime:
    for candidate in (payload.get("created_at"), headers.get("webhook-timestamp")):
        seconds = unix_seconds(str(candidate)) if isinstance(candidate, int | str) else None  # True is "True"
        if seconds is not None:
            return datetime.fromtimestamp(seconds, UTC)
    return datetime.fromtimestamp(received_at, UTC)


def delivery_id_of(payload: Mapping[str, Any]) -> str:
    """One identity per event, whichever header family carried it (a Standard Webhooks `webhook-id` or only
    our secret header): BigCommerce's `hash` of the event, or else a digest of what the payload says happened."""
    given = payload.get("hash")
    if isinstance(given, str) and EVENT_HASH.fullmatch(given):
        return given
    what = [payload.get(name) for name in ("scope", "producer", "created_at", "data")]
    return "sha256:" + hashlib.sha256(json.dumps(what, sort_keys=True, default=str).encode()).hexdigest()


def _resource_fields(scope: str, data: Mapping[str, Any]) -> dict[str, str]:
    """The ids a handler needs to fetch the real resource (payloads are lightweight)."""
    resource_id = data.get("id")
    if not isinstance(resource_id, int | str) or str(resource_id) == "":
        if scope == "store/app/uninstalled":
            return {}
        raise WebhookRejected(400, "payload data has no id")
    fields = {"resource_id": str(resource_id)}
    if scope.startswith("store/order/"):
        fields["order_id"] = str(resource_id)
    elif scope.startswith("store/shipment/"):
        fields["shipment_id"] = str(resource_id)
        order_id = data.get("orderId", data.get("order_id"))
        if order_id is not None:
            fields["order_id"] = str(order_id)
    elif scope.startswith("store/customer/"):
        fields["customer_id"] = str(resource_id)
    return fields


def event_from_delivery(
    headers: Mapping[str, str], payload: Mapping[str, Any], *, received_at: float
) -> PlatformEvent | None:
    """An authenticated payload -> internal event; None for a scope we do not handle."""
    lowered = {name.lower(): value for name, value in headers.items()}
    scope = payload.get("scope")
    if not isinstance(scope, str) or not scope:
        raise WebhookRejected(400, "payload has no scope")
    shop = producer_shop(payload)
    event_type = SCOPE_EVENTS.get(scope)
    if event_type is None:
        return None
    delivery_id = delivery_id_of(payload)
    data = payload.get("data", {} if scope == "store/app/uninstalled" else None)
    if not isinstance(data, dict):
        raise WebhookRejected(400, "payload has no data object")
    ids = _resource_fields(scope, data)
    normalized: dict[str, Any] = {"scope": scope, **ids, "data": data}
    return PlatformEvent(
        shop=shop,
        type=event_type,
        delivery_id=delivery_id,
        occurred_at=_occurred_at(payload, lowered, received_at),
        source_topic=scope,
        payload=normalized,
        order_id=ids.get("order_id"),
    )
