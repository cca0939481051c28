"""One consumer of the event stream: read, handle, acknowledge; retry with backoff; dead-letter what cannot work."""

from __future__ import annotations

import logging
import os
import secrets
import socket
import time
from dataclasses import dataclass

import anyio

from plugin.errors import PlatformError
from plugin.events import PlatformEvent
from plugin.services import Services
from webhooks import ownership, stream
from webhooks.registry import EventRegistry
from webhooks.stream import Entry, StreamKeys

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConsumerOptions:
    # Events read at once; their orders' ownership is confirmed with one platform call per shop (webhooks.ownership).
    batch: int = 100
    # How long a read with few unconfirmed orders of a shop waits for other workers' to share one call (0: no wait).
    confirm_collect_s: float = ownership.COLLECT_S
    block_ms: int = 1000
    claim_idle_ms: int = 60_000  # an entry unacknowledged this long belongs to a dead consumer
    reclaim_every_s: float = 5.0
    max_attempts: int = 8
    retry_base_s: float = 2.0


def consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


class EventConsumer:
    def __init__(
        self, services: Services, registry: EventRegistry, options: ConsumerOptions | None = None, name: str = ""
    ) -> None:
        self.services = services
        self.registry = registry
        self.options = options or ConsumerOptions()
        self.name = name or consumer_name()
        self.keys = StreamKeys.of(services.keys)

    async def run(self, stop: anyio.Event) -> None:
        redis, options = self.services.redis, self.options
        await stream.ensure_group(redis, self.keys)
        last_reclaim = 0.0
        while not stop.is_set():
            await stream.promote_due_retries(redis, self.keys)
            entries: list[Entry] = []
            if time.monotonic() - last_reclaim >= options.reclaim_every_s:
                last_reclaim = time.monotonic()
                entries = await stream.reclaim_idle(
                    redis, self.keys, self.name, min_idle_ms=options.claim_idle_ms, count=options.batch
                )
                if entries:
                    log.warning("reclaimed events from a dead consumer", extra={"count": len(entries)})
            if not entries:
                entries = await stream.read_new(
                    redis, self.keys, self.name, count=options.batch, block_ms=options.block_ms
                )
            await self.handle_batch(entries, stop)

    async def handle_batch(self, entries: list[Entry], stop: anyio.Event | None = None) -> None:
        """Handle what one read returned, in order; their orders' ownership is confirmed together first."""
        redis = self.services.redis
        parsed = [(entry, self._parse(entry)) for entry in entries]
        events = [event for _, event in parsed if isinstance(event, PlatformEvent)]
        async with ownership.batch(self.services, events, collect_s=self.options.confirm_collect_s):
            for index, (entry, event) in enumerate(parsed):
                if stop is not None and stop.is_set():
                    # Graceful shutdown: the entry in hand is finished; the unstarted ones go back at once.
                    for unstarted, _ in parsed[index:]:
                        await stream.release(redis, self.keys, unstarted)
                    break
                await self._handle(entry, event)

    @staticmethod
    def _parse(entry: Entry) -> PlatformEvent | str:
        """The entry's event, or why it is malformed."""
        try:
            return PlatformEvent.from_fields(entry[1])
        except (KeyError, ValueError) as exc:
            return f"malformed entry: {exc}"

    async def handle(self, entry: Entry) -> None:
        await self._handle(entry, self._parse(entry))

    async def _handle(self, entry: Entry, event: PlatformEvent | str) -> None:
        redis = self.services.redis
        entry_id, fields = entry
        attempt = int(fields.get("attempt", "0")) + 1
        if isinstance(event, str):
            await stream.dead_letter(redis, self.keys, entry, attempt=attempt, error=event)
            return
        handler = self.registry.get(event.type)
        if handler is None or fields.get("redacted") == "1":  # erased personal data leaves nothing to do
            await stream.acknowledge(redis, self.keys, entry_id)
            return
        try:
            await handler(self.services, event)
        except Exception as exc:  # every failure is classified below; none may kill the worker
            await self._failed(entry, event, attempt, exc)
        else:
            await stream.acknowledge(redis, self.keys, entry_id)

    async def _failed(self, entry: Entry, event: PlatformEvent, attempt: int, exc: Exception) -> None:
        redis = self.services.redis
        retryable = exc.retryable if isinstance(exc, PlatformError) else not isinstance(exc, (ValueError, KeyError))
        context = {"type": event.type, "shop": event.shop.tag, "attempt": attempt, "error": type(exc).__name__}
        if retryable and attempt < self.options.max_attempts:
            hinted = exc.retry_after if isinstance(exc, PlatformError) else None
            delay = hinted if hinted is not None else stream.retry_delay(attempt, base=self.options.retry_base_s)
            log.warning("event will retry", extra={**context, "delay_s": round(delay, 2)})
            await stream.schedule_retry(redis, self.keys, entry, attempt=attempt, delay=delay)
        else:
            log.error("event dead-lettered", extra=context, exc_info=exc)
            await stream.dead_letter(redis, self.keys, entry, attempt=attempt, error=f"{type(exc).__name__}: {exc}")
