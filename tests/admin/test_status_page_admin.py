"""The order-status page's admin: branding validated and saved, the preview rendering unsaved branding from a
sample order, the branding reaching the customer's page (logo origin allowed by its policy), and the daily use."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest

from plugin.devstore import shopify_demo
from plugin.order_status.branding import contrast_on_white
from plugin.order_status.token import page_token
from plugin.shopify.order_payloads import order_from_payload
from tests.admin.conftest import SHOP_A, SHOP_B, AdminClients
from tests.order_status.support import new_order
from webhooks.handlers.orders import record_order

pytestmark = pytest.mark.anyio
LOGO = "https://cdn.shop.example/brand/logo.png"


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ({"logo_url": "http://cdn.shop.example/logo.png"}, "logo_url", "https://"),
        ({"logo_url": "javascript:alert(1)"}, "logo_url", "https://"),
        ({"accent": "red"}, "accent", "hex colour"),
        ({"accent": " #123456"}, "accent", "hex colour"),
        ({"logo_url": ""}, "logo_url", "https://"),
        ({"font": "Comic Sans"}, "font", "not a branding setting"),
    ],
    ids=["http-logo", "script-logo", "named-colour", "padded-colour", "empty-logo", "unknown-key"],
)
async def test_bad_branding_is_refused_with_the_reason_and_changes_nothing(
    admin: AdminClients, body: dict[str, str], field: str, reason: str
) -> None:
    auth = admin.shopify()
    before = await admin.http.get("/admin/api/fragments/status", headers=auth)
    for path, method in (("/admin/api/status-page/branding", "PUT"), ("/admin/api/status-page/preview", "POST")):
        answer = await admin.http.request(method, path, json=body, headers=auth)
        assert answer.status_code == 400, answer.text
        assert answer.json()["field"] == field and reason in answer.json()["error"]
    after = await admin.http.get("/admin/api/fragments/status", headers=auth)
    assert re.findall(r'value="([^"]*)"', before.text) == re.findall(r'value="([^"]*)"', after.text)


async def test_branding_previews_unsaved_then_reaches_the_customers_page(admin: AdminClients) -> None:
    auth = admin.shopify()
    preview = await admin.http.post(
        "/admin/api/status-page/preview", json={"accent": "#7a1f5c", "logo_url": LOGO}, headers=auth
    )
    assert preview.status_code == 200
    frame = html.unescape(re.search(r'srcdoc="([^"]*)"', preview.text, re.S).group(1))  # type: ignore[union-attr]
    assert "--accent:#7a1f5c" in frame and f'src="{LOGO}"' in frame and "Parcel 2 of 2" in frame
    page = await admin.http.get("/admin/api/fragments/status", headers=auth)
    assert 'value="#7a1f5c"' not in page.text  # a preview saves nothing

    saved = await admin.http.put(
        "/admin/api/status-page/branding", json={"accent": "#7A1F5C", "logo_url": LOGO}, headers=auth
    )
    assert saved.status_code == 200 and saved.json()["branding"]["accent"] == "#7a1f5c"
    services = admin.services
    node = new_order(datetime.now(UTC))
    await record_order(services, order_from_payload(shopify_demo.rest_order(node, SHOP_A.id), SHOP_A))
    customer = await admin.http.get(f"/o/{page_token(services, SHOP_A, node['legacyResourceId'])}")
    assert customer.status_code == 200
    assert "--accent:#7a1f5c" in customer.text and f'<img src="{LOGO}"' in customer.text
    assert "img-src https://cdn.shop.example;" in customer.headers["content-security-policy"]
    # Another shop's page keeps its own (default) branding.
    other = new_order(datetime.now(UTC))
    await record_order(services, order_from_payload(shopify_demo.rest_order(other, SHOP_B.id), SHOP_B))
    theirs = await admin.http.get(f"/o/{page_token(services, SHOP_B, other['legacyResourceId'])}")
    assert theirs.status_code == 200 and "#7a1f5c" not in theirs.text and "<img" not in theirs.text
    # The visit is counted for shop A, and the admin shows it.
    use = await admin.http.get("/admin/api/fragments/status", headers=auth)
    assert re.search(r'<strong data-figure="visits">1</strong>', use.text)
    assert re.search(r'<strong data-figure="help">0</strong>', use.text)


async def test_a_colour_too_light_to_read_is_kept_but_shown_darkened_and_the_admin_says_so(admin: AdminClients) -> None:
    auth = admin.shopify()
    saved = await admin.http.put("/admin/api/status-page/branding", json={"accent": "#ffd700"}, headers=auth)
    assert saved.status_code == 200
    shown = saved.json()["shown"]["accent"]
    assert saved.json()["branding"]["accent"] == "#ffd700" and shown != "#ffd700"
    assert contrast_on_white(shown) >= 4.5 > contrast_on_white("#ffd700")
    page = await admin.http.get("/admin/api/fragments/status", headers=auth)
    assert f"is too light to read on white: the page shows it as {shown}" in page.text
    assert f"--accent:{shown}" in html.unescape(page.text)
