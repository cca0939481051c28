"""Shopify order events through the real endpoint, consumer and handlers against the dev store: the delivered order
is the state, and an order is acted on only once Shopify confirms (in batches) that it is the shop's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
import httpx
import pytest

from plugin.app import build_event_handlers
from plugin.devstore import shopify_demo
from plugin.devstore.shopify import ShopifyEmulator
from plugin.email.records import load_journey, order_messages
from plugin.keys import ShopRef
from plugin.services import Services
from tests.conftest import AppClientFactory
from webhooks import stream
from webhooks.consumer import ConsumerOptions, EventConsumer
from webhooks.handlers.orders import order_key
from webhooks.stats import collect_stats
from webhooks.stream import StreamKeys

pytestmark = pytest.mark.anyio

ATTACKER_SHOP = "attacker-store.myshopify.com"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def new_order(number: int, *, placed: datetime | None = None) -> dict[str, Any]:
    """An unfulfilled order placed just now, in the dev store's GraphQL shape."""
    return shopify_demo.new_order(5_000_000 + number, _iso(placed or datetime.now(UTC) - timedelta(minutes=2)))


def consumer(services: Services, name: str = "test", **options: Any) -> EventConsumer:
    """A worker's consumer that asks for what it read at once (confirm_collect_s=0), unless told otherwise."""
    settings = {"block_ms": 10, "retry_base_s": 0.0, "confirm_collect_s": 0.0, **options}
    return EventConsumer(services, build_event_handlers(), ConsumerOptions(**settings), name=name)


async def drain(services: Services, worker: EventConsumer, *, retries: bool = True) -> int:
    """Read and handle batches as the worker does until nothing is left (due retries included unless told)."""
    handled = 0
    for keys in StreamKeys.every(services.keys):
        await stream.ensure_group(services.redis, keys)
        while True:
            if retries:
                await stream.promote_due_retries(services.redis, keys)
            entries = await stream.read_new(services.redis, keys, worker.name, count=worker.options.batch)
            if not entries:
                break
            await worker.handle_batch(keys, entries)
            handled += len(entries)
    return handled


async def deliver(
    client: httpx.AsyncClient, emulator: ShopifyEmulator, topic: str, payload: dict[str, Any] | None = None
) -> None:
    headers, body = emulator.webhook(topic, payload=payload)
    answer = await client.post("/webhooks/shopify", headers=headers, content=body)
    assert answer.status_code == 200 and answer.json()["status"] == "queued", answer.text


async def projected(services: Services, shop: ShopRef, order_id: str) -> bool:
    return bool(await services.redis.exists(order_key(services.keys, shop, order_id)))


async def test_an_orders_create_payload_advances_the_journey_with_only_the_batched_confirmation(
    services: Services, installed: ShopRef, emulator: ShopifyEmulator, app_client: AppClientFactory, emulator_http
) -> None:
    order = new_order(1)
    emulator.orders = [order, *emulator.orders]
    async with app_client(http=emulator_http) as client:
        await deliver(client, emulator, "orders/create")
        await deliver(client, emulator, "orders/updated")  # same order again: the cached confirmation, no call
        await drain(services, consumer(services))
    journey = await load_journey(services, installed, order["legacyResourceId"])
    assert journey is not None and journey.rank >= 1
    records = await order_messages(services, installed, order["legacyResourceId"])
    assert [(record.stage.value, record.state) for record in records] == [("confirmed", "scheduled")]
    assert dict(emulator.graphql_roots) == {"nodes": 1}  # no order fetch: the payload was the state


@pytest.mark.allow_error_logs("event dead-lettered")
async def test_an_order_of_another_shop_replayed_with_the_victims_header_is_never_acted_on(
    services: Services, installed: ShopRef, emulator: ShopifyEmulator, app_client: AppClientFactory, emulator_http
) -> None:
    # A genuine order of another shop with the same app: its body is signed with the app's secret.
    foreign = new_order(2)
    foreign["customAttributes"] = [{"key": "_upfront_variant", "value": "treatment"}]
    emulator.other_shops_orders[ATTACKER_SHOP] = [foreign]
    body = shopify_demo.rest_order(foreign, ATTACKER_SHOP)
    async with app_client(http=emulator_http) as client:
        await deliver(client, emulator, "orders/create", body)  # sent with the victim's shop header
        await drain(services, consumer(services, max_attempts=3))
    order_id = foreign["legacyResourceId"]
    assert not await projected(services, installed, order_id)
    assert await load_journey(services, installed, order_id) is None
    assert await order_messages(services, installed, order_id) == []
    stats = await collect_stats(services.redis, services.keys)
    assert (stats.handled, stats.retrying, stats.dead) == (0, 0, 1)  # retried, then dead-lettered, never acted on
    assert emulator.graphql_roots["order"] == 0 and emulator.graphql_roots["nodes"] == 3  # one per attempt


async def test_an_order_the_api_does_not_show_yet_is_retried_then_acted_on_once_it_appears(
    services: Services, installed: ShopRef, emulator: ShopifyEmulator, app_client: AppClientFactory, emulator_http
) -> None:
    order = new_order(3)
    worker = consumer(services)
    async with app_client(http=emulator_http) as client:
        await deliver(client, emulator, "orders/create", shopify_demo.rest_order(order, installed.id))
        await drain(services, worker, retries=False)
        stats = await collect_stats(services.redis, services.keys)
        assert (stats.handled, stats.retrying, stats.dead) == (0, 1, 0)
        assert not await projected(services, installed, order["legacyResourceId"])

        emulator.orders.append(order)  # Shopify's API now shows it
        await drain(services, worker)
    stats = await collect_stats(services.redis, services.keys)
    assert (stats.handled, stats.retrying, stats.dead) == (1, 0, 0)
    assert await projected(services, installed, order["legacyResourceId"])
    records = await order_messages(services, installed, order["legacyResourceId"])
    assert [record.stage.value for record in records] == ["confirmed"]


async def test_many_events_of_one_shop_cost_one_nodes_query(
    services: Services, installed: ShopRef, emulator: ShopifyEmulator, app_client: AppClientFactory, emulator_http
) -> None:
    orders = [new_order(100 + n) for n in range(60)]
    emulator.orders.extend(orders)
    async with app_client(http=emulator_http) as client:
        for order in orders:
            body = shopify_demo.rest_order(order, installed.id)
            await deliver(client, emulator, "orders/create", body)
            await deliver(client, emulator, "orders/updated", body)
        # 120 events, read at once as one worker's XREADGROUP with a large enough batch returns them.
        assert await drain(services, consumer(services, batch=200)) == 120
    assert dict(emulator.graphql_roots) == {"nodes": 1}
    for order in orders:
        assert await projected(services, installed, order["legacyResourceId"])


async def test_fulfillment_deliveries_move_the_stored_order_without_a_fetch(
    services: Services, installed: ShopRef, emulator: ShopifyEmulator, app_client: AppClientFactory, emulator_http
) -> None:
    order = new_order(4)
    emulator.orders = [order, *emulator.orders]
    worker = consumer(services)
    async with app_client(http=emulator_http) as client:
        await deliver(client, emulator, "orders/create")
        await drain(services, worker)
        shipped_at = _iso(datetime.now(UTC) - timedelta(minutes=1))
        order["fulfillments"] = [
            {
                "legacyResourceId": "7001",
                "status": "SUCCESS",
                "displayStatus": "IN_TRANSIT",
                "updatedAt": shipped_at,
                "trackingInfo": [{"company": "DHL", "number": "JD0001", "url": "https://www.dhl.de/track?JD0001"}],
            }
        ]
        await deliver(client, emulator, "fulfillments/create")
        await drain(services, worker)
        order["fulfillments"][0].update(displayStatus="OUT_FOR_DELIVERY", updatedAt=_iso(datetime.now(UTC)))
        await deliver(client, emulator, "fulfillment_events/create")
        await drain(services, worker)
    stages = {record.stage.value: record.state for record in await order_messages(services, installed, "5000004")}
    # Shipped was overtaken before its send: the furthest stage reached is what goes out.
    assert stages["out_for_delivery"] == "scheduled" and "shipped" in stages
    assert dict(emulator.graphql_roots) == {"nodes": 1}


async def test_workers_keeping_up_with_a_steady_stream_share_one_nodes_query_per_collection_window(
    services: Services, installed: ShopRef, emulator: ShopifyEmulator, app_client: AppClientFactory, emulator_http
) -> None:
    """Three workers each read two new orders of the shop (a stream they keep up with): their six orders wait
    together in the shop's pending set and one of them asks once for all."""
    orders = [new_order(200 + n) for n in range(6)]
    emulator.orders.extend(orders)
    keys = StreamKeys.for_shop(services.keys, installed)
    await stream.ensure_group(services.redis, keys)
    async with app_client(http=emulator_http) as client:
        for order in orders:
            await deliver(client, emulator, "orders/create", shopify_demo.rest_order(order, installed.id))
    workers = [consumer(services, f"worker-{n}", confirm_collect_s=0.5) for n in range(3)]
    reads = [await stream.read_new(services.redis, keys, w.name, count=2, block_ms=10) for w in workers]
    assert [len(read) for read in reads] == [2, 2, 2]
    async with anyio.create_task_group() as tasks:
        for worker, read in zip(workers, reads, strict=True):
            tasks.start_soon(worker.handle_batch, keys, read)
    assert dict(emulator.graphql_roots) == {"nodes": 1}
    for order in orders:
        assert await projected(services, installed, order["legacyResourceId"])
