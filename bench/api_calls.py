"""Admin API calls per Shopify order event in a flash-sale burst: signed `orders/create` deliveries for N new orders
through the real webhook endpoint, the worker's consumer and the order handlers, against the dev store emulator,
which counts every GraphQL call. Calls, not time: the figure does not depend on the machine.

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
from plugin.settings import load_settings
from plugin.shopify.adapter import shopify_platform
from plugin.storage import connect
from webhooks import stream
from webhooks.consumer import EventConsumer
from webhooks.stats import collect_stats
from webhooks.stream import StreamKeys

# 10,000 orders (a flash sale) take minutes on a busy 2-core machine, and the figure is the same at 2,000: one
# `nodes` query per consumer read of 100 events, whatever the burst size. BENCH_API_CALLS_ORDERS=10000 runs it all.
ORDERS = int(os.environ.get("BENCH_API_CALLS_ORDERS", "2000"))
BASELINE_ORDERS = 500
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


async def _burst(data_dir: Path, orders: int, *, ids_only: bool) -> Burst:
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
                await _post_all(client, emulator, nodes, ids_only=ids_only)
                consumer = EventConsumer(services, build_event_handlers(), name="bench")
                keys = StreamKeys.of(services.keys)
                await stream.ensure_group(redis, keys)
                while entries := await stream.read_new(
                    redis, keys, consumer.name, count=consumer.options.batch, block_ms=10
                ):
                    await consumer.handle_batch(entries)
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
            headers, body = emulator.webhook("orders/create", DEMO_SHOP, payload=payload)
            answer = await client.post("/webhooks/shopify", headers=headers, content=body)
            if answer.status_code != 200:
                raise RuntimeError(f"delivery refused: {answer.status_code} {answer.text}")

    async with anyio.create_task_group() as tasks:
        for _ in range(POSTERS):
            tasks.start_soon(poster)


def _run(orders: int, *, ids_only: bool) -> Burst:
    with tempfile.TemporaryDirectory() as data_dir:
        return anyio.run(lambda: _burst(Path(data_dir), orders, ids_only=ids_only))


def measure() -> list[Figure]:
    burst = _run(ORDERS, ids_only=False)
    fetched = _run(min(BASELINE_ORDERS, ORDERS), ids_only=True)
    value = burst.calls / burst.events
    baseline = fetched.calls / fetched.events
    return [
        Figure(
            name="Admin API calls per order event",
            value=value,
            unit="calls",
            baseline=baseline,
            baseline_label=f"fetch per event, {fetched.events} ids-only events",
            ratio=value / baseline if baseline else 0.0,
            goal="<= 0.05",
            detail=(
                f"{burst.events} orders/create in one burst: {burst.nodes_calls} nodes + {burst.order_calls} order "
                f"queries, {burst.handled} handled, {burst.dead} not handled, {burst.seconds:.0f} s"
            ),
        )
    ]


if __name__ == "__main__":  # python -m bench.api_calls
    for figure in measure():
        print(figure.line())
