"""What the order-status page shows, decided from stored data alone: the progress along the main track (or the
exception), each shipment with its events, the promised window beside the current expectation.

Pure functions over the order projection (webhooks.handlers.orders.order_state) and the journey record; nothing
here reads Redis or the platform, and nothing here may show the address: the projection keeps only the destination's
country, province and postcode, and the page shows the country.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

from plugin.email.stages import DELIVERED_RANK, MAIN_TRACK, rank_of
from webhooks.journey.machine import observe

STEPS = tuple(stage.value for stage in MAIN_TRACK)  # confirmed, shipped, out_for_delivery, delivered
EXCEPTION_STATUSES = frozenset({"failed"})


@dataclass(frozen=True)
class ShipmentEvent:
    """One thing that happened to a parcel. `source` says who reported it: the platform's fulfillment data, or a
    carrier's checkpoint (plugin.tracking, merged in through `shipment_views`)."""

    at: datetime
    status: str  # pending, shipped, in_transit, out_for_delivery, available_for_pickup, delivered, failed
    source: str = "platform"
    place: str | None = None  # a checkpoint's city/country, when the carrier names one
    note: str | None = None  # the carrier's own words for the checkpoint


@dataclass(frozen=True)
class ShipmentView:
    number: int
    status: str
    exception: bool
    carrier: str | None
    tracking_number: str | None
    tracking_url: str | None  # the carrier's own page, https only
    events: tuple[ShipmentEvent, ...]  # newest first


@dataclass(frozen=True)
class Progress:
    rank: int  # 0 cancelled, 1 confirmed ... 4 delivered
    cancelled: bool
    exception: str | None  # "failed" (a carrier reported a problem) or "late" (the promised window passed)
    steps: tuple[tuple[str, str], ...]  # (step, state): done, current or todo

    @property
    def delivered(self) -> bool:
        return self.rank >= DELIVERED_RANK


def _when(value: object) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def safe_link(url: object) -> str | None:
    """The carrier's page only over https with a host: nothing else goes into an href."""
    if not isinstance(url, str) or len(url) > 2000:
        return None
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme == "https" and parts.hostname else None


def platform_events(shipment: Mapping[str, object]) -> list[ShipmentEvent]:
    """The events the platform's fulfillment data holds: handed over, the latest carrier status, delivered."""
    found: list[ShipmentEvent] = []
    shipped = _when(shipment.get("shipped_at"))
    updated = _when(shipment.get("updated_at"))
    delivered = _when(shipment.get("delivered_at"))
    status = str(shipment.get("status") or "pending")
    if shipped is not None:
        found.append(ShipmentEvent(shipped, "shipped"))
    if status == "delivered":
        moment = delivered or updated
        if moment is not None:
            found.append(ShipmentEvent(moment, "delivered"))
    elif updated is not None and status not in ("pending", "cancelled") and updated != shipped:
        found.append(ShipmentEvent(updated, status))
    return found


def shipment_views(
    shipments: Sequence[Mapping[str, object]],
    checkpoints: Mapping[str, Sequence[ShipmentEvent]] | None = None,
) -> list[ShipmentView]:
    """Each live shipment with its events, newest first: the platform's own, plus any carrier checkpoints keyed by
    shipment id (the one place where a tracking provider's events join the page). An event the carrier reported
    replaces the platform's event of the same status."""
    live = [s for s in shipments if isinstance(s, Mapping) and s.get("status") != "cancelled"]
    views: list[ShipmentView] = []
    for number, shipment in enumerate(live, start=1):
        carrier_events = list((checkpoints or {}).get(str(shipment.get("id")), ()))
        reported = {event.status for event in carrier_events}
        events = [e for e in platform_events(shipment) if e.status not in reported] + carrier_events
        events.sort(key=lambda event: event.at, reverse=True)
        status = str(shipment.get("status") or "pending")
        views.append(
            ShipmentView(
                number=number,
                status=status,
                exception=status in EXCEPTION_STATUSES,
                carrier=str(shipment["carrier"]) if shipment.get("carrier") else None,
                tracking_number=str(shipment["tracking_number"]) if shipment.get("tracking_number") else None,
                tracking_url=safe_link(shipment.get("tracking_url")),
                events=tuple(events),
            )
        )
    return views


def progress(state: Mapping[str, object], delivery_problem: str | None) -> Progress:
    """Where the order stands on the main track. A parcel reported failed (or the journey's own record of a failed
    or late delivery) is the exception, until the order is delivered."""
    observed = observe(state)
    if observed.cancelled:
        return Progress(0, True, None, tuple((step, "todo") for step in STEPS))
    exception = None
    if observed.rank < DELIVERED_RANK:
        if observed.failed:
            exception = "failed"
        elif delivery_problem in ("failed", "late"):
            exception = delivery_problem
    steps = []
    for stage in MAIN_TRACK:
        rank = rank_of(stage)
        state_of = "done" if rank < observed.rank else "current" if rank == observed.rank else "todo"
        if rank == observed.rank == DELIVERED_RANK:
            state_of = "done"
        steps.append((stage.value, state_of))
    return Progress(observed.rank, False, exception, tuple(steps))


def promised_window(journey_fields: Mapping[str, str]) -> tuple[date, date] | None:
    """The window the confirmation promised (kept on the journey when it was sent)."""
    raw = journey_fields.get("window", "")
    first, _, last = raw.partition("/")
    try:
        return date.fromisoformat(first), date.fromisoformat(last)
    except ValueError:
        return None


def delivered_on(state: Mapping[str, object]) -> date | None:
    moments = [
        _when(s.get("delivered_at") or s.get("updated_at"))
        for s in state.get("shipments") or ()  # type: ignore[attr-defined]
        if isinstance(s, Mapping) and s.get("status") == "delivered"
    ]
    found = [moment for moment in moments if moment is not None]
    return max(found).date() if found else None


def last_handover(state: Mapping[str, object]) -> datetime | None:
    """When the latest parcel was handed to the carrier: the current expectation counts from there."""
    moments = [
        _when(s.get("shipped_at"))
        for s in state.get("shipments") or ()  # type: ignore[attr-defined]
        if isinstance(s, Mapping) and s.get("status") != "cancelled"
    ]
    found = [moment for moment in moments if moment is not None]
    return max(found) if found else None
