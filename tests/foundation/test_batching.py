"""Group commit: concurrent callers share one batch per event-loop turn, and nobody gets someone else's answer."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from plugin.batching import PipelinedRedis, TickBatcher

pytestmark = pytest.mark.anyio


class Recorder:
    """A batch call that remembers every batch it was given and answers each item with its double."""

    def __init__(self, fail_on: object = None, fail_all: Exception | None = None) -> None:
        self.batches: list[list[int]] = []
        self.fail_on = fail_on
        self.fail_all = fail_all

    async def __call__(self, items: Sequence[int]) -> list[int | Exception]:
        self.batches.append(list(items))
        await asyncio.sleep(0.01)  # a round trip: later callers must form the next batch
        if self.fail_all is not None:
            raise self.fail_all
        return [ValueError(f"bad {item}") if item == self.fail_on else item * 2 for item in items]


async def test_concurrent_callers_share_one_batch_and_each_gets_its_own_answer() -> None:
    recorder = Recorder()
    batcher = TickBatcher(recorder)
    answers = await asyncio.gather(*(batcher(item) for item in range(10)))
    assert answers == [item * 2 for item in range(10)]
    assert recorder.batches == [list(range(10))]
    assert await batcher(21) == 42
    assert recorder.batches[-1] == [21], "a caller after the batch was sent starts a new one"


async def test_an_items_error_reaches_only_its_caller() -> None:
    batcher = TickBatcher(Recorder(fail_on=3))
    outcomes = await asyncio.gather(*(batcher(item) for item in range(5)), return_exceptions=True)
    assert [str(o) if isinstance(o, Exception) else o for o in outcomes] == [0, 2, 4, "bad 3", 8]


async def test_a_failed_batch_reaches_every_caller_and_the_next_batch_is_fine() -> None:
    recorder = Recorder(fail_all=ConnectionError("redis went away"))
    batcher = TickBatcher(recorder)
    outcomes = await asyncio.gather(*(batcher(item) for item in range(3)), return_exceptions=True)
    assert all(isinstance(o, ConnectionError) for o in outcomes)
    recorder.fail_all = None
    assert await batcher(5) == 10


async def test_a_cancelled_caller_leaves_the_others_their_answers() -> None:
    recorder = Recorder()
    batcher = TickBatcher(recorder)
    tasks = [asyncio.ensure_future(batcher(item)) for item in range(4)]
    await asyncio.sleep(0)  # the batch is on its way
    tasks[1].cancel()
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(outcomes[1], asyncio.CancelledError)
    assert [outcomes[0], outcomes[2], outcomes[3]] == [0, 4, 6]
    assert recorder.batches == [[0, 1, 2, 3]], "the cancelled item's work was still done"


async def test_a_busy_turn_is_sent_in_batches_of_at_most_max_batch() -> None:
    recorder = Recorder()
    batcher = TickBatcher(recorder, max_batch=4)
    assert await asyncio.gather(*(batcher(item) for item in range(10))) == [item * 2 for item in range(10)]
    assert [len(batch) for batch in recorder.batches] == [4, 4, 2]


async def test_callers_arriving_while_the_calls_are_out_go_together_when_one_returns() -> None:
    recorder = Recorder()
    batcher = TickBatcher(recorder, max_in_flight=1)
    first = asyncio.ensure_future(asyncio.gather(*(batcher(item) for item in range(3))))
    await asyncio.sleep(0.002)  # the first batch is out; these come over several turns while it is
    later = [asyncio.ensure_future(batcher(item)) for item in range(3, 5)]
    await asyncio.sleep(0)
    later.append(asyncio.ensure_future(batcher(5)))
    assert await first == [0, 2, 4]
    assert await asyncio.gather(*later) == [6, 8, 10]
    assert recorder.batches == [[0, 1, 2], [3, 4, 5]]


async def test_no_more_than_max_in_flight_calls_are_out_at_once() -> None:
    out = most = 0

    async def call(items: Sequence[int]) -> list[int | Exception]:
        nonlocal out, most
        out += 1
        most = max(most, out)
        await asyncio.sleep(0.005)
        out -= 1
        return list(items)

    batcher = TickBatcher(call, max_batch=2, max_in_flight=2)

    async def caller(item: int) -> int:
        await asyncio.sleep(item * 0.001)  # spread over many turns
        return await batcher(item)

    assert await asyncio.gather(*(caller(item) for item in range(20))) == list(range(20))
    assert most == 2


async def test_a_call_that_never_returns_is_abandoned_and_frees_its_slot() -> None:
    answering = False

    async def call(items: Sequence[int]) -> list[int | Exception]:
        if not answering:
            await asyncio.Event().wait()  # a connection that stopped answering
        return list(items)

    batcher = TickBatcher(call, max_in_flight=1, deadline_seconds=0.05)
    outcomes = await asyncio.gather(batcher(1), batcher(2), return_exceptions=True)
    assert all(isinstance(outcome, TimeoutError) for outcome in outcomes)
    answering = True
    assert await batcher(3) == 3, "the slot is free again"


async def _calls(redis: Redis, command: str) -> int:
    stats = await redis.info("commandstats")
    return int(stats.get(f"cmdstat_{command}", {}).get("calls", 0))


async def test_identical_reads_in_one_turn_are_sent_once_and_writes_never_merged(redis: Redis, key_prefix: str) -> None:
    pipelined = PipelinedRedis(redis)
    key = f"{key_prefix}:batching:counter"
    await redis.set(key, "7")
    gets_before, incrs_before = await _calls(redis, "get"), await _calls(redis, "incr")
    reads = await asyncio.gather(*(pipelined.execute(("GET", key)) for _ in range(20)))
    assert reads == [["7"]] * 20
    assert await _calls(redis, "get") == gets_before + 1
    writes = await asyncio.gather(*(pipelined.execute(("INCR", key)) for _ in range(20)))
    assert sorted(value for (value,) in writes) == list(range(8, 28))
    assert await _calls(redis, "incr") == incrs_before + 20


async def test_a_commands_error_is_raised_to_its_caller_alone(redis: Redis, key_prefix: str) -> None:
    pipelined = PipelinedRedis(redis)
    text, hash_ = f"{key_prefix}:batching:text", f"{key_prefix}:batching:hash"
    await redis.set(text, "plain")
    await redis.hset(hash_, "status", "active")
    wrong, right = await asyncio.gather(
        pipelined.execute(("HGET", text, "status")),
        pipelined.execute(("HGET", hash_, "status")),
        return_exceptions=True,
    )
    assert isinstance(wrong, ResponseError) and "WRONGTYPE" in str(wrong)
    assert right == ["active"]


async def test_a_read_sees_every_write_completed_before_it_was_asked(redis: Redis, key_prefix: str) -> None:
    pipelined = PipelinedRedis(redis)
    key = f"{key_prefix}:batching:fresh"
    for value in ("a", "b", "c"):
        await redis.set(key, value)  # through another connection
        assert await pipelined.execute(("GET", key)) == [value]


async def test_a_named_batcher_is_made_once_per_client(redis: Redis) -> None:
    pipelined = PipelinedRedis(redis)
    first = pipelined.batcher("name", Recorder())
    assert pipelined.batcher("name", Recorder()) is first
    assert pipelined.batcher("other", Recorder()) is not first
