"""Admin GraphQL order queries and their mapping into the internal `Order` model.

Field names checked against the Admin GraphQL reference: Order (legacyResourceId, name, createdAt, updatedAt,
cancelledAt, email, customerLocale, displayFulfillmentStatus, totalPriceSet.presentmentMoney, customAttributes,
customer.defaultEmailAddress.marketingState, phone, customer.defaultPhoneNumber {phoneNumber, marketingState}
(CustomerPhoneNumber, SMS marketing state), lineItems, shippingAddress {countryCodeV2, provinceCode, zip},
shippingLine.title, fulfillments {displayStatus, status, createdAt, deliveredAt, trackingInfo}).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from plugin.keys import ShopRef
from plugin.platform import Destination, Order, OrderLine, Shipment

_ORDER_FIELDS = """
  legacyResourceId
  name
  createdAt
  updatedAt
  cancelledAt
  email
  customerLocale
  displayFulfillmentStatus
  totalPriceSet { presentmentMoney { amount currencyCode } }
  customAttributes { key value }
  phone
  customer {
    legacyResourceId firstName defaultEmailAddress { marketingState }
    defaultPhoneNumber { phoneNumber marketingState }
  }
  lineItems(first: 50) { nodes { title quantity sku product { legacyResourceId } variant { legacyResourceId } } }
  shippingAddress { countryCodeV2 provinceCode zip }
  shippingLine { title }
  fulfillments(first: 20) {
    legacyResourceId status displayStatus updatedAt createdAt deliveredAt
    trackingInfo(first: 1) { company number url }
  }
"""

ORDER_QUERY = f"query Order($id: ID!) {{ order(id: $id) {{ {_ORDER_FIELDS} }} }}"

RECENT_ORDERS_QUERY = f"""
query RecentOrders($query: String!, $after: String) {{
  orders(first: 50, after: $after, sortKey: UPDATED_AT, query: $query) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{ {_ORDER_FIELDS} }}
  }}
}}
"""

# Fulfillment displayStatus (FulfillmentDisplayStatus) into the internal shipment status.
_SHIPMENT_STATUS = {
    "DELIVERED": "delivered",
    "PICKED_UP": "delivered",
    "OUT_FOR_DELIVERY": "out_for_delivery",
    "ATTEMPTED_DELIVERY": "out_for_delivery",
    "READY_FOR_PICKUP": "out_for_delivery",
    "IN_TRANSIT": "in_transit",
    "CARRIER_PICKED_UP": "in_transit",
    "DELAYED": "in_transit",
    "FULFILLED": "in_transit",
    "MARKED_AS_FULFILLED": "in_transit",
    "CONFIRMED": "in_transit",
    "FAILURE": "failed",
    "NOT_DELIVERED": "failed",
    "CANCELED": "cancelled",
    "LABEL_VOIDED": "cancelled",
}
_ORDER_STATUS = {"FULFILLED": "fulfilled", "PARTIALLY_FULFILLED": "partially_fulfilled"}


def order_gid(order_id: str) -> str:
    return order_id if order_id.startswith("gid://") else f"gid://shopify/Order/{order_id}"


def _when(value: object) -> datetime:
    if not isinstance(value, str):
        raise ValueError(f"expected a timestamp, got {value!r}")
    return datetime.fromisoformat(value)


def _shipment(node: Mapping[str, Any]) -> Shipment:
    tracking: Mapping[str, Any] = next(iter(node.get("trackingInfo") or ()), {})
    status = _SHIPMENT_STATUS.get(str(node.get("displayStatus")))
    if status is None:  # label bought or printed, or submitted to a fulfillment service: not moving yet
        status = {"CANCELLED": "cancelled", "ERROR": "failed", "FAILURE": "failed"}.get(
            str(node.get("status")), "pending"
        )
    return Shipment(
        id=str(node.get("legacyResourceId", "")),
        status=status,
        carrier=tracking.get("company") or None,
        tracking_number=tracking.get("number") or None,
        tracking_url=tracking.get("url") or None,
        updated_at=_when(node["updatedAt"]) if node.get("updatedAt") else None,
        shipped_at=_when(node["createdAt"]) if node.get("createdAt") else None,
        delivered_at=_when(node["deliveredAt"]) if node.get("deliveredAt") else None,
    )


def _destination(address: object) -> Destination | None:
    if not isinstance(address, Mapping) or not address.get("countryCodeV2"):
        return None
    return Destination(
        str(address["countryCodeV2"]).upper(), address.get("provinceCode") or None, address.get("zip") or None
    )


def order_from(node: Mapping[str, Any], shop: ShopRef) -> Order:
    """Map one order node; raises ValueError when a required field is missing or malformed."""
    try:
        money: Mapping[str, Any] = node["totalPriceSet"]["presentmentMoney"]
        customer: Mapping[str, Any] = node.get("customer") or {}
        consent = (customer.get("defaultEmailAddress") or {}).get("marketingState")
        texts = customer.get("defaultPhoneNumber") or {}
        return Order(
            shop=shop,
            id=str(node["legacyResourceId"]),
            name=str(node["name"]),
            created_at=_when(node["createdAt"]),
            updated_at=_when(node["updatedAt"]),
            currency=str(money["currencyCode"]),
            total=Decimal(str(money["amount"])),
            status="cancelled"
            if node.get("cancelledAt")
            else _ORDER_STATUS.get(str(node.get("displayFulfillmentStatus")), "open"),
            customer_id=str(customer["legacyResourceId"]) if customer.get("legacyResourceId") else None,
            email=node.get("email") or None,
            first_name=customer.get("firstName") or None,
            locale=node.get("customerLocale") or None,
            email_marketing_consent=str(consent).lower() if consent else None,
            lines=tuple(
                OrderLine(
                    title=str(line.get("title", "")),
                    quantity=int(line.get("quantity") or 0),
                    sku=line.get("sku") or None,
                    product_id=str((line.get("product") or {}).get("legacyResourceId") or "") or None,
                    variant_id=str((line.get("variant") or {}).get("legacyResourceId") or "") or None,
                )
                for line in (node.get("lineItems") or {}).get("nodes") or ()
            ),
            shipments=tuple(_shipment(fulfillment) for fulfillment in node.get("fulfillments") or ()),
            note_attributes={
                str(attribute["key"]): str(attribute.get("value") or "")
                for attribute in node.get("customAttributes") or ()
                if attribute.get("key")
            },
            destination=_destination(node.get("shippingAddress")),
            shipping_method=(node.get("shippingLine") or {}).get("title") or None,
            phone=node.get("phone") or texts.get("phoneNumber") or None,
            sms_marketing_consent=str(texts["marketingState"]).lower() if texts.get("marketingState") else None,
        )
    except (KeyError, TypeError, InvalidOperation) as exc:
        raise ValueError(f"order answer is malformed: {exc!r}") from None


# Ownership: `nodes` answers null for an id the shop does not have, whoever else has it. One call takes at most
# 250 ids (Admin GraphQL input arrays are capped at 250 items, API versions 2020-01 and later).
NODES_MAX_IDS = 250
ORDERS_OWNED_QUERY = "query OrdersOwned($ids: [ID!]!) { nodes(ids: $ids) { ... on Order { legacyResourceId } } }"


def owned_order_ids(data: Mapping[str, Any]) -> set[str]:
    """The legacy ids of the orders a `nodes` answer contains (unknown ids come back as null)."""
    return {
        str(node["legacyResourceId"])
        for node in data.get("nodes") or ()
        if isinstance(node, Mapping) and node.get("legacyResourceId")
    }
