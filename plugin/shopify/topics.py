"""Shopify webhook topics and the internal events they become: the one place Shopify's topic names end."""

from __future__ import annotations

from plugin import events

TOPIC_EVENTS: dict[str, str] = {
    "orders/create": events.ORDER_CREATED,
    "orders/updated": events.ORDER_UPDATED,
    "orders/cancelled": events.ORDER_CANCELLED,
    "fulfillments/create": events.FULFILLMENT_CREATED,
    "fulfillments/update": events.FULFILLMENT_UPDATED,
    "fulfillment_events/create": events.FULFILLMENT_EVENT_CREATED,
    "app/uninstalled": events.APP_UNINSTALLED,
    "shop/update": events.SHOP_UPDATED,
    "customers/data_request": events.CUSTOMER_DATA_REQUEST,
    "customers/redact": events.CUSTOMER_REDACT,
    "shop/redact": events.SHOP_REDACT,
}

COMPLIANCE_TOPICS = ("customers/data_request", "customers/redact", "shop/redact")


def event_type_for(topic: str) -> str | None:
    return TOPIC_EVENTS.get(topic)
