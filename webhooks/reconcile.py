"""Reconciliation: per shop, list recently changed orders through the adapter and queue what webhooks missed."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from plugin.events import ORDER_UPDATED, PlatformEvent
from plugin.jobs import Job, schedule_job
from plugin.keys import ShopRef
from plugin.services import Services
from plugin.storage import as_optional_text
from webhooks.ingest import enqueue_event

log = logging.getLogger(__name__)

RECONCILE_EVERY_S = 15 * 60
FIRST_LOOKBACK = timedelta(hours=24)
OVERLAP = timedelta(minutes=5)  # re-read a little of the last window: clocks and platform indexes lag


async def reconcile_shop(services: Services, shop: ShopRef, args: Mapping[str, Any]) -> None:
    if not await services.shops.is_active(shop):
        return
    marker = services.keys.shop(shop, "reconciled_at")
    last = as_optional_text(await services.redis.get(marker))
    now = datetime.now(UTC)
    since = datetime.fromtimestamp(float(last), UTC) - OVERLAP if last else now - FIRST_LOOKBACK
    orders = await services.platforms[shop.platform].list_recent_orders(shop, since)
    queued = 0
    for order in orders:
        event = PlatformEvent(
            shop=shop,
            type=ORDER_UPDATED,
            # The same order state always gets the same id, so webhooks and earlier runs dedupe it away.
            delivery_id=f"reconcile:{order.id}:{int(order.updated_at.timestamp() * 1000)}",
            occurred_at=order.updated_at,
            source_topic="reconcile",
            order_id=order.id,
        )
        if await enqueue_event(services.redis, services.keys, event):
            queued += 1
    await services.redis.set(marker, str(now.timestamp()))
    log.info("reconciled", extra={"shop": shop.tag, "orders": len(orders), "queued": queued})


RESYNC_EVERY_S = 6 * 3600
RESYNC_JOB = "shop.resync"


async def schedule_per_shop(services: Services, job_name: str, every_s: int) -> int:
    """One `job_name` job per active shop per window of `every_s` seconds. Every worker calls this; the first
    one per window does it (a marker that expires with the window), and the job ids make it idempotent."""
    window = int(time.time() // every_s)
    claimed = await services.redis.set(
        services.keys.global_("schedule", job_name, str(window)), "1", nx=True, ex=every_s * 2
    )
    if not claimed:
        return 0
    shops = await services.shops.active_shops()
    for shop in shops:
        await schedule_job(services.redis, services.keys, Job(job_name, shop, f"{job_name}:{shop.tag}:{window}"))
    return len(shops)


async def schedule_reconciliation(services: Services) -> int:
    return await schedule_per_shop(services, "events.reconcile", RECONCILE_EVERY_S)


async def schedule_resync(services: Services) -> int:
    """Shop facts and shipping rates change in the platform's admin without a webhook: sync them regularly."""
    return await schedule_per_shop(services, RESYNC_JOB, RESYNC_EVERY_S)
