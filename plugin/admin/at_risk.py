"""The admin's "at risk" page: orders caught running late (no tracking update for longer than the transit time, a
carrier exception, the promised window passed), each with its cause, since when, the promised window next to the
new expectation told to the customer, and whether that apology went."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plugin.admin.formats import format_day
from plugin.admin.language import t
from plugin.admin.message_log import CAUSE_LABELS, describe, order_names
from plugin.admin.web import AdminCall, admin_endpoint, fragment
from plugin.email.at_risk import AtRisk, at_risk_orders
from plugin.email.records import delay_ref, load_message
from plugin.keys import ShopRef
from plugin.openapi import documented
from plugin.services import Services

SECURITY = ["shopifySessionToken"]
SHOWN = 200


@dataclass(frozen=True)
class Window:
    """A promised or expected delivery window: as stored ("2026-11-05/2026-11-09") and in the admin's words."""

    iso: str
    text: str


@dataclass(frozen=True)
class AtRiskRow:
    order_id: str
    order_name: str
    cause: str  # in words
    cause_code: str
    since: str  # ISO time
    promised: Window  # "2026-11-05 – 2026-11-09" in English, "05.11.2026 – 09.11.2026" in German, or "–"
    expected: Window
    apology: str  # "Sent", "Scheduled", "Not sent", ... in the admin's language
    apology_tone: str
    apology_detail: str


def _days(value: str | None) -> Window:
    if not value:
        return Window("", "–")
    first, _, last = value.partition("/")
    try:
        start, end = date.fromisoformat(first), date.fromisoformat(last or first)
    except ValueError:
        return Window("", value)
    if start == end:
        return Window(start.isoformat(), format_day(start))
    return Window(f"{start.isoformat()}/{end.isoformat()}", f"{format_day(start)} – {format_day(end)}")


async def at_risk_rows(services: Services, shop: ShopRef) -> list[AtRiskRow]:
    entries: list[AtRisk] = (await at_risk_orders(services, shop))[:SHOWN]
    names = await order_names(services, shop, sorted({entry.order_id for entry in entries}))
    rows = []
    for entry in entries:
        record = await load_message(services, shop, delay_ref(services, shop, entry.order_id, entry.cause))
        line = describe(record) if record is not None else None
        rows.append(
            AtRiskRow(
                order_id=entry.order_id,
                order_name=names[entry.order_id],
                cause=CAUSE_LABELS[entry.cause],
                cause_code=entry.cause.value,
                since=entry.since,
                promised=_days(entry.promised),
                expected=_days(entry.expected),
                apology=line.outcome if line else t("mail_outcome_not_sent"),
                apology_tone=line.tone if line else "warn",
                apology_detail=line.detail if line else t("risk_no_apology"),
            )
        )
    return rows


@admin_endpoint
@documented(
    "Orders at risk (HTML fragment): each late order's cause, since when, promised window and new expectation, "
    "and whether the apology went",
    {200: "HTML", 401: "not signed in"},
    tag="admin",
    security=SECURITY,
)
async def at_risk_fragment(call: AdminCall) -> Response:
    return fragment("admin/at_risk.html", rows=await at_risk_rows(call.services, call.shop))


def at_risk_routes() -> list[BaseRoute]:
    return [Route("/fragments/at_risk", at_risk_fragment, methods=["GET"])]
