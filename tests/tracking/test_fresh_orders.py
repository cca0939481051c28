"""`upfront webhook trigger`'s fresh Shopify orders each ship with their own tracking number, so carrier tracking
follows every one of them and a dev checkpoint for a number reaches the order it belongs to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from plugin.devstore.fresh_orders import shopify_fulfillment, shopify_order_created
from plugin.devstore.shopify import ShopifyEmulator

SHOP = "upfront-demo.myshopify.com"


def test_each_fresh_order_ships_with_its_own_tracking_number() -> None:
    emulator = ShopifyEmulator("secret", "key", "http://127.0.0.1:8000")
    now = datetime.now(UTC)
    numbers = []
    for sequence in range(3):
        placed = shopify_order_created(emulator, SHOP, sequence, now + timedelta(minutes=sequence))
        shipped = shopify_fulfillment(emulator, SHOP, "in_transit", now + timedelta(minutes=sequence, seconds=30))
        assert shipped.order_id == placed.order_id
        [number] = shipped.payload["tracking_numbers"]
        assert len(number) == 20 and number.isdigit()  # DHL's parcel number format, as the demo order's
        moved = shopify_fulfillment(emulator, SHOP, "out_for_delivery", now + timedelta(minutes=sequence, seconds=50))
        assert moved.payload["tracking_numbers"] == [number]  # the same parcel moving on
        numbers.append(number)
    assert len(set(numbers)) == 3
