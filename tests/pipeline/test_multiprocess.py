"""Two app processes and two workers sharing one Redis: every delivery handled once, none lost, none doubled."""

from __future__ import annotations

import copy
import random
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from plugin.devstore.shopify import DEMO_SHOP, create_shopify_emulator
from tests.conftest import SHOPIFY_API_KEY, SHOPIFY_SECRET
from tests.processes import free_port, metric, process_env, running, serve_emulator, wait_for_metric, wait_ready
from tests.redis_cluster import sync_client

pytestmark = pytest.mark.slow
ORDERS = 150


def test_two_apps_and_two_workers_share_one_redis_without_losing_or_doubling(
    tmp_path: Path, redis_url: str, key_prefix: str
) -> None:
    app_urls = [f"http://127.0.0.1:{free_port()}" for _ in range(2)]
    emulator = create_shopify_emulator(SHOPIFY_SECRET, SHOPIFY_API_KEY, app_urls[0])
    template = emulator.orders[0]
    emulator.orders = [
        {**copy.deepcopy(template), "legacyResourceId": str(9000 + n), "name": f"#{9000 + n}"} for n in range(ORDERS)
    ]
    with serve_emulator(emulator) as shopify_origin, ExitStack() as stack:
        env = process_env(
            tmp_path / "data",
            UPFRONT_REDIS_URL=redis_url,
            UPFRONT_KEY_PREFIX=key_prefix,
            UPFRONT_SHOPIFY_ORIGIN=shopify_origin + "/{shop}",
            SHOPIFY_API_KEY=SHOPIFY_API_KEY,
            UPFRONT_LOG_LEVEL="WARNING",
        )
        apps = []
        for url in app_urls:
            process = stack.enter_context(
                running(["serve", "--port", url.rsplit(":", 1)[1]], {**env, "UPFRONT_APP_URL": url})
            )
            wait_ready(url, process)
            apps.append(url)
        for _ in range(2):
            stack.enter_context(running(["worker"], env))

        token = emulator.session_token(DEMO_SHOP)
        installed = httpx.get(f"{apps[0]}/admin/api/session", headers={"Authorization": f"Bearer {token}"})
        assert installed.status_code == 200, installed.text
        wait_for_metric(apps[0], "upfront_jobs_scheduled", 0)  # post-install sync done by one of the workers

        rng = random.Random(11)
        deliveries = [
            emulator.webhook("orders/create", DEMO_SHOP, payload={"id": 9000 + n}, event_id=f"evt-{n}")
            for n in range(ORDERS)
        ]
        storm = deliveries + rng.sample(deliveries, k=ORDERS * 3 // 10)
        rng.shuffle(storm)
        answers = [
            httpx.post(f"{apps[i % 2]}/webhooks/shopify", headers=headers, content=body).json()["status"]
            for i, (headers, body) in enumerate(storm)
        ]
        assert answers.count("queued") == ORDERS and answers.count("duplicate") == len(storm) - ORDERS

        wait_for_metric(apps[1], "upfront_events_handled_total", ORDERS)
        assert metric(apps[1], "upfront_events_dead") == 0
        assert metric(apps[0], "upfront_events_pending") == 0

    plain = sync_client(redis_url)
    stored = list(plain.scan_iter(match=f"{key_prefix}:{{shopify:{DEMO_SHOP}}}:order:9*", count=1000))
    assert len(stored) == ORDERS, "every order was fetched through the platform and stored once"
