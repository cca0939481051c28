"""One consumer of the event partitions: read, handle, acknowledge; retry with backoff; dead-letter what cannot work."""

from __future__ import annotations

import logging
import os
import secrets
import socket
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import anyio

from plugin.errors import PlatformError
from plugin.events import PlatformEvent
from plugin.partitions import Partition, load_layout
from plugin.services import Services
from webhooks import ownership, stream
from webhooks.registry import EventRegistry
from webhooks.stream import Entry, StreamKeys

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConsumerOptions:
    # Events of one partition handled in one turn; their orders' ownership is confirmed with one platform call per
    # shop (webhooks.ownership). Every partition gets a turn in each sweep.
    batch: int = 100
    # Events of one partition a consumer holds (read, not yet handled) so a turn can be shared by shop: a shop with
    # many waiting events gets no more of a turn than one with few, among the events held (see `fair_share`).
    read_ahead: int = 400
    # How long a read with few unconfirmed orders of a shop waits for other workers' to share one call (0: no wait).
    confirm_collect_s: float = ownership.COLLECT_S
    block_ms: int = 100  # the pause after a sweep that found nothing in any partition (doubling while idle)
    claim_idle_ms: int = 60_000  # an entry unacknowledged this long belongs to a dead consumer
    reclaim_every_s: float = 5.0
    max_attempts: int = 8
    retry_base_s: float = 2.0
    layout_every_s: float = 5.0  # how often the partition layout recorded in Redis is read again


def consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


def fair_share(entries: Sequence[Entry], limit: int) -> tuple[list[Entry], list[Entry]]:
    """Up to `limit` of `entries`, taken by shop in turns (the first of each shop, then the second of each...), and
    the rest. Both keep the entries' order, so each shop's events are still handled in the order they arrived."""
    queues: dict[str, deque[int]] = {}
    for index, (_, fields) in enumerate(entries):
        queues.setdefault(fields.get("shop", ""), deque()).append(index)
    picked: set[int] = set()
    while len(picked) < limit and queues:
        for shop in list(queues):
            if len(picked) >= limit:
                break
            picked.add(queues[shop].popleft())
            if not queues[shop]:
                del queues[shop]
    chosen = [entry for index, entry in enumerate(entries) if index in picked]
    rest = [entry for index, entry in enumerate(entries) if index not in picked]
    return chosen, rest


def _stream_order(entry: Entry) -> tuple[int, int]:
    milliseconds, _, sequence = entry[0].partition("-")
    return int(milliseconds), int(sequence or 0)


class EventConsumer:
    """Reads every event partition in turn (a read names one partition: several would span cluster slots). Any
    number of consumers share the partitions through each partition's consumer group, so adding workers adds
    capacity; a partition's entries held by a consumer that dies are reclaimed by the others."""

    def __init__(
        self, services: Services, registry: EventRegistry, options: ConsumerOptions | None = None, name: str = ""
    ) -> None:
        self.services = services
        self.registry = registry
        self.options = options or ConsumerOptions()
        self.name = name or consumer_name()
        self._held: dict[Partition, list[Entry]] = {}
        self._grouped: set[Partition] = set()
        self._reclaimed_at: dict[Partition, float] = {}
        self._kept_at: dict[Partition, float] = {}

    async def run(self, stop: anyio.Event) -> None:
        layout_read_at = -self.options.layout_every_s
        idle_sweeps = 0
        try:
            while not stop.is_set():
                if time.monotonic() - layout_read_at >= self.options.layout_every_s:
                    layout_read_at = time.monotonic()
                    await load_layout(self.services.redis, self.services.keys, record=False)
                if await self.sweep(stop):
                    idle_sweeps = 0
                elif not stop.is_set():
                    # No read can block on every partition at once: an idle worker polls, less often the longer
                    # it has been idle (up to 8 x `block_ms`), so a quiet deployment costs Redis little.
                    idle_sweeps = min(idle_sweeps + 1, 4)
                    with anyio.move_on_after(self.options.block_ms * 2 ** (idle_sweeps - 1) / 1000):
                        await stop.wait()
        finally:
            if stop.is_set():
                with anyio.CancelScope(shield=True):
                    await self.release_held()

    async def sweep(self, stop: anyio.Event | None = None) -> int:
        """One turn of every partition: at most `batch` events of each are handled. Returns how many."""
        handled = 0
        for sk in StreamKeys.every(self.services.keys):
            if stop is not None and stop.is_set():
                break
            handled += await self._turn(sk, stop)
        return handled

    async def release_held(self) -> None:
        """Give back what was read but not started (graceful shutdown): any worker can take it at once."""
        for partition, held in list(self._held.items()):
            sk = StreamKeys.of(self.services.keys, partition)
            for entry in held:
                await stream.release(self.services.redis, sk, entry)
            self._held[partition] = []

    async def _turn(self, sk: StreamKeys, stop: anyio.Event | None) -> int:
        redis, options, partition = self.services.redis, self.options, sk.partition
        if partition not in self._grouped:
            await stream.ensure_group(redis, sk)
            self._grouped.add(partition)
        await stream.promote_due_retries(redis, sk)
        held = self._held.get(partition, [])
        now = time.monotonic()
        if now - self._reclaimed_at.get(partition, -options.reclaim_every_s) >= options.reclaim_every_s:
            self._reclaimed_at[partition] = now
            holding = {entry_id for entry_id, _ in held}
            claimed = [
                entry
                for entry in await stream.reclaim_idle(
                    redis, sk, self.name, min_idle_ms=options.claim_idle_ms, count=options.batch
                )
                if entry[0] not in holding
            ]
            if claimed:
                log.warning("reclaimed events from a dead consumer", extra={"count": len(claimed)})
                held = sorted([*held, *claimed], key=_stream_order)  # older than anything read since: stream order
        if len(held) < options.read_ahead:
            held = [*held, *await stream.read_new(redis, sk, self.name, count=options.read_ahead - len(held))]
        if not held:
            self._held[partition] = []
            return 0
        chosen, rest = fair_share(held, options.batch)
        if rest and now - self._kept_at.get(partition, 0.0) >= options.claim_idle_ms / 3000:
            self._kept_at[partition] = now
            mine = await stream.keep_claimed(redis, sk, self.name, [entry_id for entry_id, _ in rest])
            rest = [entry for entry in rest if entry[0] in mine]  # another worker took the others over
        self._held[partition] = rest
        await self.handle_batch(sk, chosen, stop)
        return len(chosen)

    async def handle_batch(self, sk: StreamKeys, entries: list[Entry], stop: anyio.Event | None = None) -> None:
        """Handle entries of one partition, in order; their orders' ownership is confirmed together first."""
        redis = self.services.redis
        parsed = [(entry, self._parse(entry)) for entry in entries]
        events = [event for _, event in parsed if isinstance(event, PlatformEvent)]
        async with ownership.batch(self.services, events, collect_s=self.options.confirm_collect_s):
            for index, (entry, event) in enumerate(parsed):
                if stop is not None and stop.is_set():
                    # Graceful shutdown: the entry in hand is finished; the unstarted ones go back at once.
                    for unstarted, _ in parsed[index:]:
                        await stream.release(redis, sk, unstarted)
                    break
                await self._handle(sk, entry, event)

    @staticmethod
    def _parse(entry: Entry) -> PlatformEvent | str:
        """The entry's event, or why it is malformed."""
        try:
            return PlatformEvent.from_fields(entry[1])
        except (KeyError, ValueError) as exc:
            return f"malformed entry: {exc}"

    async def handle(self, sk: StreamKeys, entry: Entry) -> None:
        await self._handle(sk, entry, self._parse(entry))

    async def _handle(self, sk: StreamKeys, entry: Entry, event: PlatformEvent | str) -> None:
        redis = self.services.redis
        entry_id, fields = entry
        attempt = int(fields.get("attempt", "0")) + 1
        if isinstance(event, str):
            await stream.dead_letter(redis, sk, entry, attempt=attempt, error=event)
            return
        handler = self.registry.get(event.type)
        if handler is None or fields.get("redacted") == "1":  # erased personal data leaves nothing to do
            await stream.acknowledge(redis, sk, entry_id)
            return
        try:
            await handler(self.services, event)
        except Exception as exc:  # every failure is classified below; none may kill the worker
            await self._failed(sk, entry, event, attempt, exc)
        else:
            await stream.acknowledge(redis, sk, entry_id)

    async def _failed(self, sk: StreamKeys, entry: Entry, event: PlatformEvent, attempt: int, exc: Exception) -> None:
        redis = self.services.redis
        retryable = exc.retryable if isinstance(exc, PlatformError) else not isinstance(exc, (ValueError, KeyError))
        context = {"type": event.type, "shop": event.shop.tag, "attempt": attempt, "error": type(exc).__name__}
        if retryable and attempt < self.options.max_attempts:
            hinted = exc.retry_after if isinstance(exc, PlatformError) else None
            delay = hinted if hinted is not None else stream.retry_delay(attempt, base=self.options.retry_base_s)
            log.warning("event will retry", extra={**context, "delay_s": round(delay, 2)})
            await stream.schedule_retry(redis, sk, entry, attempt=attempt, delay=delay)
        else:
            log.error("event dead-lettered", extra=context, exc_info=exc)
            await stream.dead_letter(redis, sk, entry, attempt=attempt, error=f"{type(exc).__name__}: {exc}")
