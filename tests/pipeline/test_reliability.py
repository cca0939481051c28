"""Nothing acknowledged is lost and nothing is applied twice: real worker processes, real Redis, real crashes."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from plugin.embedded_redis import EmbeddedRedis
from plugin.keys import Keys
from plugin.storage import connect
from tests.pipeline.conftest import SHOP, order_event
from tests.redis_cluster import sync_client
from webhooks.ingest import enqueue_event
from webhooks.stats import collect_stats
from webhooks.stream import StreamKeys

pytestmark = [pytest.mark.anyio, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]
WORKER = [sys.executable, "-m", "tests.pipeline.worker_process"]


@contextmanager
def _workers(count: int, env: dict[str, str]) -> Iterator[list[subprocess.Popen[bytes]]]:
    processes = [
        subprocess.Popen(WORKER, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for _ in range(count)
    ]
    try:
        yield processes
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()


def _worker_env(test_env: dict[str, str], **extra: str) -> dict[str, str]:
    return {**os.environ, **test_env, "UPFRONT_LOG_LEVEL": "WARNING", **extra}


def _wait_until(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def test_a_storm_of_duplicated_shuffled_deliveries_is_applied_exactly_once_in_effect(
    test_env: dict[str, str], redis_url: str, key_prefix: str
) -> None:
    orders, versions = 250, 4
    unique = [
        order_event(f"o{o}-v{v}", order_id=str(o), version=v) for o in range(orders) for v in range(1, versions + 1)
    ]
    rng = random.Random(7)
    deliveries = unique + rng.sample(unique, k=int(len(unique) * 0.3))
    rng.shuffle(deliveries)
    assert len(deliveries) == 1300

    keys = Keys(key_prefix)
    client = connect(redis_url)
    with _workers(2, _worker_env(test_env)):
        acknowledged = [await enqueue_event(client, keys, event) for event in deliveries]
        assert sum(entry is not None for entry in acknowledged) == len(unique)
        plain = sync_client(redis_url)
        _wait_until(lambda: plain.hlen(keys.global_("test", "applied")) == len(unique), 60, "all deliveries applied")

    applied = await client.hgetall(keys.global_("test", "applied"))
    assert set(applied) == {event.delivery_id for event in unique}
    assert set(applied.values()) == {"1"}, "no delivery applied twice"
    for order in range(orders):
        state = await client.hget(f"{key_prefix}:{{shopify:demo.myshopify.com}}:order:{order}", "status")
        assert state == f"v{versions}", "the newest version wins whatever the arrival order"
    stats = await collect_stats(client, keys)
    assert (stats.received, stats.duplicates, stats.handled) == (
        len(unique),
        len(deliveries) - len(unique),
        len(unique),
    )
    assert (stats.pending, stats.processing, stats.dead) == (0, 0, 0)
    await client.aclose()


async def test_a_worker_killed_mid_handler_has_its_entries_reclaimed_and_finished(
    test_env: dict[str, str], redis_url: str, key_prefix: str
) -> None:
    keys = Keys(key_prefix)
    client = connect(redis_url)
    plain = sync_client(redis_url)
    env = _worker_env(test_env, TEST_CLAIM_IDLE_MS="1000")
    with _workers(1, env) as [victim]:
        await enqueue_event(client, keys, order_event("slow-one", order_id="9", version=1, slow=True))
        for index in range(5):
            await enqueue_event(client, keys, order_event(f"after-{index}", order_id=f"1{index}", version=1))
        _wait_until(lambda: plain.exists(keys.global_("test", "started", "slow-one")), 30, "the slow handler to start")
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)
    assert plain.hget(keys.global_("test", "applied"), "slow-one") is None

    with _workers(1, env):
        _wait_until(lambda: plain.hlen(keys.global_("test", "applied")) == 6, 30, "the rescuer to finish everything")
    stats = await collect_stats(client, keys)
    assert (stats.pending, stats.processing, stats.dead, stats.handled) == (0, 0, 0, 6)
    await client.aclose()


async def test_events_acknowledged_before_a_redis_sigkill_are_there_after_restart(tmp_path: Path) -> None:
    keys = Keys("crash")
    server = EmbeddedRedis(tmp_path / "redis")
    client = connect(server.start())
    acknowledged = [
        await enqueue_event(client, keys, order_event(f"acked-{index}", order_id=str(index))) for index in range(300)
    ]
    assert all(acknowledged)
    server.kill()  # SIGKILL right after the last acknowledgement: no shutdown, no final save
    await client.aclose()

    restarted = EmbeddedRedis(tmp_path / "redis")
    client = connect(restarted.start())
    try:
        entries = await client.xrange(StreamKeys.for_shop(keys, SHOP).stream)
        delivered = {json.loads(json.dumps(fields))["delivery_id"] for _, fields in entries}
        assert delivered == {f"acked-{index}" for index in range(300)}
        assert await enqueue_event(client, keys, order_event("acked-7", order_id="7")) is None, "dedupe survived too"
    finally:
        await client.aclose()
        restarted.stop()
