"""The REST client waits out rate limits, retries what may succeed later, and translates errors exactly once."""

from __future__ import annotations

import httpx
import pytest

from plugin.bigcommerce.adapter import BigCommercePlatform
from plugin.bigcommerce.rest import BigCommerceRest, RetryPolicy, StoreApi
from plugin.devstore.bigcommerce import DEMO_STORE_HASH, BigCommerceEmulator
from plugin.errors import AuthError, NotFoundError, PermanentError, RetryableError, ThrottledError
from plugin.keys import ShopRef
from plugin.services import Services
from plugin.shops import StoredToken
from tests.bigcommerce.conftest import EMULATOR_BASE, RecordingSleep

pytestmark = pytest.mark.anyio

API_ORIGIN = BigCommerceEmulator.origins(EMULATOR_BASE)[0]


@pytest.fixture
def sleep() -> RecordingSleep:
    return RecordingSleep()


@pytest.fixture
def api(emulator: BigCommerceEmulator, emulator_http: httpx.AsyncClient, sleep: RecordingSleep) -> StoreApi:
    rest = BigCommerceRest(emulator_http, API_ORIGIN, sleep=sleep, policy=RetryPolicy(attempts=4, base_delay=0.5))
    return rest.store(DEMO_STORE_HASH, emulator.store().access_token)


async def test_a_429_is_waited_out_for_the_reset_time_then_retried(
    api: StoreApi, emulator: BigCommerceEmulator, sleep: RecordingSleep
) -> None:
    emulator.throttle_next(2, reset_ms=1500)
    store = await api.get("/v2/store")
    assert store["id"] == DEMO_STORE_HASH
    assert sleep.waits == [1.5, 1.5 + 0.5]  # the reset, then the reset plus a growing back-off
    assert len(emulator.calls) == 3


async def test_throttling_that_never_ends_raises_throttled_with_a_retry_hint(
    api: StoreApi, emulator: BigCommerceEmulator, sleep: RecordingSleep
) -> None:
    emulator.throttle_next(10, reset_ms=2000)
    with pytest.raises(ThrottledError) as raised:
        await api.get("/v2/store")
    assert raised.value.retryable and raised.value.retry_after is not None and raised.value.retry_after >= 2.0
    assert len(emulator.calls) == 4


async def test_when_no_requests_are_left_the_next_call_waits_for_the_window(
    api: StoreApi, emulator: BigCommerceEmulator, sleep: RecordingSleep
) -> None:
    emulator.store().window_used = 449  # the next call uses the last request of the 450 quota
    emulator.store().window_started = emulator.clock() * 1000
    await api.get("/v2/store")
    assert sleep.waits == []
    emulator.store().window_used, emulator.store().window_started = 0, emulator.clock() * 1000  # window reset
    await api.get("/v2/store")
    assert len(sleep.waits) == 1 and 25.0 < sleep.waits[0] <= 30.0


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_server_errors_are_retried_with_exponential_backoff(
    api: StoreApi, emulator: BigCommerceEmulator, sleep: RecordingSleep, status: int
) -> None:
    emulator.fail_next(2, status=status)
    assert (await api.get("/v2/orders/100"))["id"] == 100
    assert sleep.waits == [0.5, 1.0]


async def test_a_lasting_outage_ends_in_a_retryable_error(api: StoreApi, emulator: BigCommerceEmulator) -> None:
    emulator.fail_next(10, status=503)
    with pytest.raises(RetryableError) as raised:
        await api.get("/v2/orders/100")
    assert raised.value.status == 503 and not isinstance(raised.value, PermanentError)


async def test_timeouts_are_retried(sleep: RecordingSleep) -> None:
    attempts: list[httpx.Request] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        if len(attempts) < 3:
            raise httpx.ReadTimeout("slow", request=request)
        return httpx.Response(200, json={"ok": True})

    async with httpx.AsyncClient(transport=httpx.MockTransport(flaky)) as http:
        api = BigCommerceRest(http, API_ORIGIN, sleep=sleep).store(DEMO_STORE_HASH, "token")
        assert await api.get("/v2/store") == {"ok": True}
    assert len(attempts) == 3 and sleep.waits == [0.5, 1.0]
    assert attempts[0].headers["x-auth-token"] == "token"
    assert "authorization" not in attempts[0].headers


async def test_404_is_not_found_without_retry(
    api: StoreApi, emulator: BigCommerceEmulator, sleep: RecordingSleep
) -> None:
    with pytest.raises(NotFoundError) as raised:
        await api.get("/v2/orders/999")
    assert raised.value.status == 404 and not raised.value.retryable
    assert len(emulator.calls) == 1 and sleep.waits == []


async def test_a_bad_token_is_an_auth_error_without_retry(
    emulator: BigCommerceEmulator, emulator_http: httpx.AsyncClient, sleep: RecordingSleep
) -> None:
    api = BigCommerceRest(emulator_http, API_ORIGIN, sleep=sleep).store(DEMO_STORE_HASH, "revoked")
    with pytest.raises(AuthError):
        await api.get("/v2/store")
    assert len(emulator.calls) == 1


async def test_other_4xx_are_permanent_and_carry_bigcommerce_reason(
    api: StoreApi, emulator: BigCommerceEmulator
) -> None:
    with pytest.raises(PermanentError) as raised:
        await api.v3_data("POST", "/v3/hooks", {"scope": "store/order/created", "destination": "http://insecure"})
    assert raised.value.status == 422 and "Invalid hook" in str(raised.value)
    assert len(emulator.calls) == 1


async def test_v2_empty_collections_are_empty_lists(api: StoreApi) -> None:
    assert await api.get("/v2/orders/100/shipments") is None  # 204
    assert await api.v2_list("/v2/orders/100/shipments") == []


async def test_v2_lists_are_paged(api: StoreApi) -> None:
    orders = await api.v2_list("/v2/orders", limit=2)
    assert [order["id"] for order in orders] == [100, 101, 102]


async def test_adapter_uses_the_injected_sleep_and_the_stored_token(
    services: Services, emulator: BigCommerceEmulator, emulator_http: httpx.AsyncClient, sleep: RecordingSleep
) -> None:
    shop = ShopRef("bigcommerce", DEMO_STORE_HASH)
    await services.shops.save_token(shop, StoredToken(emulator.store().access_token, "store_v2_orders_read_only"))
    platform = BigCommercePlatform(services.settings, emulator_http, services.shops, sleep=sleep)
    emulator.throttle_next(1, reset_ms=700)
    order = await platform.fetch_order(shop, "101")
    assert sleep.waits == [0.7]
    assert order.status == "fulfilled" and order.customer_id is None and order.email_marketing_consent is None
    with pytest.raises(NotFoundError):
        await platform.fetch_order(shop, "../store")
    recent = await platform.list_recent_orders(shop, order.updated_at)
    assert [found.id for found in recent] == ["101", "102"]
