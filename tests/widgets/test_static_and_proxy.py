"""The storefront script's URLs and caching, the app proxy mount, and the dev storefront's pages."""

from __future__ import annotations

import gzip
import re
import time
from urllib.parse import parse_qsl, urlsplit

import pytest

from plugin.devstore.shopify import sign_proxy
from plugin.keys import ShopRef
from plugin.storefront_script import served_script
from tests.conftest import SHOPIFY_SECRET, AppClientFactory
from tests.csp import runs_nothing
from tests.widgets.conftest import WidgetClient
from widgets.assets import load_asset

pytestmark = pytest.mark.anyio

BUDGET_BYTES = 10 * 1024


async def test_the_script_has_a_short_cached_stable_url_and_an_immutable_hashed_one(
    app_client: AppClientFactory,
) -> None:
    asset = load_asset()
    async with app_client() as client:
        stable = await client.get("/static/upfront.js")
        hashed = await client.get(asset.hashed_path)
        stale = await client.get("/static/upfront.0000000000000000.js")
        again = await client.get(asset.hashed_path, headers={"If-None-Match": asset.etag})
    assert stable.status_code == hashed.status_code == 200
    assert stable.content == hashed.content == served_script()
    assert stable.headers["cache-control"] == "public, max-age=300"
    assert hashed.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert hashed.headers["content-type"].startswith("text/javascript")
    assert hashed.headers["content-encoding"] == "gzip"  # httpx asks for gzip and decodes it
    assert stale.status_code == 404
    assert again.status_code == 304


def test_the_script_fits_the_storefront_budget() -> None:
    assert len(gzip.compress(served_script(), compresslevel=9)) <= BUDGET_BYTES


def test_shoppers_get_no_comments() -> None:
    # Only whole comment lines are dropped, so a comment after code would be shipped: keep comments on their own line.
    shipped = [line for line in served_script().decode().splitlines() if re.search(r"(^|[;{}),]\s*)//\s", line)]
    assert shipped == []


async def test_the_widgets_answer_behind_the_signed_app_proxy(app_client: AppClientFactory, shop: ShopRef) -> None:
    def signed(path: str, **params: str) -> str:
        pairs = [*params.items(), ("shop", shop.id), ("logged_in_customer_id", "")]
        pairs += [("path_prefix", "/apps/upfront"), ("timestamp", str(int(time.time())))]
        return path + "?" + sign_proxy(SHOPIFY_SECRET, pairs)

    async with app_client() as client:
        estimate = await client.get(signed("/proxy/estimate", subtotal="60", country="DE"))
        badges = await client.get(signed("/proxy/widgets/badges", placement="cart", bucket="40"))
        forged = await client.get("/proxy/estimate?subtotal=60&shop=" + shop.id + "&signature=00")
        beacon = await client.post(
            signed("/proxy/events"),
            content='{"consent":"analytics","events":[{"widget":"badges","variant":"treatment","type":"impression"}]}',
        )
    assert estimate.status_code == 200
    assert estimate.json()["free_shipping"] == {"threshold": "50.00", "remaining": "0.00"}
    assert "Free shipping" in estimate.text
    assert badges.status_code == 200 and "upfront-bdg" in badges.text
    assert runs_nothing(badges.headers["content-security-policy"])  # a fragment opened directly runs nothing
    assert forged.status_code in (400, 401)
    assert beacon.status_code == 204


async def test_storefront_fragments_opened_directly_run_nothing(widget_client: WidgetClient, shop: ShopRef) -> None:
    base = f"/storefront/{shop.platform}/{shop.id}/widgets"
    async with widget_client() as client:
        estimate = await client.get(f"{base}/estimate", params={"subtotal": "10", "country": "DE", "bucket": "50"})
        badges = await client.get(f"{base}/badges", params={"placement": "product", "bucket": "50"})
        held_out = await client.get(f"{base}/badges", params={"placement": "product", "bucket": "3"})
    assert "upfront" in estimate.text and "upfront-bdg" in badges.text  # real fragments, not empty answers
    for answer in (estimate, badges, held_out):
        assert answer.status_code == 200
        assert runs_nothing(answer.headers["content-security-policy"]), answer.request.url


async def test_the_dev_storefront_renders_the_app_embed_like_the_theme_extension(
    widget_client: WidgetClient, shop: ShopRef
) -> None:
    async with widget_client() as client:
        with_app = await client.get("/devstore/products/canvas-tote")
        without = await client.get("/devstore/products/canvas-tote?app=off")
        missing = await client.get("/devstore/products/nothing")
    html = with_app.text
    assert f'src="{load_asset().hashed_path}"' in html
    assert "defer" in html
    for attribute in (
        'data-upfront-shop="upfront-demo.myshopify.com"',
        'data-upfront-country="DE"',
        'data-upfront-locale="en"',
        'data-upfront-proxy="/devstore/apps/upfront"',
    ):
        assert attribute in html
    assert 'data-upfront-slot="estimate"' in html and 'data-upfront-slot="badges"' in html
    assert "/static/upfront" not in without.text
    assert "data-upfront" not in without.text
    assert missing.status_code == 404


async def test_the_dev_cart_and_emulated_app_proxy_work_end_to_end(widget_client: WidgetClient, shop: ShopRef) -> None:
    async with widget_client() as client:
        added = await client.post("/devstore/cart/add", data={"id": "merino-scarf", "quantity": "2"})
        cart_page = await client.get(added.headers["location"])
        cart_json = (await client.get("/devstore/cart.js")).json()
        tagged = await client.post("/devstore/cart/update.js", json={"attributes": {"_upfront_variant": "control"}})
        fragment = await client.get(
            "/devstore/apps/upfront/widgets/estimate",
            params={"subtotal": "78.00", "country": "DE", "bucket": "77", "placement": "cart"},
        )
    assert added.status_code == 303
    assert "Merino scarf" in cart_page.text and 'data-upfront-subtotal="78.00"' in cart_page.text
    assert (cart_json["total_price"], cart_json["total_weight"], cart_json["item_count"]) == (7800, 360, 2)
    assert tagged.json()["attributes"] == {"_upfront_variant": "control"}
    assert fragment.status_code == 200
    assert "Your order qualifies for free shipping" in fragment.text
    query = dict(parse_qsl(urlsplit(str(fragment.request.url)).query))
    assert "signature" not in query  # the browser never sees or sends the proxy signature
