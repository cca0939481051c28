""" "Expected now" on the order-status page never names a day already past: a parcel handed over weeks ago with no
news since (no carrier tracking to call it stalled) shows "no date yet" and "later than promised", not the window
its hand-over once implied. (The date an apology named is tested with the apologies, tests/journey/test_delays_*.)"""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime, timedelta

import pytest

from plugin.devstore import shopify_demo
from plugin.devstore.storefront import seed_demo_shop
from plugin.order_status.token import page_token
from plugin.services import Services
from plugin.shopify.order_payloads import order_from_payload
from tests.conftest import AppClientFactory
from tests.order_status.support import iso, new_order
from webhooks.handlers.orders import record_order

pytestmark = pytest.mark.anyio


async def test_a_parcel_quiet_for_weeks_gets_no_past_date_as_its_expectation(
    services: Services, app_client: AppClientFactory
) -> None:
    shop = await seed_demo_shop(services, install=True)
    now = datetime.now(UTC)
    node = new_order(now - timedelta(days=30))
    await record_order(services, order_from_payload(shopify_demo.rest_order(copy.deepcopy(node), shop.id), shop))
    shipped = now - timedelta(days=29)
    node.update(updatedAt=iso(shipped), displayFulfillmentStatus="FULFILLED")
    node["fulfillments"] = [
        {
            "legacyResourceId": str(int(node["legacyResourceId"]) + 1),
            "status": "SUCCESS",
            "displayStatus": "IN_TRANSIT",
            "createdAt": iso(shipped),
            "updatedAt": iso(shipped),
            "trackingInfo": [{"company": "DHL", "number": "00340434161094042557", "url": "https://www.dhl.de/track"}],
        }
    ]
    await record_order(services, order_from_payload(shopify_demo.rest_order(node, shop.id), shop))
    async with app_client() as client:
        page = await client.get(f"/o/{page_token(services, shop, node['legacyResourceId'])}")
    assert page.status_code == 200, page.text
    expected = re.search(r"<dd data-expected>(.*?)</dd>", page.text, re.S)
    assert expected is not None
    assert expected.group(1).startswith("We will show a date as soon as we have one.")
