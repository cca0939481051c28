"""Journey and message records: what each order's journey reached and what happened to each (order, stage) message.

Keys name no order or person: an order's journey is ``journey:<ref>`` and its stage messages ``message:<ref>``,
where a ref is an HMAC of (shop, order id, stage) under the app secret. The same ref is the stable Message-ID, so a
message keeps its id through retries and redeliveries. Inside, records keep the order id and pseudonymous subject
keys (for erasure) and the decision taken with its basis; never an email address or a name.

A message record is created once (the marker of its (order, stage)) and moves forward only:
``scheduled -> sending -> sent | failed``, or ``scheduled -> skipped``. The move to ``sending`` is a compare-and-set,
so of any number of workers holding the same job exactly one talks to the SMTP server. A worker that dies while
sending leaves ``sending``; the message is then marked ``interrupted`` and never sent again (at most once).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from redis.typing import EncodableT, FieldT

from plugin.email.stages import DelayCause, Stage, stage_class
from plugin.keys import ShopRef
from plugin.retention import retain
from plugin.services import Services
from plugin.storage import as_text

JOURNEY_FAMILY = "journey"
MESSAGE_FAMILY = "message"
RECENT_MESSAGES = 200  # how many of a shop's newest message records the admin can list
SENDING_STALE_SECONDS = 600  # longer than any SMTP conversation: a `sending` this old belongs to a dead worker
_DEVELOPMENT_SECRET = "insecure-development-key"

# KEYS: the message, the shop's recent-messages index. ARGV: created score, ref, index size, then the fields.
_CREATE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 4))
redis.call('ZADD', KEYS[2], ARGV[1], ARGV[2])
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -tonumber(ARGV[3]) - 1)
return 1
"""

# ARGV: now, stale seconds. Returns 1 when claimed, 0 when not scheduled, -1 when found abandoned mid-send.
_CLAIM = """
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'scheduled' then
  redis.call('HSET', KEYS[1], 'state', 'sending', 'sending_at', ARGV[1])
  return 1
end
local since = tonumber(redis.call('HGET', KEYS[1], 'sending_at') or '0')
if state == 'sending' and tonumber(ARGV[1]) - since > tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], 'state', 'interrupted', 'reason', 'a worker stopped while sending; not sent again')
  return -1
end
return 0
"""

# Move from one state to another, with extra fields; returns 1 when the record was in `from`.
_MOVE = """
if redis.call('HGET', KEYS[1], 'state') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[2], unpack(ARGV, 3))
return 1
"""

# A field set once on a record that still exists (an erased or expired record is not brought back); 1 when set.
_SET_ONCE_IF_KEPT = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
return redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
"""

# Journey progress only grows: rank is the max seen; flags once set stay set. Returns the previous rank (-1 if new).
_ADVANCE = """
local previous = tonumber(redis.call('HGET', KEYS[1], 'rank') or '-1')
if previous < 0 then
  redis.call('HSET', KEYS[1], 'order_id', ARGV[1], 'created_at', ARGV[5], 'rank', '0')
end
if tonumber(ARGV[2]) > math.max(previous, 0) then redis.call('HSET', KEYS[1], 'rank', ARGV[2]) end
if ARGV[3] == '1' then redis.call('HSET', KEYS[1], 'cancelled', '1') end
if ARGV[4] ~= '' then redis.call('HSETNX', KEYS[1], 'customer_key', ARGV[4]) end
return previous
"""


def _secret(services: Services) -> bytes:
    secret = (services.settings.secret_keys() or [_DEVELOPMENT_SECRET])[0]
    return hmac.new(secret.encode(), b"upfront message ref", hashlib.sha256).digest()


def reference(services: Services, shop: ShopRef, order_id: str, part: str) -> str:
    """The opaque, stable ref of an order's journey (`part` = "journey") or of one stage's message."""
    return hmac.new(_secret(services), f"{shop.tag}\n{order_id}\n{part}".encode(), hashlib.sha256).hexdigest()[:32]


def journey_ref(services: Services, shop: ShopRef, order_id: str) -> str:
    return reference(services, shop, order_id, "journey")


def journey_key_for_ref(services: Services, shop: ShopRef, ref: str) -> str:
    return services.keys.shop(shop, JOURNEY_FAMILY, ref)


def journey_key(services: Services, shop: ShopRef, order_id: str) -> str:
    return journey_key_for_ref(services, shop, journey_ref(services, shop, order_id))


def message_key(services: Services, shop: ShopRef, ref: str) -> str:
    return services.keys.shop(shop, MESSAGE_FAMILY, ref)


def recent_messages_key(services: Services, shop: ShopRef) -> str:
    """The shop's newest message refs by creation time (refs only: nothing personal), for the admin's list."""
    return services.keys.shop(shop, "email", "recent")


def message_ref(services: Services, shop: ShopRef, order_id: str, stage: Stage, channel: str = "email") -> str:
    """The (order, stage, channel) marker's ref; email keeps the refs it had before other channels existed."""
    return reference(services, shop, order_id, stage.value if channel == "email" else f"{stage.value}:{channel}")


def delay_part(cause: DelayCause) -> str:
    """What names a delay notice's marker (`create_message(part=...)`): one delayed-stage message per cause."""
    return f"{Stage.DELAYED.value}:{cause.value}"


def delay_ref(services: Services, shop: ShopRef, order_id: str, cause: DelayCause) -> str:
    """The ref of the order's delay notice for one cause."""
    return reference(services, shop, order_id, delay_part(cause))


def order_message_refs(services: Services, shop: ShopRef, order_id: str) -> list[str]:
    """Every message ref an order can have: one per stage, and one delay notice per cause."""
    return [
        *(message_ref(services, shop, order_id, stage) for stage in Stage),
        *(delay_ref(services, shop, order_id, cause) for cause in DelayCause),
    ]


@dataclass(frozen=True)
class Journey:
    order_id: str
    rank: int
    cancelled: bool
    delivery_problem: bool
    delivered_at: float | None
    customer_key: str | None
    fields: Mapping[str, str]


@dataclass(frozen=True)
class MessageRecord:
    ref: str
    order_id: str
    stage: Stage
    state: str
    fields: Mapping[str, str]

    def get(self, name: str, default: str = "") -> str:
        return self.fields.get(name, default)


def _decoded(raw: Mapping[Any, Any]) -> dict[str, str]:
    return {as_text(k): as_text(v) for k, v in raw.items()}


async def advance_journey_record(
    services: Services, shop: ShopRef, order_id: str, *, rank: int, cancelled: bool, customer_key: str | None
) -> int:
    """Raise the journey's rank to `rank` (never lower it); returns the rank before, -1 for a new journey."""
    previous = await services.redis.eval(
        _ADVANCE,
        1,
        journey_key(services, shop, order_id),
        order_id,
        rank,
        "1" if cancelled else "0",
        customer_key or "",
        f"{time.time():.3f}",
    )
    await retain(services, journey_key(services, shop, order_id))
    return int(previous)


async def set_journey_fields(services: Services, shop: ShopRef, order_id: str, **fields: str) -> None:
    mapping: dict[FieldT, EncodableT] = {name: value for name, value in fields.items()}
    await services.redis.hset(journey_key(services, shop, order_id), mapping=mapping)
    await retain(services, journey_key(services, shop, order_id))


async def set_journey_field_once(services: Services, shop: ShopRef, order_id: str, name: str, value: str) -> bool:
    return bool(await services.redis.hsetnx(journey_key(services, shop, order_id), name, value))


async def load_journey(services: Services, shop: ShopRef, order_id: str) -> Journey | None:
    return await load_journey_by_ref(services, shop, journey_ref(services, shop, order_id))


async def load_journey_by_ref(services: Services, shop: ShopRef, ref: str) -> Journey | None:
    fields = _decoded(await services.redis.hgetall(journey_key_for_ref(services, shop, ref)))
    if not fields or "order_id" not in fields:
        return None
    delivered = fields.get("delivered_at")
    return Journey(
        order_id=fields["order_id"],
        rank=int(fields.get("rank", "0")),
        cancelled=fields.get("cancelled") == "1",
        delivery_problem=bool(fields.get("delivery_problem")),
        delivered_at=float(delivered) if delivered else None,
        customer_key=fields.get("customer_key") or None,
        fields=fields,
    )


async def create_message(
    services: Services,
    shop: ShopRef,
    order_id: str,
    stage: Stage,
    *,
    state: str,
    due: float,
    reason: str = "",
    part: str | None = None,
    extra: Mapping[str, str] | None = None,
    channel: str = "email",
) -> tuple[str, bool]:
    """Create the (order, stage, channel) marker unless it exists; returns (ref, created). Only its creator
    schedules it. `part` names a marker other than the stage's own (one delay notice per cause:
    webhooks.journey.delays), and `extra` adds fields written with the marker, in the same step."""
    ref = reference(services, shop, order_id, part) if part else message_ref(services, shop, order_id, stage, channel)
    fields = {
        "order_id": order_id,
        "stage": stage.value,
        "class": stage_class(stage).value,
        "state": state,
        "due": f"{due:.3f}",
        "first_due": f"{due:.3f}",
        "created_at": f"{time.time():.3f}",
        "attempts": "0",
        "deferrals": "0",
    }
    if reason:
        fields["reason"] = reason
    fields.update(extra or {})
    if channel != "email":
        fields["channel"] = channel
    flat = [part for pair in fields.items() for part in pair]
    index = recent_messages_key(services, shop)
    created = await services.redis.eval(
        _CREATE, 2, message_key(services, shop, ref), index, fields["created_at"], ref, RECENT_MESSAGES, *flat
    )
    await retain(services, message_key(services, shop, ref), index)
    return ref, bool(created)


async def load_message(services: Services, shop: ShopRef, ref: str) -> MessageRecord | None:
    fields = _decoded(await services.redis.hgetall(message_key(services, shop, ref)))
    if not fields or "stage" not in fields:
        return None
    return MessageRecord(ref, fields.get("order_id", ""), Stage(fields["stage"]), fields.get("state", ""), fields)


async def claim_for_sending(services: Services, shop: ShopRef, ref: str) -> int:
    """1: this worker sends now; 0: someone else did or it is not due; -1: abandoned mid-send, now interrupted."""
    return int(
        await services.redis.eval(_CLAIM, 1, message_key(services, shop, ref), time.time(), SENDING_STALE_SECONDS)
    )


async def move_message(
    services: Services, shop: ShopRef, ref: str, from_state: str, to_state: str, **fields: str
) -> bool:
    flat = [part for pair in fields.items() for part in pair]
    moved = await services.redis.eval(_MOVE, 1, message_key(services, shop, ref), from_state, to_state, *flat)
    await retain(services, message_key(services, shop, ref))
    return bool(moved)


async def update_message(services: Services, shop: ShopRef, ref: str, **fields: str) -> None:
    mapping: dict[FieldT, EncodableT] = {name: value for name, value in fields.items()}
    await services.redis.hset(message_key(services, shop, ref), mapping=mapping)
    await retain(services, message_key(services, shop, ref))


async def note_unsubscribed(services: Services, shop: ShopRef, ref: str, at: float) -> bool:
    """The message's unsubscribe link was used (the first time counts: the dashboard's unsubscribes per stage)."""
    key = message_key(services, shop, ref)
    return bool(await services.redis.eval(_SET_ONCE_IF_KEPT, 1, key, "unsubscribed_at", f"{at:.3f}"))


async def increment_message(services: Services, shop: ShopRef, ref: str, name: str) -> int:
    return int(await services.redis.hincrby(message_key(services, shop, ref), name, 1))


async def recent_messages(services: Services, shop: ShopRef, *, limit: int = 50) -> list[MessageRecord]:
    """The shop's newest message records, newest first; refs whose record has gone (erased, expired) are dropped."""
    index = recent_messages_key(services, shop)
    members: Any = await services.redis.zrevrange(index, 0, max(0, limit - 1))
    refs = [as_text(ref) for ref in members]
    found: list[MessageRecord] = []
    gone: list[str] = []
    for ref in refs:
        record = await load_message(services, shop, ref)
        if record is None:
            gone.append(ref)
        else:
            found.append(record)
    if gone:
        await services.redis.zrem(index, *gone)
    return found


async def order_messages(services: Services, shop: ShopRef, order_id: str) -> list[MessageRecord]:
    """Every message of an order that exists, in stage order, then its delay notices (for the admin's order view)."""
    found: list[MessageRecord] = []
    for ref in order_message_refs(services, shop, order_id):
        record = await load_message(services, shop, ref)
        if record is not None:
            found.append(record)
    return found
