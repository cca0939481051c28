"""Order events advance the order's journey: after the order projection is refreshed, compare what it reached with
what the journey had, create each new (order, stage) message marker once, and schedule its send.

Every step is idempotent: the journey's rank only grows (one Lua script), a marker is created at most once, and
a job id is derived from the marker, so duplicates, redeliveries and reorderings schedule nothing twice.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime, timedelta

from plugin.admin.conversions import count_cart_conversion
from plugin.email.journey_settings import JourneySettings, load_journey_settings
from plugin.email.records import (
    advance_journey_record,
    create_message,
    journey_ref,
    load_journey,
    load_message,
    message_ref,
    set_journey_field_once,
    set_journey_fields,
)
from plugin.email.stages import DELIVERED_RANK, Stage
from plugin.events import ORDER_CREATED, PlatformEvent
from plugin.jobs import Job, schedule_job
from plugin.keys import ShopRef
from plugin.privacy.subjects import subject_key
from plugin.services import Services
from plugin.sms.send import schedule_sms_stage
from plugin.storage import as_optional_text
from webhooks.handlers.delivered import project_order
from webhooks.handlers.orders import order_key
from webhooks.journey.machine import Observed, observe, plan
from webhooks.journey.transit_samples import learn_from_order
from webhooks.journey.window import expected_window

log = logging.getLogger(__name__)

SEND_JOB = "email.send"
DELAY_CHECK_JOB = "journey.delay_check"
# A journey starts only for orders placed recently: installing the app must not email last month's customers.
START_WINDOW = timedelta(days=3)
LATE_GRACE = timedelta(days=1)  # after the promised window's last day, before the order counts as late


def send_job(shop: ShopRef, ref: str, generation: int) -> Job:
    return Job(SEND_JOB, shop, f"email:{shop.tag}:{ref}:{generation}", {"ref": ref})


async def ensure_scheduled(services: Services, shop: ShopRef, ref: str) -> None:
    """(Re)schedule a scheduled message's job: harmless when it exists, a repair when a crash lost it."""
    record = await load_message(services, shop, ref)
    if record is None or record.state != "scheduled":
        return
    delay = max(0.0, float(record.get("due", "0")) - time.time())
    await schedule_job(
        services.redis, services.keys, send_job(shop, ref, int(record.get("deferrals", "0"))), delay_seconds=delay
    )


async def schedule_stage(
    services: Services, shop: ShopRef, order_id: str, stage: Stage, settings: JourneySettings, *, due: float
) -> None:
    if not settings.enabled(stage):
        await create_message(services, shop, order_id, stage, state="skipped", due=due, reason="disabled")
        return
    ref, created = await create_message(services, shop, order_id, stage, state="scheduled", due=due)
    if created:
        log.info("message scheduled", extra={"shop": shop.tag, "message_ref": ref, "stage": stage.value})
        await ensure_scheduled(services, shop, ref)
    await schedule_sms_stage(services, shop, order_id, stage, due=due)  # the text, when the shop sends texts


async def _projection(services: Services, shop: ShopRef, order_id: str) -> dict[str, object] | None:
    text = as_optional_text(await services.redis.hget(order_key(services.keys, shop, order_id), "state"))
    if text is None:
        return None
    state = json.loads(text)
    return state if isinstance(state, dict) else None


async def _promise_window(services: Services, shop: ShopRef, order_id: str, state: dict[str, object]) -> None:
    """Remember the delivery window the confirmation promises (for the order's destination and chosen method),
    and check back once it has passed. The on-time rate is measured against it (webhooks.journey.transit_samples)."""
    promise = await expected_window(services, shop, state)
    if promise is None:
        return
    if await set_journey_field_once(
        services, shop, order_id, "window", f"{promise.earliest.isoformat()}/{promise.latest.isoformat()}"
    ):
        late_at = datetime.combine(promise.latest, datetime.min.time(), tzinfo=UTC) + timedelta(days=1) + LATE_GRACE
        ref = journey_ref(services, shop, order_id)
        job = Job(DELAY_CHECK_JOB, shop, f"journey-late:{shop.tag}:{ref}", {"journey": ref})
        await schedule_job(
            services.redis, services.keys, job, delay_seconds=max(0.0, late_at.timestamp() - time.time())
        )


async def advance_order_journey(
    services: Services, shop: ShopRef, order_id: str, *, now: datetime | None = None
) -> None:
    """Advance one order's journey from its stored projection (no platform call, no personal data read)."""
    state = await _projection(services, shop, order_id)
    if state is None:
        return
    moment = now or datetime.now(UTC)
    observed = observe(state)
    customer = state.get("customer_id")
    customer_key = subject_key(services, shop, customer_id=str(customer)) if customer else None
    previous = await advance_journey_record(
        services, shop, order_id, rank=observed.rank, cancelled=observed.cancelled, customer_key=customer_key
    )
    if observed.cancelled:
        return
    settings = await load_journey_settings(services, shop)
    if previous < 0:
        placed = datetime.fromisoformat(str(state.get("created_at")))
        if moment - placed > START_WINDOW:
            await _adopt_without_sending(services, shop, order_id, observed, moment)
            await learn_from_order(services, shop, order_id, state)
            return
    await _act(services, shop, order_id, state, previous, observed, settings, moment)
    if observed.rank >= DELIVERED_RANK:
        await learn_from_order(services, shop, order_id, state)
    # A crash between creating a marker and scheduling its job is repaired by the next event of the order.
    for stage in Stage:
        await ensure_scheduled(services, shop, message_ref(services, shop, order_id, stage))


async def _adopt_without_sending(
    services: Services, shop: ShopRef, order_id: str, observed: Observed, moment: datetime
) -> None:
    """An order older than the start window: its stages so far are marked, not messaged; later ones go out."""
    steps = plan(-1, observed)
    for stage in (*steps.superseded, *((steps.send,) if steps.send else ())):
        await create_message(
            services, shop, order_id, stage, state="skipped", due=moment.timestamp(), reason="before_journey"
        )
    if observed.delivered_at is not None:
        await set_journey_fields(services, shop, order_id, delivered_at=f"{observed.delivered_at.timestamp():.3f}")


async def _act(
    services: Services,
    shop: ShopRef,
    order_id: str,
    state: dict[str, object],
    previous: int,
    observed: Observed,
    settings: JourneySettings,
    moment: datetime,
) -> None:
    steps = plan(previous, observed)
    now = moment.timestamp()
    for stage in steps.superseded:
        await create_message(services, shop, order_id, stage, state="skipped", due=now, reason="superseded")
    if steps.send is Stage.CONFIRMED:
        await _promise_window(services, shop, order_id, state)
    if steps.send is not None:
        await schedule_stage(services, shop, order_id, steps.send, settings, due=now)
    if steps.delayed:
        await set_journey_fields(services, shop, order_id, delivery_problem="failed")
        await schedule_stage(services, shop, order_id, Stage.DELAYED, settings, due=now)
    if steps.follow_ups:
        delivered = (observed.delivered_at or moment).timestamp()
        await set_journey_fields(services, shop, order_id, delivered_at=f"{delivered:.3f}")
        base = max(delivered, now - 3600)  # a delivery learned late still leaves the customer time to use it
        await schedule_stage(
            services, shop, order_id, Stage.FEEDBACK, settings, due=base + settings.feedback_delay_days * 86400
        )
        await schedule_stage(
            services,
            shop,
            order_id,
            Stage.RECOMMENDATIONS,
            settings,
            due=base + settings.recommendations_delay_days * 86400,
        )


async def mark_late(services: Services, shop: ShopRef, order_id: str) -> None:
    """The promised window has passed without delivery: apologise once (the delayed stage)."""
    journey = await load_journey(services, shop, order_id)
    if journey is None or journey.cancelled or journey.rank >= DELIVERED_RANK:
        return
    settings = await load_journey_settings(services, shop)
    await set_journey_fields(
        services, shop, order_id, delivery_problem=journey.fields.get("delivery_problem") or "late"
    )
    await schedule_stage(services, shop, order_id, Stage.DELAYED, settings, due=time.time())


async def refresh_and_advance(services: Services, event: PlatformEvent) -> None:
    """The order events' handler: the projection (from the delivered order when it carries one), then the journey.
    A new order whose cart the storefront script tagged (BigCommerce sends the cart id only with the order) is
    counted for its variant."""
    order = await project_order(services, event)
    if order is not None and event.type == ORDER_CREATED:
        await count_cart_conversion(services, order)
    if event.order_id is None or not await services.shops.is_active(event.shop):
        return
    await advance_order_journey(services, event.shop, event.order_id)
