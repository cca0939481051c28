"""Which shops' installation status and data version this process may take as current without asking Redis.

Every write to a shop's status (install, uninstall, erasure) or data version (facts, shipping setup, widget
settings) is announced on one pub/sub channel (classic PUBLISH: on a Redis Cluster it reaches every node), in the
writer's own transaction (`announce`), and forgotten in the writer's process as soon as the write is done
(`forget_here`). Each app process listens (`ShopChangeFeed.run`) and forgets what it knew about an announced shop:
a change made elsewhere is seen within milliseconds, one made in this process at once. Nothing is trusted while
the listener is not subscribed, nor for longer than TRUST_SECONDS: a lost announcement costs at most that.
Storefront reads are also publicly cacheable for 60 s, so these milliseconds are far inside what a shopper may
already be shown.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref

from redis.asyncio.client import Pipeline, PubSub
from redis.asyncio.cluster import ClusterPipeline, RedisCluster

from plugin.keys import Keys, ShopRef
from plugin.storage import RedisStore, as_text

log = logging.getLogger(__name__)

TRUST_SECONDS = 5.0
RECONNECT_SECONDS = (0.1, 0.5, 2.0)
STOP_SECONDS = 2.0
POLL_SECONDS = 1.0  # a read's longest wait: redis-py's blocking pub/sub read does not always yield to a cancel
# Installation statuses kept, not-installed shops included: a delivery may name any shop (the header is not
# signed), so the oldest is dropped beyond this many.
MAX_STATUSES = 10_000

# The feeds of this process (one per running app), so that a write made here is forgotten at once.
_feeds: weakref.WeakSet[ShopChangeFeed] = weakref.WeakSet()


def changes_channel(keys: Keys) -> str:
    return keys.global_("shop-changes")


# A script, not a bare PUBLISH: a Redis Cluster pipeline refuses PUBLISH, while a script naming one of the shop's
# keys runs in the shop's slot, inside the writer's transaction there too. PUBLISH reaches every node's subscribers.
_ANNOUNCE = "redis.call('PUBLISH', ARGV[1], ARGV[2]) return 1"


def announce(pipe: Pipeline | ClusterPipeline, keys: Keys, shop: ShopRef) -> None:
    """Queue the announcement in the writer's pipeline or transaction; call `forget_here` once it executed."""
    pipe.eval(_ANNOUNCE, 1, keys.shop(shop, "shop"), changes_channel(keys), shop.tag)


def forget_here(keys: Keys, shop: ShopRef) -> None:
    """After a write to `shop` completed: no feed of this process trusts what it knew before."""
    for feed in list(_feeds):
        if feed.keys.prefix == keys.prefix:
            feed.forget(shop.tag)


class ShopChangeFeed:
    def __init__(self, redis: RedisStore, keys: Keys, *, trust_seconds: float | None = None) -> None:
        self.redis = redis
        self.keys = keys
        self.trust_seconds = TRUST_SECONDS if trust_seconds is None else trust_seconds
        self.listening = False
        self._stopping = False
        self._pubsub: PubSub | None = None
        self._generation = 0  # bumped whenever the listener (re)subscribes or stops: everything is forgotten
        self._epochs: dict[str, int] = {}  # shop tag -> announcements seen
        # shop tag -> (generation, epoch, when, data versions) of the last read that found it active
        self._confirmed: dict[str, tuple[int, int, float, dict[str, str]]] = {}
        # shop tag -> (generation, epoch, when, installation status: "active", "uninstalled", "" for no record)
        self._statuses: dict[str, tuple[int, int, float, str]] = {}
        _feeds.add(self)

    def mark(self, shop: ShopRef) -> tuple[int, int]:
        """Taken before reading the shop's state: `confirm` keeps the read only if nothing changed meanwhile."""
        return self._generation, self._epochs.get(shop.tag, 0)

    def confirm(self, shop: ShopRef, mark: tuple[int, int], versions: dict[str, str]) -> None:
        """The shop was read active with these data versions, by a read begun at `mark`."""
        if self.listening and mark == self.mark(shop):
            self._confirmed[shop.tag] = (*mark, time.monotonic(), versions)

    def current_versions(self, shop: ShopRef) -> dict[str, str] | None:
        """The data versions of an active shop, if what was last confirmed still stands as far as announcements
        tell; None when Redis must be asked."""
        found = self._confirmed.get(shop.tag)
        if found is None or not self.listening or found[:2] != self.mark(shop):
            return None
        return found[3] if time.monotonic() - found[2] < self.trust_seconds else None

    def confirm_status(self, shop: ShopRef, mark: tuple[int, int], status: str) -> None:
        """The shop's installation status (`""` when it has no record) was read by a read begun at `mark`."""
        if self.listening and mark == self.mark(shop):
            self._statuses.pop(shop.tag, None)  # re-inserted last: the dict's order is the age order
            if len(self._statuses) >= MAX_STATUSES:
                self._statuses.pop(next(iter(self._statuses)))
            self._statuses[shop.tag] = (*mark, time.monotonic(), status)

    def current_status(self, shop: ShopRef) -> str | None:
        """The installation status last confirmed (`""`: no record), if it still stands; None: ask Redis."""
        if self.current_versions(shop) is not None:
            return "active"  # confirmed active by a storefront read
        found = self._statuses.get(shop.tag)
        if found is None or not self.listening or found[:2] != self.mark(shop):
            return None
        return found[3] if time.monotonic() - found[2] < self.trust_seconds else None

    def forget(self, tag: str) -> None:
        self._epochs[tag] = self._epochs.get(tag, 0) + 1
        self._confirmed.pop(tag, None)
        self._statuses.pop(tag, None)

    def forget_all(self) -> None:
        self._generation += 1
        self._confirmed.clear()
        self._statuses.clear()

    async def run(self) -> None:
        """Listen until `stop`, resubscribing after a lost connection (trusting nothing meanwhile)."""
        failures = 0
        while not self._stopping:
            pubsub = self._pubsub = self.redis.pubsub()
            try:
                if isinstance(self.redis, RedisCluster):
                    await self.redis.initialize()  # a cluster's pub/sub picks its node from the slot map: load it
                await pubsub.subscribe(changes_channel(self.keys))
                while not self._stopping:
                    message = await pubsub.get_message(timeout=POLL_SECONDS)
                    if message is None:
                        continue
                    if message["type"] == "subscribe":
                        self.forget_all()  # what was confirmed before this subscription may have been missed
                        self.listening = True
                        failures = 0
                    elif message["type"] == "message":
                        self.forget(as_text(message["data"]))
            except Exception as exc:  # the connection is gone (or closed by `stop`): trust nothing until back
                if not self._stopping:
                    log.warning("shop change feed interrupted", extra={"error": type(exc).__name__})
            finally:
                self.listening = False
                self.forget_all()
                self._pubsub = None
                await pubsub.aclose()  # type: ignore[no-untyped-call]
            if not self._stopping:
                await asyncio.sleep(RECONNECT_SECONDS[min(failures, len(RECONNECT_SECONDS) - 1)])
                failures += 1

    async def stop(self, running: asyncio.Task[None]) -> None:
        """End `run`. Its connection is closed under it first: a pub/sub read does not always give way to a
        bare cancellation."""
        self._stopping = True
        self.listening = False
        if self._pubsub is not None:
            await self._pubsub.aclose()  # type: ignore[no-untyped-call]
        running.cancel()
        await asyncio.wait({running}, timeout=STOP_SECONDS)
