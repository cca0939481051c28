"""The admin's carrier tracking section, signed in with an emulator-minted session token: connect with the key and
secret (sealed, never shown back), test the key against the AfterShip emulator, disconnect."""

from __future__ import annotations

import json

import httpx
import pytest

from plugin.admin.language import LOCALE_HEADER
from plugin.devstore.aftership import Account, AfterShipEmulator
from plugin.devstore.shopify import ShopifyEmulator
from plugin.devstore.storefront import seed_demo_shop
from plugin.services import Services
from plugin.tracking.connection import connection_key, load_credentials
from plugin.tracking.webhook_url import webhook_url
from tests.conftest import AppClientFactory
from tests.tracking.conftest import SHOP

pytestmark = [pytest.mark.anyio, pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")]
SECTION = "/admin/api/fragments/tracking"
CONNECTION = "/admin/api/tracking/connection"


async def test_the_merchant_connects_tests_and_disconnects_aftership(
    services: Services,
    shopify: ShopifyEmulator,
    aftership: AfterShipEmulator,
    account: Account,
    devstore_http: httpx.AsyncClient,
    app_client: AppClientFactory,
) -> None:
    await seed_demo_shop(services, SHOP.id, install=True)
    async with app_client(http=devstore_http) as client:

        def auth() -> dict[str, str]:
            return {"Authorization": f"Bearer {shopify.session_token(SHOP.id)}", "Content-Type": "application/json"}

        page = await client.get(SECTION, headers=auth())
        assert page.status_code == 200 and 'data-tracking="off"' in page.text
        assert webhook_url(services, SHOP) in page.text  # the address to paste into AfterShip

        pasted = json.dumps({"api_key": account.api_key + " x", "webhook_secret": account.webhook_secret})
        refused = await client.put(CONNECTION, headers=auth(), content=pasted)
        assert refused.status_code == 400 and refused.json()["field"] == "api_key"
        assert await load_credentials(services, SHOP) is None

        body = json.dumps({"api_key": account.api_key, "webhook_secret": account.webhook_secret})
        saved = await client.put(CONNECTION, headers=auth(), content=body)
        assert saved.status_code == 200 and 'data-tracking="connected"' in saved.text
        assert "…" + account.api_key[-4:] in saved.text
        assert account.api_key not in saved.text and account.webhook_secret not in saved.text
        stored = str(await services.redis.hgetall(connection_key(services, SHOP)))
        assert account.api_key not in stored and account.webhook_secret not in stored  # sealed at rest

        tested = await client.post("/admin/api/tracking/test", headers=auth())
        assert tested.status_code == 200 and "the key works" in tested.text
        assert aftership.calls == [("GET", "/tracking/2025-04/couriers")]

        wrong = json.dumps({"api_key": "not-the-real-key", "webhook_secret": account.webhook_secret})
        assert (await client.put(CONNECTION, headers=auth(), content=wrong)).status_code == 200
        tested = await client.post("/admin/api/tracking/test", headers=auth())
        assert "AfterShip refused the API key" in tested.text
        # The outcome is stored once and worded in the language of whoever reads the section.
        in_japanese = await client.get(SECTION, headers={**auth(), LOCALE_HEADER: "ja"})
        assert "AfterShipがAPIキーを拒否しました" in in_japanese.text

        gone = await client.delete(CONNECTION, headers=auth())
        assert gone.status_code == 200 and 'data-tracking="off"' in gone.text
        assert await load_credentials(services, SHOP) is None
        untested = await client.post("/admin/api/tracking/test", headers=auth())
        assert untested.status_code == 409
