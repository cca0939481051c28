"""Webhook and queue health for one shop: the global figures (counts only, no other shop's data), the shop's own
dead letters and retries, and replaying the shop's own dead letters."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from plugin.keys import Keys, ShopRef
from plugin.storage import RedisStore, as_text
from webhooks.stream import StreamKeys, replay_dead

DEAD_LETTERS_SCANNED = 10_000  # the newest dead letters looked through for the shop's own
# A Redis stream id: two unsigned 64-bit numbers. 19 digits always fit (20 may not: Redis refuses those ids).
ENTRY_ID_SHAPE = "^[0-9]{1,19}-[0-9]{1,19}$"
ENTRY_ID = re.compile(ENTRY_ID_SHAPE)


def _decoded(entries: Any) -> list[tuple[str, dict[str, str]]]:
    return [
        (as_text(entry_id), {as_text(k): as_text(v) for k, v in (fields or {}).items()})
        for entry_id, fields in entries or []
    ]


@dataclass(frozen=True)
class DeadLetter:
    id: str
    type: str
    topic: str
    order_id: str
    attempt: str
    error: str
    failed_at: str


async def shop_dead_letters(redis: RedisStore, keys: Keys, shop: ShopRef) -> list[DeadLetter]:
    """The shop's dead letters, newest first, from the shop's partitions (now, and before a repartition). Other
    shops' entries in them are skipped unread beyond their shop field."""
    entries: list[tuple[str, dict[str, str]]] = []
    for sk in StreamKeys.of_shop(keys, shop):
        raw: Any = await redis.xrevrange(sk.dead, count=DEAD_LETTERS_SCANNED)
        entries += _decoded(raw)
    return [
        DeadLetter(
            id=entry_id,
            type=fields.get("type", ""),
            topic=fields.get("source_topic", ""),
            order_id=fields.get("order_id", ""),
            attempt=fields.get("attempt", ""),
            error=fields.get("error", ""),
            failed_at=fields.get("failed_at", ""),
        )
        for entry_id, fields in entries
        if fields.get("shop") == shop.tag
    ]


async def shop_retrying(redis: RedisStore, keys: Keys, shop: ShopRef) -> int:
    waiting = 0
    for sk in StreamKeys.of_shop(keys, shop):
        waiting += len([field async for field, _ in redis.hscan_iter(sk.retry_body, match=f"{shop.tag}|*", count=1000)])
    return waiting


async def _owned(redis: RedisStore, sk: StreamKeys, shop: ShopRef, entry_id: str) -> bool:
    raw: Any = await redis.xrange(sk.dead, min=entry_id, max=entry_id)
    found = _decoded(raw)
    return bool(found) and found[0][1].get("shop") == shop.tag


async def replay_shop_dead_letters(redis: RedisStore, keys: Keys, shop: ShopRef, entry_ids: Sequence[str]) -> list[str]:
    """Send the named dead letters of the shop back to the workers; returns the ids that moved.
    An id that is unknown or another shop's moves nothing, exactly alike."""
    moved: list[str] = []
    for entry_id in dict.fromkeys(entry_ids):
        if not ENTRY_ID.fullmatch(entry_id):
            continue
        for sk in StreamKeys.of_shop(keys, shop):
            if await _owned(redis, sk, shop, entry_id) and await replay_dead(redis, sk, entry_id):
                moved.append(entry_id)
                break
    return moved


async def replay_every_shop_dead_letter(redis: RedisStore, keys: Keys, shop: ShopRef) -> int:
    """Send all of the shop's dead letters back to the workers; returns how many moved."""
    letters = [letter.id for letter in await shop_dead_letters(redis, keys, shop)]
    return len(await replay_shop_dead_letters(redis, keys, shop, letters))
