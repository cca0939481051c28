"""The stages of a post-purchase journey, their message class (service or marketing) and their order."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class MessageClass(StrEnum):
    SERVICE = "service"  # about the order itself: no consent needed, no promotion allowed
    MARKETING = "marketing"  # reviews, surveys, recommendations: consent or a valid soft opt-in


class Stage(StrEnum):
    CONFIRMED = "confirmed"
    SHIPPED = "shipped"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    DELAYED = "delayed"
    FEEDBACK = "feedback"
    RECOMMENDATIONS = "recommendations"


class DelayCause(StrEnum):
    """Why an order is at risk; the delayed stage is messaged once per order and cause (webhooks.journey.delays)."""

    STALLED = "stalled"  # no shipment progress for longer than the zone's transit time
    EXCEPTION = "exception"  # the carrier (or the platform) reported a failed delivery
    LATE = "late"  # the window promised at checkout passed without delivery


@dataclass(frozen=True)
class StageInfo:
    message_class: MessageClass
    rank: int  # position on the main track (confirmed < shipped < ...); 0 for stages off the track
    purpose: str | None = None  # consent ledger purpose a marketing stage needs


STAGES: dict[Stage, StageInfo] = {
    Stage.CONFIRMED: StageInfo(MessageClass.SERVICE, 1),
    Stage.SHIPPED: StageInfo(MessageClass.SERVICE, 2),
    Stage.OUT_FOR_DELIVERY: StageInfo(MessageClass.SERVICE, 3),
    Stage.DELIVERED: StageInfo(MessageClass.SERVICE, 4),
    Stage.DELAYED: StageInfo(MessageClass.SERVICE, 0),
    Stage.FEEDBACK: StageInfo(MessageClass.MARKETING, 0, purpose="review_survey"),
    Stage.RECOMMENDATIONS: StageInfo(MessageClass.MARKETING, 0, purpose="marketing_email"),
}

MAIN_TRACK: tuple[Stage, ...] = tuple(sorted((s for s, i in STAGES.items() if i.rank), key=lambda s: STAGES[s].rank))
DELIVERED_RANK = STAGES[Stage.DELIVERED].rank


def stage_class(stage: Stage) -> MessageClass:
    return STAGES[stage].message_class


def is_marketing(stage: Stage) -> bool:
    return STAGES[stage].message_class is MessageClass.MARKETING


def rank_of(stage: Stage) -> int:
    return STAGES[stage].rank


def main_stage_at(rank: int) -> Stage | None:
    return next((stage for stage in MAIN_TRACK if STAGES[stage].rank == rank), None)
