"""The admin's settings endpoints: badge verdicts with reasons, and 400 with the field for bad changes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.routing import Mount

from plugin.app import build_services
from plugin.keys import ShopRef
from plugin.services import Services
from plugin.settings import Settings
from tests.conftest import serve_in_process
from widgets.settings_http import widget_settings_routes

pytestmark = pytest.mark.anyio


@asynccontextmanager
async def admin_client(settings: Settings, redis: Redis, shop: ShopRef) -> AsyncIterator[httpx.AsyncClient]:
    async def authenticate(request: Request) -> ShopRef:
        if request.headers.get("authorization") != "Bearer ok":
            raise HTTPException(401, "sign in")
        return shop

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Services]]:
        async with httpx.AsyncClient() as http:
            yield {"services": build_services(settings, redis, http)}

    app = Starlette(routes=[Mount("/admin", routes=widget_settings_routes(authenticate))], lifespan=lifespan)
    async with serve_in_process(app) as client:
        client.headers["authorization"] = "Bearer ok"
        yield client


async def test_the_admin_sees_each_badge_shown_or_refused_with_its_reason(
    settings: Settings, redis: Redis, shop: ShopRef
) -> None:
    async with admin_client(settings, redis, shop) as client:
        await client.put("/admin/widgets/settings", json={"badges": {"support_hours": None}})
        answer = await client.get("/admin/widgets/settings")
    verdicts = {badge["kind"]: badge for badge in answer.json()["badges"]}
    money_back = verdicts["money_back"]
    assert (money_back["ok"], money_back["claim"]) == (True, "money_back")
    policy = "Shopify refund policy text (ShopPolicy.body, REFUND_POLICY)"
    assert {"origin": "policy_text", "field": policy, "says": "return window of 30 days"} in money_back["sources"]
    assert verdicts["support"]["ok"] is False
    assert "support hours" in verdicts["support"]["reason"]


async def test_a_bad_change_is_400_with_the_field_and_the_good_one_is_saved(
    settings: Settings, redis: Redis, shop: ShopRef
) -> None:
    async with admin_client(settings, redis, shop) as client:
        bad = await client.put("/admin/widgets/settings", json={"holdout_percent": 90})
        not_json = await client.put("/admin/widgets/settings", content=b"{")
        too_large = await client.put("/admin/widgets/settings", content=b" " * 20_000)
        good = await client.put("/admin/widgets/settings", json={"holdout_percent": 15})
        client.headers["authorization"] = "Bearer wrong"
        anonymous = await client.get("/admin/widgets/settings")
    assert (bad.status_code, bad.json()["field"]) == (400, "holdout_percent")
    assert not_json.status_code == 400
    assert too_large.status_code == 413
    assert good.json()["settings"]["holdout_percent"] == 15
    assert anonymous.status_code == 401


async def test_a_bad_typical_cost_is_400_with_the_method_and_the_reason(
    settings: Settings, redis: Redis, shop: ShopRef
) -> None:
    change = {"estimator": {"method_typical_costs": {"DHL Express": "-4.00"}}}
    async with admin_client(settings, redis, shop) as client:
        bad = await client.put("/admin/widgets/settings", json=change)
        good = await client.put("/admin/widgets/settings", json={"estimator": {"method_typical_costs": {"DHL": "4"}}})
    assert bad.status_code == 400
    assert bad.json() == {"error": "must not be negative", "field": "estimator.method_typical_costs.DHL Express"}
    assert good.json()["settings"]["estimator"]["method_typical_costs"] == {"DHL": "4"}


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"return_window_days": 0}, "badges.return_window_days", "between 1 and 365"),
        ({"return_window_days": "30"}, "badges.return_window_days", "whole number"),
        ({"payment_methods": ["Visa", "Bitcoin"]}, "badges.payment_methods", "'Bitcoin' is not one of"),
        ({"return_policy_url": "mailto:x@example.com"}, "badges.return_policy_url", "https:// link"),
        ({"money_back_confirmed": "yes"}, "badges.money_back_confirmed", "true or false"),
    ],
    ids=["window-zero", "window-text", "unknown-method", "policy-not-https", "flag-text"],
)
async def test_a_bad_confirmation_is_400_with_the_reason_and_changes_nothing(
    settings: Settings, redis: Redis, shop: ShopRef, change: dict[str, object], field: str, reason: str
) -> None:
    async with admin_client(settings, redis, shop) as client:
        before = (await client.get("/admin/widgets/settings")).json()["settings"]
        refused = await client.put("/admin/widgets/settings", json={"badges": {"return_window_days": 30, **change}})
        after = (await client.get("/admin/widgets/settings")).json()["settings"]
    assert refused.status_code == 400
    assert refused.json()["field"] == field and reason in refused.json()["error"]
    assert after == before


async def test_a_confirmed_window_that_contradicts_the_refund_policy_is_withheld(
    settings: Settings, redis: Redis, shop: ShopRef
) -> None:
    async with admin_client(settings, redis, shop) as client:
        saved = await client.put("/admin/widgets/settings", json={"badges": {"return_window_days": 60}})
        fixed = await client.put("/admin/widgets/settings", json={"badges": {"return_window_days": 30}})
    withheld = {badge["kind"]: badge for badge in saved.json()["badges"]}["money_back"]
    shown = {badge["kind"]: badge for badge in fixed.json()["badges"]}["money_back"]
    assert saved.json()["settings"]["badges"]["return_window_days"] == 60
    assert withheld["ok"] is False and withheld["withheld"] is True
    assert "you confirmed a 60-day return window, but your refund policy says 30 days" in withheld["reason"]
    assert {"origin", "field", "says"} == set(withheld["sources"][0])
    assert shown["ok"] is True
