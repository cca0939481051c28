"""BigCommerce JSON into the internal models, and the storefront script's integrity hash."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from plugin.bigcommerce.installation import InstallTarget, ensure_script, script_integrity
from plugin.bigcommerce.mapping import consent_state, order_from_bigcommerce, order_status, shop_facts_from_store
from plugin.bigcommerce.rest import BigCommerceRest
from plugin.devstore.bigcommerce import DEMO_STORE_HASH, BigCommerceEmulator, demo_store
from plugin.keys import ShopRef
from tests.bigcommerce.conftest import EMULATOR_BASE, RecordingSleep

SHOP = ShopRef("bigcommerce", DEMO_STORE_HASH)


@pytest.mark.parametrize(
    ("status_id", "shipments", "expected"),
    [
        (0, 0, "open"),
        (1, 0, "open"),
        (11, 0, "open"),
        (9, 0, "open"),
        (2, 1, "fulfilled"),
        (10, 1, "fulfilled"),
        (3, 1, "partially_fulfilled"),
        (4, 0, "cancelled"),
        (5, 0, "cancelled"),
        (6, 0, "cancelled"),
        (14, 0, "open"),
        (14, 1, "fulfilled"),
        (99, 0, "open"),
    ],
)
def test_order_status_ids_map_to_internal_statuses(status_id: int, shipments: int, expected: str) -> None:
    assert order_status(status_id, shipments) == expected


def test_order_maps_dates_money_and_completed_shipments_as_delivered() -> None:
    store = demo_store()
    order = {**store.orders[101], "status_id": 10, "status": "Completed"}
    mapped = order_from_bigcommerce(SHOP, order, shipments=store.shipments[101], products=store.order_products[101])
    assert mapped.created_at == datetime(2026, 11, 2, 16, 30, tzinfo=UTC)
    assert mapped.total == Decimal("96.00") and mapped.name == "#101" and mapped.locale == "en"
    [shipment] = mapped.shipments
    assert (shipment.status, shipment.carrier, shipment.tracking_url) == (
        "delivered",
        "UPS",
        "https://tracking.example/ups/1Z999AA10123456784",
    )


@pytest.mark.parametrize(
    ("consent", "expected"),
    [
        ({"allow": ["essential", "targeting"], "deny": []}, "subscribed"),
        ({"allow": ["essential"], "deny": ["targeting"]}, "not_subscribed"),
        ({"data": {"allow": ["targeting"]}}, "subscribed"),
        ({}, None),
        (None, None),
    ],
)
def test_consent_maps_the_targeting_category(consent: dict[str, object] | None, expected: str | None) -> None:
    assert consent_state(consent) == expected


def test_shop_facts_come_from_the_store_information() -> None:
    facts = shop_facts_from_store(SHOP, demo_store().info)
    assert facts.money_format == "${{amount}}"
    assert facts.email == "orders@demo-store.example"
    assert facts.domains == ("demo-store.example",)
    assert facts.extra["weight_units"] == "LBS"


def test_script_integrity_is_a_sha384_sri_of_the_script_as_served(tmp_path: Path) -> None:
    script = tmp_path / "upfront.js"
    assert script_integrity(script) is None
    script.write_bytes(b"// a comment the shopper never downloads\nconsole.log('upfront')\n")
    digest = base64.b64encode(hashlib.sha384(b"console.log('upfront')").digest()).decode()
    assert script_integrity(script) == f"sha384-{digest}"


@pytest.mark.anyio
async def test_a_changed_script_gets_its_integrity_hash_updated(
    tmp_path: Path, emulator: BigCommerceEmulator, emulator_http: httpx.AsyncClient
) -> None:
    script = tmp_path / "upfront.js"
    script.write_bytes(b"v1")
    target = InstallTarget("https://upfront.test", "secret", (), "Upfront", "functional", script_file=script)
    api = BigCommerceRest(emulator_http, BigCommerceEmulator.origins(EMULATOR_BASE)[0], sleep=RecordingSleep())
    store_api = api.store(DEMO_STORE_HASH, emulator.store().access_token)
    assert await ensure_script(store_api, target) == ["storefront script created"]
    assert emulator.store().scripts[0]["integrity_hashes"] == [{"hash": script_integrity(script)}]
    assert await ensure_script(store_api, target) == []
    script.write_bytes(b"v2")
    assert await ensure_script(store_api, target) == ["storefront script updated (integrity_hashes)"]
    assert emulator.store().scripts[0]["integrity_hashes"] == [{"hash": script_integrity(script)}]
    assert len(emulator.store().scripts) == 1
