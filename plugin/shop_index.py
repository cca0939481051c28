"""Per-shop indexes of the key families the app lists (journeys, messages, orders, exports, consent ledgers), so
finding a shop's keys of one family never scans the keyspace (on a Redis Cluster, a SCAN sees one node only).

Each index is a sorted set in the shop's own slot, ``up:{shop}:index:<family>``: member = the key's last part
(message ref, order id, ...), score = when the key expires (epoch seconds; ``+inf`` for keys kept until erasure).
It is written with the key (`retain` does it for every key it gives a retention clock) and expires with its newest
entry; readers drop members past their expiry. Erasures remove what they delete (`forget`); a member whose key is
gone anyway is skipped by readers, since they read the key itself.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from typing import Any

from redis.asyncio.client import Pipeline
from redis.asyncio.cluster import ClusterPipeline, RedisCluster

from plugin.keys import Keys, ShopRef
from plugin.storage import RedisStore, as_text

INDEXED_FAMILIES = frozenset({"journey", "message", "order", "export", "consent"})
FOREVER = math.inf


def index_key(keys: Keys, shop: ShopRef, family: str) -> str:
    return keys.shop(shop, "index", family)


def index_entry(keys: Keys, key: str) -> tuple[str, str] | None:
    """(index key, member) for a key of an indexed family, built by `Keys.shop`; None for any other key."""
    head = f"{keys.prefix}:{{"
    if not key.startswith(head) or "}:" not in key:
        return None
    tag, _, rest = key[len(head) :].partition("}:")
    family, _, member = rest.partition(":")
    if family not in INDEXED_FAMILIES or not member:
        return None
    return ":".join((keys.prefix, "{" + tag + "}", "index", family)), member


def note(pipe: Pipeline | ClusterPipeline, keys: Keys, key: str, seconds: float) -> None:
    """Queue the index entry of `key` (if its family is indexed), kept `seconds` (FOREVER: until erased), in the
    writer's pipeline or transaction. The index itself expires with its newest entry: every entry of a family gets
    the same retention, so the latest write's clock is the longest."""
    entry = index_entry(keys, key)
    if entry is None:
        return
    if seconds == FOREVER:
        pipe.zadd(entry[0], {entry[1]: "+inf"})
        return
    pipe.zadd(entry[0], {entry[1]: f"{time.time() + seconds:.3f}"})
    pipe.expire(entry[0], math.ceil(seconds))


async def members(redis: RedisStore, keys: Keys, shop: ShopRef, family: str) -> list[str]:
    """The family's members (the keys' last parts) that have not expired, oldest first; expired ones are dropped."""
    await _backfilled(redis, keys, shop)
    index = index_key(keys, shop, family)
    await redis.zremrangebyscore(index, "-inf", f"({time.time():.3f}")
    found: Any = await redis.zrange(index, 0, -1)  # members only: no scores asked for
    return [as_text(member) for member in found]


async def _backfilled(redis: RedisStore, keys: Keys, shop: ShopRef) -> None:
    """Index, once per shop, the keys written before indexes existed (an upgraded deployment): listed like a shop
    erasure lists them (`every_shop_key`), each with its remaining time to live. Writes meanwhile index themselves."""
    done = keys.shop(shop, "index", "complete")
    if await redis.exists(done):
        return
    found = [(key, entry) for key in await every_shop_key(redis, keys, shop) if (entry := index_entry(keys, key))]
    indexes = sorted({index for _, (index, _) in found})
    now = time.time()
    async with redis.pipeline(transaction=False) as pipe:
        for key, _ in found:
            pipe.ttl(key)
        for index in indexes:
            pipe.ttl(index)
        ttls = [int(ttl) for ttl in await pipe.execute()] if found else []
    # An index lives as long as its longest-lived entry (none expires: neither does the index), never shorter than
    # it already does (a write made meanwhile set that).
    lives = dict(zip(indexes, ttls[len(found) :], strict=True))
    async with redis.pipeline(transaction=False) as pipe:
        for (_, (index, member)), ttl in zip(found, ttls[: len(found)], strict=True):
            if ttl == -1:  # kept until erased
                pipe.zadd(index, {member: "+inf"})
                lives[index] = -1
            elif ttl > 0:  # -2: gone meanwhile
                pipe.zadd(index, {member: f"{now + ttl:.3f}"}, nx=True)
                lives[index] = max(lives[index], ttl) if lives[index] != -1 else -1
        for index, life in lives.items():
            if life > 0:
                pipe.expire(index, life)
        pipe.set(done, "1")
        await pipe.execute()


async def family_keys(redis: RedisStore, keys: Keys, shop: ShopRef, family: str) -> list[str]:
    """Full key names of the family's live members (a key may still be gone: readers check what they read)."""
    return [keys.shop(shop, family, member) for member in await members(redis, keys, shop, family)]


async def forget(redis: RedisStore, keys: Keys, shop: ShopRef, family: str, gone: Iterable[str]) -> None:
    """Drop deleted keys (full names; those of other families are ignored) from the family's index."""
    prefix = keys.shop(shop, family, "")
    names = [key[len(prefix) :] for key in gone if key.startswith(prefix)]
    if names:
        await redis.zrem(index_key(keys, shop, family), *names)


async def every_shop_key(redis: RedisStore, keys: Keys, shop: ShopRef) -> list[str]:
    """Every key of the shop, whatever its family, for erasing the whole shop.

    On a cluster all of a shop's keys share one slot, and the node serving it lists that slot's keys itself
    (CLUSTER GETKEYSINSLOT): other slots and nodes are not read. A single server has one keyspace, walked with
    SCAN MATCH; it is the only place left that does, and only for a shop's erasure.
    """
    prefix = keys.shop(shop, "")[:-1]  # up:{platform:id}:
    if not isinstance(redis, RedisCluster):
        return [as_text(key) async for key in redis.scan_iter(match=keys.shop_pattern(shop), count=1000)]
    node = redis.get_node_from_key(prefix)
    slot = redis.keyslot(prefix)
    count = int(await redis.execute_command("CLUSTER COUNTKEYSINSLOT", slot, target_nodes=node))
    listed: Any = await redis.execute_command("CLUSTER GETKEYSINSLOT", slot, max(count, 1), target_nodes=node)
    return [as_text(key) for key in listed if as_text(key).startswith(prefix)]
