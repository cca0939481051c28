"""Event and job partitions: which partition a shop's events and jobs belong to, and the layout in force.

A shop's events and jobs go to partition ``hash(platform:shop id) mod count``; each partition's keys share one
hash tag (``{events:3/16}``, ``{jobs:3/16}``: partition 3 of 16), so every script and transaction over a partition
stays in one Redis Cluster slot, and partitions spread over the cluster's primaries. The count is part of the tag:
after `upfront queue repartition` the old partitions (the "previous" layout) keep their names while workers drain
them, and the new ones never collide with them.

The layout in force is recorded in Redis (``up:global:partitions``); a process starts from it (or records its own
setting, ``UPFRONT_EVENT_PARTITIONS``, when there is none yet) and learns of a change either from that record or
from a sealed old partition refusing a write (webhooks.ingest, plugin.jobs).
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from redis.exceptions import RedisError

if TYPE_CHECKING:
    from plugin.keys import Keys, ShopRef
    from plugin.storage import RedisStore

log = logging.getLogger(__name__)

DEFAULT_PARTITIONS = 16
MAX_PARTITIONS = 1024
# Platforms retry a failed delivery for up to ~48 h (BigCommerce: 60 s ... 86,400 s, 48.07 h in all; Shopify:
# 8 tries over 4 h since September 2024, 48 h before). Dedupe markers of a delivery are kept at least this long,
# and the old layout is consulted for duplicates this long after a repartition.
DEDUPE_WINDOW_SECONDS = 50 * 3600


def shop_hash(shop_tag: str) -> int:
    """A stable 64-bit hash of ``platform:shop id`` (the same in every process and release, unlike hash())."""
    return int.from_bytes(hashlib.blake2b(shop_tag.encode(), digest_size=8).digest(), "big")


@dataclass(frozen=True, order=True)
class Partition:
    index: int
    count: int

    def tag(self, kind: str) -> str:
        """The hash tag's content: ``events:3/16``."""
        return f"{kind}:{self.index}/{self.count}"


def partition_of(shop: ShopRef | str, count: int) -> Partition:
    return _partition(shop if isinstance(shop, str) else shop.tag, count)


@lru_cache(maxsize=16384)  # every delivery asks: one lookup instead of a hash and a new Partition
def _partition(tag: str, count: int) -> Partition:
    return Partition(shop_hash(tag) % count, count)


def every_partition(count: int) -> list[Partition]:
    return [Partition(index, count) for index in range(count)]


def valid_count(count: int) -> bool:
    return 1 <= count <= MAX_PARTITIONS


class Layout:
    """The partition count in force and, for a while after a repartition, the previous one (drained by workers,
    consulted for duplicates). Shared by everything in a process that reaches Redis through one `Keys`."""

    def __init__(self, count: int = DEFAULT_PARTITIONS, previous: int | None = None, since: float = 0.0) -> None:
        if not valid_count(count):
            raise ValueError(f"the partition count must be 1..{MAX_PARTITIONS}, not {count}")
        self.count = count
        self.previous = previous
        self.since = since
        self.adopted = False  # set once a recorded layout (or a seal) was taken on

    def __repr__(self) -> str:
        return f"Layout(count={self.count}, previous={self.previous}, since={self.since})"

    def of(self, shop: ShopRef | str) -> Partition:
        return partition_of(shop, self.count)

    def previous_of(self, shop: ShopRef | str) -> Partition | None:
        """The shop's partition in the previous layout, while its dedupe markers can still matter."""
        if self.previous is None or time.time() > self.since + DEDUPE_WINDOW_SECONDS:
            return None
        return partition_of(shop, self.previous)

    def shop_partitions(self, shop: ShopRef | str) -> list[Partition]:
        """Where the shop's events and jobs may be: its partition now, and in the previous layout."""
        found = [partition_of(shop, self.count)]
        if self.previous is not None:
            found.append(partition_of(shop, self.previous))
        return found

    def partitions(self) -> list[Partition]:
        """Every partition a worker reads: the current layout's, then the previous layout's (being drained)."""
        found = every_partition(self.count)
        if self.previous is not None:
            found += every_partition(self.previous)
        return found

    def adopt(self, count: int, previous: int | None, since: float) -> None:
        if self.adopted and (count, previous) != (self.count, self.previous):  # not at startup: a real change
            log.warning("event partitions changed", extra={"partitions": count, "previous": previous})
        self.count, self.previous, self.since, self.adopted = count, previous, since, True

    def sealed_into(self, count: int) -> None:
        """A partition of ours refused a write: it was sealed by a move to `count` partitions."""
        if count != self.count:
            self.adopt(count, self.count, time.time())


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def layout_key(keys: Keys) -> str:
    return keys.global_("partitions")


async def load_layout(redis: RedisStore, keys: Keys, *, record: bool = True) -> Layout:
    """Adopt the layout recorded in Redis; with `record`, first record ours when none is (the first process to
    start does). Without, a Redis that records none leaves ours as it is."""
    key = layout_key(keys)
    if record:
        await redis.hsetnx(key, "count", keys.layout.count)
    raw = {_text(k): _text(v) for k, v in (await redis.hgetall(key)).items()}
    if not raw.get("count"):
        return keys.layout
    count = int(raw["count"])
    previous = int(raw["previous"]) if raw.get("previous") else None
    if record and count != keys.layout.count and previous is None:
        log.warning(
            "UPFRONT_EVENT_PARTITIONS differs from the layout in Redis; using Redis's (change it with "
            "`upfront queue repartition N`)",
            extra={"configured": keys.layout.count, "recorded": count},
        )
    keys.layout.adopt(count, previous, float(raw.get("since") or 0))
    return keys.layout


async def load_layout_if_reachable(redis: RedisStore, keys: Keys) -> None:
    """`load_layout` at startup, where Redis may be down (the app still starts and says so on /readyz): the layout
    is then learned from the first sealed partition it meets, or from the workers' next look."""
    try:
        await load_layout(redis, keys)
    except (RedisError, OSError) as exc:
        log.warning("could not read the partition layout", extra={"error": type(exc).__name__})
