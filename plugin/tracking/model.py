"""The tracking vocabulary every provider maps into: our carrier stages, checkpoints and tracker requests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class CarrierStage(StrEnum):
    """What a carrier scan means for the customer, whichever provider reported it."""

    PENDING = "pending"  # registered, no scan yet: says nothing new
    SHIPPED = "shipped"
    OUT_FOR_DELIVERY = "out_for_delivery"
    AVAILABLE_FOR_PICKUP = "available_for_pickup"
    DELIVERED = "delivered"
    EXCEPTION = "exception"  # failed attempt, exception, expired: the order is at risk


# The order projection's shipment status (plugin.platform.Shipment) each stage moves the shipment to; the journey
# machine (webhooks.journey.machine) reads that status. A parcel waiting at a pickup point is as far along as one
# out for delivery; an exception is a failed shipment (the delayed stage). Pending changes nothing.
SHIPMENT_STATUS: dict[CarrierStage, str] = {
    CarrierStage.SHIPPED: "in_transit",
    CarrierStage.OUT_FOR_DELIVERY: "out_for_delivery",
    CarrierStage.AVAILABLE_FOR_PICKUP: "out_for_delivery",
    CarrierStage.DELIVERED: "delivered",
    CarrierStage.EXCEPTION: "failed",
}


@dataclass(frozen=True)
class Credentials:
    """A merchant's account at the provider: the API key for calls, the secret its webhooks are signed with."""

    api_key: str
    webhook_secret: str


@dataclass(frozen=True)
class TrackerRequest:
    """Ask the provider to follow one parcel. `order_id` lets its webhooks be matched back to our order."""

    tracking_number: str
    order_id: str
    order_name: str = ""
    carrier: str | None = None  # the provider's carrier code when known; None lets the provider detect it


@dataclass(frozen=True)
class Tracker:
    id: str
    tracking_number: str
    carrier: str


@dataclass(frozen=True)
class Checkpoint:
    """One carrier scan: when, what it means, the carrier's words and a coarse place (city, region, country;
    never a street, postcode or coordinates)."""

    at: datetime | None
    stage: CarrierStage
    message: str
    location: str

    def to_dict(self) -> dict[str, str | None]:
        return {
            "at": self.at.isoformat() if self.at else None,
            "stage": self.stage.value,
            "message": self.message,
            "location": self.location,
        }

    @classmethod
    def from_dict(cls, data: dict[str, str | None]) -> Checkpoint:
        at = data.get("at")
        return cls(
            at=datetime.fromisoformat(at) if at else None,
            stage=CarrierStage(data.get("stage") or CarrierStage.PENDING),
            message=data.get("message") or "",
            location=data.get("location") or "",
        )


@dataclass(frozen=True)
class TrackingUpdate:
    """What one provider webhook says about one parcel: its current stage and every scan so far."""

    event_id: str
    tracking_number: str
    carrier: str
    stage: CarrierStage
    checkpoints: tuple[Checkpoint, ...]
    occurred_at: datetime  # when the provider sent it: orders two updates of the same parcel

    @property
    def delivered_at(self) -> datetime | None:
        moments = [c.at for c in self.checkpoints if c.stage is CarrierStage.DELIVERED and c.at and c.at.tzinfo]
        return max(moments, default=None)


def update_to_payload(update: TrackingUpdate, order_id: str) -> dict[str, object]:
    """The update as an event payload in the durable stream (no personal data beyond the order's)."""
    return {
        "event_id": update.event_id,
        "order_id": order_id,
        "tracking_number": update.tracking_number,
        "carrier": update.carrier,
        "stage": update.stage.value,
        "occurred_at": update.occurred_at.isoformat(),
        "checkpoints": [checkpoint.to_dict() for checkpoint in update.checkpoints],
    }


def update_from_payload(payload: dict[str, object]) -> TrackingUpdate:
    raw = payload.get("checkpoints")
    return TrackingUpdate(
        event_id=str(payload["event_id"]),
        tracking_number=str(payload["tracking_number"]),
        carrier=str(payload.get("carrier") or ""),
        stage=CarrierStage(str(payload["stage"])),
        checkpoints=tuple(Checkpoint.from_dict(c) for c in raw if isinstance(c, dict)) if isinstance(raw, list) else (),
        occurred_at=datetime.fromisoformat(str(payload["occurred_at"])),
    )
