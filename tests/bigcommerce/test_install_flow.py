"""A store's whole life against the emulator: install, open, a webhook, the order fetched, uninstall."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import httpx
import pytest
from starlette.requests import Request

from plugin.bigcommerce.admin_session import COOKIE_NAME, read_admin_session
from plugin.bigcommerce.jobs import POST_INSTALL, REPAIR, SHOP_REDACT, schedule_post_install, schedule_repair
from plugin.bigcommerce.store_sync import shipping_raw_key
from plugin.bigcommerce.users import StoreUsers
from plugin.bigcommerce.webhook_auth import SECRET_HEADER, webhook_secret_for
from plugin.devstore.bigcommerce import DEMO_STORE_HASH, BigCommerceEmulator
from plugin.events import PlatformEvent
from plugin.jobs import due_keys
from plugin.keys import ShopRef
from plugin.rates import setup_from_dict
from plugin.services import Services
from plugin.shop_data import data_version, facts_key, load_facts, shipping_setup_key
from tests.bigcommerce.conftest import run_jobs
from tests.conftest import APP_URL, BIGCOMMERCE_SECRET, AppClientFactory
from webhooks.stream import StreamKeys

pytestmark = pytest.mark.anyio

SHOP = ShopRef("bigcommerce", DEMO_STORE_HASH)
STAFF = {"id": 5150, "email": "staff@demo.example", "locale": "en-GB"}


async def pending_job_ids(services: Services) -> dict[str, float]:
    found: dict[str, float] = {}
    for key in due_keys(services.keys):
        due = await services.redis.zrange(key, 0, -1, withscores=True)
        found |= {str(job_id): float(score) for job_id, score in due}
    return found


async def install(client: httpx.AsyncClient, emulator: BigCommerceEmulator) -> httpx.Response:
    return await client.get("/bigcommerce/auth", params=emulator.authorize())


async def test_install_stores_an_encrypted_token_records_the_installer_and_shows_the_panel(
    app_client: AppClientFactory, emulator: BigCommerceEmulator, emulator_http: httpx.AsyncClient, services: Services
) -> None:
    async with app_client(http=emulator_http) as client:
        response = await install(client, emulator)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "Upfront for" in response.text and DEMO_STORE_HASH in response.text
    assert "frame-ancestors" in response.headers["content-security-policy"]
    cookie = response.headers["set-cookie"]
    assert f"{COOKIE_NAME}=" in cookie
    assert all(
        part in cookie.lower() for part in ("samesite=none", "secure", "httponly", "max-age=1800", "partitioned")
    )

    token = emulator.store().access_token
    raw = await services.redis.get(services.keys.shop(SHOP, "token"))
    assert raw is not None and token not in raw
    stored = await services.shops.load_token(SHOP)
    assert stored is not None and stored.access_token == token
    assert await services.shops.is_active(SHOP)

    installer = await StoreUsers(services.redis, services.keys, services.cipher).get(SHOP, "24654")
    assert installer is not None and installer.role == "owner" and installer.email == "owner@demo.example"
    raw_users = json.dumps(await services.redis.hgetall(services.keys.shop(SHOP, "users")))
    assert "owner@demo.example" not in raw_users  # staff emails are encrypted at rest too
    assert f"{POST_INSTALL}:{DEMO_STORE_HASH}" in await pending_job_ids(services)


async def test_session_cookie_identifies_the_store_and_user(
    app_client: AppClientFactory, emulator: BigCommerceEmulator, emulator_http: httpx.AsyncClient, services: Services
) -> None:
    async with app_client(http=emulator_http) as client:
        response = await install(client, emulator)
    value = response.cookies[COOKIE_NAME]
    request = Request({"type": "http", "headers": [(b"cookie", f"{COOKIE_NAME}={value}".encode())]})
    session = read_admin_session(request, services.settings)
    assert session is not None and session.shop == SHOP and session.user_id == "24654"
    forged = Request({"type": "http", "headers": [(b"cookie", f"{COOKIE_NAME}={value[:-2]}xx".encode())]})
    assert read_admin_session(forged, services.settings) is None


async def test_post_install_creates_hooks_and_script_exactly_once_and_syncs_the_store(
    app_client: AppClientFactory, emulator: BigCommerceEmulator, emulator_http: httpx.AsyncClient, services: Services
) -> None:
    async with app_client(http=emulator_http) as client:
        await install(client, emulator)
    assert await run_jobs(services) == 1
    store = emulator.store()
    scopes = services.settings.manifest.bigcommerce.webhook_scopes
    assert sorted(hook["scope"] for hook in store.hooks) == sorted(scopes)
    secret = webhook_secret_for(DEMO_STORE_HASH, BIGCOMMERCE_SECRET)
    for hook in store.hooks:
        assert hook["destination"] == f"{APP_URL}/webhooks/bigcommerce"
        assert hook["is_active"] is True and hook["headers"] == {SECRET_HEADER: secret}
    [script] = store.scripts
    assert script["src"] == f"{APP_URL}/static/upfront.js?platform=bigcommerce&shop={SHOP.id}"
    assert (script["kind"], script["load_method"], script["location"], script["visibility"]) == (
        "src",
        "defer",
        "footer",
        "storefront",
    )
    assert script["auto_uninstall"] is True
    assert script["consent_category"] == services.settings.manifest.bigcommerce.script_consent_category

    facts = await load_facts(services.redis, services.keys, SHOP)
    assert facts is not None
    assert (facts.name, facts.currency, facts.timezone, facts.country) == (
        "Upfront Demo Store",
        "USD",
        "America/New_York",
        "US",
    )
    assert facts.ship_to_countries == ("CA", "US")
    setup = setup_from_dict(json.loads(await services.redis.get(shipping_setup_key(services.keys, SHOP))))
    us = next(zone for zone in setup.zones if zone.name == "United States")
    assert us.free_shipping_threshold == Decimal("75.00")
    assert {method.name for method in us.methods} == {"Standard", "By weight"}
    assert await services.redis.exists(shipping_raw_key(services.keys, SHOP), facts_key(services.keys, SHOP)) == 2
    assert "shipping1" in await data_version(services.redis, services.keys, SHOP)  # widget caches see the sync

    # A second run (a redelivered job, a reinstall) changes nothing on the store.
    posts_before = [call for call in emulator.calls if call[0] in ("POST", "PUT")]
    assert await services.platforms["bigcommerce"].ensure_installation(SHOP) == []
    await schedule_post_install(services.redis, services.keys, SHOP)
    await schedule_repair(services.redis, services.keys, SHOP)
    assert await run_jobs(services) == 2
    assert len(store.hooks) == len(scopes) and len(store.scripts) == 1
    assert [call for call in emulator.calls if call[0] in ("POST", "PUT")] == posts_before


async def test_installation_repair_reactivates_a_deactivated_hook_and_recreates_a_deleted_script(
    app_client: AppClientFactory, emulator: BigCommerceEmulator, emulator_http: httpx.AsyncClient, services: Services
) -> None:
    async with app_client(http=emulator_http) as client:
        await install(client, emulator)
    await run_jobs(services)
    store = emulator.store()
    store.hooks[0]["is_active"] = False  # BigCommerce deactivates a hook after failing retries
    store.scripts.clear()
    repaired = await services.platforms["bigcommerce"].ensure_installation(SHOP)
    assert repaired == [f"webhook {store.hooks[0]['scope']} reactivated", "storefront script created"]
    assert store.hooks[0]["is_active"] is True and len(store.scripts) == 1


async def test_install_open_webhook_fetch_and_uninstall(
    app_client: AppClientFactory, emulator: BigCommerceEmulator, emulator_http: httpx.AsyncClient, services: Services
) -> None:
    async with app_client(http=emulator_http) as client:
        assert (await install(client, emulator)).status_code == 200
        await run_jobs(services)

        opened = await client.get(
            "/bigcommerce/load", params={"signed_payload_jwt": emulator.signed_payload_jwt(user=STAFF)}
        )
        assert opened.status_code == 200
        assert "Upfront Demo Store" in opened.text and "staff@demo.example" in opened.text
        assert COOKIE_NAME in opened.headers["set-cookie"]
        staff = await StoreUsers(services.redis, services.keys, services.cipher).get(SHOP, "5150")
        assert staff is not None and staff.role == "staff"
        assert f"{REPAIR}:{DEMO_STORE_HASH}" in await pending_job_ids(services)

        headers, body = emulator.webhook_delivery("store/order/created")
        accepted = await client.post("/webhooks/bigcommerce", headers=headers, content=body)
        again = await client.post("/webhooks/bigcommerce", headers=headers, content=body)
        # Older deliveries carry only the secret header we registered on the hook.
        legacy_headers, legacy_body = emulator.webhook_delivery(
            "store/shipment/created", data={"type": "shipment", "id": 2, "orderId": 102}, signed=False
        )
        legacy = await client.post("/webhooks/bigcommerce", headers=legacy_headers, content=legacy_body)
    assert (accepted.status_code, accepted.json()) == (200, {"status": "queued"})
    assert again.json() == {"status": "duplicate"}
    assert (legacy.status_code, legacy.json()) == (200, {"status": "queued"})

    entries = await services.redis.xrange(StreamKeys.for_shop(services.keys, SHOP).stream)
    events = [PlatformEvent.from_fields(fields) for _, fields in entries]
    assert [(event.type, event.order_id, event.shop) for event in events] == [
        ("order.created", "100", SHOP),
        ("shipment.created", "102", SHOP),
    ]

    platform = services.platforms["bigcommerce"]
    order = await platform.fetch_order(SHOP, str(events[0].order_id))
    assert (order.id, order.status, order.currency, order.total) == ("100", "open", "USD", Decimal("53.99"))
    assert (order.email, order.first_name, order.customer_id) == ("ada@customer.example", "Ada", "7")
    assert order.email_marketing_consent == "subscribed"
    assert [(line.title, line.quantity, line.sku) for line in order.lines] == [("Canvas Tote", 2, "TOTE-1")]
    shipped = await platform.fetch_order(SHOP, "102")
    assert shipped.status == "partially_fulfilled" and shipped.email_marketing_consent == "not_subscribed"
    assert [(s.carrier, s.tracking_number, s.status) for s in shipped.shipments] == [
        ("USPS", "9400111899223856928499", "in_transit")
    ]

    async with app_client(http=emulator_http) as client:
        gone = await client.get("/bigcommerce/uninstall", params={"signed_payload_jwt": emulator.signed_payload_jwt()})
        reopened = await client.get("/bigcommerce/load", params={"signed_payload_jwt": emulator.signed_payload_jwt()})
    assert gone.status_code == 200 and "uninstalled" in gone.text
    assert not await services.shops.is_active(SHOP)
    assert await services.shops.load_token(SHOP) is None
    redact = {job: due for job, due in (await pending_job_ids(services)).items() if job.startswith(SHOP_REDACT)}
    [due] = redact.values()
    assert 48 * 3600 - 60 < due - time.time() <= 48 * 3600
    assert reopened.status_code == 403 and "not installed" in reopened.text


async def test_remove_user_forgets_that_user_only(
    app_client: AppClientFactory, emulator: BigCommerceEmulator, emulator_http: httpx.AsyncClient, services: Services
) -> None:
    async with app_client(http=emulator_http) as client:
        await install(client, emulator)
        await client.get("/bigcommerce/load", params={"signed_payload_jwt": emulator.signed_payload_jwt(user=STAFF)})
        removed = await client.get(
            "/bigcommerce/remove-user", params={"signed_payload_jwt": emulator.signed_payload_jwt(user=STAFF)}
        )
    assert removed.status_code == 200
    users = StoreUsers(services.redis, services.keys, services.cipher)
    assert await users.ids(SHOP) == ["24654"]
