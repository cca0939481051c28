"""The internal event vocabulary: every platform delivery becomes one of these, so nothing downstream knows
which platform it came from."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from plugin.keys import ShopRef

ORDER_CREATED = "order.created"
ORDER_UPDATED = "order.updated"
ORDER_CANCELLED = "order.cancelled"
ORDER_STATUS_UPDATED = "order.status_updated"
FULFILLMENT_CREATED = "fulfillment.created"
FULFILLMENT_UPDATED = "fulfillment.updated"
FULFILLMENT_EVENT_CREATED = "fulfillment_event.created"
SHIPMENT_CREATED = "shipment.created"
SHIPMENT_UPDATED = "shipment.updated"
SHOP_UPDATED = "shop.updated"
APP_UNINSTALLED = "app.uninstalled"
CUSTOMER_DATA_REQUEST = "customer.data_request"
CUSTOMER_REDACT = "customer.redact"
CUSTOMER_DELETED = "customer.deleted"
SHOP_REDACT = "shop.redact"
# Not a platform topic: a tracking provider's carrier update (plugin.tracking), queued like the platforms' events.
TRACKING_UPDATED = "tracking.updated"

EVENT_TYPES = frozenset(
    {
        ORDER_CREATED,
        ORDER_UPDATED,
        ORDER_CANCELLED,
        ORDER_STATUS_UPDATED,
        FULFILLMENT_CREATED,
        FULFILLMENT_UPDATED,
        FULFILLMENT_EVENT_CREATED,
        SHIPMENT_CREATED,
        SHIPMENT_UPDATED,
        SHOP_UPDATED,
        APP_UNINSTALLED,
        CUSTOMER_DATA_REQUEST,
        CUSTOMER_REDACT,
        CUSTOMER_DELETED,
        SHOP_REDACT,
        TRACKING_UPDATED,
    }
)


@dataclass(frozen=True)
class PlatformEvent:
    """One verified delivery, normalized. `delivery_id` dedupes redeliveries; `occurred_at` orders them."""

    shop: ShopRef
    type: str
    delivery_id: str
    occurred_at: datetime
    source_topic: str
    payload: dict[str, Any] = field(default_factory=dict)
    # The platform's id of the order this event concerns, when it concerns one (set by the adapter).
    order_id: str | None = None
    # The payload exactly as delivered, when the delivery's body is the payload: stored as is, not re-encoded.
    payload_json: str | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.type not in EVENT_TYPES:
            raise ValueError(f"unknown event type {self.type!r}")
        if self.occurred_at.tzinfo is None:
            raise ValueError("occurred_at must be timezone-aware")

    def to_fields(self) -> dict[str, str]:
        """Flat string fields for a Redis stream entry."""
        return {
            "shop": self.shop.tag,
            "type": self.type,
            "delivery_id": self.delivery_id,
            "occurred_at": (at if (at := self.occurred_at).tzinfo is UTC else at.astimezone(UTC)).isoformat(),
            "source_topic": self.source_topic,
            "payload": self.payload_json or json.dumps(self.payload, separators=(",", ":")),
            "order_id": self.order_id or "",
        }

    @classmethod
    def from_fields(cls, fields: dict[str, str]) -> PlatformEvent:
        return cls(
            shop=ShopRef.parse(fields["shop"]),
            type=fields["type"],
            delivery_id=fields["delivery_id"],
            occurred_at=datetime.fromisoformat(fields["occurred_at"]),
            source_topic=fields["source_topic"],
            payload=json.loads(fields["payload"]),
            order_id=fields.get("order_id") or None,
        )
