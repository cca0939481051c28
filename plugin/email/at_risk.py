"""The shop's orders at risk of arriving late: one entry per (order, cause), the marketing hold they put on the
customer, and their release on delivery.

One hash per shop (``delays:at_risk``), field ``<order id>|<cause>``: the first detection wins (HSETNX), so a
repeated check keeps "since" and the promise it first saw. Entries name the order and the customer's
pseudonymous subject keys (for the hold and for erasure); never an address. The hold uses the email context's
marketing hold with its own reason, set only when no other hold is in force and lifted only when it is still ours
and the customer has no other order at risk, so a detractor's hold is never lifted by a delivery.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from plugin.email.context import hold_key
from plugin.email.stages import DelayCause
from plugin.keys import ShopRef
from plugin.privacy.subjects import DataSubject, known_subjects
from plugin.retention import retain
from plugin.services import Services
from plugin.storage import as_text

AT_RISK_HOLD = "order_at_risk"  # the marketing hold's reason while an order of the customer is at risk

# Hold marketing unless a hold is already in force (another reason must not be replaced, nor later lifted by us).
_HOLD_UNLESS_HELD = """
return redis.call('SET', KEYS[1], ARGV[1], 'NX') and 1 or 0
"""
# Lift the hold only while it is ours.
_RELEASE_IF_OURS = """
local held = redis.call('GET', KEYS[1])
if not held then return 0 end
local ok, record = pcall(cjson.decode, held)
if ok and type(record) == 'table' and record['reason'] == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


@dataclass(frozen=True)
class AtRisk:
    order_id: str
    cause: DelayCause
    since: str  # ISO time the trouble started (last progress, the carrier's report, the promise's end)
    detected_at: str  # ISO time it was caught
    promised: str | None  # the window promised at checkout, "2026-11-05/2026-11-09"
    expected: str | None  # the new expectation told to the customer, an ISO date
    subjects: tuple[str, ...] = ()  # the customer's subject keys, for the hold and for erasure

    def encode(self) -> str:
        return json.dumps({**asdict(self), "cause": self.cause.value, "subjects": list(self.subjects)})

    @classmethod
    def decode(cls, text: str) -> AtRisk | None:
        try:
            data = json.loads(text)
            return cls(
                order_id=str(data["order_id"]),
                cause=DelayCause(data["cause"]),
                since=str(data["since"]),
                detected_at=str(data["detected_at"]),
                promised=data.get("promised") or None,
                expected=data.get("expected") or None,
                subjects=tuple(str(s) for s in data.get("subjects") or ()),
            )
        except (ValueError, KeyError, TypeError):
            return None


def at_risk_key(services: Services, shop: ShopRef) -> str:
    return services.keys.shop(shop, "delays", "at_risk")


def _field(order_id: str, cause: DelayCause) -> str:
    return f"{order_id}|{cause.value}"


async def note_at_risk(services: Services, shop: ShopRef, entry: AtRisk) -> bool:
    """Record the order as at risk for the cause (once) and hold marketing for its customer; True when new."""
    key = at_risk_key(services, shop)
    added = bool(await services.redis.hsetnx(key, _field(entry.order_id, entry.cause), entry.encode()))
    await retain(services, key)
    for subject in entry.subjects:
        await hold_for_risk(services, shop, subject)
    return added


async def hold_for_risk(services: Services, shop: ShopRef, subject: str) -> bool:
    """Pause marketing to the person while their order is at risk, unless a hold is already in force."""
    record = json.dumps({"reason": AT_RISK_HOLD, "at": datetime.now(UTC).isoformat()})
    held = int(await services.redis.eval(_HOLD_UNLESS_HELD, 1, hold_key(services, shop, subject), record))
    await retain(services, hold_key(services, shop, subject))
    return bool(held)


async def _entries(services: Services, shop: ShopRef) -> dict[str, AtRisk]:
    raw: dict[Any, Any] = await services.redis.hgetall(at_risk_key(services, shop))
    found = {as_text(field): AtRisk.decode(as_text(value)) for field, value in raw.items()}
    return {field: entry for field, entry in found.items() if entry is not None}


async def add_subject(services: Services, shop: ShopRef, order_id: str, subject: str) -> bool:
    """The customer of an order at risk is known by `subject` too (a guest is known only once their email is
    read, when the apology goes): hold their marketing. False when the order is not at risk (any more)."""
    key = at_risk_key(services, shop)
    fields = [_field(order_id, cause) for cause in DelayCause]
    values = await services.redis.hmget(key, fields)
    updated = False
    for field, value in zip(fields, values, strict=True):
        entry = AtRisk.decode(as_text(value)) if value is not None else None
        if entry is None:
            continue
        updated = True
        if subject not in entry.subjects:
            grown = AtRisk(**{**asdict(entry), "subjects": (*entry.subjects, subject)})
            await services.redis.hset(key, field, grown.encode())
    if updated:
        await hold_for_risk(services, shop, subject)
    return updated


async def at_risk_orders(services: Services, shop: ShopRef) -> list[AtRisk]:
    """Every order and cause at risk, oldest trouble first; entries older than the retention period are dropped
    (an order never delivered and never cancelled must not stay forever)."""
    entries = await _entries(services, shop)
    oldest = datetime.now(UTC) - timedelta(days=services.settings.retention_days)
    stale = [field for field, entry in entries.items() if _moment(entry.detected_at) < oldest]
    if stale:
        await services.redis.hdel(at_risk_key(services, shop), *stale)
    return sorted((e for f, e in entries.items() if f not in stale), key=lambda e: (e.since, e.order_id))


async def order_at_risk(services: Services, shop: ShopRef, order_id: str) -> list[AtRisk]:
    """The order's causes at risk, oldest first (empty when it is on track): e.g. for showing the customer the
    current expectation next to the promised window."""
    fields = [_field(order_id, cause) for cause in DelayCause]
    values = await services.redis.hmget(at_risk_key(services, shop), fields)
    found = (AtRisk.decode(as_text(value)) for value in values if value is not None)
    return sorted((entry for entry in found if entry is not None), key=lambda e: e.since)


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def settle_order(services: Services, shop: ShopRef, order_id: str) -> int:
    """The order arrived (or was cancelled): it is no longer at risk, and its customer's hold is lifted unless
    another of their orders still is. Returns how many entries it closed."""
    key = at_risk_key(services, shop)
    entries = await _entries(services, shop)
    mine = {field: entry for field, entry in entries.items() if entry.order_id == order_id}
    if not mine:
        return 0
    closed = int(await services.redis.hdel(key, *mine))
    still = {subject for field, entry in entries.items() if field not in mine for subject in entry.subjects}
    for subject in {subject for entry in mine.values() for subject in entry.subjects} - still:
        await services.redis.eval(_RELEASE_IF_OURS, 1, hold_key(services, shop, subject), AT_RISK_HOLD)
    return closed


class AtRiskStore:
    """The at-risk entries of a person's orders, as a personal-data store (plugin.privacy.registry)."""

    name = "orders_at_risk"

    async def _matching(self, services: Services, shop: ShopRef, subject: DataSubject) -> dict[str, AtRisk]:
        known = await known_subjects(services, shop, subject) if subject.identifiers() else set()
        orders = {order_id.strip() for order_id in subject.order_ids if order_id.strip()}
        entries = await _entries(services, shop)
        return {f: e for f, e in entries.items() if e.order_id in orders or not known.isdisjoint(e.subjects)}

    async def export(self, services: Services, shop: ShopRef, subject: DataSubject) -> list[dict[str, Any]]:
        found = await self._matching(services, shop, subject)
        return [{"record": "order_at_risk", **asdict(e), "cause": e.cause.value} for _, e in sorted(found.items())]

    async def erase(self, services: Services, shop: ShopRef, subject: DataSubject) -> int:
        found: Iterable[str] = (await self._matching(services, shop, subject)).keys()
        doomed = list(found)
        return int(await services.redis.hdel(at_risk_key(services, shop), *doomed)) if doomed else 0
