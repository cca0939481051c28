"""The cluster bench's parts on real clusters: a one-primary cluster (every slot on one node, the bench's baseline)
serves the app's storage, and the count of shops per primary follows the cluster's own slot map."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.app_factory import bench_shops
from bench.cluster_ingest import partitions_per_primary, shops_per_primary
from plugin.storage import connect
from tests.redis_cluster import LocalCluster

pytestmark = pytest.mark.anyio


async def test_a_one_primary_cluster_takes_every_slot_and_holds_every_shop(tmp_path: Path) -> None:
    cluster = LocalCluster(tmp_path, size=1).start()
    try:
        client = connect(cluster.url)
        for index in range(20):  # keys of many slots, all answered by the one node
            await client.set(f"k{index}", str(index))
        assert [await client.get(f"k{index}") for index in range(20)] == [str(index) for index in range(20)]
        await client.aclose()
        assert shops_per_primary(cluster, bench_shops(1000)) == [1000]
    finally:
        cluster.stop()


def test_shops_are_counted_on_the_primary_that_owns_their_partitions_slot(redis_cluster: LocalCluster) -> None:
    spread = shops_per_primary(redis_cluster, bench_shops(1000))
    assert sum(spread) == 1000 and len(spread) == 3
    # 16 partitions are 16 slots: how they fall on three even slot ranges is the figure the bench reports; more
    # partitions spread evenly (README: Scaling out).
    assert spread == [442, 192, 366]
    assert shops_per_primary(redis_cluster, bench_shops(1000), partitions=32) == [305, 335, 360]
    assert shops_per_primary(redis_cluster, bench_shops(1000), partitions=64) == [320, 335, 345]
    assert [partitions_per_primary(redis_cluster, count) for count in (16, 32, 64)] == [
        [7, 3, 6],
        [10, 11, 11],
        [21, 21, 22],
    ]
