"""The on-time badge states only a measured rate, always with its sample size and period, and only from enough
deliveries measured against the window their confirmation promised."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from plugin.app import build_job_handlers
from plugin.keys import ShopRef
from plugin.services import Services
from plugin.storage import as_optional_text
from tests.journey.conftest import run_jobs
from tests.widgets.conftest import WidgetClient
from widgets.estimator.learning import (
    MIN_ON_TIME_SAMPLES,
    DeliverySample,
    LearnedSummary,
    OnTime,
    learned_key,
    record_delivery,
    refresh_learned_transit,
)
from widgets.settings import default_settings, save_widget_settings

pytestmark = pytest.mark.anyio
BASE = "/storefront/shopify/upfront-demo.myshopify.com"


async def _deliveries(services: Services, shop: ShopRef, on_time: int, late: int, start: int = 0) -> None:
    now = datetime.now(UTC)
    delivered = (now - timedelta(days=3)).date()
    for n in range(start, start + on_time + late):
        promised = delivered + timedelta(days=1) if n < start + on_time else delivered - timedelta(days=2)
        sample = DeliverySample(f"s{n}", "zone-1", "Standard", delivered - timedelta(days=2), delivered, 2, promised)
        assert await record_delivery(services, shop, sample, now)
    await refresh_learned_transit(services, shop)


async def _badges(widget_client: WidgetClient) -> str:
    async with widget_client() as client:
        answer = await client.get(f"{BASE}/widgets/badges", params={"placement": "footer", "bucket": "50"})
    assert answer.status_code == 200
    return answer.text


async def test_the_badge_states_the_rate_with_its_sample_size_and_only_from_enough_deliveries(
    widget_client: WidgetClient, services: Services, shop: ShopRef
) -> None:
    defaults = default_settings(services.settings.manifest.widgets)
    await save_widget_settings(services.redis, services.keys, shop, {"badges": {"kinds": ["on_time"]}}, defaults)
    assert "delivered on time" not in await _badges(widget_client)  # nothing measured

    await _deliveries(services, shop, on_time=MIN_ON_TIME_SAMPLES - 2, late=1)
    assert "delivered on time" not in await _badges(widget_client)  # too few to claim anything

    # 1,131 of 1,203 on time is 94.01%: the example the issue gives.
    await _deliveries(services, shop, on_time=1131 - (MIN_ON_TIME_SAMPLES - 2), late=71, start=MIN_ON_TIME_SAMPLES)
    html = await _badges(widget_client)
    assert "94% delivered on time" in html
    assert "last 90 days, n = 1,203" in html


async def test_a_redelivered_shipment_counts_once(services: Services, shop: ShopRef) -> None:
    now = datetime.now(UTC)
    day = now.date()
    sample = DeliverySample("same", "zone-1", "Standard", day - timedelta(days=2), day, 2, day)
    assert await record_delivery(services, shop, sample, now)
    assert not await record_delivery(services, shop, sample, now)
    old = DeliverySample("old", "zone-1", "Standard", day - timedelta(days=95), day - timedelta(days=91), 4, None)
    assert not await record_delivery(services, shop, old, now)  # outside the 90 days
    report = await refresh_learned_transit(services, shop)
    assert [(m.method, m.samples) for m in report.methods] == [("Standard", 1)]


async def test_a_new_delivery_schedules_the_recomputation_the_worker_runs(services: Services, shop: ShopRef) -> None:
    key = learned_key(services, shop)
    now = datetime.now(UTC)
    day = now.date()
    sample = DeliverySample("one", "zone-1", "Standard", day - timedelta(days=2), day, 2, day)
    assert await record_delivery(services, shop, sample, now)
    assert await services.redis.get(key) is None
    assert await run_jobs(services, build_job_handlers(), fast_forward=True) >= 1
    summary = LearnedSummary.from_json(as_optional_text(await services.redis.get(key)))
    assert summary is not None and summary.on_time == OnTime(1, 1)
