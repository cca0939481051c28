"""Admin fixtures: the full app with both platform emulators behind its outbound client, a Shopify shop signed in
with emulator-minted session tokens, and a BigCommerce store signed in through its load callback."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime

import httpx
import pytest

from plugin.app import build_job_handlers
from plugin.devstore.bigcommerce import DEMO_STORE_HASH
from plugin.devstore.shopify import DEMO_SHOP
from plugin.devstore.storefront import seed_demo_shop
from plugin.jobs import run_due_jobs
from plugin.keys import ShopRef
from plugin.services import Services
from tests.conftest import AppClientFactory
from tests.devstores import DevStores, devstore_http, services, stores, test_env
from widgets.storefront import utc_now

__all__ = ["devstore_http", "services", "stores", "test_env"]  # shared with the platform tests
SHOP_A = ShopRef("shopify", DEMO_SHOP)
SHOP_B = ShopRef("shopify", "bravo-other.myshopify.com")
STORE_C = ShopRef("bigcommerce", DEMO_STORE_HASH)
CSRF_META = re.compile(r'<meta name="upfront-csrf" content="([^"]+)">')

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")


def shopify_auth(emulators: DevStores, shop: ShopRef = SHOP_A, user_id: str = "42") -> dict[str, str]:
    """What App Bridge's `shopify.idToken()` hands the page: a fresh session token, as a Bearer header."""
    return {"Authorization": f"Bearer {emulators.shopify.session_token(shop.id, user_id=user_id)}"}


@dataclass
class AdminClients:
    """One app, three ways in: Shopify shops A and B by session token, BigCommerce store C by its cookie."""

    http: httpx.AsyncClient
    emulators: DevStores
    services: Services
    bigcommerce_csrf: str = ""

    def shopify(self, shop: ShopRef = SHOP_A) -> dict[str, str]:
        return shopify_auth(self.emulators, shop)

    async def open_bigcommerce(self) -> None:
        """The control panel's load callback, then the admin page it opens: the cookie and the page's CSRF token."""
        jwt = self.emulators.bigcommerce.signed_payload_jwt(DEMO_STORE_HASH)
        loaded = await self.http.get("/bigcommerce/load", params={"signed_payload_jwt": jwt})
        assert loaded.status_code == 200, loaded.text
        shell = await self.http.get("/admin/")
        found = CSRF_META.search(shell.text)
        assert found, shell.text[:500]
        self.bigcommerce_csrf = found.group(1)


@pytest.fixture
def admin_clock() -> Callable[[], datetime]:
    """The admin pages' "now": the real clock, unless a module pins it (what shoppers are told depends on it)."""
    return utc_now


@pytest.fixture
async def admin(
    app_client: AppClientFactory,
    devstore_http: httpx.AsyncClient,
    services: Services,
    stores: DevStores,
    admin_clock: Callable[[], datetime],
) -> AsyncIterator[AdminClients]:
    """Shops A and B seeded as installed Shopify shops; store C installed through the BigCommerce auth callback and
    its post-install jobs (facts, shipping zones) run against the emulator."""
    async with app_client(http=devstore_http, clock=admin_clock) as client:
        installed = await client.get("/bigcommerce/auth", params=stores.bigcommerce.authorize(DEMO_STORE_HASH))
        assert installed.status_code == 200, installed.text
        await run_due_jobs(services, build_job_handlers())
        for shop in (SHOP_A, SHOP_B):
            await seed_demo_shop(services, shop.id, install=True)
        yield AdminClients(client, stores, services)
