"""Shopify's REST-shaped order and fulfillment webhook payloads mapped into the internal model.

The same `Order` the Admin GraphQL mapping (`order_queries.order_from`) produces, from the fields Shopify documents
for `orders/*` (id, name, email, created_at, updated_at, cancelled_at, fulfillment_status, total_price_set,
customer.email_marketing_consent, phone, customer.sms_marketing_consent.state, line_items, fulfillments[] with
tracking_company/tracking_number(s)/tracking_url(s)/shipment_status/status, note_attributes), `fulfillments/*` (a
fulfillment with its order_id) and `fulfillment_events/create` (one status change of a fulfillment). A payload
missing what the model needs maps to None, and the caller fetches the order instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from plugin.keys import ShopRef
from plugin.platform import Destination, Order, OrderLine, Shipment, ShipmentChange

# Fulfillment `shipment_status` (and fulfillment event `status`) into the internal shipment status; the same
# grouping as the GraphQL `displayStatus` mapping in order_queries.
_SHIPMENT_STATUS = {
    "delivered": "delivered",
    "picked_up": "delivered",
    "out_for_delivery": "out_for_delivery",
    "attempted_delivery": "out_for_delivery",
    "ready_for_pickup": "out_for_delivery",
    "in_transit": "in_transit",
    "confirmed": "in_transit",
    "carrier_picked_up": "in_transit",
    "delayed": "in_transit",
    "failure": "failed",
    "not_delivered": "failed",
    "label_printed": "pending",
    "label_purchased": "pending",
}
# Fulfillment `status` when no carrier status is known: fulfilled without tracking counts as on its way.
_FULFILLMENT_STATUS = {"success": "in_transit", "cancelled": "cancelled", "error": "failed", "failure": "failed"}
_ORDER_STATUS = {"fulfilled": "fulfilled", "partial": "partially_fulfilled"}


class IncompletePayload(ValueError):
    """The payload lacks a field the internal model needs: fetch the order instead."""


def _when(value: object) -> datetime:
    if not isinstance(value, str) or not value:
        raise IncompletePayload(f"expected a timestamp, got {value!r}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise IncompletePayload(f"malformed timestamp {value!r}") from None
    if moment.tzinfo is None:
        raise IncompletePayload(f"timestamp without an offset {value!r}")
    return moment


def _id(value: object) -> str:
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    if not text.isdigit():
        raise IncompletePayload(f"expected a numeric id, got {value!r}")
    return text


def _optional_id(value: object) -> str | None:
    return _id(value) if value is not None else None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _first(single: object, many: object) -> str | None:
    """`tracking_number` or the first of `tracking_numbers` (Shopify sends both; either may be null)."""
    if _text(single):
        return str(single)
    return next((str(item) for item in many if _text(item)), None) if isinstance(many, list) else None


def _total(payload: Mapping[str, Any]) -> tuple[str, Decimal]:
    """The order total in the presentment currency, as the GraphQL mapping reads `totalPriceSet.presentmentMoney`;
    `currency` + `total_price` (shop currency) when the payload has no price set."""
    money = (payload.get("total_price_set") or {}).get("presentment_money") or {}
    currency, amount = money.get("currency_code"), money.get("amount")
    if not (isinstance(currency, str) and currency and amount is not None):
        currency, amount = payload.get("currency"), payload.get("total_price")
    if not (isinstance(currency, str) and currency and isinstance(amount, str | int | float)):
        raise IncompletePayload("no total with its currency")
    try:
        return currency, Decimal(str(amount))
    except InvalidOperation:
        raise IncompletePayload(f"malformed total {amount!r}") from None


def shipment_status(shipment_status: object, fulfillment_status: object = None) -> str:
    """The internal shipment status of a fulfillment (or of one fulfillment event's `status`)."""
    if fulfillment_status == "cancelled":
        return "cancelled"
    found = _SHIPMENT_STATUS.get(str(shipment_status)) if shipment_status else None
    return found or _FULFILLMENT_STATUS.get(str(fulfillment_status), "pending")


def _shipment(node: Mapping[str, Any]) -> Shipment:
    status = shipment_status(node.get("shipment_status"), node.get("status"))
    updated_at = _when(node["updated_at"]) if node.get("updated_at") else None
    return Shipment(
        id=_id(node.get("id")),
        status=status,
        carrier=_text(node.get("tracking_company")),
        tracking_number=_first(node.get("tracking_number"), node.get("tracking_numbers")),
        tracking_url=_first(node.get("tracking_url"), node.get("tracking_urls")),
        updated_at=updated_at,
        shipped_at=_when(node["created_at"]) if node.get("created_at") else None,
        # The fulfillment's last update is the one that set `shipment_status` to delivered.
        delivered_at=updated_at if status == "delivered" else None,
    )


def destination_from_address(address: object) -> Destination | None:
    """`shipping_address` {country_code, province_code, zip}; None without one (nothing to ship)."""
    if not isinstance(address, Mapping):
        return None
    country = _text(address.get("country_code"))
    if country is None:
        return None
    return Destination(country.upper(), _text(address.get("province_code")), _text(address.get("zip")))


def _shipping_method(lines: object) -> str | None:
    """The title of the first `shipping_lines` entry: the method as the checkout offered it."""
    if not isinstance(lines, list):
        return None
    return next((str(line["title"]) for line in lines if isinstance(line, Mapping) and _text(line.get("title"))), None)


def _quantity(lines: object) -> int | None:
    if not isinstance(lines, list):
        return None
    return sum(int(line.get("quantity") or 0) for line in lines if isinstance(line, Mapping))


def order_from_payload(payload: Mapping[str, Any], shop: ShopRef) -> Order:
    """Map an `orders/*` payload; raises IncompletePayload when a field the model needs is missing."""
    try:
        currency, total = _total(payload)
        customer: Mapping[str, Any] = payload.get("customer") or {}
        consent = (customer.get("email_marketing_consent") or {}).get("state")
        texts = (customer.get("sms_marketing_consent") or {}).get("state")
        name = _text(payload.get("name"))
        if name is None:
            raise IncompletePayload("no order name")
        return Order(
            shop=shop,
            id=_id(payload.get("id")),
            name=name,
            created_at=_when(payload.get("created_at")),
            updated_at=_when(payload.get("updated_at")),
            currency=currency,
            total=total,
            status="cancelled"
            if payload.get("cancelled_at")
            else _ORDER_STATUS.get(str(payload.get("fulfillment_status")), "open"),
            customer_id=_optional_id(customer.get("id")),
            email=_text(payload.get("email")) or _text(payload.get("contact_email")),
            first_name=_text(customer.get("first_name")),
            locale=_text(payload.get("customer_locale")),
            email_marketing_consent=str(consent).lower() if consent else None,
            lines=tuple(
                OrderLine(
                    title=str(line.get("title") or line.get("name") or ""),
                    quantity=int(line.get("quantity") or 0),
                    sku=_text(line.get("sku")),
                    product_id=_optional_id(line.get("product_id")),
                    variant_id=_optional_id(line.get("variant_id")),
                )
                for line in payload.get("line_items") or ()
            ),
            shipments=tuple(_shipment(fulfillment) for fulfillment in payload.get("fulfillments") or ()),
            note_attributes={
                str(attribute["name"]): str(attribute.get("value") or "")
                for attribute in payload.get("note_attributes") or ()
                if isinstance(attribute, Mapping) and attribute.get("name")
            },
            destination=destination_from_address(payload.get("shipping_address")),
            shipping_method=_shipping_method(payload.get("shipping_lines")),
            phone=_text(payload.get("phone")) or _text(customer.get("phone")),
            sms_marketing_consent=str(texts).lower() if texts else None,
        )
    except IncompletePayload:
        raise
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise IncompletePayload(f"order payload is malformed: {exc!r}") from None


def fulfillment_from_payload(payload: Mapping[str, Any]) -> ShipmentChange:
    """Map a `fulfillments/create|update` payload (one whole fulfillment of `order_id`)."""
    try:
        if not payload.get("updated_at"):
            raise IncompletePayload("fulfillment without updated_at")
        return ShipmentChange(
            order_id=_id(payload.get("order_id")),
            shipment=_shipment(payload),
            complete=True,
            quantity=_quantity(payload.get("line_items")),
        )
    except IncompletePayload:
        raise
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise IncompletePayload(f"fulfillment payload is malformed: {exc!r}") from None


def fulfillment_event_from_payload(payload: Mapping[str, Any]) -> ShipmentChange:
    """Map a `fulfillment_events/create` payload: the new status of fulfillment `fulfillment_id`, nothing else."""
    status = payload.get("status")
    if not isinstance(status, str) or status not in _SHIPMENT_STATUS:
        raise IncompletePayload(f"unknown fulfillment event status {status!r}")
    happened = _when(payload.get("happened_at") or payload.get("updated_at"))
    return ShipmentChange(
        order_id=_id(payload.get("order_id")),
        shipment=Shipment(
            id=_id(payload.get("fulfillment_id")),
            status=_SHIPMENT_STATUS[status],
            updated_at=happened,
            delivered_at=happened if _SHIPMENT_STATUS[status] == "delivered" else None,
        ),
        complete=False,
    )


def state_from_payload(topic: str, payload: Mapping[str, Any], shop: ShopRef) -> Order | ShipmentChange | None:
    """The delivered state for an order or fulfillment topic; None when the payload is not complete enough."""
    try:
        if topic.startswith("orders/"):
            return order_from_payload(payload, shop)
        if topic.startswith("fulfillments/"):
            return fulfillment_from_payload(payload)
        if topic == "fulfillment_events/create":
            return fulfillment_event_from_payload(payload)
    except IncompletePayload:
        return None
    return None
