"""Badge facts from BigCommerce's documented REST shapes: GET /v2/payments/methods ({code, name, test_mode}) read
by the install's own sync; the return facts BigCommerce has no field for come from the merchant's confirmation."""

from __future__ import annotations

import httpx
import pytest

from plugin.devstore.bigcommerce import DEFAULT_SCOPE, DEMO_STORE_HASH, PAYMENT_METHODS_SCOPE, BigCommerceEmulator
from plugin.keys import ShopRef
from plugin.services import Services
from plugin.shop_data import load_facts
from tests.bigcommerce.conftest import run_jobs
from tests.conftest import AppClientFactory
from widgets.badges import Accepted, Badge, Refused, badges_from_settings, check_badge
from widgets.badges.sources import Confirmations
from widgets.settings import default_settings, load_widget_settings, save_widget_settings

pytestmark = pytest.mark.anyio

SHOP = ShopRef("bigcommerce", DEMO_STORE_HASH)


async def install(
    app_client: AppClientFactory, emulator: BigCommerceEmulator, http: httpx.AsyncClient, scope: str
) -> None:
    async with app_client(http=http) as client:
        answer = await client.get("/bigcommerce/auth", params=emulator.authorize(scope=scope))
    assert answer.status_code == 200


async def test_the_install_reads_live_payment_methods_and_return_badges_wait_for_the_merchant(
    app_client: AppClientFactory, emulator: BigCommerceEmulator, emulator_http: httpx.AsyncClient, services: Services
) -> None:
    await install(app_client, emulator, emulator_http, DEFAULT_SCOPE)
    await run_jobs(services)
    facts = await load_facts(services.redis, services.keys, SHOP)
    assert facts is not None
    assert ("GET", f"/api/stores/{DEMO_STORE_HASH}/v2/payments/methods") in emulator.calls
    assert facts.payment_methods == ("Square", "Cash on Delivery")  # the gateway in test mode takes no payments
    assert facts.digital_wallets is None and facts.refund_policy_url is None

    payments = check_badge(facts, None, Badge("payment_methods"))
    assert isinstance(payments, Accepted) and payments.values == {"methods": ("Square", "Cash on Delivery")}
    assert [(s.origin, s.field) for s in payments.sources] == [("platform", "BigCommerce GET /v2/payments/methods")]
    for kind in ("money_back", "free_returns"):
        refused = check_badge(facts, None, Badge(kind))
        assert isinstance(refused, Refused) and "confirm your return window" in refused.reason

    # The merchant confirms what BigCommerce has no field for, through the settings the admin saves.
    defaults = default_settings(services.settings.manifest.widgets)
    confirmation = {
        "return_window_days": 30,
        "money_back_confirmed": True,
        "return_policy_url": "https://demo-store.example/returns/",
        "payment_methods": ["Visa", "PayPal"],
    }
    await save_widget_settings(services.redis, services.keys, SHOP, {"badges": confirmation}, defaults)
    settings = await load_widget_settings(services.redis, services.keys, SHOP, defaults)
    checks = {badge.kind: check_badge(facts, None, badge) for badge in badges_from_settings(settings.badges)}
    money_back, listed = checks["money_back"], checks["payment_methods"]
    assert isinstance(money_back, Accepted) and money_back.values == {"days": 30}
    assert money_back.link is not None and money_back.link.url == "https://demo-store.example/returns/"
    assert isinstance(listed, Accepted)
    assert listed.values == {"methods": ("Square", "Cash on Delivery", "Visa", "PayPal")}
    assert isinstance(checks["free_returns"], Refused)  # still nobody says returns are free


async def test_a_store_that_did_not_grant_the_payments_scope_is_synced_without_payment_methods(
    app_client: AppClientFactory, emulator: BigCommerceEmulator, emulator_http: httpx.AsyncClient, services: Services
) -> None:
    older = " ".join(scope for scope in DEFAULT_SCOPE.split() if scope != PAYMENT_METHODS_SCOPE)
    await install(app_client, emulator, emulator_http, older)
    await run_jobs(services)
    facts = await load_facts(services.redis, services.keys, SHOP)
    assert facts is not None and facts.name == "Upfront Demo Store"  # the rest of the sync went through
    assert facts.payment_methods == ()
    refused = check_badge(facts, None, Badge("payment_methods"))
    assert isinstance(refused, Refused) and "no accepted payment methods" in refused.reason
    # A merchant-named wallet is not contradicted here: BigCommerce has no wallet field to contradict it.
    named = check_badge(facts, None, Badge("payment_methods", Confirmations(payment_methods=("Apple Pay",))))
    assert isinstance(named, Accepted) and named.values == {"methods": ("Apple Pay",)}
