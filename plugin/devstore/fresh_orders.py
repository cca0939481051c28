"""Fresh demo orders for `upfront webhook trigger`: placed and shipped *now* in the emulators' own data, so the
app's API calls agree with the webhook that announces them, and a post-purchase journey really starts.

Each platform keeps the most recent triggered order per shop; the fulfillment/shipment topics move that order on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from plugin.devstore.bigcommerce import BigCommerceEmulator, EmulatedStore
from plugin.devstore.shopify import ShopifyEmulator
from plugin.devstore.shopify_demo import new_order, rest_fulfillment, rest_order
from plugin.email.stages import Stage

FIRST_SHOPIFY_ID = 450789600  # above the canned demo orders' ids
FIRST_SHOPIFY_NUMBER = 1101
FIRST_BIGCOMMERCE_ID = 200
# Shopify's shipment_status (fulfillment webhooks) -> the fulfillment's displayStatus the Admin API then reports.
SHOPIFY_SHIPMENT_STATUSES = {
    "confirmed": "CONFIRMED",
    "in_transit": "IN_TRANSIT",
    "out_for_delivery": "OUT_FOR_DELIVERY",
    "attempted_delivery": "ATTEMPTED_DELIVERY",
    "delivered": "DELIVERED",
    "failure": "FAILURE",
}
_SHOPIFY_STAGES = {
    "confirmed": Stage.SHIPPED,
    "in_transit": Stage.SHIPPED,
    "out_for_delivery": Stage.OUT_FOR_DELIVERY,
    "delivered": Stage.DELIVERED,
}
BIGCOMMERCE_SHIPPED, BIGCOMMERCE_COMPLETED = (2, "Shipped"), (10, "Completed")
BIGCOMMERCE_STATUSES = {"shipped": BIGCOMMERCE_SHIPPED, "completed": BIGCOMMERCE_COMPLETED}


class NoOrderYet(LookupError):
    """A fulfillment topic was triggered before any order: there is nothing to ship."""


@dataclass(frozen=True)
class FreshDelivery:
    """What a trigger changed: the order it concerns (its number as the shop shows it) and the webhook payload."""

    order_id: str
    order_name: str
    payload: dict[str, Any]
    stage: Stage | None  # the journey stage this change reaches, if any


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _later(previous: str, now: datetime) -> datetime:
    """`now`, or just after `previous`: every change must be newer than the last, or the app keeps the old one."""
    before = datetime.fromisoformat(previous.replace("Z", "+00:00"))
    return max(now, before + timedelta(seconds=1))


# --- Shopify ----------------------------------------------------------------------------------------------------


def _shopify_latest(emulator: ShopifyEmulator) -> dict[str, Any]:
    fresh = [order for order in emulator.orders if int(order["legacyResourceId"]) >= FIRST_SHOPIFY_ID]
    if not fresh:  # since this dev store started: a restart forgets the orders, not their numbers
        raise NoOrderYet("no order triggered yet: trigger orders/create first")
    return fresh[-1]


def shopify_order_created(emulator: ShopifyEmulator, shop: str, sequence: int, now: datetime) -> FreshDelivery:
    """The shop's `sequence`-th fresh order (counted from 0, kept across restarts by the caller), placed now by
    the demo customer and added to the emulator's orders."""
    order_id = str(FIRST_SHOPIFY_ID + sequence)
    node = new_order(int(order_id), _iso(now))
    # The shop's own numbering, and an English-speaking customer so the newcomer can read the emails.
    node.update(name=f"#{FIRST_SHOPIFY_NUMBER + sequence}", customerLocale="en")
    emulator.orders.append(node)
    return FreshDelivery(order_id, node["name"], rest_order(node, shop), Stage.CONFIRMED)


def dhl_number(node: dict[str, Any]) -> str:
    """The fresh order's parcel number: unique per order, the demo DHL number's prefix."""
    return f"0034043416{int(node['legacyResourceId']):010d}"


def shopify_fulfillment(emulator: ShopifyEmulator, shop: str, shipment_status: str, now: datetime) -> FreshDelivery:
    """Ship the latest triggered order (first call) or move its fulfillment to `shipment_status`."""
    display = SHOPIFY_SHIPMENT_STATUSES.get(shipment_status)
    if display is None:
        raise ValueError(f"shipment_status must be one of {', '.join(SHOPIFY_SHIPMENT_STATUSES)}")
    node = _shopify_latest(emulator)
    moment = _iso(_later(node["updatedAt"], now))
    if not node["fulfillments"]:
        node["fulfillments"].append(
            {
                "legacyResourceId": str(int(node["legacyResourceId"]) + 1_000_000),
                "status": "SUCCESS",
                "createdAt": moment,  # fulfilled now: the start of its transit time
                # Each order its own parcel number (DHL's 20 digits): carrier tracking follows a number, and the
                # AfterShip stand-in's checkpoint trigger must reach the order just placed, not the first one.
                "trackingInfo": [{"company": "DHL", "number": dhl_number(node), "url": "https://www.dhl.de/track"}],
            }
        )
    fulfillment = node["fulfillments"][0]
    fulfillment.update(displayStatus=display, updatedAt=moment)
    if display == "DELIVERED":
        fulfillment["deliveredAt"] = moment
    node.update(updatedAt=moment, displayFulfillmentStatus="FULFILLED")
    payload = rest_fulfillment(node, fulfillment, shop)
    stage = _SHOPIFY_STAGES.get(shipment_status)
    return FreshDelivery(node["legacyResourceId"], node["name"], payload, stage)


# --- BigCommerce ------------------------------------------------------------------------------------------------


def _bigcommerce_latest(store: EmulatedStore) -> dict[str, Any]:
    fresh = [order_id for order_id in store.orders if order_id >= FIRST_BIGCOMMERCE_ID]
    if not fresh:
        raise NoOrderYet("no order triggered yet: trigger store/order/created first")
    return store.orders[max(fresh)]


def bigcommerce_order_created(
    emulator: BigCommerceEmulator, store_hash: str, sequence: int, now: datetime
) -> FreshDelivery:
    store = emulator.store(store_hash)
    order_id = FIRST_BIGCOMMERCE_ID + sequence
    template = store.orders[min(store.orders)]  # the demo customer's order: address, currency, cart
    order = {
        **template,
        "id": order_id,
        "cart_id": "",
        "date_created": _rfc2822(now),
        "date_modified": _rfc2822(now),
        "date_shipped": "",
        "status_id": 11,
        "status": "Awaiting Fulfillment",
        "products": {"url": f"https://api.bigcommerce.com/stores/{store_hash}/v2/orders/{order_id}/products"},
        "shipping_addresses": {
            "url": f"https://api.bigcommerce.com/stores/{store_hash}/v2/orders/{order_id}/shipping_addresses"
        },
    }
    store.orders[order_id] = order
    store.order_products[order_id] = [
        {
            "id": order_id * 10,
            "order_id": order_id,
            "product_id": 77,
            "variant_id": 770,
            "name": "Canvas Tote",
            "sku": "TOTE-1",
            "quantity": 2,
            "base_price": "24.0000",
            "weight": "1.5000",
        }
    ]
    return FreshDelivery(str(order_id), f"#{order_id}", {"type": "order", "id": order_id}, Stage.CONFIRMED)


def bigcommerce_shipment_created(emulator: BigCommerceEmulator, store_hash: str, now: datetime) -> FreshDelivery:
    store = emulator.store(store_hash)
    order = _bigcommerce_latest(store)
    order_id = int(order["id"])
    moment = _later_rfc(order["date_modified"], now)
    shipment_id = 1 + max((s["id"] for shipments in store.shipments.values() for s in shipments), default=0)
    lines = [line["id"] for line in store.order_products.get(order_id, [])]
    store.shipments.setdefault(order_id, []).append(
        {
            "id": shipment_id,
            "order_id": order_id,
            "customer_id": order["customer_id"],
            "order_address_id": order_id * 10,
            "date_created": _rfc2822(moment),
            "tracking_number": f"1Z999AA1{order_id:010d}",
            "shipping_method": "Standard",
            "shipping_provider": "ups",
            "shipping_provider_display_name": "UPS",
            "tracking_carrier": "ups",
            "tracking_link": f"https://tracking.example/ups/1Z999AA1{order_id:010d}",
            "generated_tracking_link": "",
            "comments": "",
            "items": [{"order_product_id": line, "product_id": 77, "quantity": 2} for line in lines],
        }
    )
    order.update(
        status_id=BIGCOMMERCE_SHIPPED[0],
        status=BIGCOMMERCE_SHIPPED[1],
        date_shipped=_rfc2822(moment),
        date_modified=_rfc2822(moment),
    )
    payload = {"type": "shipment", "id": shipment_id, "orderId": order_id}
    return FreshDelivery(str(order_id), f"#{order_id}", payload, Stage.SHIPPED)


def bigcommerce_status_updated(
    emulator: BigCommerceEmulator, store_hash: str, status: str, now: datetime
) -> FreshDelivery:
    """Move the latest triggered order to `status` ("completed": shipped and received, i.e. delivered)."""
    if status not in BIGCOMMERCE_STATUSES:
        raise ValueError(f"status must be one of {', '.join(BIGCOMMERCE_STATUSES)}")
    order = _bigcommerce_latest(emulator.store(store_hash))
    previous = int(order["status_id"])
    new_id, new_name = BIGCOMMERCE_STATUSES[status]
    order.update(status_id=new_id, status=new_name, date_modified=_rfc2822(_later_rfc(order["date_modified"], now)))
    payload = {
        "type": "order",
        "id": int(order["id"]),
        "status": {"previous_status_id": previous, "new_status_id": new_id},
    }
    stage = Stage.DELIVERED if new_id == BIGCOMMERCE_COMPLETED[0] else Stage.SHIPPED
    return FreshDelivery(str(order["id"]), f"#{order['id']}", payload, stage)


def _rfc2822(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC))


def _later_rfc(previous: str, now: datetime) -> datetime:
    return max(now, parsedate_to_datetime(previous) + timedelta(seconds=1))
