"""What the next message must know about the customer: open help requests, and marketing holds.

Other features mark a help request open (`mark_open_issue`) and resolve it; while one is open, the next message
acknowledges it and review requests and promotion are dropped. A detractor survey answer puts a marketing hold on
the customer (`hold_marketing`) until the merchant releases it. Both are keyed by the pseudonymous subject key
(``email:issues:<subject>``, ``email:hold:<subject>``) and erased with the person.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from plugin.keys import ShopRef
from plugin.retention import retain
from plugin.services import Services
from plugin.storage import as_text

_KIND = re.compile(r"^[a-z0-9_.\-]{1,40}$")
MAX_REFERENCE = 100


def issues_key(services: Services, shop: ShopRef, subject: str) -> str:
    return services.keys.shop(shop, "email", "issues", subject)


def hold_key(services: Services, shop: ShopRef, subject: str) -> str:
    return services.keys.shop(shop, "email", "hold", subject)


def _check_kind(kind: str) -> str:
    if not _KIND.match(kind):
        raise ValueError(f"issue kind {kind!r} must be 1-40 of a-z, 0-9, '_', '.', '-'")
    return kind


async def mark_open_issue(
    services: Services, shop: ShopRef, subject: str, kind: str, *, reference: str | None = None
) -> None:
    """Mark an open help request (e.g. kind "help_request") for the person with subject key `subject`."""
    record = {"opened_at": datetime.now(UTC).isoformat(), "reference": (reference or "")[:MAX_REFERENCE]}
    await services.redis.hset(issues_key(services, shop, subject), _check_kind(kind), json.dumps(record))
    await retain(services, issues_key(services, shop, subject))


async def resolve_issue(services: Services, shop: ShopRef, subject: str, kind: str) -> bool:
    """Close it; True when it was open."""
    return bool(await services.redis.hdel(issues_key(services, shop, subject), _check_kind(kind)))


async def open_issues(services: Services, shop: ShopRef, subjects: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Open issues of any of the person's subject keys: kind -> {opened_at, reference}."""
    found: dict[str, dict[str, Any]] = {}
    for subject in subjects:
        for kind, raw in (await services.redis.hgetall(issues_key(services, shop, subject))).items():
            found[as_text(kind)] = json.loads(as_text(raw))
    return found


async def hold_marketing(services: Services, shop: ShopRef, subject: str, reason: str) -> None:
    record = {"reason": reason, "at": datetime.now(UTC).isoformat()}
    await services.redis.set(hold_key(services, shop, subject), json.dumps(record))
    await retain(services, hold_key(services, shop, subject))


async def release_marketing_hold(services: Services, shop: ShopRef, subject: str) -> bool:
    return bool(await services.redis.delete(hold_key(services, shop, subject)))


async def marketing_hold(services: Services, shop: ShopRef, subjects: Iterable[str]) -> str | None:
    """The reason marketing to this person is paused, if it is."""
    for subject in subjects:
        raw = await services.redis.get(hold_key(services, shop, subject))
        if raw is not None:
            return str(json.loads(as_text(raw)).get("reason") or "hold")
    return None
