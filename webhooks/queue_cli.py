"""`upfront queue stats|replay|repartition`: what operators need to see and do about the event queue."""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from typing import TextIO

from plugin.jobs import due_key, move_failed_jobs
from plugin.keys import Keys
from plugin.partitions import (
    DEDUPE_WINDOW_SECONDS,
    MAX_PARTITIONS,
    Layout,
    every_partition,
    layout_key,
    load_layout,
    valid_count,
)
from plugin.settings import Settings
from plugin.storage import RedisStore, open_redis
from webhooks.stats import collect_stats
from webhooks.stream import StreamKeys, replay_dead

_LABELS = {
    "received": "received",
    "duplicates": "duplicates dropped",
    "handled": "handled",
    "pending": "pending",
    "processing": "processing",
    "retrying": "retrying",
    "dead": "dead letters",
    "scheduled_jobs": "scheduled jobs",
    "oldest_pending_age_s": "oldest pending (s)",
    "partitions": "partitions",
}


async def _keys(redis: RedisStore, settings: Settings) -> Keys:
    keys = Keys(
        settings.key_prefix, Layout(settings.event_partitions if valid_count(settings.event_partitions) else 16)
    )
    await load_layout(redis, keys, record=False)
    return keys


async def print_stats(settings: Settings, out: TextIO, *, as_json: bool) -> int:
    async with open_redis(settings) as redis:
        stats = await collect_stats(redis, await _keys(redis, settings))
    if as_json:
        print(json.dumps(asdict(stats)), file=out)
        return 0
    for field, value in asdict(stats).items():
        print(f"{_LABELS[field]:<20} {value}", file=out)
    if stats.dead:
        print("\nReplay dead letters with `upfront queue replay --dead` once the cause is fixed.", file=out)
    return 0


async def replay(settings: Settings, out: TextIO, *, dead: bool, entry_id: str | None) -> int:
    if not dead and entry_id is None:
        print("Say what to replay: --dead for every dead letter, or the id of one (see `queue stats`).", file=out)
        return 2
    moved = 0
    async with open_redis(settings) as redis:
        for sk in StreamKeys.every(await _keys(redis, settings)):  # each partition's dead letters go back to it
            moved += await replay_dead(redis, sk, entry_id)
            if entry_id is not None and moved:
                break
    if entry_id is not None and moved == 0:
        print(f"No dead letter with id {entry_id}.", file=out)
        return 1
    print(
        f"Replayed {moved} event{'s' if moved != 1 else ''}; workers will handle {'them' if moved != 1 else 'it'}.",
        file=out,
    )
    return 0


async def _left_in(redis: RedisStore, keys: Keys, count: int) -> int:
    """Events (queued, retrying, dead) and scheduled jobs still in the partitions of a `count` layout."""
    left = 0
    for partition in every_partition(count):
        sk = StreamKeys.of(keys, partition)
        async with redis.pipeline(transaction=False) as pipe:
            pipe.xlen(sk.stream)
            pipe.zcard(sk.retry_due)
            pipe.xlen(sk.dead)
            pipe.zcard(due_key(keys, partition))
            left += sum(int(found) for found in await pipe.execute())
    return left


async def repartition(settings: Settings, out: TextIO, *, count: int) -> int:
    """Move new events and jobs to `count` partitions. The current partitions are sealed (they accept nothing new:
    a process still using them is refused and follows), workers drain them, and a redelivery of an event they
    accepted is still recognised as a duplicate for the platforms' retry window. Refused while an earlier change is
    still draining or inside that window."""
    if not valid_count(count):
        print(f"The partition count must be a whole number from 1 to {MAX_PARTITIONS}.", file=out)
        return 2
    async with open_redis(settings) as redis:
        keys = Keys(
            settings.key_prefix, Layout(settings.event_partitions if valid_count(settings.event_partitions) else 16)
        )
        layout = await load_layout(redis, keys)
        if count == layout.count:
            print(f"Events and jobs already use {count} partitions.", file=out)
            return 0
        if layout.previous is not None:
            left = await _left_in(redis, keys, layout.previous)
            wait_h = (layout.since + DEDUPE_WINDOW_SECONDS - time.time()) / 3600
            if left or wait_h > 0:
                print(
                    f"The move from {layout.previous} to {layout.count} partitions is not finished: "
                    + (
                        f"{left} events or jobs are still in the old partitions (workers drain them; replay dead "
                        "letters with `upfront queue replay --dead`)"
                        if left
                        else ""
                    )
                    + ("; " if left and wait_h > 0 else "")
                    + (f"its duplicates window ends in {wait_h:.1f} h" if wait_h > 0 else "")
                    + ". Nothing was changed; try again then.",
                    file=out,
                )
                return 1
            await move_failed_jobs(redis, keys, layout.previous)  # failed jobs are kept for the record
        async with redis.pipeline(transaction=False) as pipe:
            for partition in every_partition(layout.count):
                pipe.set(StreamKeys.of(keys, partition).sealed, count)
                pipe.set(keys.jobs(partition, "sealed"), count)
            await pipe.execute()
        # Sealed first: a process that meets a sealed partition before this record exists follows the seal.
        await redis.hset(layout_key(keys), mapping={"count": count, "previous": layout.count, "since": time.time()})
    print(
        f"New events and jobs now go to {count} partitions. Workers drain the {layout.count} old ones (see "
        "`upfront queue stats`); redeliveries of events they accepted stay duplicates for "
        f"{DEDUPE_WINDOW_SECONDS // 3600} h.",
        file=out,
    )
    return 0
