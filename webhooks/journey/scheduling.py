"""Scheduling a message: create its marker once, then its send job, whose id derives from the marker (a duplicate
schedules nothing twice, and a lost job is repaired by scheduling again)."""

from __future__ import annotations

import logging
import time

from plugin.email.journey_settings import JourneySettings
from plugin.email.records import create_message, load_message
from plugin.email.stages import Stage
from plugin.jobs import Job, schedule_job
from plugin.keys import ShopRef
from plugin.services import Services
from plugin.sms.send import schedule_sms_stage

log = logging.getLogger(__name__)

SEND_JOB = "email.send"


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
    services: Services,
    shop: ShopRef,
    order_id: str,
    stage: Stage,
    settings: JourneySettings,
    *,
    due: float,
    part: str | None = None,
    extra: dict[str, str] | None = None,
) -> bool:
    """Create the message's marker (`part`: a marker other than the stage's own) and schedule its send; True when
    this call created it."""
    if not settings.enabled(stage):
        _, created = await create_message(
            services, shop, order_id, stage, state="skipped", due=due, reason="disabled", part=part, extra=extra
        )
        return created
    ref, created = await create_message(
        services, shop, order_id, stage, state="scheduled", due=due, part=part, extra=extra
    )
    if created:
        log.info("message scheduled", extra={"shop": shop.tag, "message_ref": ref, "stage": stage.value})
        await ensure_scheduled(services, shop, ref)
    await schedule_sms_stage(services, shop, order_id, stage, due=due)  # the text, when the shop sends texts
    return created
