"""Delays caught first: an order whose shipment has not moved for longer than its zone's transit time, whose carrier
reported a problem, or whose promised window passed gets one apology per cause, with a new expectation; the
merchant sees it at risk and marketing to the customer waits until it arrives.

Every path goes through `flag_delay`, whose marker is the (order, cause) message record (created once, by a Lua
script), so a check run twice, a retried job or a redelivered exception apologises once. The stall and late checks
are durable scheduled jobs set when the order ships (or moves) and when the window is promised: nothing scans.
Exceptions come through `advance_order_journey`, the entry point of every source of shipment states (platform
webhooks today, carrier tracking tomorrow): a shipment whose status is ``failed`` is an exception.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from plugin.email.at_risk import AtRisk, note_at_risk, settle_order
from plugin.email.journey_settings import load_journey_settings
from plugin.email.records import (
    Journey,
    delay_part,
    delay_ref,
    journey_ref,
    load_journey,
    load_journey_by_ref,
    set_journey_field_once,
    set_journey_fields,
)
from plugin.email.stages import DELIVERED_RANK, DelayCause, Stage, rank_of
from plugin.jobs import Job, JobHandler, schedule_job
from plugin.keys import ShopRef
from plugin.services import Services
from plugin.shop_data import load_facts
from plugin.storage import as_optional_text
from plugin.tracking.connection import is_connected
from webhooks.handlers.orders import order_key
from webhooks.journey.machine import Observed
from webhooks.journey.scheduling import ensure_scheduled, schedule_stage
from webhooks.journey.transit_samples import promised_latest
from webhooks.journey.window import compiled_shop, promise_for_order
from widgets.estimator.delivery import ShippingCalendar
from widgets.estimator.transit import DEFAULT_TRANSIT_DAYS, DestinationClass

log = logging.getLogger(__name__)

LATE_CHECK_JOB = "journey.delay_check"  # the promised window has passed (name kept: jobs already scheduled)
STALL_CHECK_JOB = "journey.stall_check"
# Without a usable shipping setup the destination class is unknown: allow the longest default window.
FALLBACK_TRANSIT_DAYS = DEFAULT_TRANSIT_DAYS[DestinationClass.INTERNATIONAL][1]


@dataclass(frozen=True)
class Allowance:
    """How long the order's parcel may be in transit: the upper bound of the window for its destination and
    method (the merchant's days, else learned, else the default), and the calendar that counts them."""

    transit_days: int
    calendar: ShippingCalendar

    def expected_by(self, moment: datetime) -> date:
        """A new expectation from `moment`: as long again as the whole window allows (a stalled or failed parcel
        may need it all; saying later and arriving sooner beats the reverse)."""
        return self.calendar.add_business_days(moment.astimezone(self.calendar.timezone).date(), self.transit_days)


async def transit_allowance(services: Services, shop: ShopRef, state: Mapping[str, object] | None) -> Allowance:
    loaded = await compiled_shop(services, shop)
    if loaded is not None:
        storefront, compiled = loaded
        promise = promise_for_order(storefront, compiled, state) if state else None
        days = promise.transit_days(compiled.calendar) if promise is not None else None
        if days is not None:
            return Allowance(max(days, 1), compiled.calendar)
        return Allowance(FALLBACK_TRANSIT_DAYS, compiled.calendar)
    facts = await load_facts(services.redis, services.keys, shop)
    calendar = ShippingCalendar(facts.country if facts else "", facts.timezone if facts else "UTC")
    return Allowance(FALLBACK_TRANSIT_DAYS, calendar)


async def new_expectation(
    services: Services, shop: ShopRef, state: Mapping[str, object] | None, *, shipped: bool, now: datetime
) -> date:
    """When the order can now be expected: not shipped yet, the last day the estimator gives an order placed now
    (processing, cutoff, closures and transit); shipped, `Allowance.expected_by`."""
    if not shipped and state is not None:
        loaded = await compiled_shop(services, shop)
        promise = promise_for_order(*loaded, {**state, "created_at": now.isoformat()}) if loaded else None
        if promise is not None:
            return promise.latest
    return (await transit_allowance(services, shop, state)).expected_by(now)


async def _projection(services: Services, shop: ShopRef, order_id: str) -> dict[str, object] | None:
    text = as_optional_text(await services.redis.hget(order_key(services.keys, shop, order_id), "state"))
    state = json.loads(text) if text else None
    return state if isinstance(state, dict) else None


def _when(value: object) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC)


def _shipments(state: Mapping[str, object]) -> list[Mapping[str, Any]]:
    found = state.get("shipments") or ()
    return [s for s in found if isinstance(s, Mapping) and s.get("status") != "cancelled"]  # type: ignore[attr-defined]


def progress_of(state: Mapping[str, object]) -> tuple[str, datetime | None]:
    """A fingerprint of the shipments' progress (ids, statuses, update times) and when they last moved."""
    shipments = sorted(_shipments(state), key=lambda s: str(s.get("id")))
    steps = [(str(s.get("id")), str(s.get("status")), str(s.get("updated_at"))) for s in shipments]
    moments = [_when(s.get("updated_at")) or _when(s.get("shipped_at")) for s in shipments]
    fingerprint = hashlib.sha256(json.dumps(steps).encode()).hexdigest()[:16]
    return fingerprint, max((m for m in moments if m is not None), default=None)


async def watch_progress(
    services: Services, shop: ShopRef, order_id: str, state: Mapping[str, object], observed: Observed, now: datetime
) -> None:
    """A shipped order's progress changed: check back when it would have stalled for longer than its transit time.
    The check of an earlier progress finds it moved since and does nothing."""
    if observed.cancelled or not rank_of(Stage.SHIPPED) <= observed.rank < DELIVERED_RANK:
        return
    # Silence means something only where scans are reported: BigCommerce shipments never report progress and a
    # Shopify fulfillment without a carrier integration looks the same as a moving one, so without carrier
    # tracking connected a quiet parcel is no evidence of a stalled one (the late and exception causes still hold).
    if not await is_connected(services, shop):
        return
    fingerprint, moved = progress_of(state)
    ref = journey_ref(services, shop, order_id)
    journey = await load_journey(services, shop, order_id)
    if journey is None or journey.fields.get("progress") == fingerprint:
        return
    # Never before the order was placed: a platform's shipment date can be wrong (or a sample's, old).
    last = max((m for m in (moved, _when(state.get("created_at"))) if m is not None), default=now)
    allowance = await transit_allowance(services, shop, state)
    calendar = allowance.calendar
    last_day = calendar.add_business_days(last.astimezone(calendar.timezone).date(), allowance.transit_days)
    stalled_at = datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=calendar.timezone)
    job = Job(
        STALL_CHECK_JOB,
        shop,
        f"journey-stall:{shop.tag}:{ref}:{fingerprint}",
        {"journey": ref, "progress": fingerprint, "since": last.isoformat(), "due": stalled_at.isoformat()},
    )
    await schedule_job(services.redis, services.keys, job, delay_seconds=max(0.0, (stalled_at - now).total_seconds()))
    # Noted after the job exists: a crash in between schedules it again on the next event (same job id).
    await set_journey_fields(services, shop, order_id, progress=fingerprint, progress_at=last.isoformat())


def _at_risk(journey: Journey | None) -> bool:
    return journey is not None and not journey.cancelled and journey.rank < DELIVERED_RANK


async def flag_delay(
    services: Services,
    shop: ShopRef,
    order_id: str,
    cause: DelayCause,
    *,
    since: datetime,
    state: Mapping[str, object] | None = None,
    quiet_days: int | None = None,
    now: datetime | None = None,
) -> bool:
    """Apologise once for (order, cause) with the new expectation, list the order at risk and hold marketing to
    its customer. True when this call created the apology; a repeat repairs a lost send job and changes nothing
    else."""
    journey = await load_journey(services, shop, order_id)
    if journey is None or not _at_risk(journey):
        return False
    moment = now or datetime.now(UTC)
    state = state if state is not None else await _projection(services, shop, order_id)
    expected = await new_expectation(services, shop, state, shipped=journey.rank >= rank_of(Stage.SHIPPED), now=moment)
    promised = journey.fields.get("window") or None
    details = {"cause": cause.value, "since": since.isoformat(), "expected": expected.isoformat()}
    if quiet_days is not None:
        details["quiet_days"] = str(quiet_days)
    if promised:
        details["promised"] = promised
    await set_journey_field_once(services, shop, order_id, "delivery_problem", cause.value)
    settings = await load_journey_settings(services, shop)
    created = await schedule_stage(
        services,
        shop,
        order_id,
        Stage.DELAYED,
        settings,
        due=moment.timestamp(),
        part=delay_part(cause),
        extra=details,
    )
    await ensure_scheduled(services, shop, delay_ref(services, shop, order_id, cause))  # a crash lost the job
    entry = AtRisk(
        order_id=order_id,
        cause=cause,
        since=since.isoformat(),
        detected_at=moment.isoformat(),
        promised=promised,
        expected=expected.isoformat(),
        subjects=(journey.customer_key,) if journey.customer_key else (),
    )
    await note_at_risk(services, shop, entry)
    if created:
        log.info("order at risk", extra={"shop": shop.tag, "order": order_id, "cause": cause.value})
    return created


async def flag_exception(
    services: Services, shop: ShopRef, order_id: str, state: Mapping[str, object], now: datetime
) -> bool:
    """A shipment's carrier (or the platform) reported a failed delivery: since its report."""
    failed = [_when(s.get("updated_at")) for s in _shipments(state) if s.get("status") == "failed"]
    since = max((m for m in failed if m is not None), default=now)
    return await flag_delay(services, shop, order_id, DelayCause.EXCEPTION, since=since, state=state, now=now)


async def settle(services: Services, shop: ShopRef, order_id: str) -> None:
    """Delivered or cancelled: no longer at risk; the customer's marketing resumes unless another order is."""
    if await settle_order(services, shop, order_id):
        log.info("order no longer at risk", extra={"shop": shop.tag, "order": order_id})


async def check_stalled(services: Services, shop: ShopRef, args: Mapping[str, Any]) -> None:
    """The stall check: when the shipment has not moved since it was scheduled, apologise for the silence."""
    journey = await load_journey_by_ref(services, shop, str(args["journey"]))
    if journey is None or not _at_risk(journey):
        return
    state = await _projection(services, shop, journey.order_id)
    if state is None or progress_of(state)[0] != args.get("progress"):
        return  # it moved; the new progress scheduled its own check
    if any(s.get("status") == "failed" for s in _shipments(state)):
        return  # the carrier's reported problem, still unresolved: its apology said so already
    since = _when(args.get("since")) or datetime.now(UTC)
    due = _when(args.get("due")) or datetime.now(UTC)
    quiet = max(datetime.now(UTC), due) - since
    await flag_delay(
        services, shop, journey.order_id, DelayCause.STALLED, since=since, state=state, quiet_days=quiet.days
    )


async def mark_late(services: Services, shop: ShopRef, order_id: str) -> None:
    """The promised window has passed without delivery: apologise once for being later than promised."""
    journey = await load_journey(services, shop, order_id)
    if journey is None or not _at_risk(journey):
        return
    last = promised_latest(journey.fields.get("window"))
    since = datetime.combine(last + timedelta(days=1), time.min, tzinfo=UTC) if last else datetime.now(UTC)
    await flag_delay(services, shop, order_id, DelayCause.LATE, since=since)


async def check_late(services: Services, shop: ShopRef, args: Mapping[str, Any]) -> None:
    journey = await load_journey_by_ref(services, shop, str(args["journey"]))
    if journey is not None:
        await mark_late(services, shop, journey.order_id)


def delay_job_handlers() -> dict[str, JobHandler]:
    return {LATE_CHECK_JOB: check_late, STALL_CHECK_JOB: check_stalled}
