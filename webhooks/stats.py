"""Queue figures for operators: the same numbers for `upfront queue stats` and the Prometheus `/metrics`."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

from redis.exceptions import ResponseError
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from plugin.jobs import due_key
from plugin.keys import Keys
from plugin.openapi import documented
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


async def collect_stats(redis: RedisStore, keys: Keys) -> QueueStats:
    """One consistent snapshot of the event pipeline: its reads run in one MULTI, so an event moving between the
    stream and the retry set is never counted twice or missed. Scheduled jobs live in another slot (on a cluster,
    maybe another node), so they are counted by a read of their own."""
    sk = StreamKeys.of(keys)
    try:
        await redis.xgroup_create(sk.stream, GROUP, id="0", mkstream=True)
    except ResponseError as exc:  # the usual case: the group exists
        if "BUSYGROUP" not in str(exc):
            raise
    async with redis.pipeline(transaction=True) as pipe:
        pipe.hgetall(sk.counters)
        pipe.xlen(sk.stream)
        pipe.xpending(sk.stream, GROUP)
        pipe.xrange(sk.stream, "-", "+", count=1)
        pipe.zcard(sk.retry_due)
        pipe.xlen(sk.dead)
        raw_counters, in_stream, summary, oldest, retrying, dead = await pipe.execute()
    jobs = await redis.zcard(due_key(keys))
    counters = {as_text(k): int(v) for k, v in raw_counters.items()}
    processing = int(summary["pending"]) if summary else 0
    age = 0.0
    if oldest:
        created_ms = int(as_text(oldest[0][0]).split("-")[0])
        age = max(0.0, time.time() - created_ms / 1000)
    return QueueStats(
        received=counters.get("received", 0),
        duplicates=counters.get("duplicates", 0),
        handled=counters.get("handled", 0),
        pending=int(in_stream) - processing,
        processing=processing,
        retrying=int(retrying),
        dead=int(dead),
        scheduled_jobs=int(jobs),
        oldest_pending_age_s=round(age, 3),
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
