"""Transit times and on-time rates learned from a store's own shipments (fulfilled -> delivered).

Per shop, Redis keeps the deliveries of the last 90 days as one sorted set (score: the delivery day) of compact
samples: zone, method, ship and delivery dates, business days in transit, the last promised day, and a hash of the
shipment id (to count a redelivered webhook once). Nothing about the customer. A zone+method pair's learned window
is the 10th-90th percentile (nearest rank) of its business days once it has MIN_SAMPLES deliveries: the percentiles
ignore the odd lost parcel or same-day courier (from 20 deliveries on, at least the fastest and the slowest).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from plugin.jobs import Job, JobHandler, schedule_job
from plugin.keys import ShopRef
from plugin.retention import retention_seconds
from plugin.services import Services
from plugin.shop_data import bump_version
from plugin.storage import as_optional_text, as_text
from widgets.estimator.transit import LearnedTransit, LearnedWindow

WINDOW_DAYS = 90
MIN_SAMPLES = 20  # per zone and method, before its learned window replaces the default
MIN_ON_TIME_SAMPLES = 100  # deliveries with a promise, before a badge may state the on-time rate
MAX_SAMPLES = 50_000  # per shop; the oldest go first (a window of 90 days rarely reaches it)
LOW_PERCENTILE, HIGH_PERCENTILE = 10, 90
REFRESH_JOB = "transit.learn"
REFRESH_DELAY_SECONDS = 300.0  # deliveries arriving meanwhile share one recomputation
VERSION_KIND = "transit"  # plugin.shop_data version bumped when the storefront's learned windows change

# Add one sample (replacing an earlier one of the same shipment), then drop what left the window or the cap.
_RECORD = """
local old = redis.call('HGET', KEYS[2], ARGV[1])
if old == ARGV[2] then return 0 end
if old then redis.call('ZREM', KEYS[1], old) end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
local function drop(members)
  for _, member in ipairs(members) do
    redis.call('ZREM', KEYS[1], member)
    redis.call('HDEL', KEYS[2], cjson.decode(member)[1])
  end
end
drop(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[4]))
local over = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[5])
if over > 0 then drop(redis.call('ZRANGE', KEYS[1], 0, over - 1)) end
redis.call('EXPIRE', KEYS[1], ARGV[6])
redis.call('EXPIRE', KEYS[2], ARGV[6])
return 1
"""


def samples_key(services: Services, shop: ShopRef) -> str:
    return services.keys.shop(shop, "transit", "samples")


def _index_key(services: Services, shop: ShopRef) -> str:
    return services.keys.shop(shop, "transit", "index")


def learned_key(services: Services, shop: ShopRef) -> str:
    return services.keys.shop(shop, "transit", "learned")


def shipment_token(order_id: str, shipment_id: str) -> str:
    """A shipment's dedupe key: a hash, so the samples name no order."""
    return hashlib.sha256(f"{order_id}:{shipment_id}".encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class DeliverySample:
    token: str  # shipment_token
    zone_id: str
    method: str  # the method as the storefront names it
    shipped: date  # in the shop's time zone
    delivered: date
    business_days: int  # in transit, by the origin's business days (widgets.estimator.delivery)
    promised_latest: date | None = None  # the last day the confirmation promised; None: nothing was promised

    @property
    def on_time(self) -> bool | None:
        return None if self.promised_latest is None else self.delivered <= self.promised_latest

    def encode(self) -> str:
        promised = None if self.promised_latest is None else self.promised_latest.isoformat()
        fields = [self.token, self.zone_id, self.method, self.shipped.isoformat(), self.delivered.isoformat()]
        return json.dumps([*fields, self.business_days, promised], separators=(",", ":"))

    @classmethod
    def decode(cls, text: str) -> DeliverySample | None:
        try:
            token, zone, method, shipped, delivered, days, promised = json.loads(text)
            return cls(
                str(token),
                str(zone),
                str(method),
                date.fromisoformat(shipped),
                date.fromisoformat(delivered),
                int(days),
                None if promised is None else date.fromisoformat(promised),
            )
        except (ValueError, TypeError):
            return None


def _day_score(day: date) -> int:
    return int(datetime.combine(day, datetime.min.time(), tzinfo=UTC).timestamp())


def window_start(now: datetime) -> date:
    return now.astimezone(UTC).date() - timedelta(days=WINDOW_DAYS)


async def record_delivery(services: Services, shop: ShopRef, sample: DeliverySample, now: datetime) -> bool:
    """Keep `sample` (once per shipment; a changed one replaces the earlier) and schedule the shop's
    recomputation; False when it was already known or lies outside the window."""
    if sample.delivered < window_start(now):
        return False
    added = await services.redis.eval(
        _RECORD,
        2,
        samples_key(services, shop),
        _index_key(services, shop),
        sample.token,
        sample.encode(),
        _day_score(sample.delivered),
        _day_score(window_start(now)),
        MAX_SAMPLES,
        retention_seconds(services.settings.retention_days),
    )
    if added:
        job = Job(REFRESH_JOB, shop, f"transit-learn:{shop.tag}")
        await schedule_job(services.redis, services.keys, job, delay_seconds=REFRESH_DELAY_SECONDS)
    return bool(added)


async def load_samples(services: Services, shop: ShopRef, now: datetime) -> list[DeliverySample]:
    """The samples delivered within the window, oldest first."""
    members: Iterable[Any] = await services.redis.zrangebyscore(
        samples_key(services, shop), _day_score(window_start(now)), "+inf"
    )
    found = (DeliverySample.decode(as_text(member)) for member in members)
    return [sample for sample in found if sample is not None]


def percentile(ordered: Sequence[int], percent: int) -> int:
    """Nearest-rank percentile of ascending `ordered` (never interpolated: a window is in whole days)."""
    return ordered[max(0, math.ceil(percent / 100 * len(ordered)) - 1)]


@dataclass(frozen=True, slots=True)
class MethodTransit:
    zone_id: str
    method: str
    samples: int
    days: tuple[int, int]  # the 10th-90th percentile of business days in transit

    @property
    def learned(self) -> bool:
        return self.samples >= MIN_SAMPLES


@dataclass(frozen=True, slots=True)
class OnTime:
    """Deliveries on or before the last promised day, of those that had a promise."""

    on_time: int
    samples: int
    days: int = WINDOW_DAYS

    @property
    def rate(self) -> float | None:
        return None if not self.samples else self.on_time / self.samples

    @property
    def percent(self) -> int | None:
        # Floored: "94% on time" must not round 93.6% up.
        return None if not self.samples else math.floor(100 * self.on_time / self.samples)

    @property
    def claimable(self) -> bool:
        return self.samples >= MIN_ON_TIME_SAMPLES


@dataclass(frozen=True, slots=True)
class TransitReport:
    methods: tuple[MethodTransit, ...]
    on_time_by_zone: Mapping[str, OnTime]
    on_time: OnTime

    def learned(self) -> LearnedTransit:
        return {(m.zone_id, m.method): LearnedWindow(m.days, m.samples) for m in self.methods if m.learned}


def summarize(samples: Iterable[DeliverySample]) -> TransitReport:
    durations: dict[tuple[str, str], list[int]] = defaultdict(list)
    promised: dict[str, list[bool]] = defaultdict(list)
    for sample in samples:
        durations[(sample.zone_id, sample.method)].append(sample.business_days)
        if sample.on_time is not None:
            promised[sample.zone_id].append(sample.on_time)
    methods = tuple(
        MethodTransit(zone, method, len(days), (percentile(days, LOW_PERCENTILE), percentile(days, HIGH_PERCENTILE)))
        for (zone, method), days in sorted(durations.items())
        for days in [sorted(days)]
    )
    by_zone = {zone: OnTime(sum(flags), len(flags)) for zone, flags in sorted(promised.items())}
    overall = OnTime(sum(z.on_time for z in by_zone.values()), sum(z.samples for z in by_zone.values()))
    return TransitReport(methods, by_zone, overall)


async def transit_report(services: Services, shop: ShopRef, now: datetime | None = None) -> TransitReport:
    return summarize(await load_samples(services, shop, now or datetime.now(UTC)))


@dataclass(frozen=True, slots=True)
class LearnedSummary:
    """What the storefront reads: the learned windows and the shop's overall on-time figure."""

    windows: LearnedTransit
    on_time: OnTime

    def to_json(self) -> str:
        rows = [[zone, method, w.days[0], w.days[1], w.samples] for (zone, method), w in sorted(self.windows.items())]
        on_time = [self.on_time.on_time, self.on_time.samples, self.on_time.days]
        return json.dumps({"windows": rows, "on_time": on_time}, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | None) -> LearnedSummary | None:
        if not text:
            return None
        try:
            data = json.loads(text)
            windows = {
                (str(zone), str(method)): LearnedWindow((int(low), int(high)), int(samples))
                for zone, method, low, high, samples in data["windows"]
            }
            on_time, samples, days = data["on_time"]
            return cls(windows, OnTime(int(on_time), int(samples), int(days)))
        except (ValueError, TypeError, KeyError):
            return None


def storefront_view(summary: LearnedSummary) -> str:
    """What the storefront shows of a summary: it changes the data version only when this changes."""
    claim = [summary.on_time.percent, summary.on_time.samples] if summary.on_time.claimable else None
    windows = sorted((zone, method, w.days) for (zone, method), w in summary.windows.items())
    return json.dumps([windows, claim])


async def refresh_learned_transit(services: Services, shop: ShopRef, now: datetime | None = None) -> TransitReport:
    """Recompute the shop's learned windows and on-time figure from its samples, and store them for the
    storefront; the storefront's data version moves only when what it shows changes."""
    report = await transit_report(services, shop, now)
    summary = LearnedSummary(report.learned(), report.on_time)
    key = learned_key(services, shop)
    before = LearnedSummary.from_json(as_optional_text(await services.redis.get(key)))
    await services.redis.set(key, summary.to_json(), ex=retention_seconds(services.settings.retention_days))
    if before is None or storefront_view(before) != storefront_view(summary):
        await bump_version(services.redis, services.keys, shop, VERSION_KIND)
    return report


async def _refresh_job(services: Services, shop: ShopRef, args: Mapping[str, Any]) -> None:
    await refresh_learned_transit(services, shop)


def learning_job_handlers() -> dict[str, JobHandler]:
    return {REFRESH_JOB: _refresh_job}
