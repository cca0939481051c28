"""The offline way into each demo shop's admin under `upfront dev` (App Bridge stand-in, demo shop switch), and its
absence from every app built for production."""

from __future__ import annotations

import re

import httpx
import pytest
from redis.asyncio import Redis

from plugin.app import create_app
from plugin.devstore.bigcommerce import DEMO_STORE_HASH
from plugin.devstore.server import DevStore
from plugin.devstore.shopify import DEMO_SHOP
from plugin.settings import Settings
from tests.admin.conftest import AdminClients
from tests.conftest import serve_in_process
from tests.devstores import DevStores

pytestmark = pytest.mark.anyio

CDN_APP_BRIDGE = "https://cdn.shopify.com/shopifycloud/app-bridge.js"
FRAME_SRC = re.compile(r'<iframe src="([^"]+)"')


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/devstore/app-bridge.js"),
        ("POST", f"/devstore/shopify/{DEMO_SHOP}/admin/session-token"),
        ("GET", f"/devstore/shopify/{DEMO_SHOP}/admin"),
        ("GET", f"/devstore/bigcommerce/{DEMO_STORE_HASH}/admin"),
        ("POST", "/devstore/trigger"),
    ],
    ids=["stand-in script", "session tokens", "admin frame", "bigcommerce load link", "trigger"],
)
async def test_a_production_app_serves_no_dev_store_route(admin: AdminClients, method: str, path: str) -> None:
    response = await admin.http.request(method, path, json={"topic": "orders/create"} if method == "POST" else None)
    assert response.status_code == 404


async def test_a_production_shell_loads_app_bridge_from_shopify_and_offers_no_switch(admin: AdminClients) -> None:
    admin.http.cookies.clear()  # the install left the BigCommerce admin cookie
    shell = await admin.http.get("/admin/", params={"shop": DEMO_SHOP, "embedded": "1"})
    assert f'<script src="{CDN_APP_BRIDGE}">' in shell.text
    assert "/devstore/" not in shell.text and "data-dev-switch" not in shell.text
    await admin.open_bigcommerce()
    bigcommerce_shell = await admin.http.get("/admin/")
    assert "data-dev-switch" not in bigcommerce_shell.text


async def test_the_dev_shopify_admin_works_offline_with_locally_minted_session_tokens(
    settings: Settings, redis: Redis, devstore_http: httpx.AsyncClient, stores: DevStores, admin: AdminClients
) -> None:
    devstore = DevStore(shopify=stores.shopify, bigcommerce=stores.bigcommerce)
    app = create_app(
        settings, redis=redis, http=devstore_http, extra_routes=devstore.routes(), dev_admin=devstore.dev_admin()
    )
    async with serve_in_process(app) as client:
        frame = await client.get(f"/devstore/shopify/{DEMO_SHOP}/admin", params={"page": "emails"})
        assert frame.status_code == 200
        found = FRAME_SRC.search(frame.text)
        assert found is not None, frame.text
        src = found.group(1).replace("&amp;", "&")
        assert src.startswith("/admin/emails?") and f"shop={DEMO_SHOP}" in src and "embedded=1" in src
        shell = await client.get(src)
        assert '<script src="/devstore/app-bridge.js">' in shell.text and CDN_APP_BRIDGE not in shell.text
        assert f'href="/devstore/bigcommerce/{DEMO_STORE_HASH}/admin"' in shell.text
        assert "Switch to the BigCommerce demo store" in shell.text
        script = await client.get("/devstore/app-bridge.js")
        assert script.status_code == 200 and "idToken" in script.text
        # What the stand-in's idToken() fetches, then sends as the Bearer token: the admin accepts it.
        token = await client.post(f"/devstore/shopify/{DEMO_SHOP}/admin/session-token")
        page = await client.get("/admin/api/fragments/emails", headers={"Authorization": f"Bearer {token.text}"})
        assert page.status_code == 200 and "Post-purchase emails" in page.text
        bad = await client.post("/devstore/shopify/not-a-shop.example/admin/session-token")
        assert bad.status_code == 404
        # The switch: a freshly signed load request for the BigCommerce demo store, then its admin with the switch back.
        switched = await client.get(f"/devstore/bigcommerce/{DEMO_STORE_HASH}/admin", follow_redirects=True)
        assert switched.status_code == 200, switched.text
        bigcommerce_shell = await client.get("/admin/")
        assert "Switch to the Shopify demo shop" in bigcommerce_shell.text
        assert f'href="/devstore/shopify/{DEMO_SHOP}/admin"' in bigcommerce_shell.text


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        (b"not json", 400, "the body is not a JSON object"),
        (b'{"shop": "x"}', 400, 'like {"topic": "orders/create"}'),
        (b'{"topic": "fulfillments/create"}', 409, "trigger orders/create first"),
        (b'{"topic": "store/shipment/created"}', 409, "trigger store/order/created first"),
        (b'{"topic": "fulfillments/update"}', 400, "needs a shipment_status"),
        (b'{"topic": "orders/create", "shop": "evil.example.com"}', 400, "myshopify.com"),
        (b'{"topic": "store/order/created", "shop": "nope"}', 404, "no BigCommerce store"),
        (b'{"topic": "orders/create", "platform": "magento"}', 400, "shopify or bigcommerce"),
    ],
    ids=[
        "not json",
        "no topic",
        "ship before order",
        "bc ship before order",
        "update before order",
        "bad shop",
        "bad store",
        "bad platform",
    ],
)
async def test_the_dev_trigger_refuses_what_it_cannot_do_and_changes_nothing(
    settings: Settings,
    redis: Redis,
    devstore_http: httpx.AsyncClient,
    stores: DevStores,
    body: bytes,
    status: int,
    reason: str,
) -> None:
    devstore = DevStore(shopify=stores.shopify, bigcommerce=stores.bigcommerce)
    orders_before = len(stores.shopify.orders), len(stores.bigcommerce.store().orders)
    app = create_app(settings, redis=redis, http=devstore_http, extra_routes=devstore.routes())
    async with serve_in_process(app) as client:
        response = await client.post("/devstore/trigger", content=body)
    assert response.status_code == status
    assert reason in response.json()["error"]
    assert (len(stores.shopify.orders), len(stores.bigcommerce.store().orders)) == orders_before


async def test_each_dev_storefront_links_to_the_other_platforms_demo_store(
    settings: Settings, redis: Redis, devstore_http: httpx.AsyncClient, stores: DevStores
) -> None:
    devstore = DevStore(shopify=stores.shopify, bigcommerce=stores.bigcommerce)
    app = create_app(settings, redis=redis, http=devstore_http, extra_routes=devstore.routes())
    async with serve_in_process(app) as client:
        shopify_page = await client.get("/devstore/products/canvas-tote")
        bigcommerce_page = await client.get("/devstore/bigcommerce/storefront/products/canvas-tote")
    assert '<a href="/devstore/bigcommerce/storefront/" data-dev-switch' in shopify_page.text
    assert "24,90 €" in shopify_page.text and 'data-upfront-currency="EUR"' in shopify_page.text
    assert '<a href="/devstore/" data-dev-switch' in bigcommerce_page.text
    assert "$24.90" in bigcommerce_page.text and 'data-upfront-currency="USD"' in bigcommerce_page.text
    assert f"static/upfront.js?platform=bigcommerce&amp;shop={DEMO_STORE_HASH}" in bigcommerce_page.text
