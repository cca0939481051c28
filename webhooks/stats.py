"""Queue figures for operators: the same numbers for `upfront queue stats` and the Prometheus `/metrics`."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

from redis.exceptions import ResponseError
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from plugin.jobs import pending_jobs
from plugin.keys import Keys
from plugin.openapi import documented
from plugin.partitions import load_layout
from plugin.services import services
from plugin.storage import RedisStore, as_text
from webhooks.stream import GROUP, StreamKeys


@dataclass(frozen=True)
class QueueStats:
    received: int
    duplicates: int
    handled: int
    pending: int
    processing: int
    retrying: int
    dead: int
    scheduled_jobs: int
    oldest_pending_age_s: float
    partitions: int


async def collect_stats(redis: RedisStore, keys: Keys) -> QueueStats:
    """Figures summed over every partition (the previous layout's too, while it drains). Each partition is read in
    one MULTI over its own keys (one slot), so an event moving between its stream and its retry set is never
    counted twice or missed; partitions are read one after the other, never in one transaction."""
    await load_layout(redis, keys, record=False)  # a repartition since this process started shows at once
    totals = dict.fromkeys(("received", "duplicates", "handled", "in_stream", "processing", "retrying", "dead"), 0)
    oldest_ms: int | None = None
    for sk in StreamKeys.every(keys):
        async with redis.pipeline(transaction=True) as pipe:
            pipe.hgetall(sk.counters)
            pipe.xlen(sk.stream)
            pipe.xpending(sk.stream, GROUP)
            pipe.xrange(sk.stream, "-", "+", count=1)
            pipe.zcard(sk.retry_due)
            pipe.xlen(sk.dead)
            raw_counters, in_stream, summary, oldest, retrying, dead = await pipe.execute(raise_on_error=False)
        counters = {as_text(k): int(v) for k, v in raw_counters.items()}
        for name in ("received", "duplicates", "handled"):
            totals[name] += counters.get(name, 0)
        totals["in_stream"] += int(in_stream)
        # No consumer group yet (no worker has read this partition): nothing is being processed.
        totals["processing"] += 0 if isinstance(summary, ResponseError) or not summary else int(summary["pending"])
        totals["retrying"] += int(retrying)
        totals["dead"] += int(dead)
        if oldest:
            created_ms = int(as_text(oldest[0][0]).split("-")[0])
            oldest_ms = created_ms if oldest_ms is None else min(oldest_ms, created_ms)
    age = 0.0 if oldest_ms is None else max(0.0, time.time() - oldest_ms / 1000)
    return QueueStats(
        received=totals["received"],
        duplicates=totals["duplicates"],
        handled=totals["handled"],
        pending=totals["in_stream"] - totals["processing"],
        processing=totals["processing"],
        retrying=totals["retrying"],
        dead=totals["dead"],
        scheduled_jobs=await pending_jobs(redis, keys),
        oldest_pending_age_s=round(age, 3),
        partitions=keys.layout.count,
    )


_METRICS = {
    "received": ("counter", "upfront_events_received_total", "Webhook deliveries accepted"),
    "duplicates": ("counter", "upfront_events_duplicates_total", "Redeliveries dropped as duplicates"),
    "handled": ("counter", "upfront_events_handled_total", "Events handled and acknowledged"),
    "pending": ("gauge", "upfront_events_pending", "Events waiting for a worker"),
    "processing": ("gauge", "upfront_events_processing", "Events a worker holds"),
    "retrying": ("gauge", "upfront_events_retrying", "Events waiting for a retry"),
    "dead": ("gauge", "upfront_events_dead", "Dead-lettered events (replay with `upfront queue replay`)"),
    "scheduled_jobs": ("gauge", "upfront_jobs_scheduled", "Scheduled jobs not yet done"),
    "oldest_pending_age_s": ("gauge", "upfront_events_oldest_pending_age_seconds", "Age of the oldest queued event"),
    "partitions": ("gauge", "upfront_events_partitions", "Event and job partitions in force"),
}


def render_prometheus(stats: QueueStats) -> str:
    lines: list[str] = []
    for field, value in asdict(stats).items():
        kind, name, help_text = _METRICS[field]
        lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}", f"{name} {value}"]
    return "\n".join(lines) + "\n"


@documented("Queue figures in Prometheus text format", {200: "metrics"}, tag="operations")
async def metrics(request: Request) -> PlainTextResponse:
    svc = services(request)
    stats = await collect_stats(svc.redis, svc.keys)
    return PlainTextResponse(render_prometheus(stats), media_type="text/plain; version=0.0.4")


routes = [Route("/metrics", metrics, methods=["GET"])]
