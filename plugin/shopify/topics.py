"""Shopify webhook topics and the internal events they become: the one place Shopify's topic names end."""

from __future__ import annotations

from plugin import events
from plugin.settings import Settings
from plugin.subscriptions import subscribed_topics

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


def subscribed_webhook_topics(settings: Settings, handled: frozenset[str] | None) -> tuple[str, ...]:
    return subscribed_topics(settings.manifest.shopify.webhook_topics, TOPIC_EVENTS, handled)


def compliance_topics(settings: Settings) -> tuple[str, ...]:
    """Mandatory for every public app, whatever the manifest says."""
    return tuple(dict.fromkeys((*settings.manifest.shopify.compliance_topics, *COMPLIANCE_TOPICS)))


def event_type_for(topic: str) -> str | None:
    return TOPIC_EVENTS.get(topic)
