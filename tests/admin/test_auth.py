"""Signing in to the admin: Shopify session tokens (with token exchange), the BigCommerce load callback's cookie and
its CSRF token, and the page shells each platform frames."""

from __future__ import annotations

import pytest

from plugin.admin.auth import CSRF_HEADER, issue_csrf_token
from plugin.bigcommerce.admin_session import COOKIE_NAME
from plugin.bigcommerce.users import StoreUsers
from plugin.devstore.bigcommerce import DEMO_STORE_HASH
from plugin.keys import ShopRef
from tests.admin.conftest import SHOP_A, STORE_C, AdminClients
from tests.csp import directives

pytestmark = pytest.mark.anyio

STAFF = {"id": 5150, "email": "staff@demo.example", "locale": "en-US"}


async def test_the_first_session_token_installs_by_token_exchange_and_records_the_staff_user(
    admin: AdminClients,
) -> None:
    fresh = ShopRef("shopify", "brand-new.myshopify.com")  # never installed: no token, no data yet
    first = await admin.http.get("/admin/api/fragments/home", headers=admin.shopify(fresh))
    second = await admin.http.get("/admin/api/fragments/home", headers=admin.shopify(fresh))
    assert first.status_code == second.status_code == 200
    assert "signed in as staff user 42" in first.text and "Reading your store" in first.text
    assert admin.emulators.shopify.grants == ["urn:ietf:params:oauth:grant-type:token-exchange"]  # once
    assert await admin.services.shops.is_active(fresh)
    staff = await StoreUsers(admin.services.redis, admin.services.keys, admin.services.cipher).get(fresh, "42")
    assert staff is not None and staff.role == "staff"


async def test_the_session_check_route_is_still_served_beside_the_admin_mount(admin: AdminClients) -> None:
    response = await admin.http.get("/admin/api/session", headers=admin.shopify())
    assert response.json() == {"shop": SHOP_A.id, "user_id": "42"}


async def test_the_shopify_shell_loads_app_bridge_first_and_may_be_framed_only_by_the_shop_admin(
    admin: AdminClients,
) -> None:
    admin.http.cookies.clear()
    page = await admin.http.get("/admin/dashboard", params={"shop": SHOP_A.id, "host": "abc", "embedded": "1"})
    head = page.text.split("</head>")[0]
    assert page.status_code == 200
    assert '<meta name="shopify-api-key" content="test-shopify-api-key">' in head
    assert '<script src="https://cdn.shopify.com/shopifycloud/app-bridge.js"></script>' in head
    assert head.index("app-bridge.js") < head.index("<style>")  # before anything else that loads
    policy = directives(page.headers["content-security-policy"])
    # the shop's origin: here the emulator
    assert policy["frame-ancestors"] == ["https://admin.shopify.com", "http://devstore.test"]
    hostile = await admin.http.get("/admin/", params={"shop": "evil.example.com"})
    hostile_policy = directives(hostile.headers["content-security-policy"])
    assert hostile_policy["frame-ancestors"] == ["https://admin.shopify.com", "https://*.myshopify.com"]
    assert (await admin.http.get("/admin/nonsense")).status_code == 404


async def test_the_bigcommerce_load_callback_opens_the_admin_with_a_session_cookie(admin: AdminClients) -> None:
    admin.http.cookies.clear()
    jwt = admin.emulators.bigcommerce.signed_payload_jwt(DEMO_STORE_HASH, user=STAFF)
    loaded = await admin.http.get("/bigcommerce/load", params={"signed_payload_jwt": jwt})
    assert loaded.status_code == 200
    assert '<meta http-equiv="refresh" content="0; url=/admin/">' in loaded.text
    cookie = loaded.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE_NAME}=") and "SameSite=none" in cookie and "Partitioned" in cookie
    shell = await admin.http.get("/admin/")
    assert '<meta name="upfront-auth" content="bigcommerce">' in shell.text and "app-bridge.js" not in shell.text
    assert "https://*.bigcommerce.com" in shell.headers["content-security-policy"]
    home = await admin.http.get("/admin/api/fragments/home")
    assert "signed in as staff@demo.example" in home.text and "Upfront Demo Store" in home.text


async def test_a_bigcommerce_change_needs_the_csrf_token_of_the_same_store_and_user(admin: AdminClients) -> None:
    await admin.open_bigcommerce()
    change = {"holdout_percent": 20}
    missing = await admin.http.put("/admin/api/widgets/settings", json=change)
    wrong_user = issue_csrf_token(admin.services.settings, STORE_C, "someone-else")
    other_store = issue_csrf_token(admin.services.settings, ShopRef("bigcommerce", "zzz999"), "1")
    refused = [
        await admin.http.put("/admin/api/widgets/settings", json=change, headers={CSRF_HEADER: token})
        for token in (wrong_user, other_store, "forged." + admin.bigcommerce_csrf)
    ]
    accepted = await admin.http.put(
        "/admin/api/widgets/settings", json=change, headers={CSRF_HEADER: admin.bigcommerce_csrf}
    )
    assert missing.status_code == 403
    assert [response.status_code for response in refused] == [403, 403, 403]
    assert accepted.status_code == 200 and accepted.json()["settings"]["holdout_percent"] == 20
    reading = await admin.http.get("/admin/api/widgets/settings")  # reads need no token
    assert reading.json()["settings"]["holdout_percent"] == 20


async def test_a_removed_user_or_an_uninstalled_store_loses_the_admin_at_once(admin: AdminClients) -> None:
    bigcommerce = admin.emulators.bigcommerce
    jwt = bigcommerce.signed_payload_jwt(DEMO_STORE_HASH, user=STAFF)
    await admin.http.get("/bigcommerce/load", params={"signed_payload_jwt": jwt})
    assert (await admin.http.get("/admin/api/fragments/home")).status_code == 200
    await admin.http.get("/bigcommerce/remove-user", params={"signed_payload_jwt": jwt})
    removed = await admin.http.get("/admin/api/fragments/home")
    assert removed.status_code == 403 and "no longer has access" in removed.json()["error"]
    await admin.open_bigcommerce()  # the owner
    await admin.http.get("/bigcommerce/uninstall", params={"signed_payload_jwt": bigcommerce.signed_payload_jwt()})
    gone = await admin.http.get("/admin/api/fragments/home")
    assert gone.status_code == 403 and "not installed" in gone.json()["error"]
