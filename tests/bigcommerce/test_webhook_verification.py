"""Webhook deliveries: authentic ones become internal events; forged, stale and malformed ones are refused."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from plugin.bigcommerce.webhook_auth import SECRET_HEADER, standard_signature, unix_seconds, webhook_secret_for
from plugin.devstore.bigcommerce import DEMO_STORE_HASH, BigCommerceEmulator
from plugin.keys import ShopRef
from plugin.platform import Platform
from plugin.services import Services
from plugin.shops import StoredToken
from tests.conftest import BIGCOMMERCE_SECRET, AppClientFactory
from webhooks.stream import StreamKeys

pytestmark = pytest.mark.anyio

SECRET_VALUE = webhook_secret_for(DEMO_STORE_HASH, BIGCOMMERCE_SECRET)
SHOP = ShopRef("bigcommerce", DEMO_STORE_HASH)


def payload(scope: str = "store/order/created", **changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "scope": scope,
        "store_id": "1001",
        "data": {"type": "order", "id": 250},
        "hash": "dd70c0976e06b67aaf671e73f49dcb79230ebf9d",
        "created_at": int(time.time()),
        "producer": f"stores/{DEMO_STORE_HASH}",
    }
    body.update(changes)
    return body


async def post(app_client: AppClientFactory, headers: dict[str, str], body: bytes) -> httpx.Response:
    async with app_client() as client:
        return await client.post("/webhooks/bigcommerce", headers=headers, content=body)


@pytest.mark.parametrize(
    ("scope", "data", "event_type", "order_id"),
    [
        ("store/order/created", {"type": "order", "id": 250}, "order.created", "250"),
        (
            "store/order/statusUpdated",
            {"type": "order", "id": 251, "status": {"previous_status_id": 0, "new_status_id": 11}},
            "order.status_updated",
            "251",
        ),
        ("store/shipment/created", {"type": "shipment", "id": 9, "orderId": 252}, "shipment.created", "252"),
        ("store/shipment/updated", {"type": "shipment", "id": 9, "orderId": 252}, "shipment.updated", "252"),
        ("store/customer/deleted", {"type": "customer", "id": 32}, "customer.deleted", None),
        ("store/app/uninstalled", {"type": "store", "id": 1}, "app.uninstalled", None),
    ],
)
async def test_scopes_map_to_internal_events(
    emulator: BigCommerceEmulator,
    services: Services,
    scope: str,
    data: dict[str, object],
    event_type: str,
    order_id: str | None,
) -> None:
    platform: Platform = services.platforms["bigcommerce"]
    headers, body = emulator.webhook_delivery(scope, data=data)
    event = platform.verify_webhook(headers, body)
    assert event is not None
    assert (event.type, event.order_id, event.shop.id, event.source_topic) == (
        event_type,
        order_id,
        DEMO_STORE_HASH,
        scope,
    )
    assert event.delivery_id == json.loads(body)["hash"]  # the event's identity, not the header family's
    assert event.payload["data"] == data


async def test_every_subscribed_scope_is_handled(services: Services) -> None:
    platform = services.platforms["bigcommerce"]
    for scope in platform.webhook_topics():
        body = json.dumps(payload(scope)).encode()
        assert platform.verify_webhook({SECRET_HEADER: SECRET_VALUE}, body) is not None, scope


@pytest.fixture
async def installed(services: Services, emulator: BigCommerceEmulator) -> None:
    await services.shops.save_token(SHOP, StoredToken(emulator.store().access_token, "store_v2_orders_read_only"))


@pytest.mark.usefixtures("installed")
async def test_secret_header_delivery_dedupes_on_payload_hash(app_client: AppClientFactory) -> None:
    body = json.dumps(payload()).encode()
    first = await post(app_client, {SECRET_HEADER: SECRET_VALUE}, body)
    second = await post(app_client, {SECRET_HEADER: SECRET_VALUE}, body)
    assert first.json() == {"status": "queued"} and second.json() == {"status": "duplicate"}


def signed_headers(body: bytes) -> dict[str, str]:
    delivery_id, timestamp = "msg_" + str(time.time_ns()), str(int(time.time()))
    return {
        "webhook-id": delivery_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": standard_signature(BIGCOMMERCE_SECRET, delivery_id, timestamp, body),
    }


@pytest.mark.usefixtures("installed")
@pytest.mark.parametrize(
    "event", [payload(), {k: v for k, v in payload().items() if k != "hash"}], ids=["with-hash", "without-hash"]
)
async def test_one_event_is_one_delivery_whichever_header_family_carried_it(
    app_client: AppClientFactory, services: Services, event: dict[str, object]
) -> None:
    body = json.dumps(event).encode()
    standard = await post(app_client, {**signed_headers(body), SECRET_HEADER: SECRET_VALUE}, body)
    secret_only = await post(app_client, {SECRET_HEADER: SECRET_VALUE}, body)
    resigned = await post(app_client, signed_headers(body), body)  # a retry carries a new webhook-id
    assert [answer.json()["status"] for answer in (standard, secret_only, resigned)] == [
        "queued",
        "duplicate",
        "duplicate",
    ]
    assert await services.redis.xlen(StreamKeys.for_shop(services.keys, SHOP).stream) == 1


@pytest.mark.parametrize(
    ("timestamp", "reason"),
    [
        ("soon", "webhook-timestamp is not a Unix time in whole seconds: 'soon'"),
        ("1.7e9", "webhook-timestamp is not a Unix time in whole seconds: '1.7e9'"),
        ("-5", "webhook-timestamp is not a Unix time in whole seconds: '-5'"),
        ("9" * 5000, "webhook-timestamp is not a Unix time in whole seconds: '" + "9" * 40 + "…'"),
        ("", "signed delivery lacks the webhook-timestamp header"),
    ],
    ids=["word", "float", "signed", "huge", "empty"],
)
async def test_a_bad_webhook_timestamp_is_told_exactly_what_is_wrong(
    app_client: AppClientFactory, timestamp: str, reason: str
) -> None:
    body = json.dumps(payload()).encode()
    headers = {**signed_headers(body), "webhook-timestamp": timestamp}
    response = await post(app_client, headers, body)
    assert response.status_code in (400, 401)
    assert response.json() == {"error": reason}


async def test_one_valid_signature_among_several_is_enough(
    app_client: AppClientFactory, emulator: BigCommerceEmulator
) -> None:
    headers, body = emulator.webhook_delivery("store/order/created")
    headers["webhook-signature"] = "v1,b2xkLXJvdGF0ZWQtc2VjcmV0 " + headers["webhook-signature"]
    assert (await post(app_client, headers, body)).status_code == 200


async def test_unhandled_scope_is_acknowledged_but_ignored(
    app_client: AppClientFactory, emulator: BigCommerceEmulator
) -> None:
    headers, body = emulator.webhook_delivery("store/product/updated", data={"type": "product", "id": 1})
    response = await post(app_client, headers, body)
    assert response.json() == {"status": "ignored"}


def _tampered(emulator: BigCommerceEmulator) -> tuple[dict[str, str], bytes]:
    headers, body = emulator.webhook_delivery("store/order/created")
    return headers, body.replace(b'"id": 100', b'"id": 101')


FORGED = {
    "wrong-secret": lambda emu: emu.webhook_delivery("store/order/created", secret="someone-elses-secret"),
    "tampered-body": _tampered,
    "stale-timestamp": lambda emu: emu.webhook_delivery("store/order/created", timestamp=int(time.time()) - 301),
    # int() truncates: +301 could be only 300.x ahead by the time it is checked.
    "future-timestamp": lambda emu: emu.webhook_delivery("store/order/created", timestamp=int(time.time()) + 303),
    "no-auth-at-all": lambda emu: emu.webhook_delivery("store/order/created", signed=False),
    "wrong-secret-header": lambda emu: (
        {SECRET_HEADER: webhook_secret_for("otherstore", BIGCOMMERCE_SECRET)},
        json.dumps(payload()).encode(),
    ),
    "signature-without-id": lambda emu: (
        {k: v for k, v in emu.webhook_delivery("store/order/created")[0].items() if k != "webhook-id"},
        emu.webhook_delivery("store/order/created")[1],
    ),
}


@pytest.mark.parametrize("forge", FORGED.values(), ids=FORGED.keys())
async def test_forged_and_replayed_deliveries_get_401(
    app_client: AppClientFactory, emulator: BigCommerceEmulator, services: Services, forge: object
) -> None:
    headers, body = forge(emulator)  # type: ignore[operator]
    response = await post(app_client, headers, body)
    assert response.status_code == 401
    assert not [sk for sk in StreamKeys.every(services.keys) if await services.redis.exists(sk.stream)]


MALFORMED = {
    "not-json": b"{not json",
    "json-array": b"[1, 2]",
    "no-producer": json.dumps({k: v for k, v in payload().items() if k != "producer"}).encode(),
    "producer-not-a-store": json.dumps(payload(producer="customers/7")).encode(),
    "no-scope": json.dumps({k: v for k, v in payload().items() if k != "scope"}).encode(),
    "no-data": json.dumps({k: v for k, v in payload().items() if k != "data"}).encode(),
    "no-data-id": json.dumps(payload(data={"type": "order"})).encode(),
}


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
async def test_malformed_signed_deliveries_get_400(app_client: AppClientFactory, body: bytes) -> None:
    delivery_id, timestamp = "msg_" + str(time.time_ns()), str(int(time.time()))
    signed = {
        "webhook-id": delivery_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": standard_signature(BIGCOMMERCE_SECRET, delivery_id, timestamp, body),
    }
    response = await post(app_client, signed, body)
    assert response.status_code == 400


async def test_malformed_deliveries_with_the_secret_header_get_400(app_client: AppClientFactory) -> None:
    response = await post(app_client, {SECRET_HEADER: SECRET_VALUE}, b"{oops")
    assert response.status_code == 400


@pytest.mark.parametrize("text", ["\u00b2", "\u0661\u0662", "1" * 12, " 1", "1_000"])
def test_only_plain_ascii_seconds_are_a_unix_time(text: str) -> None:
    assert unix_seconds(text) is None  # str.isdigit() accepts these; int() or datetime would then fail
