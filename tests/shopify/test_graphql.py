"""The Admin GraphQL client against the emulator: throttling, retries, errors, and the mapped answers."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest

from plugin.currencies import ShopCurrency, shop_currencies
from plugin.devstore.shopify import ShopifyEmulator
from plugin.errors import AuthError, NotFoundError, RetryableError, ThrottledError
from plugin.keys import ShopRef
from plugin.services import Services
from plugin.settings import Settings
from plugin.shopify.adapter import ShopifyPlatform
from tests.shopify.conftest import EMULATOR_BASE, SHOP, RecordingSleep

pytestmark = pytest.mark.anyio


@pytest.fixture
def sleep() -> RecordingSleep:
    return RecordingSleep()


@pytest.fixture
def platform(
    installed: ShopRef, services: Services, settings: Settings, emulator_http: httpx.AsyncClient, sleep: RecordingSleep
) -> ShopifyPlatform:
    return ShopifyPlatform(settings, emulator_http, services.shops, sleep=sleep)


async def test_throttled_twice_waits_for_the_bucket_to_refill_then_succeeds(
    platform: ShopifyPlatform, emulator: ShopifyEmulator, sleep: RecordingSleep
) -> None:
    emulator.throttle(2)  # the emulator reports cost 10 with 5 available, restoring 100/s
    facts = await platform.fetch_shop_facts(SHOP)
    assert facts.name == "Upfront Demo"
    assert sleep.waits == [pytest.approx(0.05), pytest.approx(0.05)]
    assert emulator.graphql_calls == 3


async def test_throttled_answers_with_retry_after_are_honoured(
    platform: ShopifyPlatform, emulator: ShopifyEmulator, sleep: RecordingSleep
) -> None:
    emulator.throttle(2, retry_after=2.0)
    await platform.fetch_shop_facts(SHOP)
    assert sleep.waits == [2.0, 2.0]


async def test_throttled_for_too_long_gives_up_with_a_retryable_error(
    platform: ShopifyPlatform, emulator: ShopifyEmulator, sleep: RecordingSleep
) -> None:
    emulator.throttle(100)
    with pytest.raises(ThrottledError) as raised:
        await platform.fetch_shop_facts(SHOP)
    assert raised.value.retryable
    assert len(sleep.waits) == platform.graphql.max_attempts - 1


async def test_a_known_low_bucket_is_waited_for_before_calling(
    platform: ShopifyPlatform, emulator: ShopifyEmulator, sleep: RecordingSleep
) -> None:
    emulator.bucket_available = 4.0
    await platform.fetch_shop_facts(SHOP)  # learns: the query costs 10, 4 points left, 100 restored per second
    assert sleep.waits == []
    await platform.fetch_shop_facts(SHOP)
    assert sleep.waits == [pytest.approx(0.06, abs=0.01)]
    emulator.bucket_available = None
    sleep.waits.clear()
    await platform.fetch_shop_facts(SHOP)  # the last answer still said 4 left: wait once more
    await platform.fetch_shop_facts(SHOP)  # now it says 1990: no wait
    assert len(sleep.waits) == 1


async def test_server_errors_and_timeouts_are_retried_with_backoff(
    installed: ShopRef, services: Services, settings: Settings, emulator: ShopifyEmulator, sleep: RecordingSleep
) -> None:
    failures: list[httpx.Response | Exception] = [httpx.Response(503), httpx.ReadTimeout("slow"), httpx.Response(502)]

    async def flaky(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("graphql.json"):
            if failures:
                failure = failures.pop(0)
                if isinstance(failure, Exception):
                    raise failure
                return failure
        return await httpx.ASGITransport(app=emulator).handle_async_request(request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(flaky), base_url=EMULATOR_BASE) as http:
        platform = ShopifyPlatform(settings, http, services.shops, sleep=sleep)
        assert (await platform.fetch_shop_facts(SHOP)).currency == "EUR"
    assert sleep.waits == [0.5, 1.0, 2.0]


async def test_a_revoked_token_is_an_auth_error_without_retries(
    platform: ShopifyPlatform, services: Services, emulator: ShopifyEmulator, sleep: RecordingSleep
) -> None:
    token = await services.shops.load_token(SHOP)
    assert token is not None
    del emulator.access_tokens[token.access_token]
    with pytest.raises(AuthError):
        await platform.fetch_shop_facts(SHOP)
    assert sleep.waits == []


async def test_unreachable_shopify_is_retryable(services: Services, settings: Settings, sleep: RecordingSleep) -> None:
    async def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    async with httpx.AsyncClient(transport=httpx.MockTransport(down)) as http:
        platform = ShopifyPlatform(settings, http, services.shops, sleep=sleep)
        with pytest.raises(RetryableError):
            await platform.endpoint.exchange_code(SHOP, "code")


async def test_shop_facts_are_mapped(platform: ShopifyPlatform) -> None:
    facts = await platform.fetch_shop_facts(SHOP)
    assert facts.money_format == "{{amount_with_comma_separator}} €"
    assert facts.domains == ("upfront-demo.example", "upfront-demo.myshopify.com")
    assert facts.ship_to_countries == ("AT", "DE", "FR", "NL", "US")
    assert facts.shipping_policy_url == "https://upfront-demo.example/policies/shipping-policy"
    assert facts.email == "hello@upfront-demo.example"


async def test_the_markets_currency_settings_are_synced_with_the_facts(platform: ShopifyPlatform) -> None:
    # One query: Shop.currencySettings rides along with the facts (the presentment currencies, not the shop's).
    facts = await platform.fetch_shop_facts(SHOP)
    assert shop_currencies(facts) == {
        "USD": ShopCurrency("USD", True, None),  # Shopify's automatic rate: only the storefront states it
        "GBP": ShopCurrency("GBP", True, None),
        "CHF": ShopCurrency("CHF", True, Decimal("0.9400")),  # the merchant's manual rate
        "JPY": ShopCurrency("JPY", False, None),
    }


async def test_orders_are_mapped_into_the_internal_model(platform: ShopifyPlatform) -> None:
    order = await platform.fetch_order(SHOP, "450789470")
    assert (order.id, order.name, order.status, order.currency) == ("450789470", "#1001", "fulfilled", "EUR")
    assert order.total == Decimal("29.90")
    assert (order.first_name, order.locale, order.email_marketing_consent) == ("Anna", "de", "subscribed")
    assert order.lines[0].title == "Canvas tote" and order.lines[0].product_id == "632910392"
    shipment = order.shipments[0]
    assert (shipment.status, shipment.carrier, shipment.tracking_number) == (
        "in_transit",
        "DHL",
        "00340434161094042557",
    )
    assert order.note_attributes == {"gift": "no"}
    assert order.created_at == datetime(2026, 11, 1, 9, tzinfo=UTC)


async def test_recent_orders_are_filtered_by_update_time(platform: ShopifyPlatform) -> None:
    recent = await platform.list_recent_orders(SHOP, datetime(2026, 11, 2, 15, 30, tzinfo=UTC))
    assert [(order.name, order.status) for order in recent] == [("#1002", "open"), ("#1003", "cancelled")]


async def test_a_missing_order_is_not_found(platform: ShopifyPlatform) -> None:
    with pytest.raises(NotFoundError):
        await platform.fetch_order(SHOP, "1")


async def test_installation_check_finds_no_missing_scope(platform: ShopifyPlatform) -> None:
    assert await platform.missing_scopes(SHOP) == []
    assert await platform.ensure_installation(SHOP) == []
