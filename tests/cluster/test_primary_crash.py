"""A cluster primary killed with SIGKILL mid-ingest and restarted from its append-only file: every delivery the app
answered 200 is handled, none is lost, and none is handled twice but the one in hand when the primary died."""

from __future__ import annotations

import asyncio
import copy
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import anyio.to_thread
import httpx
import pytest

from plugin.app import build_services, create_app
from plugin.devstore.shopify import DEMO_SHOP, create_shopify_emulator
from plugin.keys import Keys, ShopRef
from plugin.settings import load_settings
from plugin.shops import StoredToken
from plugin.storage import connect
from tests.conftest import APP_URL, SHOPIFY_API_KEY, SHOPIFY_SECRET, serve_in_process
from tests.processes import serve_emulator
from tests.redis_cluster import LocalCluster, Primary, sync_client
from webhooks.handlers.orders import order_key

pytestmark = [pytest.mark.anyio, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]
WORKER = [sys.executable, "-m", "tests.pipeline.worker_process"]  # applies order versions, counts each application
DELIVERIES = 200
CONCURRENCY = 12


def _holding_the_events(cluster: LocalCluster, prefix: str) -> Primary:
    """The primary with most of the event pipeline's keys: the one whose loss could cost acknowledged events."""

    def events_keys(primary: Primary) -> int:
        with primary.client() as client:
            return sum(1 for _ in client.scan_iter(match=f"{prefix}:{{events*", count=1000))

    return max(cluster.primaries, key=events_keys)


@pytest.mark.allow_error_logs("webhook not stored")  # the 503s while the primary is down
async def test_a_primary_killed_mid_ingest_loses_nothing_acknowledged(
    tmp_path: Path, test_env: dict[str, str], key_prefix: str
) -> None:
    emulator = create_shopify_emulator(SHOPIFY_SECRET, SHOPIFY_API_KEY, APP_URL)
    template = emulator.orders[0]
    emulator.orders = [{**copy.deepcopy(template), "legacyResourceId": str(n)} for n in range(DELIVERIES)]
    cluster = LocalCluster(tmp_path / "cluster").start()
    redis = connect(cluster.url)
    answers: dict[str, list[int]] = {}
    applied_key = Keys(key_prefix).global_("test", "applied")
    shop = ShopRef("shopify", DEMO_SHOP)
    worker_log = tmp_path / "worker.log"
    with serve_emulator(emulator) as shopify_origin, worker_log.open("w") as worker_output:
        env = {**test_env, "UPFRONT_REDIS_URL": cluster.url, "UPFRONT_SHOPIFY_ORIGIN": shopify_origin + "/{shop}"}
        settings = load_settings(env)
        worker = subprocess.Popen(
            WORKER,
            cwd=REPO,
            # Entries the worker held when the primary died are taken over after a second (production: a minute).
            env={**os.environ, **env, "UPFRONT_LOG_LEVEL": "ERROR", "TEST_CLAIM_IDLE_MS": "1000"},
            stdout=worker_output,
            stderr=subprocess.STDOUT,
        )
        try:
            async with httpx.AsyncClient() as http:
                services = build_services(settings, redis, http)
                await services.shops.save_token(shop, StoredToken("placeholder", ""))

            async with serve_in_process(create_app(settings, redis=redis)) as app:

                async def deliver(n: int) -> None:
                    delivery = f"crash-{n}"
                    headers, body = emulator.webhook(
                        "orders/updated", DEMO_SHOP, payload={"id": n, "version": 1}, event_id=delivery
                    )
                    response = await app.post("/webhooks/shopify", headers=headers, content=body)
                    answers.setdefault(delivery, []).append(response.status_code)

                async def deliver_all(numbers: list[int]) -> None:
                    for start in range(0, len(numbers), CONCURRENCY):
                        await asyncio.gather(*(deliver(n) for n in numbers[start : start + CONCURRENCY]))

                await deliver_all(list(range(0, 100)))
                # The worker is up and consuming before the kill (a worker that cannot reach Redis at start exits).
                deadline = time.monotonic() + 60
                while not await redis.hlen(applied_key):
                    assert time.monotonic() < deadline and worker.poll() is None, worker_log.read_text()
                    await anyio.sleep(0.05)
                victim = _holding_the_events(cluster, key_prefix)
                in_flight = asyncio.create_task(deliver_all(list(range(100, 124))))
                await asyncio.sleep(0)  # the first of them are on their way
                await anyio.to_thread.run_sync(victim.kill)
                await in_flight
                await anyio.to_thread.run_sync(cluster.restart, victim)
                await deliver_all(list(range(124, DELIVERIES)))
                # The platform redelivers what was not answered 200 (same event id: a duplicate if it was stored),
                # again and again as Shopify does, until it is.
                for _ in range(20):
                    unanswered = [int(d.split("-")[1]) for d, codes in answers.items() if 200 not in codes]
                    if not unanswered:
                        break
                    await deliver_all(unanswered)
                    await anyio.sleep(0.2)

            acknowledged = {delivery for delivery, codes in answers.items() if 200 in codes}
            assert len(acknowledged) == DELIVERIES, {d: c for d, c in answers.items() if 200 not in c}
            assert any(code >= 500 for codes in answers.values() for code in codes), "the kill hit no delivery"

            with sync_client(cluster.url) as plain:
                deadline = time.monotonic() + 60
                while plain.hlen(applied_key) < DELIVERIES and time.monotonic() < deadline:
                    await anyio.sleep(0.1)
                applied = {delivery: int(count) for delivery, count in plain.hgetall(applied_key).items()}
                stored = {n: plain.hget(order_key(Keys(key_prefix), shop, str(n)), "status") for n in range(DELIVERIES)}
            assert worker.poll() is None, "the worker rode out the outage: " + worker_log.read_text()
            assert set(applied) == acknowledged, "every acknowledged delivery is handled"
            # Handling and acknowledging are two writes: the event in hand when the primary holding the stream died
            # may have been handled and its acknowledgement lost with the primary; it is handled again (at least
            # once, idempotent handlers). Nothing else is: at most that one event, at most twice.
            twice = {delivery: count for delivery, count in applied.items() if count > 1}
            assert len(twice) <= 1 and set(twice.values()) <= {2}, twice
            assert set(stored.values()) == {"v1"}, "every order's state written by its one version"
        finally:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(20)
            except subprocess.TimeoutExpired:
                worker.kill()
            await redis.aclose()
            cluster.stop()
