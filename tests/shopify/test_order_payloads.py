"""Shopify's documented order and fulfillment payloads map into the same `Order` the Admin GraphQL mapping makes."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from plugin.devstore import shopify_demo
from plugin.keys import ShopRef
from plugin.platform import Order, ShipmentChange
from plugin.shopify.order_payloads import state_from_payload
from plugin.shopify.order_queries import order_from
from tests.shopify import documented_payloads as documented
from webhooks.handlers.delivered import merge_shipment
from webhooks.handlers.orders import order_state

SHOP = ShopRef("shopify", "jsmith.myshopify.com")


def test_the_documented_orders_create_sample_maps_field_by_field() -> None:
    order = state_from_payload("orders/create", documented.orders_create(), SHOP)
    assert isinstance(order, Order)
    assert (order.id, order.name, order.currency, order.total) == (
        "820982911946154508",
        "#9999",
        "USD",
        Decimal("404.95"),
    )
    assert order.status == "cancelled"  # the sample is a cancelled test order
    assert order.created_at == datetime(2022, 1, 1, 0, 0, tzinfo=UTC)
    assert (order.email, order.locale, order.customer_id, order.first_name) == (
        "jon@example.com",
        "en",
        "115310627314723954",
        "John",
    )
    assert order.email_marketing_consent is None  # the sample's customer carries no email_marketing_consent
    assert [(line.title, line.quantity, line.sku, line.product_id) for line in order.lines][:2] == [
        ("Aviator sunglasses", 1, "SKU2006-001", "788032119674292922"),
        ("Lens Protection Plan (2 Year)", 1, "LENS-PROTECT-2YR", None),
    ]
    assert order.shipments == ()


def test_the_documented_fulfillment_samples_map_to_shipment_changes() -> None:
    created = state_from_payload("fulfillments/create", documented.fulfillments_create(), SHOP)
    assert isinstance(created, ShipmentChange) and created.complete and created.quantity == 5
    assert created.order_id == "820982911946154508"
    shipment = created.shipment
    assert (shipment.id, shipment.status, shipment.carrier, shipment.tracking_number) == (
        "123456",
        "pending",  # status "pending", no shipment_status yet
        "UPS",
        "1z827wk74630",
    )
    assert shipment.tracking_url is not None and shipment.tracking_url.endswith("trackNums=1z827wk74630")

    event = state_from_payload("fulfillment_events/create", documented.fulfillment_events_create(), SHOP)
    assert isinstance(event, ShipmentChange) and not event.complete
    assert (event.order_id, event.shipment.id, event.shipment.status) == ("820982911946154508", "123456", "in_transit")


def _without(payload: dict[str, Any], *path: str) -> dict[str, Any]:
    changed = copy.deepcopy(payload)
    target = changed
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return changed


@pytest.mark.parametrize(
    ("topic", "payload"),
    [
        ("orders/create", _without(documented.orders_create(), "updated_at")),
        ("orders/updated", _without(documented.orders_create(), "name")),
        ("orders/create", {"id": 820982911946154508, "name": "#9999", "line_items": []}),  # ids only
        ("orders/create", {**documented.orders_create(), "created_at": "2021-12-31T19:00:00"}),  # no offset
        ("fulfillments/create", _without(documented.fulfillments_create(), "order_id")),
        ("fulfillment_events/create", {**documented.fulfillment_events_create(), "status": "teleported"}),
    ],
    ids=["no-updated-at", "no-name", "ids-only", "naive-time", "fulfillment-without-order", "unknown-status"],
)
def test_an_incomplete_payload_is_not_used_as_state(topic: str, payload: dict[str, Any]) -> None:
    assert state_from_payload(topic, payload, SHOP) is None


@pytest.mark.parametrize("index", [0, 1, 2], ids=["fulfilled", "unfulfilled", "cancelled"])
def test_a_payload_maps_to_the_order_the_graphql_answer_maps_to(index: int) -> None:
    """The dev store renders each order both ways (GraphQL node, REST webhook body): one internal Order."""
    node = shopify_demo.demo_orders()[index]
    shop = ShopRef("shopify", shopify_demo.DEMO_SHOP)
    delivered = state_from_payload("orders/updated", shopify_demo.rest_order(node, shop.id), shop)
    assert delivered == order_from(node, shop)


def _stored(quantity: int) -> dict[str, Any]:
    """The projection of the documented order, not cancelled, as the app keeps it."""
    order = state_from_payload("orders/updated", {**documented.orders_create(), "cancelled_at": None}, SHOP)
    assert isinstance(order, Order)
    return {**order_state(order), "quantity": quantity}


@pytest.mark.parametrize(("items", "status"), [(5, "fulfilled"), (2, "partially_fulfilled")], ids=["whole", "part"])
def test_a_fulfillment_merged_into_an_open_order_says_whether_it_carries_every_item(items: int, status: str) -> None:
    payload = documented.fulfillments_create()
    payload["line_items"] = payload["line_items"][:items]
    change = state_from_payload("fulfillments/create", payload, SHOP)
    assert isinstance(change, ShipmentChange)
    merged = merge_shipment(_stored(quantity=5), change)
    assert merged is not None and merged["status"] == status
    assert [(s["id"], s["status"], s["tracking_number"]) for s in merged["shipments"]] == [
        ("123456", "pending", "1z827wk74630")
    ]


def test_a_fulfillment_event_moves_a_known_shipment_and_an_older_one_changes_nothing() -> None:
    created = state_from_payload("fulfillments/create", documented.fulfillments_create(), SHOP)
    assert isinstance(created, ShipmentChange)
    state = merge_shipment(_stored(quantity=5), created)
    assert state is not None
    later = {**documented.fulfillment_events_create(), "status": "delivered", "happened_at": "2022-01-03T10:00:00Z"}
    event = state_from_payload("fulfillment_events/create", later, SHOP)
    assert isinstance(event, ShipmentChange)
    delivered = merge_shipment(state, event)
    assert delivered is not None and delivered["shipments"][0]["status"] == "delivered"
    assert delivered["shipments"][0]["carrier"] == "UPS"  # a status event keeps the tracking it does not carry
    assert delivered["updated_at"] == "2022-01-03T10:00:00+00:00"

    earlier = state_from_payload("fulfillment_events/create", documented.fulfillment_events_create(), SHOP)
    assert isinstance(earlier, ShipmentChange)
    assert merge_shipment(delivered, earlier) is delivered  # in transit, from before the delivery: ignored

    unknown = ShipmentChange("820982911946154508", replace(event.shipment, id="999"), complete=False)
    assert merge_shipment(delivered, unknown) is None  # a status for a shipment not stored: fetch instead
