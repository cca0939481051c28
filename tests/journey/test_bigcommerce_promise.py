"""A BigCommerce order's confirmation promises the window the storefront shows for its shipping address and the
method its checkout chose (GET /v2/orders/{id}/shipping_addresses: country_iso2, zip, shipping_method)."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

import httpx
import pytest

from plugin.devstore.bigcommerce import BigCommerceEmulator
from plugin.email.records import load_journey
from plugin.services import Services
from tests.bigcommerce.conftest import emulator, emulator_http, services
from tests.conftest import AppClientFactory
from tests.journey.conftest import drain_events
from tests.journey.test_bigcommerce_journey import SHOP, _install

pytestmark = pytest.mark.anyio
__all__ = ["emulator", "emulator_http", "services"]  # fixtures shared with the BigCommerce tests


@pytest.fixture
def test_env(test_env: dict[str, str]) -> dict[str, str]:
    api_origin, login_origin = BigCommerceEmulator.origins("http://bigcommerce.emulator")
    test_env["UPFRONT_BIGCOMMERCE_API_ORIGIN"] = api_origin
    test_env["UPFRONT_BIGCOMMERCE_LOGIN_ORIGIN"] = login_origin
    return test_env


@pytest.mark.parametrize(
    ("order_id", "country", "postcode", "method"),
    [(100, "US", "60601", "Standard"), (102, "CA", "H2X 1Y4", "Canada Post")],
    ids=["domestic", "to-canada"],
)
async def test_the_confirmation_promises_the_storefront_window_for_the_shipping_address(
    services: Services,
    emulator: BigCommerceEmulator,
    emulator_http: httpx.AsyncClient,
    app_client: AppClientFactory,
    order_id: int,
    country: str,
    postcode: str,
    method: str,
) -> None:
    store = emulator.store()
    await _install(services, store)
    now = format_datetime(datetime.now(UTC))
    # Placed just now and not shipped yet: the confirmation is what goes out.
    store.orders[order_id].update(date_created=now, date_modified=now, status_id=11, status="Awaiting Fulfillment")
    store.shipments.pop(order_id, None)
    async with app_client(http=emulator_http) as client:
        shown = await client.get(
            f"/storefront/bigcommerce/{SHOP.id}/estimate",
            params={"country": country, "postcode": postcode, "subtotal": "48.00"},
        )
        assert shown.status_code == 200, shown.text
        options = {option["name"]: option["delivery"] for option in shown.json()["options"]}
        headers, body = emulator.webhook_delivery("store/order/created", data={"type": "order", "id": order_id})
        assert (await client.post("/webhooks/bigcommerce", headers=headers, content=body)).status_code == 200
        await drain_events(services)
    journey = await load_journey(services, SHOP, str(order_id))
    assert journey is not None
    assert journey.fields["window"] == f"{options[method]['earliest']}/{options[method]['latest']}"
