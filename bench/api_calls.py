"""Admin API calls per Shopify order event in a flash-sale burst: signed `orders/create` deliveries for N new orders
through the real webhook endpoint, the worker's consumer and the order handlers, against the dev store emulator,
which counts every GraphQL call. Calls, not time: the figure does not depend on the machine.

Two arrivals: a burst queued before the workers read it (each read returns 100 new orders: one call each), and a
steady stream at the flash sale's rate (10,000 orders in 10 minutes, 16.7/s) that two workers keep up with, so each
read returns an order or two and the shop's pending set + collection window (webhooks.ownership) does the batching.

The baseline is the same pipeline fed the same orders as ids-only payloads (what it must fetch, one order query per
event, as every Shopify event did before payloads became state), on a smaller burst since it is linear.
Messages are scheduled but not sent here: reading the order at send time is one call per message sent, spread over
the days of the journey, and not part of an event's budget.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import anyio
import httpx
from starlette.applications import Starlette
from starlette.types import Receive, Scope, Send

from bench.figures import Figure
from plugin.app import build_event_handlers, build_services, create_app
from plugin.devstore.shopify import DEMO_SHOP, ShopifyEmulator, create_shopify_emulator
from plugin.devstore.shopify_demo import new_order, rest_order
from plugin.embedded_redis import EmbeddedRedis
from plugin.keys import ShopRef
from plugin.services import Services
from plugin.settings import load_settings
from plugin.shopify.adapter import shopify_platform
from plugin.storage import connect
from webhooks.consumer import ConsumerOptions, EventConsumer
from webhooks.stats import collect_stats

# 10,000 orders (a flash sale) take minutes on a busy 2-core machine, and the figure is the same at 2,000: one
# `nodes` query per consumer read of 100 events, whatever the burst size. BENCH_API_CALLS_ORDERS=10000 runs it all.
ORDERS = int(os.environ.get("BENCH_API_CALLS_ORDERS", "2000"))
BASELINE_ORDERS = 500
STREAM_ORDERS, STREAM_RATE, WORKERS = 500, 16.7, 2  # 10,000 orders in 10 minutes, 30 s of it
SECRET = "bench-shopify-secret-0123456789abcdef"
API_KEY = "bench-api-key"
ORIGIN = "http://shopify.bench"
APP = "https://upfront.bench"
POSTERS = 32  # concurrent deliveries, as Shopify sends a burst


@dataclass(frozen=True)
class Burst:
    events: int
    calls: int
    nodes_calls: int
    order_calls: int
    handled: int
    dead: int
    seconds: float


async def _burst(data_dir: Path, orders: int, *, ids_only: bool, rate: float | None = None) -> Burst:
    """`orders` deliveries, all at once (rate None: queued, then drained by one consumer) or at `rate` per second
    while WORKERS consumers run as a worker runs them."""
    server = EmbeddedRedis(data_dir)
    env = {
        "UPFRONT_REDIS_URL": server.start(),
        "UPFRONT_SECRET_KEY": "bench-" + "k" * 40,
        "UPFRONT_APP_URL": APP,
        "SHOPIFY_API_SECRET": SECRET,
        "SHOPIFY_API_KEY": API_KEY,
        "UPFRONT_SHOPIFY_ORIGIN": ORIGIN + "/{shop}",
        "UPFRONT_LOG_LEVEL": "WARNING",
    }
    settings = load_settings(env)
    redis = connect(str(settings.redis_url))
    await redis.config_set("appendfsync", "no")  # calls are counted, not time: no fsync per write on a shared disk
    emulator: ShopifyEmulator = create_shopify_emulator(SECRET, API_KEY, APP)
    shop = ShopRef("shopify", DEMO_SHOP)
    placed = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    nodes = [new_order(9_000_000 + n, placed) for n in range(orders)]
    emulator.orders.extend(nodes)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=emulator), base_url=ORIGIN) as http:
            app = create_app(settings, redis=redis, http=http)
            async with _in_process(app) as client:
                services = build_services(settings, redis, http)  # the worker's wiring, on the same Redis
                await shopify_platform(services).tokens.ensure_from_session_token(shop, emulator.session_token())
                calls_before = emulator.graphql_calls
                emulator.graphql_roots.clear()
                started = time.perf_counter()
                if rate is None:
                    await _post_all(client, emulator, nodes, ids_only=ids_only)
                    await _drain(services)
                else:
                    await _stream(services, client, emulator, nodes, rate)
                seconds = time.perf_counter() - started
                stats = await collect_stats(redis, services.keys)
    finally:
        await redis.aclose()
        server.stop()
    return Burst(
        events=orders,
        calls=emulator.graphql_calls - calls_before,
        nodes_calls=emulator.graphql_roots["nodes"],
        order_calls=emulator.graphql_roots["order"],
        handled=stats.handled,
        dead=stats.dead + stats.retrying,
        seconds=seconds,
    )


async def _drain(services: Services) -> None:
    consumer = EventConsumer(services, build_event_handlers(), name="bench")
    while await consumer.sweep():  # every partition, until a sweep finds nothing
        pass


async def _stream(
    services: Services,
    client: httpx.AsyncClient,
    emulator: ShopifyEmulator,
    nodes: list[dict[str, Any]],
    rate: float,
) -> None:
    stop = anyio.Event()
    options = ConsumerOptions(block_ms=100)
    consumers = [EventConsumer(services, build_event_handlers(), options, name=f"bench-{n}") for n in range(WORKERS)]
    async with anyio.create_task_group() as tasks:
        for consumer in consumers:
            tasks.start_soon(consumer.run, stop)
        begun = time.perf_counter()
        for index, node in enumerate(nodes):
            await _post(client, emulator, rest_order(node, DEMO_SHOP))
            await anyio.sleep(max(0.0, begun + (index + 1) / rate - time.perf_counter()))
        while True:
            stats = await collect_stats(services.redis, services.keys)
            if stats.pending == stats.processing == 0:
                break
            await anyio.sleep(0.1)
        stop.set()


async def _post(client: httpx.AsyncClient, emulator: ShopifyEmulator, payload: dict[str, Any]) -> None:
    headers, body = emulator.webhook("orders/create", DEMO_SHOP, payload=payload)
    answer = await client.post("/webhooks/shopify", headers=headers, content=body)
    if answer.status_code != 200:
        raise RuntimeError(f"delivery refused: {answer.status_code} {answer.text}")


@asynccontextmanager
async def _in_process(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan run, reached in-process as a server would call it."""
    async with app.router.lifespan_context(app) as state:

        async def with_state(scope: Scope, receive: Receive, send: Send) -> None:
            scope["state"] = dict(state or {})
            await app(scope, receive, send)

        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=with_state), base_url=APP) as client:
            yield client


async def _post_all(
    client: httpx.AsyncClient, emulator: ShopifyEmulator, nodes: list[dict[str, Any]], *, ids_only: bool
) -> None:
    queue = list(reversed(nodes))

    async def poster() -> None:
        while queue:
            node = queue.pop()
            payload = {"id": int(node["legacyResourceId"])} if ids_only else rest_order(node, DEMO_SHOP)
            await _post(client, emulator, payload)

    async with anyio.create_task_group() as tasks:
        for _ in range(POSTERS):
            tasks.start_soon(poster)


def _run(orders: int, *, ids_only: bool = False, rate: float | None = None) -> Burst:
    with tempfile.TemporaryDirectory() as data_dir:
        return anyio.run(lambda: _burst(Path(data_dir), orders, ids_only=ids_only, rate=rate))


def _figure(name: str, run: Burst, fetched: Burst, how: str) -> Figure:
    value, baseline = run.calls / run.events, fetched.calls / fetched.events
    return Figure(
        name=name,
        value=value,
        unit="calls",
        baseline=baseline,
        baseline_label=f"fetch per event, {fetched.events} ids-only events",
        ratio=value / baseline if baseline else 0.0,
        goal="<= 0.05",
        detail=(
            f"{run.events} orders/create {how}: {run.nodes_calls} nodes + {run.order_calls} order queries, "
            f"{run.handled} handled, {run.dead} not handled, {run.seconds:.0f} s"
        ),
    )


def measure() -> list[Figure]:
    fetched = _run(min(BASELINE_ORDERS, ORDERS), ids_only=True)
    burst = _run(ORDERS)
    steady = _run(STREAM_ORDERS, rate=STREAM_RATE)
    return [
        _figure("API calls/order event, burst", burst, fetched, "queued at once"),
        _figure("API calls/order event, stream", steady, fetched, f"at {STREAM_RATE}/s, {WORKERS} workers"),
    ]


if __name__ == "__main__":  # python -m bench.api_calls
    for figure in measure():
        print(figure.line())
