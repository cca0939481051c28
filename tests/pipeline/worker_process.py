"""A real worker process for reliability tests: the production `run_worker` with a test registry.

The handler applies order versions with the production compare-and-set (`record_order`), counts every
application, and — for events whose payload says so — sleeps once, so a test can SIGKILL it mid-handler.
"""

from __future__ import annotations

import os
import signal
from datetime import UTC, datetime
from decimal import Decimal

import anyio

from plugin.app import build_services, outbound_client
from plugin.events import PlatformEvent
from plugin.platform import Order
from plugin.services import Services
from plugin.settings import load_settings
from plugin.storage import open_redis
from webhooks.consumer import ConsumerOptions
from webhooks.handlers.orders import record_order
from webhooks.worker import run_worker


async def apply_version(services: Services, event: PlatformEvent) -> None:
    redis, keys = services.redis, services.keys
    if event.payload.get("slow") and await redis.set(keys.global_("test", "slept", event.delivery_id), "1", nx=True):
        await redis.set(keys.global_("test", "started", event.delivery_id), str(os.getpid()))
        await anyio.sleep(60)
    version = int(event.payload["version"])
    order = Order(
        shop=event.shop,
        id=event.order_id or "",
        name=f"#{event.order_id}",
        created_at=datetime(2026, 11, 1, tzinfo=UTC),
        updated_at=event.occurred_at,
        currency="EUR",
        total=Decimal(version),
        status=f"v{version}",
    )
    await record_order(services, order)
    await redis.hincrby(keys.global_("test", "applied"), event.delivery_id, 1)


async def main() -> None:
    settings = load_settings()
    options = ConsumerOptions(
        block_ms=50, claim_idle_ms=int(os.environ.get("TEST_CLAIM_IDLE_MS", "60000")), reclaim_every_s=0.2
    )
    stop = anyio.Event()
    async with open_redis(settings) as redis, outbound_client() as http, anyio.create_task_group() as tasks:

        async def stop_on_signal() -> None:
            with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
                async for _ in signals:
                    stop.set()
                    return

        tasks.start_soon(stop_on_signal)
        services = build_services(settings, redis, http)
        await run_worker(services, {}, {"order.updated": apply_version}, stop, options)
        tasks.cancel_scope.cancel()


if __name__ == "__main__":
    anyio.run(main)
