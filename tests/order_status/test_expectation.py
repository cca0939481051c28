""" "Expected now" on the order-status page never names a day already past: a parcel handed over weeks ago with no
news since (no carrier tracking to call it stalled) shows "no date yet" and "later than promised", not the window
its hand-over once implied. (The date an apology named is tested with the apologies, tests/journey/test_delays_*.)"""

from __future__ import annotations

import copy
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from plugin.devstore import shopify_demo
from plugin.devstore.storefront import seed_demo_shop
from plugin.order_status.page import _expectation, load_state
from plugin.order_status.token import page_token
from plugin.order_status.view import progress
from plugin.services import Services
from plugin.shopify.order_payloads import order_from_payload
from tests.conftest import AppClientFactory
from tests.order_status.support import iso, new_order
from webhooks.handlers.orders import record_order
from webhooks.journey.window import expected_window

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


async def test_an_order_not_yet_shipped_keeps_its_promise_until_the_day_it_was_to_ship_has_passed(
    services: Services,
) -> None:
    """The demo shop ships orders placed before 14:00 (Berlin) the same day. Placed on a Thursday at 10:00 and seen
    at 15:00, after that day's cutoff, the order can still leave that day: it is expected as promised, not later.
    Seen the next day with nothing shipped, it is counted from then, and later than promised."""
    shop = await seed_demo_shop(services, install=True)
    placed = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)  # Thursday 10:00 in Berlin
    node = new_order(placed)
    await record_order(services, order_from_payload(shopify_demo.rest_order(copy.deepcopy(node), shop.id), shop))
    state = await load_state(services, shop, node["legacyResourceId"])
    assert state is not None
    promised = await expected_window(services, shop, state)
    assert promised is not None and promised.ship_date == date(2026, 12, 3)
    shown = progress(state, None)

    after_cutoff = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)  # 15:00 in Berlin
    _, latest = await _expectation(services, shop, state, shown, after_cutoff, "en", "Europe/Berlin")
    assert latest == promised.latest

    next_day = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
    _, latest = await _expectation(services, shop, state, shown, next_day, "en", "Europe/Berlin")
    assert latest is not None and latest > promised.latest
