"""The merchant's path: install -> Shopify consent -> callback -> token stored encrypted -> post-install jobs ->
embedded admin by session token -> token refresh, all against the dev store emulator."""

from __future__ import annotations

import dataclasses
import json
import time
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.routing import Mount

from plugin.app import build_job_handlers
from plugin.devstore.shopify import DEMO_SHOP, ShopifyEmulator
from plugin.jobs import pending_jobs, run_due_jobs
from plugin.rates import setup_from_dict
from plugin.services import Services
from plugin.settings import Settings
from plugin.shop_data import load_facts, shipping_setup_key
from plugin.shopify.adapter import shopify_platform
from plugin.shopify.install import STATE_COOKIE
from tests.conftest import APP_URL, SHOPIFY_API_KEY, AppClientFactory
from tests.shopify.conftest import EMULATOR_BASE, SHOP

pytestmark = pytest.mark.anyio


async def start_install(app: httpx.AsyncClient, emulator: ShopifyEmulator, shopify: httpx.AsyncClient) -> str:
    """Install, follow Shopify's consent redirect; returns the callback URL Shopify sends the browser to."""
    started = await app.get(f"/shopify/install?{emulator.install_query()}")
    assert started.status_code == 302, started.text
    authorize = started.headers["location"]
    assert authorize.startswith(f"{EMULATOR_BASE}/{DEMO_SHOP}/admin/oauth/authorize?")
    asked = dict(parse_qsl(urlsplit(authorize).query))
    assert asked["client_id"] == SHOPIFY_API_KEY
    assert asked["redirect_uri"] == f"{APP_URL}/shopify/callback"
    assert len(asked["state"]) == 64 and "read_shipping" in asked["scope"].split(",")
    cookie = started.headers["set-cookie"].lower()
    assert all(flag in cookie for flag in ("secure", "httponly", "samesite=lax", "max-age=600"))
    approved = await shopify.get(authorize)
    assert approved.status_code == 302
    return approved.headers["location"]


async def test_install_stores_an_encrypted_token_and_queues_post_install_work(
    app_client: AppClientFactory,
    emulator: ShopifyEmulator,
    emulator_http: httpx.AsyncClient,
    services: Services,
    redis: Redis,
) -> None:
    async with app_client(http=emulator_http) as app:
        callback = await start_install(app, emulator, emulator_http)
        assert callback.startswith(f"{APP_URL}/shopify/callback?")
        finished = await app.get(callback)
        assert finished.status_code == 302, finished.text
        assert finished.headers["location"] == f"{EMULATOR_BASE}/{DEMO_SHOP}/admin/apps/{SHOPIFY_API_KEY}"
        replayed = await app.get(callback)  # same code again: Shopify refuses a used code
        assert replayed.status_code in (400, 401)

    token = await services.shops.load_token(SHOP)
    assert token is not None and token.refresh_token and token.expires_at
    assert emulator.grants == ["authorization_code"]
    raw = await redis.get(services.keys.shop(SHOP, "token"))
    assert raw and token.access_token not in raw and token.refresh_token not in raw
    assert await services.shops.is_active(SHOP)
    assert await pending_jobs(services.redis, services.keys) == 3

    await run_due_jobs(services, build_job_handlers())
    facts = await load_facts(services.redis, services.keys, SHOP)
    assert facts is not None
    assert (facts.currency, facts.timezone, facts.country) == ("EUR", "Europe/Berlin", "DE")
    assert facts.refund_policy_url and facts.refund_policy_url.endswith("refund-policy")
    stored = await redis.get(shipping_setup_key(services.keys, SHOP))
    assert stored is not None
    setup = setup_from_dict(json.loads(stored))
    assert [zone.name for zone in setup.zones] == ["Germany", "Europe", "Rest of world"]
    assert setup.currency == "EUR" and setup.origin_country == "DE"
    assert await pending_jobs(services.redis, services.keys) == 0


async def test_callback_refuses_a_signed_redirect_with_another_state_or_a_tampered_one(
    app_client: AppClientFactory, emulator: ShopifyEmulator, emulator_http: httpx.AsyncClient, services: Services
) -> None:
    async with app_client(http=emulator_http) as app:
        callback = await start_install(app, emulator, emulator_http)
        code = dict(parse_qsl(urlsplit(callback).query))["code"]
        other_state = await app.get(f"/shopify/callback?{emulator.install_query(code=code, state='f' * 64)}")
        tampered = await app.get(callback.replace("code=", "code=0"))
    assert (other_state.status_code, tampered.status_code) == (401, 401)
    assert "state" in other_state.json()["error"] and "hmac" in tampered.json()["error"]
    assert emulator.grants == []
    assert await services.shops.load_token(SHOP) is None


async def test_callback_refuses_a_browser_that_did_not_start_the_install(
    app_client: AppClientFactory, emulator: ShopifyEmulator, emulator_http: httpx.AsyncClient, services: Services
) -> None:
    async with app_client(http=emulator_http) as app:
        callback = await start_install(app, emulator, emulator_http)
        app.cookies.delete(STATE_COOKIE)
        refused = await app.get(callback)
    assert refused.status_code == 401
    assert await services.shops.load_token(SHOP) is None


async def test_install_refuses_forged_and_stale_requests(
    app_client: AppClientFactory, emulator: ShopifyEmulator, emulator_http: httpx.AsyncClient
) -> None:
    async with app_client(http=emulator_http) as app:
        stale = await app.get(f"/shopify/install?{emulator.install_query(timestamp=int(time.time()) - 120)}")
        forged = await app.get(f"/shopify/install?{emulator.install_query()}".replace(DEMO_SHOP, "other.myshopify.com"))
        bare = await app.get(f"/shopify/install?shop={DEMO_SHOP}")
    assert (stale.status_code, forged.status_code, bare.status_code) == (401, 401, 400)


async def test_admin_session_then_refresh_near_expiry(
    app_client: AppClientFactory, emulator: ShopifyEmulator, emulator_http: httpx.AsyncClient, services: Services
) -> None:
    async with app_client(http=emulator_http) as app:
        await app.get(await start_install(app, emulator, emulator_http))
        session = await app.get(
            "/admin/api/session", headers={"Authorization": f"Bearer {emulator.session_token(user_id='77')}"}
        )
    assert session.status_code == 200
    assert session.json() == {"shop": DEMO_SHOP, "user_id": "77"}
    assert emulator.grants == ["authorization_code"]  # a usable token: no exchange

    old = await services.shops.load_token(SHOP)
    assert old is not None
    await services.shops.save_token(SHOP, dataclasses.replace(old, expires_at=time.time() + 120))
    facts = await shopify_platform(services).fetch_shop_facts(SHOP)
    assert facts.name == "Upfront Demo"
    new = await services.shops.load_token(SHOP)
    assert new is not None and new.access_token != old.access_token and new.refresh_token != old.refresh_token
    assert emulator.grants == ["authorization_code", "refresh_token"]
    assert emulator.refresh_tokens[str(old.refresh_token)].used


async def test_the_emulator_works_mounted_under_any_prefix(
    app_client: AppClientFactory, emulator: ShopifyEmulator, settings: Settings, services: Services
) -> None:
    mounted = Starlette(routes=[Mount("/dev/shopify", app=emulator)])
    prefixed = settings.with_overrides(shopify_origin="http://localhost:8000/dev/shopify/{shop}")
    transport = httpx.ASGITransport(app=mounted)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost:8000") as shopify:
        async with app_client(http=shopify, app_settings=prefixed) as app:
            started = await app.get(f"/shopify/install?{emulator.install_query()}")
            assert started.headers["location"].startswith(f"http://localhost:8000/dev/shopify/{DEMO_SHOP}/admin/")
            approved = await shopify.get(started.headers["location"])
            finished = await app.get(approved.headers["location"])
    assert finished.status_code == 302
    assert await services.shops.load_token(SHOP) is not None
