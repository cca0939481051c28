"""The journey state machine, pure: what an order's stored state says it reached, and what that means to send.

The main track only moves forward (confirmed < shipped < out for delivery < delivered). When one observation
jumps several stages, only the furthest is messaged; the ones in between are superseded (a "shipped" email after
"delivered" helps nobody). A failed delivery before delivery triggers the delayed stage. Delivery starts the
follow-ups (feedback, recommendations), N days later.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from plugin.email.stages import DELIVERED_RANK, MAIN_TRACK, Stage, rank_of

SHIPMENT_RANKS = {"pending": 1, "in_transit": 2, "out_for_delivery": 3, "delivered": 4, "failed": 2}


@dataclass(frozen=True)
class Observed:
    rank: int
    failed: bool = False
    cancelled: bool = False
    delivered_at: datetime | None = None


@dataclass(frozen=True)
class Plan:
    send: Stage | None = None
    superseded: tuple[Stage, ...] = ()
    delayed: bool = False
    follow_ups: bool = False


def _when(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def observe(state: Mapping[str, Any]) -> Observed:
    """Read the order projection (webhooks.handlers.orders.order_state)."""
    if state.get("status") == "cancelled":
        return Observed(rank=0, cancelled=True)
    shipments = [s for s in state.get("shipments") or () if isinstance(s, Mapping) and s.get("status") != "cancelled"]
    if not shipments:
        return Observed(rank=rank_of(Stage.CONFIRMED))
    ranks = [SHIPMENT_RANKS.get(str(s.get("status")), 1) for s in shipments]
    moving = any(rank >= 2 for rank in ranks)
    rank = max(2 if moving else 1, min(ranks))
    if state.get("status") == "partially_fulfilled":
        rank = min(rank, rank_of(Stage.OUT_FOR_DELIVERY))
    failed = any(s.get("status") == "failed" for s in shipments) and rank < DELIVERED_RANK
    delivered_at = None
    if rank >= DELIVERED_RANK:
        moments = [moment for moment in (_when(s.get("updated_at")) for s in shipments) if moment is not None]
        delivered_at = max(moments, default=None)
    return Observed(rank=rank, failed=failed, delivered_at=delivered_at)


def plan(previous_rank: int, observed: Observed) -> Plan:
    """What to do after an observation, given the rank the journey had (-1 or 0 when it had none)."""
    if observed.cancelled:
        return Plan()
    before = max(previous_rank, 0)
    reached = [stage for stage in MAIN_TRACK if before < rank_of(stage) <= observed.rank]
    return Plan(
        send=reached[-1] if reached else None,
        superseded=tuple(reached[:-1]),
        delayed=observed.failed and observed.rank < DELIVERED_RANK,
        follow_ups=before < DELIVERED_RANK <= observed.rank,
    )
