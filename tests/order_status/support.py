"""An order of the Shopify dev store with two parcels, one of which the carrier reports failed, delivered to the app
as signed webhooks in Shopify's documented payload shapes (fulfillments[] with shipment_status "failure")."""

from __future__ import annotations

import copy
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from plugin.devstore import shopify_demo
from plugin.devstore.shopify import DEMO_SHOP, ShopifyEmulator

_ids = itertools.count(470000000)
STREET, CITY, POSTCODE, NAME = "Torstraße 1", "Berlin", "10119", "Anna Schmidt"  # the demo order's address


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def new_order(placed: datetime) -> dict[str, Any]:
    """A new unfulfilled order (the emulator's GraphQL shape; its REST payload carries the full address)."""
    node: dict[str, Any] = copy.deepcopy(shopify_demo._ORDERS[0])
    order_id = next(_ids)
    node.update(
        legacyResourceId=str(order_id),
        name=f"#{order_id}",
        createdAt=iso(placed),
        updatedAt=iso(placed),
        displayFulfillmentStatus="UNFULFILLED",
        customerLocale="en",
        shippingAddress={"countryCodeV2": "DE", "provinceCode": None, "zip": POSTCODE},
        shippingLine={"title": "Standard"},
        fulfillments=[],
    )
    return node


def ship_two_parcels(node: dict[str, Any], shipped: datetime) -> None:
    """Two fulfillments: DHL on its way, UPS reported failed by the carrier."""
    failed_at = shipped + timedelta(hours=20)
    node.update(updatedAt=iso(failed_at), displayFulfillmentStatus="FULFILLED")
    base = int(node["legacyResourceId"])
    node["fulfillments"] = [
        {
            "legacyResourceId": str(base + 1),
            "status": "SUCCESS",
            "displayStatus": "IN_TRANSIT",
            "createdAt": iso(shipped),
            "updatedAt": iso(shipped + timedelta(hours=6)),
            "trackingInfo": [{"company": "DHL", "number": "00340434161094042557", "url": "https://www.dhl.de/track"}],
        },
        {
            "legacyResourceId": str(base + 2),
            "status": "SUCCESS",
            "displayStatus": "FAILURE",
            "createdAt": iso(shipped),
            "updatedAt": iso(failed_at),
            "trackingInfo": [
                {"company": "UPS", "number": "1Z999AA10123456784", "url": "https://www.ups.com/track?tracknum=1Z9"}
            ],
        },
    ]


async def send(client: httpx.AsyncClient, emulator: ShopifyEmulator, topic: str, node: dict[str, Any]) -> None:
    headers, body = emulator.webhook(topic, payload=shopify_demo.rest_order(node, DEMO_SHOP))
    answer = await client.post("/webhooks/shopify", headers=headers, content=body)
    assert answer.status_code == 200, answer.text
