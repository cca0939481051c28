"""`upfront queue stats|replay`: what operators need to see and do about the event queue."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TextIO

from plugin.keys import Keys
from plugin.settings import Settings
from plugin.storage import open_redis
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
}


async def print_stats(settings: Settings, out: TextIO, *, as_json: bool) -> int:
    async with open_redis(settings) as redis:
        stats = await collect_stats(redis, Keys(settings.key_prefix))
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
    async with open_redis(settings) as redis:
        moved = await replay_dead(redis, StreamKeys.of(Keys(settings.key_prefix)), entry_id)
    if entry_id is not None and moved == 0:
        print(f"No dead letter with id {entry_id}.", file=out)
        return 1
    print(
        f"Replayed {moved} event{'s' if moved != 1 else ''}; workers will handle {'them' if moved != 1 else 'it'}.",
        file=out,
    )
    return 0
