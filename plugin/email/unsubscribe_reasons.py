"""Why a customer unsubscribed, when they choose to say: sealed per person, tagged by topic for the dashboard.

``email:unsubscribe_reason:<subject>`` — hash ``<message ref>`` -> the reason sealed ({reason, at, topic}); kept for
the retention period and covered by `EmailContextStore` (export and erasure).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from plugin.insights.store import Source, record_mention
from plugin.insights.topics import classify
from plugin.keys import ShopRef
from plugin.privacy.sealing import seal, unseal
from plugin.retention import retain
from plugin.services import Services
from plugin.storage import as_optional_text

MAX_REASON = 2000
_PURPOSE = ("email", "unsubscribe_reason")


def reason_key(services: Services, shop: ShopRef, subject: str) -> str:
    return services.keys.shop(shop, *_PURPOSE, subject)


async def save_reason(services: Services, shop: ShopRef, *, subject: str, ref: str, reason: str, now: datetime) -> bool:
    """Keep the reason (an empty one is no reason: nothing kept); counted once per email however often it is
    edited. True when something was kept."""
    text = reason.strip()[:MAX_REASON]
    if not text:
        return False
    topic = classify(text).topic
    key = reason_key(services, shop, subject)
    record = {"reason": text, "at": now.isoformat(), "topic": topic.value}
    first = await load_reason(services, shop, subject, ref) is None
    await services.redis.hset(key, ref, seal(services, json.dumps(record), shop, *_PURPOSE, subject, ref))
    await retain(services, key)
    if first:
        await record_mention(
            services, shop, source=Source.UNSUBSCRIBE_REASON, topic=topic, subject=subject, ref=ref, at=now
        )
    return True


async def load_reason(services: Services, shop: ShopRef, subject: str, ref: str) -> dict[str, Any] | None:
    sealed = as_optional_text(await services.redis.hget(reason_key(services, shop, subject), ref))
    if sealed is None:
        return None
    record: dict[str, Any] = json.loads(unseal(services, sealed, shop, *_PURPOSE, subject, ref))
    return record


async def reasons_of(services: Services, shop: ShopRef, subject: str) -> list[dict[str, Any]]:
    found = []
    for field in await services.redis.hkeys(reason_key(services, shop, subject)):
        record = await load_reason(services, shop, subject, as_optional_text(field) or "")
        if record is not None:
            found.append(record)
    return found
