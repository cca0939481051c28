"""Redis bytes per tracked order: the whole pipeline (event, order state, journey, messages sent over SMTP to a
real server on loopback) for N orders, against the size of the order payload the platform sent, in one run."""

from __future__ import annotations

import copy
import json
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import anyio
import httpx
from aiosmtpd.controller import Controller

from bench.figures import Figure
from bench.servers import free_port
from plugin.app import build_event_handlers, build_job_handlers, build_services
from plugin.devstore.shopify import DEMO_SHOP, create_shopify_emulator
from plugin.devstore.shopify_demo import new_order, rest_order
from plugin.email.transport import SmtpMailer
from plugin.embedded_redis import EmbeddedRedis
from plugin.jobs import run_due_jobs
from plugin.keys import ShopRef
from plugin.settings import load_settings
from plugin.shopify.adapter import shopify_platform
from plugin.storage import connect
from webhooks.consumer import ConsumerOptions, EventConsumer
from webhooks.ingest import enqueue_event
from webhooks.stats import collect_stats

ORDERS = 300
SECRET = "bench-shopify-secret-0123456789abcdef"
API_KEY = "bench-api-key"
ORIGIN = "http://shopify.bench"


class _Discard:
    """The receiving SMTP server: accepts every message, keeps none."""

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802
        return "250 OK"


async def _used_memory(redis: object) -> int:
    info = await redis.info("memory")  # type: ignore[attr-defined]
    return int(info["used_memory"])


async def _run(data_dir: Path) -> tuple[float, float, float]:
    emulator = create_shopify_emulator(SECRET, API_KEY, "http://app.bench")
    template = emulator.orders[0]
    recent = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
    emulator.orders = [
        {**copy.deepcopy(template), "legacyResourceId": str(7000 + n), "name": f"#{7000 + n}", "createdAt": recent}
        for n in range(ORDERS)
    ]
    server = EmbeddedRedis(data_dir)
    smtp = Controller(_Discard(), hostname="127.0.0.1", port=free_port())
    smtp.start()
    env = {
        "UPFRONT_SMTP_URL": f"smtp://127.0.0.1:{smtp.port}",
        "UPFRONT_REDIS_URL": server.start(),
        "UPFRONT_SECRET_KEY": "bench-" + "k" * 40,
        "SHOPIFY_API_SECRET": SECRET,
        "SHOPIFY_API_KEY": API_KEY,
        "UPFRONT_SHOPIFY_ORIGIN": ORIGIN + "/{shop}",
    }
    settings = load_settings(env)
    redis = connect(str(settings.redis_url))
    shop = ShopRef("shopify", DEMO_SHOP)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=emulator), base_url=ORIGIN) as http:
            services = build_services(settings, redis, http)
            await shopify_platform(services).tokens.ensure_from_session_token(shop, emulator.session_token())
            mailer = SmtpMailer(str(settings.smtp_url))
            jobs = build_job_handlers(mailer)
            while await run_due_jobs(services, jobs):
                pass
            before = await _used_memory(redis)
            sent_bytes = 0
            for n in range(ORDERS):
                # An order the dev store knows, as Shopify would: the app confirms it is the shop's before acting.
                node = new_order(7000 + n, datetime.now(UTC).isoformat())
                emulator.orders.append(node)
                payload = rest_order(node, DEMO_SHOP)
                sent_bytes += len(json.dumps(payload))
                headers, _ = emulator.webhook("orders/create", DEMO_SHOP, payload=payload)
                received = {name.lower(): value for name, value in headers.items()}  # as ASGI delivers them
                event = shopify_platform(services).verify_webhook(received, json.dumps(payload).encode())
                assert event is not None
                await enqueue_event(redis, services.keys, event)
            stop = anyio.Event()
            consumer = EventConsumer(services, build_event_handlers(), ConsumerOptions(block_ms=10))
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(consumer.run, stop)
                while True:
                    await run_due_jobs(services, jobs)
                    stats = await collect_stats(redis, services.keys)
                    if stats.pending == stats.processing == stats.retrying == 0:
                        break
                    await anyio.sleep(0.05)
                stop.set()
            after = await _used_memory(redis)
            keys = await redis.dbsize()
            await mailer.aclose()
    finally:
        await redis.aclose()
        server.stop()
        smtp.stop()
    return (after - before) / ORDERS, sent_bytes / ORDERS, keys / ORDERS


def measure() -> list[Figure]:
    with tempfile.TemporaryDirectory() as data_dir:
        per_order, payload, keys = anyio.run(_run, Path(data_dir))
    return [
        Figure(
            name="redis bytes per tracked order",
            value=per_order,
            unit="bytes",
            baseline=payload,
            baseline_label="platform payload",
            ratio=per_order / payload,
            goal="a small multiple of the payload",
            detail=f"{ORDERS} orders through ingest, order state, journey and messages; {keys:.1f} keys/order",
        )
    ]
