"""Delivery promises on a freshly installed Shopify shop, driven by signed webhooks from the emulator through the
app and the worker's consumer: the confirmation promises the window the storefront showed for the order's
destination and chosen method, and a history of fulfilled -> delivered shipments moves the learned transit times,
the on-time rate and what the storefront and admin show."""

from __future__ import annotations

import copy
import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from plugin.admin.delivery_times import delivery_times
from plugin.app import build_job_handlers
from plugin.devstore import shopify_demo
from plugin.devstore.shopify import DEMO_SHOP, ShopifyEmulator
from plugin.email.compose import format_window
from plugin.email.journey_settings import JourneySettings, save_journey_settings
from plugin.email.records import load_journey
from plugin.email.transport import SmtpMailer
from plugin.keys import ShopRef
from plugin.services import Services
from plugin.shopify.sync import sync_shipping_zones, sync_shop_facts
from tests.conftest import AppClientFactory
from tests.journey.conftest import Inbox, drain_events, run_jobs
from tests.shopify.conftest import EMULATOR_BASE, emulator, emulator_http, installed, services
from widgets.estimator.delivery import ShippingCalendar
from widgets.estimator.learning import MIN_SAMPLES, percentile, refresh_learned_transit, transit_report
from widgets.settings import default_settings, save_widget_settings
from widgets.shop_context import load_storefront_shop

pytestmark = pytest.mark.anyio
__all__ = ["emulator", "emulator_http", "installed", "services"]  # fixtures shared with the Shopify tests
ESTIMATE = f"/storefront/shopify/{DEMO_SHOP}/estimate"
GERMANY_ZONE = "gid://shopify/DeliveryZone/1"
_ids = itertools.count(460000000)


@pytest.fixture
def test_env(test_env: dict[str, str]) -> dict[str, str]:
    test_env["UPFRONT_SHOPIFY_ORIGIN"] = EMULATOR_BASE + "/{shop}"
    return test_env


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _order_node(placed: datetime, country: str, zip_code: str, method: str) -> dict[str, Any]:
    """A new order in the emulator's GraphQL shape (the REST payload is derived from it, as Shopify's is)."""
    node: dict[str, Any] = copy.deepcopy(shopify_demo._ORDERS[1])
    order_id = next(_ids)
    node.update(
        legacyResourceId=str(order_id),
        name=f"#{order_id}",
        createdAt=_iso(placed),
        updatedAt=_iso(placed),
        displayFulfillmentStatus="UNFULFILLED",
        shippingAddress={"countryCodeV2": country, "provinceCode": None, "zip": zip_code},
        shippingLine={"title": method},
        fulfillments=[],
    )
    return node


def _deliver_node(node: dict[str, Any], shipped: datetime, delivered: datetime) -> None:
    """The carrier delivered the order's one fulfillment: created (fulfilled) at `shipped`, delivered at
    `delivered` (Fulfillment.createdAt / deliveredAt; REST created_at / shipment_status delivered, updated_at)."""
    node.update(updatedAt=_iso(delivered), displayFulfillmentStatus="FULFILLED")
    node["fulfillments"] = [
        {
            "legacyResourceId": str(int(node["legacyResourceId"]) + 7),
            "status": "SUCCESS",
            "displayStatus": "DELIVERED",
            "createdAt": _iso(shipped),
            "updatedAt": _iso(delivered),
            "deliveredAt": _iso(delivered),
            "trackingInfo": [{"company": "DHL", "number": "00340434161094042557", "url": "https://www.dhl.de/track"}],
        }
    ]


async def _send(client: httpx.AsyncClient, emulator: ShopifyEmulator, topic: str, node: dict[str, Any]) -> None:
    headers, body = emulator.webhook(topic, payload=shopify_demo.rest_order(node, DEMO_SHOP))
    answer = await client.post("/webhooks/shopify", headers=headers, content=body)
    assert answer.status_code == 200, answer.text


async def _fresh_install(services: Services, shop: ShopRef) -> None:
    """Facts and zones as Shopify gives them: no transit time anywhere, and the merchant has typed none."""
    await sync_shop_facts(services, shop, {})
    await sync_shipping_zones(services, shop, {})
    await save_journey_settings(services, shop, JourneySettings(quiet_hours=None))


async def _storefront_estimate(client: httpx.AsyncClient, country: str, postcode: str) -> dict[str, Any]:
    answer = await client.get(ESTIMATE, params={"country": country, "postcode": postcode, "subtotal": "29.90"})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def _storefront_options(client: httpx.AsyncClient, country: str, postcode: str) -> dict[str, dict[str, str]]:
    body = await _storefront_estimate(client, country, postcode)
    return {option["name"]: option["delivery"] for option in body["options"]}


async def test_the_confirmation_promises_the_storefront_window_for_the_destination_and_chosen_method(
    services: Services,
    installed: ShopRef,
    emulator: ShopifyEmulator,
    emulator_http: httpx.AsyncClient,
    app_client: AppClientFactory,
) -> None:
    shop = installed
    await _fresh_install(services, shop)
    defaults = default_settings(services.settings.manifest.widgets)
    express = {"estimator": {"method_transit_days": {"Express": [1, 1]}}}  # the merchant's own number
    await save_widget_settings(services.redis, services.keys, shop, express, defaults)
    cases = [("FR", "75001", "Standard"), ("US", "10001", "International"), ("DE", "10119", "Express")]
    promised_latest: dict[str, str] = {}
    async with app_client(http=emulator_http) as client:
        for country, postcode, method in cases:
            shown = await _storefront_options(client, country, postcode)
            node = _order_node(datetime.now(UTC), country, postcode, method)
            emulator.orders.append(node)
            await _send(client, emulator, "orders/create", node)
            await drain_events(services)
            journey = await load_journey(services, shop, node["legacyResourceId"])
            assert journey is not None
            assert journey.fields["window"] == f"{shown[method]['earliest']}/{shown[method]['latest']}", country
            promised_latest[country] = shown[method]["latest"]
            if country == "DE":  # a fresh install dates every option; only the merchant's number is not an estimate
                assert shown["Express"]["source"] == "merchant"
                assert {shown[name]["source"] for name in shown if name != "Express" and shown[name]} == {"default"}
    # Destination and method matter: Germany by Express before France, France before the US.
    assert promised_latest["DE"] < promised_latest["FR"] < promised_latest["US"]


MUG = ("632910394", "808950812")  # in the demo shop's "Fragile goods" profile (product-specific rates)
FRAGILE_STANDARD = "gid://shopify/DeliveryMethodDefinition/41"  # that profile's Standard to Germany


async def test_a_product_in_its_own_delivery_profile_is_promised_that_profiles_window(
    services: Services,
    installed: ShopRef,
    emulator: ShopifyEmulator,
    emulator_http: httpx.AsyncClient,
    app_client: AppClientFactory,
    inbox: Inbox,
    smtp_url: str,
) -> None:
    """The merchant gives the fragile profile's Standard longer transit (by method id: both profiles call it
    Standard). The mug's page shows that window, and the mug's order confirmation promises it, not the general
    profile's Standard window."""
    shop = installed
    await _fresh_install(services, shop)
    defaults = default_settings(services.settings.manifest.widgets)
    slow = {"estimator": {"method_transit_days": {FRAGILE_STANDARD: [6, 8]}}}
    await save_widget_settings(services.redis, services.keys, shop, slow, defaults)
    async with app_client(http=emulator_http) as client:
        mug = f"{MUG[0]}:{MUG[1]}:1"
        answer = await client.get(
            ESTIMATE, params={"country": "DE", "postcode": "10119", "subtotal": "14.50", "items": mug}
        )
        general = await _storefront_options(client, "DE", "10119")
        assert answer.status_code == 200, answer.text
        shown = {option["name"]: option["delivery"] for option in answer.json()["options"]}
        assert shown["Standard"]["source"] == "merchant" and general["Standard"]["source"] == "default"
        assert shown["Standard"] != general["Standard"]
        node = _order_node(datetime.now(UTC), "DE", "10119", "Standard")
        node["lineItems"] = {
            "nodes": [
                {
                    "title": "Enamel camping mug",
                    "quantity": 1,
                    "sku": "MUG-1",
                    "product": {"legacyResourceId": MUG[0]},
                    "variant": {"legacyResourceId": MUG[1]},
                }
            ]
        }
        emulator.orders.append(node)
        await _send(client, emulator, "orders/create", node)
        await drain_events(services)
    journey = await load_journey(services, shop, node["legacyResourceId"])
    assert journey is not None
    assert journey.fields["window"] == f"{shown['Standard']['earliest']}/{shown['Standard']['latest']}"
    # The confirmation email says it, in the customer's language (customerLocale "de").
    await run_jobs(services, build_job_handlers(SmtpMailer(smtp_url)))
    [confirmation] = inbox.to(node["email"])
    text = confirmation.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    earliest, latest = (date.fromisoformat(shown["Standard"][end]) for end in ("earliest", "latest"))
    assert format_window(earliest, latest, "de") in text


# The shipment history: (calendar days from fulfilment to delivery, how many orders). Fulfilled 20 hours after
# the order; the 20-day parcels arrive long after any promised window, the others well within it.
HISTORY = [(1, 6), (2, 10), (3, 6), (20, 3)]


async def test_a_shipment_history_moves_the_learned_transit_times_and_the_on_time_rate(
    services: Services,
    installed: ShopRef,
    emulator: ShopifyEmulator,
    emulator_http: httpx.AsyncClient,
    app_client: AppClientFactory,
) -> None:
    shop = installed
    await _fresh_install(services, shop)
    calendar = ShippingCalendar("DE", "Europe/Berlin")
    placed = datetime.now(UTC) - timedelta(hours=1)
    shipped = placed + timedelta(hours=20)
    history = [days for days, count in HISTORY for _ in range(count)]
    assert len(history) > MIN_SAMPLES

    async with app_client(http=emulator_http) as client:

        async def ship(days_in_transit: list[int]) -> None:
            """Each order: placed (the confirmation promises its window), then fulfilled and delivered."""
            for days in days_in_transit:
                node = _order_node(placed, "DE", "10119", "Standard")
                emulator.orders.append(node)
                await _send(client, emulator, "orders/create", node)
                await drain_events(services)
                _deliver_node(node, shipped, shipped + timedelta(days=days))
                await _send(client, emulator, "orders/updated", node)
                await drain_events(services)
            await refresh_learned_transit(services, shop)

        before = await _storefront_options(client, "DE", "10119")
        assert before["Standard"]["source"] == "default"

        await ship(history[: MIN_SAMPLES - 1])  # not enough deliveries yet: the default stands
        assert (await _storefront_options(client, "DE", "10119"))["Standard"] == before["Standard"]

        await ship(history[MIN_SAMPLES - 1 :])
        after = await _storefront_estimate(client, "DE", "10119")

    local = calendar.timezone
    business_days = sorted(
        calendar.business_days_between(
            shipped.astimezone(local).date(), (shipped + timedelta(days=days)).astimezone(local).date()
        )
        for days in history
    )
    learned = (percentile(business_days, 10), percentile(business_days, 90))
    report = await transit_report(services, shop)
    (standard,) = [m for m in report.methods if m.method == "Standard"]
    assert (standard.zone_id, standard.samples, standard.days) == (GERMANY_ZONE, len(history), learned)
    late = dict(HISTORY)[20]
    on_time = report.on_time_by_zone[GERMANY_ZONE]
    assert (on_time.on_time, on_time.samples) == (len(history) - late, len(history))

    # The storefront now promises the learned window, no longer labelled an estimate; other methods keep theirs.
    options = {option["name"]: option["delivery"] for option in after["options"]}
    ship_date = date.fromisoformat(after["ship_date"])
    assert options["Standard"] == {
        "earliest": calendar.add_business_days(ship_date, learned[0]).isoformat(),
        "latest": calendar.add_business_days(ship_date, learned[1]).isoformat(),
        "source": "learned",
    }
    assert options["Express"]["source"] == "default"

    # The admin shows where each window comes from and the zone's on-time rate, with their sample sizes.
    zones = await delivery_times(services, await load_storefront_shop(services, shop), datetime.now(UTC))
    germany = next(zone for zone in zones if zone.name == "Germany")
    percent = (len(history) - late) * 100 // len(history)
    assert germany.on_time == f"{percent}% within the promised window (n = {len(history)})"
    rows = {row.method: row for row in germany.methods}
    assert rows["Standard"].source == f"learned from {len(history)} deliveries (10th–90th percentile)"
    assert rows["Express"].source.startswith("default for domestic destinations")
