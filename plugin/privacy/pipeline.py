"""The event pipeline as a personal-data store, and the removal of one shop's events.

Personal data sits in event payloads: the live stream, the retry bodies and the dead letters of the shop's event
partition (``{events:<n>/<count>}``; after a repartition, also its partition in the previous layout while that
drains). Dedupe markers are 64-bit digests of (shop, delivery id) in per-period sets (webhooks.ingest): they name no
one and cannot be told apart by shop, so they are neither exported nor erased; they expire with their period, at
most ~55 h after the delivery.

Erasure rules, chosen so no event is half-handled:

- live stream: an entry mentioning the person is replaced, in one script, by a copy whose payload is
  ``{"redacted": true}`` (order id cleared, delivery id replaced, ``redacted=1``) appended at the stream's end, and
  the original is acknowledged and deleted. A consumer holding the original finishes it harmlessly (acknowledging
  a deleted entry is a no-op; its retry or dead-letter is skipped because the acknowledgement no longer matches),
  and on Redis 6.2 no dangling pending id is left for XAUTOCLAIM to return empty. The copy reaches the handlers as
  an event with nothing to act on. Privacy requests (data request, redact, deleted) are left alone: they carry the
  identifiers they need and leave the stream when their handler acknowledges them.
- retry bodies and dead letters: deleted outright.

Entries move between the stream, the retry set and the dead letters while this runs, so each sweep repeats until
a pass finds nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

from plugin.events import CUSTOMER_DATA_REQUEST, CUSTOMER_DELETED, CUSTOMER_REDACT, SHOP_REDACT
from plugin.keys import ShopRef
from plugin.privacy.subjects import DataSubject, normalize_email, normalize_phone
from plugin.services import Services
from plugin.storage import as_text
from webhooks.stream import GROUP, Entry, StreamKeys

PRIVACY_REQUESTS = frozenset({CUSTOMER_DATA_REQUEST, CUSTOMER_REDACT, CUSTOMER_DELETED})
REDACTED_PAYLOAD = json.dumps({"redacted": True}, separators=(",", ":"))
MAX_PASSES = 3
_BATCH = 500
_CUSTOMER_ID_KEYS = frozenset({"customer_id", "customerId"})
_ORDER_ID_KEYS = frozenset({"order_id", "orderId"})
_ORDER_LIST_KEYS = frozenset({"orders_requested", "orders_to_redact"})
_PHONE_LIKE = re.compile(r"^\+?[\d\s().\-]{7,}$")

_REDACT_ENTRY = """
if #redis.call('XRANGE', KEYS[1], ARGV[2], ARGV[2]) == 0 then return 0 end
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('XADD', KEYS[1], '*', unpack(ARGV, 3))
return 1
"""

_DROP_ENTRIES = """
local dropped = 0
for i = 2, #ARGV do
  redis.call('XACK', KEYS[1], ARGV[1], ARGV[i])
  dropped = dropped + redis.call('XDEL', KEYS[1], ARGV[i])
end
return dropped
"""

_DROP_RETRIES = """
local dropped = 0
for i = 1, #ARGV do
  redis.call('ZREM', KEYS[1], ARGV[i])
  dropped = dropped + redis.call('HDEL', KEYS[2], ARGV[i])
end
return dropped
"""


class SubjectMatcher:
    """Does an event mention the person? Contact data anywhere; ids only where a field names them as such."""

    def __init__(self, subject: DataSubject) -> None:
        self.customer_id = (subject.customer_id or "").strip() or None
        self.email = normalize_email(subject.email) if subject.email and subject.email.strip() else None
        self.phone = (subject.phone or "").strip() or None
        digits = normalize_phone(subject.phone or "")
        self.phone_digits = digits if len(digits) >= 7 else None
        self.order_ids = frozenset(order_id.strip() for order_id in subject.order_ids if order_id.strip())

    def in_text(self, value: str) -> bool:
        if self.email and self.email in value.casefold():
            return True
        if self.phone and self.phone in value:
            return True
        if self.phone_digits and _PHONE_LIKE.match(value):
            digits = normalize_phone(value)
            return digits.endswith(self.phone_digits) and len(digits) - len(self.phone_digits) <= 3
        return False

    def in_payload(self, node: Any, key: str = "", parent: str = "") -> bool:
        if isinstance(node, dict):
            return any(self.in_payload(value, str(name), key) for name, value in node.items())
        if isinstance(node, list):
            if key in _ORDER_LIST_KEYS and any(str(item) in self.order_ids for item in node):
                return True
            return any(self.in_payload(item, key, parent) for item in node)
        if node is None or isinstance(node, bool):
            return False
        text = str(node)
        if self.customer_id and text == self.customer_id:
            if key in _CUSTOMER_ID_KEYS or (key == "id" and parent == "customer"):
                return True
        if self.order_ids and text in self.order_ids:
            if key in _ORDER_ID_KEYS or (key == "id" and parent == "order"):
                return True
        return isinstance(node, str) and self.in_text(node)

    def in_delivery_id(self, delivery_id: str) -> bool:
        """Reconciliation delivery ids embed the order id (``reconcile:<order id>:<ms>``)."""
        return bool(set(delivery_id.split(":")) & self.order_ids)

    def in_entry(self, fields: Mapping[str, str]) -> bool:
        if fields.get("order_id") and fields["order_id"] in self.order_ids:
            return True
        if self.in_delivery_id(fields.get("delivery_id", "")):
            return True
        for name, value in fields.items():
            if name == "payload":
                try:
                    payload = json.loads(value)
                except json.JSONDecodeError:
                    payload = value
                if self.in_payload(payload) or self._is_customer_event(fields, payload):
                    return True
            elif self.in_text(value):
                return True
        return False

    def _is_customer_event(self, fields: Mapping[str, str], payload: Any) -> bool:
        """A customer topic's payload is the customer: its top-level id is the customer id."""
        about_customer = fields.get("type", "").startswith("customer.") or fields.get("source_topic", "").startswith(
            "customers/"
        )
        return bool(
            about_customer
            and self.customer_id
            and isinstance(payload, dict)
            and str(payload.get("id")) == self.customer_id
        )


async def _stream_entries(services: Services, stream: str) -> AsyncIterator[Entry]:
    start = "-"
    while True:
        chunk: Any = await services.redis.xrange(stream, min=start, max="+", count=_BATCH)
        for entry_id, fields in chunk or []:
            yield as_text(entry_id), {as_text(k): as_text(v) for k, v in fields.items()}
        if not chunk or len(chunk) < _BATCH:
            return
        start = "(" + as_text(chunk[-1][0])


async def _retry_bodies(services: Services, sk: StreamKeys) -> AsyncIterator[tuple[str, dict[str, str]]]:
    async for retry_id, body in services.redis.hscan_iter(sk.retry_body, count=_BATCH):
        try:
            fields = json.loads(as_text(body))
        except json.JSONDecodeError:
            fields = {}
        yield as_text(retry_id), {str(k): str(v) for k, v in fields.items()} if isinstance(fields, dict) else {}


def _event_record(where: str, fields: Mapping[str, str]) -> dict[str, Any]:
    try:
        payload: Any = json.loads(fields.get("payload", "null"))
    except json.JSONDecodeError:
        payload = fields.get("payload")
    record: dict[str, Any] = {
        "where": where,
        "type": fields.get("type"),
        "source_topic": fields.get("source_topic"),
        "occurred_at": fields.get("occurred_at"),
        "delivery_id": fields.get("delivery_id"),
        "order_id": fields.get("order_id") or None,
        "payload": payload,
    }
    if "error" in fields:
        record["error"] = fields["error"]
    return record


def _redacted_copy(entry_id: str, fields: Mapping[str, str]) -> dict[str, str]:
    return {
        **fields,
        "payload": REDACTED_PAYLOAD,
        "order_id": "",
        "delivery_id": f"redacted:{entry_id}",
        "redacted": "1",
    }


async def _sweep(step: Callable[[], Awaitable[int]]) -> int:
    total = 0
    for _ in range(MAX_PASSES):
        done = await step()
        total += done
        if done == 0:
            break
    return total


class EventPipelineStore:
    name = "event_pipeline"

    async def export(self, services: Services, shop: ShopRef, subject: DataSubject) -> list[dict[str, Any]]:
        matcher = SubjectMatcher(subject)
        records: list[dict[str, Any]] = []
        for sk in StreamKeys.of_shop(services.keys, shop):
            async for _, fields in _stream_entries(services, sk.stream):
                if fields.get("shop") == shop.tag and matcher.in_entry(fields):
                    records.append(_event_record("queued", fields))
            async for _, fields in _retry_bodies(services, sk):
                if fields.get("shop") == shop.tag and matcher.in_entry(fields):
                    records.append(_event_record("waiting_for_retry", fields))
            async for _, fields in _stream_entries(services, sk.dead):
                if fields.get("shop") == shop.tag and matcher.in_entry(fields):
                    records.append(_event_record("failed", fields))
        return records

    async def erase(self, services: Services, shop: ShopRef, subject: DataSubject) -> int:
        matcher = SubjectMatcher(subject)

        def mentions(fields: Mapping[str, str]) -> bool:
            return fields.get("shop") == shop.tag and matcher.in_entry(fields)

        async def one_pass() -> int:
            erased = 0
            for sk in StreamKeys.of_shop(services.keys, shop):
                async for entry_id, fields in _stream_entries(services, sk.stream):
                    if fields.get("type") not in PRIVACY_REQUESTS and mentions(fields):
                        replacement = [part for pair in _redacted_copy(entry_id, fields).items() for part in pair]
                        erased += int(
                            await services.redis.eval(_REDACT_ENTRY, 1, sk.stream, GROUP, entry_id, *replacement)
                        )
                erased += await _drop_retries(
                    services, sk, [rid async for rid, fields in _retry_bodies(services, sk) if mentions(fields)]
                )
                erased += await _drop_dead(
                    services, sk, [eid async for eid, fields in _stream_entries(services, sk.dead) if mentions(fields)]
                )
            return erased

        return await _sweep(one_pass)


async def _drop_retries(services: Services, sk: StreamKeys, retry_ids: list[str]) -> int:
    dropped = 0
    for start in range(0, len(retry_ids), _BATCH):
        batch = retry_ids[start : start + _BATCH]
        dropped += int(await services.redis.eval(_DROP_RETRIES, 2, sk.retry_due, sk.retry_body, *batch))
    return dropped


async def _drop_dead(services: Services, sk: StreamKeys, entry_ids: list[str]) -> int:
    dropped = 0
    for start in range(0, len(entry_ids), _BATCH):
        dropped += int(await services.redis.xdel(sk.dead, *entry_ids[start : start + _BATCH]))
    return dropped


async def _drop_stream_entries(services: Services, sk: StreamKeys, entry_ids: list[str]) -> int:
    dropped = 0
    for start in range(0, len(entry_ids), _BATCH):
        batch = entry_ids[start : start + _BATCH]
        dropped += int(await services.redis.eval(_DROP_ENTRIES, 1, sk.stream, GROUP, *batch))
    return dropped


async def purge_shop_events(services: Services, shop: ShopRef) -> int:
    """Delete every stream entry, retry and dead letter of the shop (in its partitions); returns how many.

    The shop.redact request being handled stays: its consumer acknowledges (and so deletes) it when done."""

    def of_shop(fields: Mapping[str, str]) -> bool:
        return fields.get("shop") == shop.tag

    async def one_pass() -> int:
        purged = 0
        for sk in StreamKeys.of_shop(services.keys, shop):
            purged += await _purge_partition(sk)
        return purged

    async def _purge_partition(sk: StreamKeys) -> int:
        live = [
            eid
            async for eid, fields in _stream_entries(services, sk.stream)
            if of_shop(fields) and fields.get("type") != SHOP_REDACT
        ]
        purged = await _drop_stream_entries(services, sk, live)
        purged += await _drop_retries(
            services,
            sk,
            [
                rid
                async for rid, fields in _retry_bodies(services, sk)
                if of_shop(fields) or rid.startswith(shop.tag + "|")
            ],
        )
        purged += await _drop_dead(
            services, sk, [eid async for eid, fields in _stream_entries(services, sk.dead) if of_shop(fields)]
        )
        return purged

    return await _sweep(one_pass)
