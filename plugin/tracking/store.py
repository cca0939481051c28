"""What the app keeps about tracked parcels: which order and shipment each tracking number belongs to (and whether
the provider follows it), and each shipment's carrier checkpoints, kept for the retention period.

`order_checkpoints` is the read side for pages that show an order's carrier events (the order-status page).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime

from plugin.keys import ShopRef
from plugin.retention import retention_seconds
from plugin.services import Services
from plugin.storage import as_text
from plugin.tracking.model import CarrierStage, Checkpoint, Tracker, TrackingUpdate

# Keep a parcel's checkpoints only if they are not older than what is stored: webhooks arrive in any order.
_WRITE_IF_NEWER = """
local current = tonumber(redis.call('HGET', KEYS[1], 'ms:' .. ARGV[1]) or '-1')
if current > tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'ms:' .. ARGV[1], ARGV[2], 'parcel:' .. ARGV[1], ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
"""


@dataclass(frozen=True)
class Parcel:
    """A tracking number the app has seen on one of the shop's shipments."""

    tracking_number: str
    order_id: str
    shipment_id: str
    tracker_id: str | None  # set once the provider follows it


@dataclass(frozen=True)
class ShipmentTracking:
    """One shipment's carrier truth: its stage and its checkpoints, oldest first."""

    tracking_number: str
    carrier: str
    stage: CarrierStage
    updated_at: datetime
    checkpoints: tuple[Checkpoint, ...]


def parcel_key(services: Services, shop: ShopRef, tracking_number: str) -> str:
    return services.keys.shop(shop, "tracking", "parcel", tracking_number)


def checkpoints_key(services: Services, shop: ShopRef, order_id: str) -> str:
    return services.keys.shop(shop, "tracking", "order", order_id)


def _keep(services: Services) -> int:
    return retention_seconds(services.settings.retention_days)


async def note_parcel(services: Services, shop: ShopRef, tracking_number: str, order_id: str, shipment_id: str) -> None:
    """Remember which order and shipment a tracking number belongs to (the first shipment that carried it)."""
    key = parcel_key(services, shop, tracking_number)
    async with services.redis.pipeline(transaction=True) as pipe:
        pipe.hsetnx(key, "order_id", order_id)
        pipe.hsetnx(key, "shipment_id", shipment_id)
        pipe.expire(key, _keep(services))
        await pipe.execute()


async def load_parcel(services: Services, shop: ShopRef, tracking_number: str) -> Parcel | None:
    fields = {
        as_text(k): as_text(v)
        for k, v in (await services.redis.hgetall(parcel_key(services, shop, tracking_number))).items()
    }
    if "order_id" not in fields:
        return None
    return Parcel(
        tracking_number=tracking_number,
        order_id=fields["order_id"],
        shipment_id=fields.get("shipment_id", ""),
        tracker_id=fields.get("tracker_id"),
    )


async def mark_followed(services: Services, shop: ShopRef, tracker: Tracker, tracking_number: str) -> None:
    key = parcel_key(services, shop, tracking_number)
    await services.redis.hset(
        key, mapping={"tracker_id": tracker.id or "exists", "carrier": tracker.carrier, "followed_at": f"{time.time()}"}
    )


async def store_update(services: Services, shop: ShopRef, order_id: str, update: TrackingUpdate) -> bool:
    """Keep the update's checkpoints for its shipment unless a newer update is stored; True when written."""
    document = {
        "tracking_number": update.tracking_number,
        "carrier": update.carrier,
        "stage": update.stage.value,
        "updated_at": update.occurred_at.isoformat(),
        "checkpoints": [checkpoint.to_dict() for checkpoint in update.checkpoints],
    }
    written = await services.redis.eval(
        _WRITE_IF_NEWER,
        1,
        checkpoints_key(services, shop, order_id),
        update.tracking_number,
        int(update.occurred_at.timestamp() * 1000),
        json.dumps(document, separators=(",", ":")),
        _keep(services),
    )
    return bool(written)


def _shipment(document: dict[str, object]) -> ShipmentTracking:
    raw = document.get("checkpoints")
    checkpoints = tuple(Checkpoint.from_dict(c) for c in raw if isinstance(c, dict)) if isinstance(raw, list) else ()
    return ShipmentTracking(
        tracking_number=str(document.get("tracking_number", "")),
        carrier=str(document.get("carrier", "")),
        stage=CarrierStage(str(document.get("stage") or CarrierStage.PENDING)),
        updated_at=datetime.fromisoformat(str(document["updated_at"])),
        checkpoints=checkpoints,
    )


async def order_checkpoints(services: Services, shop: ShopRef, order_id: str) -> list[ShipmentTracking]:
    """Every tracked shipment of the order with its carrier checkpoints (oldest first), by tracking number; empty
    when the shop has no tracking connected or the carrier has reported nothing yet."""
    fields = await services.redis.hgetall(checkpoints_key(services, shop, order_id))
    found = [
        _shipment(json.loads(as_text(value))) for name, value in fields.items() if as_text(name).startswith("parcel:")
    ]
    return sorted(found, key=lambda shipment: shipment.tracking_number)
