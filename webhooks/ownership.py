"""Order events are acted on only once the platform confirms the order belongs to the shop, confirmed in batches.

Why: Shopify's HMAC signs the body only. A signed `orders/create` of shop A re-posted with
`X-Shopify-Shop-Domain: B` verifies, so before B's projection, journey or counts change, the order id in it must
be one the platform answers for B. Adapters that fetch every order through the shop's own token (BigCommerce)
confirm by fetching; adapters whose deliveries carry the order (`plugin.platform.PayloadOrders`) confirm here.

How, so that the API budget per event stays tiny:
- A confirmation is cached per (shop, order) in Redis (`owned:<order id>` in the shop's slot, 30 days): every
  later event of that order, in any worker, costs nothing.
- The consumer reads up to `ConsumerOptions.batch` events with one XREADGROUP; before handling them, `batch()`
  confirms the orders they name that are not cached yet, per shop (shops concurrently):
  - many of one shop (a backlog: at least `CONFIRM_NOW_AT`) -> one call right away, up to `max_confirm_batch`
    ids (Shopify: one `nodes(ids: [...])` query, 250 ids);
  - a few (workers keeping up with a steady stream) -> they join the shop's pending set in Redis, shared by all
    workers. Whoever takes the shop's short lead lock waits `collect_s` (2 s by default) for the others to add
    theirs, takes up to 250 pending ids and asks once; the others wait until their ids have left the pending set
    and no round is in flight. So every worker's waiting orders of a shop share one call per collection window,
    at the price of that much latency before a journey step (and a leader that dies only delays: its lock
    expires, its ids count as unanswered and retry).
- Answered ids are cached as owned; the others are remembered for this batch only (a context variable), never
  cached as foreign: an order the API does not show yet proves nothing. The handler wrapper (`owned_orders_only`)
  then only looks: owned -> the handler runs; asked in this batch and not answered -> `OrderNotConfirmed`, a
  retryable error, so the consumer's retry machinery brings the event back with backoff (into another batch)
  and dead-letters it only after its last attempt; not asked (a handler run outside a batch) -> it asks for that
  one order itself.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar

import anyio

from plugin.errors import PlatformError, RetryableError
from plugin.events import PlatformEvent
from plugin.keys import ShopRef
from plugin.platform import PayloadOrders
from plugin.services import Services
from webhooks.registry import EventHandler

log = logging.getLogger(__name__)

OWNED_TTL_S = 30 * 86400  # longer than any journey step waits for its next event
COLLECT_S = 2.0  # default collection window: a steady 17 orders/s (10,000 in 10 min) share one call per ~34
CONFIRM_NOW_AT = 50  # unconfirmed orders of one shop in one read worth a call of their own, without waiting
LEAD_LOCK_S = 30.0  # a round's leader holds the lock at most this long (collection + the platform call)
WAIT_LIMIT_S = 60.0  # a follower gives up waiting after this long: its orders count as unanswered (retried)
POLL_S = 0.05
PENDING_TTL_S = 3600
RECONCILE_TOPIC = "reconcile"  # events the app made from the shop's own order list: owned by construction

# (shop tag, order id) pairs already asked about in the batch being handled, and not answered.
_asked: ContextVar[frozenset[tuple[str, str]]] = ContextVar("ownership_asked", default=frozenset())


class OrderNotConfirmed(RetryableError):
    """The platform does not (yet) answer for this order in this shop: retried with backoff, then dead-lettered."""


def owned_key(services: Services, shop: ShopRef, order_id: str) -> str:
    return services.keys.shop(shop, "owned", order_id)


def _confirming_platform(services: Services, event: PlatformEvent) -> PayloadOrders | None:
    """The adapter that must confirm this event's order, or None when the event needs no confirmation."""
    if event.order_id is None or event.source_topic == RECONCILE_TOPIC:
        return None
    platform = services.platforms.get(event.shop.platform)
    return platform if isinstance(platform, PayloadOrders) else None


async def cached_owned(services: Services, shop: ShopRef, order_ids: Sequence[str]) -> set[str]:
    """The ids among `order_ids` already confirmed for `shop` (one round trip)."""
    if not order_ids:
        return set()
    async with services.redis.pipeline(transaction=False) as pipe:
        for order_id in order_ids:
            pipe.exists(owned_key(services, shop, order_id))
        found = await pipe.execute()
    return {order_id for order_id, exists in zip(order_ids, found, strict=True) if exists}


async def remember_owned(services: Services, shop: ShopRef, order_ids: Iterable[str]) -> None:
    async with services.redis.pipeline(transaction=False) as pipe:
        for order_id in order_ids:
            pipe.set(owned_key(services, shop, order_id), "1", ex=OWNED_TTL_S)
        await pipe.execute()


async def confirm(services: Services, platform: PayloadOrders, shop: ShopRef, order_ids: Iterable[str]) -> set[str]:
    """Ask the platform about the ids not confirmed yet, as few calls as its batch limit allows; cache the answered
    ones; return every id of `order_ids` that is owned. Raises PlatformError when a call fails."""
    wanted = list(dict.fromkeys(order_ids))
    owned = await cached_owned(services, shop, wanted)
    unknown = [order_id for order_id in wanted if order_id not in owned]
    size = max(1, platform.max_confirm_batch)
    for start in range(0, len(unknown), size):
        answered = await platform.confirm_orders(shop, unknown[start : start + size])
        if answered:
            await remember_owned(services, shop, answered)
        owned |= answered
    return owned


# Release the lead lock only if it is still ours (it may have expired and been taken by another worker).
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


async def _lead_round(services: Services, platform: PayloadOrders, shop: ShopRef, collect_s: float) -> None:
    """As the shop's leader: let other workers add their orders, then ask once for up to a call's worth."""
    await anyio.sleep(collect_s)
    popped = await services.redis.spop(services.keys.shop(shop, "ownership", "pending"), platform.max_confirm_batch)
    order_ids = [order_id.decode() if isinstance(order_id, bytes) else str(order_id) for order_id in popped or ()]
    if not order_ids:
        return
    try:
        answered = await platform.confirm_orders(shop, order_ids)
    except PlatformError as exc:
        log.warning("ownership check failed", extra={"shop": shop.tag, "error": type(exc).__name__})
        return
    if answered:
        await remember_owned(services, shop, answered)


async def confirm_shared(
    services: Services, platform: PayloadOrders, shop: ShopRef, order_ids: Sequence[str], *, collect_s: float
) -> set[str]:
    """Confirm `order_ids` in one call shared with every worker's waiting orders of `shop` (see the module
    docstring); the owned ones. Waits about `collect_s`, at most WAIT_LIMIT_S."""
    redis = services.redis
    pending, lock = services.keys.shop(shop, "ownership", "pending"), services.keys.shop(shop, "ownership", "lead")
    await redis.sadd(pending, *order_ids)
    await redis.expire(pending, PENDING_TTL_S)
    token = secrets.token_hex(8)
    deadline = time.monotonic() + WAIT_LIMIT_S
    while True:
        if await redis.set(lock, token, nx=True, px=int(LEAD_LOCK_S * 1000)):
            try:
                await _lead_round(services, platform, shop, collect_s)
            finally:
                await redis.eval(_RELEASE, 1, lock, token)
        # Pending and lock first, then the cache: a round that took our ids cached its answers before it released.
        still_pending = any(await redis.smismember(pending, list(order_ids)))
        in_flight = bool(await redis.exists(lock))
        owned = await cached_owned(services, shop, order_ids)
        if len(owned) == len(set(order_ids)) or (not still_pending and not in_flight):
            return owned
        if time.monotonic() > deadline:
            return owned
        await anyio.sleep(POLL_S)


async def _confirm_for_batch(
    services: Services, platform: PayloadOrders, shop: ShopRef, order_ids: list[str], collect_s: float
) -> set[str]:
    cached = await cached_owned(services, shop, order_ids)
    unconfirmed = [order_id for order_id in order_ids if order_id not in cached]
    if not unconfirmed:
        return cached
    if collect_s <= 0 or len(unconfirmed) >= CONFIRM_NOW_AT:
        return cached | await confirm(services, platform, shop, unconfirmed)
    return cached | await confirm_shared(services, platform, shop, unconfirmed, collect_s=collect_s)


@asynccontextmanager
async def batch(
    services: Services, events: Sequence[PlatformEvent], *, collect_s: float = COLLECT_S
) -> AsyncIterator[None]:
    """Confirm the orders of `events` together (per shop, see the module docstring), then let their handlers run;
    within the block, an order asked about and not answered is not asked again."""
    by_shop: dict[ShopRef, list[str]] = defaultdict(list)
    platforms: dict[ShopRef, PayloadOrders] = {}
    for event in events:
        platform = _confirming_platform(services, event)
        if platform is not None and event.order_id is not None:
            by_shop[event.shop].append(event.order_id)
            platforms[event.shop] = platform
    asked: set[tuple[str, str]] = set()

    async def confirm_shop(shop: ShopRef, order_ids: list[str]) -> None:
        try:
            if not await services.shops.is_active(shop):
                return  # nothing will be done for it: ask nothing
            owned = await _confirm_for_batch(services, platforms[shop], shop, order_ids, collect_s)
        except Exception as exc:  # platform or Redis: raised in a task group it would stop the worker
            # Every event of the shop retries with backoff rather than each asking on its own right now.
            log.warning("ownership check failed", extra={"shop": shop.tag, "error": type(exc).__name__})
            owned = set()
        asked.update((shop.tag, order_id) for order_id in order_ids if order_id not in owned)

    async with anyio.create_task_group() as tasks:
        for shop, order_ids in by_shop.items():
            tasks.start_soon(confirm_shop, shop, order_ids)
    token = _asked.set(frozenset(asked))
    try:
        yield
    finally:
        _asked.reset(token)


async def require_owned(services: Services, event: PlatformEvent) -> None:
    """Return when the event's order is confirmed for its shop (or needs no confirmation); raise
    OrderNotConfirmed otherwise."""
    platform = _confirming_platform(services, event)
    if platform is None or event.order_id is None:
        return
    shop, order_id = event.shop, event.order_id
    if await services.redis.exists(owned_key(services, shop, order_id)):
        return
    if (shop.tag, order_id) not in _asked.get() and order_id in await confirm(services, platform, shop, [order_id]):
        return
    raise OrderNotConfirmed(f"order {order_id} is not (yet) known to {shop.platform} for this shop")


def owned_orders_only(handler: EventHandler) -> EventHandler:
    """`handler`, run only for an active shop and an order confirmed to be the shop's."""

    async def handle(services: Services, event: PlatformEvent) -> None:
        if not await services.shops.is_active(event.shop):
            return  # an uninstalled shop's events change nothing
        await require_owned(services, event)
        await handler(services, event)

    return handle
