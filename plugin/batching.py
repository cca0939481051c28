"""Group commit for concurrent requests: the Redis commands they send during one turn of the event loop go out
as one pipeline right after it (or, while two are out, together once one returns), instead of one round trip each.

Nothing is answered early or from memory: a caller's commands are sent after the caller asked, so a read sees
every write that had completed before it was asked for, and a write is reported done only once Redis replied.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any, Generic, TypeVar

from plugin.storage import RedisStore

Item = TypeVar("Item")
Result = TypeVar("Result")

# One outcome per item, in order: its result, or the exception that item alone raised.
BatchCall = Callable[[Sequence[Item]], Awaitable[Sequence[Result | Exception]]]

MAX_BATCH = 256  # bounds one pipeline; a busier turn is sent as several
# One batch on the wire while the next one fills. Unbounded, each turn under load sent its own small batch, each
# paying the round trip's fixed cost (~90 us of CPU) and holding a pooled connection; bounded at two, batches of
# webhook deliveries grew from ~13 to ~21 and the app's CPU per delivery fell ~8%. At one, the app waited on fsync.
MAX_IN_FLIGHT = 2
# A call still out after this long is abandoned and its callers hear TimeoutError, so a connection that stopped
# answering (a half-open socket after a failover) cannot hold a slot for good. Under the 5 s Shopify gives a
# webhook answer: the platform hears a 503 and retries, instead of timing out.
CALL_DEADLINE_SECONDS = 4.0


class TickBatcher(Generic[Item, Result]):
    """Calls made during one event-loop turn are answered by one `call` with all their items, right after it;
    while `max_in_flight` calls are out, further items wait and go together when one returns."""

    def __init__(
        self,
        call: BatchCall[Item, Result],
        *,
        max_batch: int = MAX_BATCH,
        max_in_flight: int = MAX_IN_FLIGHT,
        deadline_seconds: float = CALL_DEADLINE_SECONDS,
    ) -> None:
        self._call = call
        self._max_batch = max_batch
        self._max_in_flight = max_in_flight
        self._deadline_seconds = deadline_seconds
        self._waiting: list[tuple[Item, asyncio.Future[Result]]] = []
        self._running: set[asyncio.Task[None]] = set()  # held until done: the loop keeps only weak references

    async def __call__(self, item: Item) -> Result:
        loop = asyncio.get_running_loop()
        if not self._waiting and len(self._running) < self._max_in_flight:
            loop.call_soon(self._flush)  # otherwise a flush is due already, or a returning call will flush
        future: asyncio.Future[Result] = loop.create_future()
        self._waiting.append((item, future))
        return await future

    def _flush(self) -> None:
        while self._waiting and len(self._running) < self._max_in_flight:
            batch = self._waiting[: self._max_batch]
            del self._waiting[: self._max_batch]
            task = asyncio.ensure_future(self._run(batch))
            self._running.add(task)
            task.add_done_callback(self._returned)

    def _returned(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        if self._waiting:
            asyncio.get_running_loop().call_soon(self._flush)  # after this turn: its callers join the batch too

    async def _run(self, batch: list[tuple[Item, asyncio.Future[Result]]]) -> None:
        try:
            async with asyncio.timeout(self._deadline_seconds):
                outcomes = await self._call([item for item, _ in batch])
        except asyncio.CancelledError:
            for _, future in batch:
                future.cancel()
            raise
        except Exception as exc:  # the whole batch failed (connection lost, deadline...): every caller hears it
            outcomes = [exc] * len(batch)
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if future.done():
                continue  # that caller was cancelled (its client left); the work itself still happened
            if isinstance(outcome, Exception):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)


Command = tuple[str | bytes | int | float, ...]

# Identical reads in one pipeline are sent once: they would return the same thing. Names as written (uppercase).
READ_COMMANDS = frozenset({"GET", "MGET", "HGET", "HMGET", "HGETALL", "EXISTS", "SMEMBERS", "ZSCORE"})


class PipelinedRedis:
    """The commands concurrent callers send, one pipeline per event-loop turn. Results are parsed as the
    client parses them (HGETALL gives a dict...); a command's error is raised to its caller alone."""

    def __init__(self, redis: RedisStore) -> None:
        self.redis = redis
        self._batcher: TickBatcher[tuple[Command, ...], list[Any]] = TickBatcher(self._send)
        self._custom: dict[Hashable, TickBatcher[Any, Any]] = {}

    def batcher(self, name: Hashable, call: BatchCall[Item, Result]) -> TickBatcher[Item, Result]:
        """A batcher of this client's own for work that batches better as one command than as many (a script
        taking every item at once): made from `call` the first time `name` is asked for, then reused."""
        found = self._custom.get(name)
        if found is None:
            found = self._custom[name] = TickBatcher(call)
        return found

    async def execute(self, *commands: Command) -> list[Any]:
        """The results of `commands`, in order, sent together in this turn's pipeline."""
        results = await self._batcher(commands)
        for result in results:
            if isinstance(result, Exception):
                raise result
        return results

    async def _send(self, units: Sequence[tuple[Command, ...]]) -> list[list[Any] | Exception]:
        position: dict[Command, int] = {}  # read command -> its place in the pipeline
        places: list[list[int]] = []
        async with self.redis.pipeline(transaction=False) as pipe:
            for unit in units:
                unit_places = []
                for command in unit:
                    place = position.get(command)
                    if place is None:
                        place = len(pipe)
                        pipe.execute_command(*command)
                        if command[0] in READ_COMMANDS:
                            position[command] = place
                    unit_places.append(place)
                places.append(unit_places)
            replies = await pipe.execute(raise_on_error=False)
        return [[replies[place] for place in unit_places] for unit_places in places]
