"""The dashboard: the figures of `plugin.admin.dashboard` for a chosen period, as a page fragment with inline SVG
charts, and as JSON."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from plugin.admin.charts import Series, bar_chart, line_chart
from plugin.admin.dashboard import DEFAULT_PERIOD, PERIODS, Dashboard, build_dashboard, dashboard_json
from plugin.admin.formats import format_day
from plugin.admin.language import t
from plugin.admin.stats import CONFIDENCE, MIN_RESPONSES, MIN_SUCCESSES, MIN_TRIALS
from plugin.admin.web import AdminCall, admin_endpoint, error, fragment
from plugin.email.stages import Stage, is_marketing
from plugin.openapi import QueryParam, documented

SECURITY = ["shopifySessionToken"]
PERIOD_QUERY = (
    QueryParam(
        "days",
        f"the period: {', '.join(map(str, PERIODS))} days up to today",
        schema={"type": "integer", "enum": list(PERIODS)},
    ),
)


def _period(call: AdminCall) -> int | None:
    raw = call.request.query_params.get("days") or str(DEFAULT_PERIOD)
    return int(raw) if raw.isdigit() and int(raw) in PERIODS else None


def stage_labels() -> dict[Stage, str]:
    """The stages' names in the admin's language, as the dashboard's tables and chart show them."""
    return {stage: t(f"dash_stage_{stage.value}") for stage in Stage}


def charts(dashboard: Dashboard) -> dict[str, object]:
    labels = [format_day(day) for day in (dashboard.first, dashboard.last)]
    reference = next((w for w in dashboard.widgets if w.widget == dashboard.overall.reference), None)
    found: dict[str, object] = {}
    if reference is not None:
        days = [format_day(rates.day) for rates in reference.daily]
        found["add_to_cart"] = line_chart(
            "chart-atc",
            t("dash_chart_atc", widget=reference.label),
            days or labels,
            [
                Series(t("dash_with_upfront"), [rates.treatment for rates in reference.daily], "line-treatment"),
                Series(t("dash_holdout"), [rates.control for rates in reference.daily], "line-control"),
            ],
        )
    found["messages"] = bar_chart(
        "chart-messages",
        t("dash_chart_messages"),
        [(stage_labels()[stage], dashboard.messages_sent.get(stage.value, 0)) for stage in Stage],
    )
    return found


@admin_endpoint
@documented(
    "Dashboard (HTML fragment): uplift vs holdout with 95 % CI, messages, unsubscribes, CSAT, NPS",
    {200: "HTML", 400: "unknown period", 401: "not signed in"},
    tag="admin",
    query=PERIOD_QUERY,
    security=SECURITY,
)
async def dashboard_fragment(call: AdminCall) -> Response:
    days = _period(call)
    if days is None:
        return error(400, f"days must be one of {', '.join(map(str, PERIODS))}", "days")
    dashboard = await build_dashboard(call.services, call.shop, days, call.now())
    return fragment(
        "admin/dashboard.html",
        d=dashboard,
        periods=PERIODS,
        charts=charts(dashboard),
        stage_labels=stage_labels(),
        stages=list(Stage),
        marketing={stage for stage in Stage if is_marketing(stage)},  # the stages whose emails can be unsubscribed
        confidence=CONFIDENCE,
        min_trials=MIN_TRIALS,
        min_successes=MIN_SUCCESSES,
        min_responses=MIN_RESPONSES,
    )


@admin_endpoint
@documented(
    "Dashboard figures as JSON, with sample sizes and the reason when a figure is withheld",
    {200: "figures", 400: "unknown period", 401: "not signed in"},
    tag="admin",
    query=PERIOD_QUERY,
    security=SECURITY,
)
async def dashboard_data(call: AdminCall) -> Response:
    days = _period(call)
    if days is None:
        return error(400, f"days must be one of {', '.join(map(str, PERIODS))}", "days")
    dashboard = await build_dashboard(call.services, call.shop, days, call.now())
    return JSONResponse(dashboard_json(dashboard), headers={"Cache-Control": "no-store"})


def dashboard_routes() -> list[BaseRoute]:
    return [
        Route("/fragments/dashboard", dashboard_fragment, methods=["GET"]),
        Route("/dashboard", dashboard_data, methods=["GET"]),
    ]
