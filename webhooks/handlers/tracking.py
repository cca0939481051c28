"""Carrier truth in the journey: follow every new tracking number through the shop's tracking provider (a retried,
idempotent job per (shop, tracking number)), and turn the provider's updates into the shipment's status, stored
checkpoints and the order's journey, through the same projection and journey step the platforms' events use.

Shops that have not connected a provider are untouched: their stages come from the platform as before.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from plugin.events import PlatformEvent
from plugin.jobs import Job, JobHandler, schedule_job
from plugin.keys import ShopRef
from plugin.platform import Shipment, ShipmentChange
from plugin.services import Services
from plugin.storage import as_optional_text
from plugin.tracking.connection import is_connected, load_credentials, provider_for
from plugin.tracking.model import SHIPMENT_STATUS, CarrierStage, TrackerRequest, update_from_payload
from plugin.tracking.store import load_parcel, mark_followed, note_parcel, store_update
from webhooks.handlers.delivered import merge_into_stored
from webhooks.handlers.orders import order_key
from webhooks.journey.advance import advance_order_journey
from webhooks.registry import EventHandler

log = logging.getLogger(__name__)

CREATE_TRACKER_JOB = "tracking.create"


def tracker_job(shop: ShopRef, tracking_number: str) -> Job:
    """One job id per (shop, tracking number): scheduling it again while it waits or retries is a no-op."""
    return Job(CREATE_TRACKER_JOB, shop, f"tracking:{shop.tag}:{tracking_number}", {"tracking_number": tracking_number})


async def _order_state(services: Services, shop: ShopRef, order_id: str) -> dict[str, Any] | None:
    text = as_optional_text(await services.redis.hget(order_key(services.keys, shop, order_id), "state"))
    state = json.loads(text) if text else None
    return state if isinstance(state, dict) else None


async def follow_new_shipments(services: Services, shop: ShopRef, order_id: str) -> int:
    """Schedule a tracker for each tracking number on the order's stored shipments that the provider does not
    follow yet; returns how many were scheduled. Nothing when the shop has no provider connected."""
    if not await is_connected(services, shop):
        return 0
    state = await _order_state(services, shop, order_id)
    scheduled = 0
    for shipment in (state or {}).get("shipments") or ():
        number = str(shipment.get("tracking_number") or "").strip() if isinstance(shipment, Mapping) else ""
        if not number or shipment.get("status") == "cancelled":
            continue
        parcel = await load_parcel(services, shop, number)
        if parcel is not None and parcel.tracker_id:
            continue
        await note_parcel(services, shop, number, order_id, str(shipment.get("id") or ""))
        await schedule_job(services.redis, services.keys, tracker_job(shop, number))
        scheduled += 1
    return scheduled


def follow_shipments(handler: EventHandler) -> EventHandler:
    """An order event's handler, then a tracker for each new tracking number of the order (connected shops)."""

    async def handle(services: Services, event: PlatformEvent) -> None:
        await handler(services, event)
        if event.order_id is not None:
            await follow_new_shipments(services, event.shop, event.order_id)

    return handle


async def create_tracker(services: Services, shop: ShopRef, args: Mapping[str, Any]) -> None:
    """The job: ask the provider to follow one tracking number. Provider 5xx, timeouts and throttling raise a
    retryable error (the job system retries with backoff); a number already followed is done."""
    number = str(args["tracking_number"])
    if not await services.shops.is_active(shop):
        return  # uninstalled meanwhile: nothing more is asked on the shop's behalf
    credentials = await load_credentials(services, shop)
    parcel = await load_parcel(services, shop, number)
    if credentials is None or parcel is None or parcel.tracker_id:
        return  # disconnected meanwhile, forgotten, or followed already
    state = await _order_state(services, shop, parcel.order_id)
    request = TrackerRequest(number, parcel.order_id, order_name=str((state or {}).get("name") or ""))
    tracker = await provider_for(services).create_tracker(credentials, request)
    await mark_followed(services, shop, tracker, number)
    log.info("tracker created", extra={"shop": shop.tag, "order": parcel.order_id})


def tracking_job_handlers() -> dict[str, JobHandler]:
    return {CREATE_TRACKER_JOB: create_tracker}


async def tracking_updated(services: Services, event: PlatformEvent) -> None:
    """A verified provider update: keep its checkpoints, move the shipment to the carrier's stage, and advance the
    order's journey from there (so the emails follow the carrier, not only the platform)."""
    update = update_from_payload(event.payload)
    if not await services.shops.is_active(event.shop):
        return
    parcel = await load_parcel(services, event.shop, update.tracking_number)
    if parcel is None:
        log.info("update for an unknown tracking number", extra={"shop": event.shop.tag})
        return
    if not await store_update(services, event.shop, parcel.order_id, update):
        return  # an older update than the one stored: its stage is stale too
    status = SHIPMENT_STATUS.get(update.stage)
    if status is None or not parcel.shipment_id:
        return
    shipment = Shipment(
        id=parcel.shipment_id,
        status=status,
        updated_at=update.occurred_at,
        delivered_at=update.delivered_at if update.stage is CarrierStage.DELIVERED else None,
    )
    if await merge_into_stored(services, event.shop, ShipmentChange(parcel.order_id, shipment, complete=False)):
        await advance_order_journey(services, event.shop, parcel.order_id)
