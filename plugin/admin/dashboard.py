"""The dashboard's figures for one shop and period, read from the counters the widgets, the order pipeline and the
post-purchase emails keep, and put through `plugin.admin.stats`.

Rates are per page view: the storefront keeps no visitor id, so a widget's impressions (page views where it was
shown, or would have been for the holdout) are the exposures, and its add-to-cart events the successes. The
holdout is one split for every widget, so the overall row uses the widget with the most exposures in the period
(the one on the most pages) as the denominator for add-to-cart and order conversion.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from plugin.admin.after_sale import StageFigures, Wismo, sent_counts, stage_figures, wismo
from plugin.admin.conversions import read_conversions
from plugin.admin.insights import TopicReport, topic_report, topic_report_json
from plugin.admin.language import t
from plugin.admin.stats import Rate, Score, Uplift, csat_score, nps_score, relative_uplift
from plugin.email.stages import Stage, is_marketing
from plugin.email.surveys import survey_results
from plugin.keys import ShopRef
from plugin.privacy.consent import CONSENT_FAMILY
from plugin.services import Services
from plugin.shop_data import load_facts
from plugin.shop_days import shop_today
from plugin.shop_index import family_keys
from plugin.storage import as_text
from widgets.holdout import CONTROL, TREATMENT
from widgets.outcomes import WIDGETS, outcomes_key
from widgets.settings import default_settings, load_widget_settings

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30
# The widgets the dashboard names in the admin's language (`dash_widget_<name>`); another shows its own name.
NAMED_WIDGETS = ("estimate", "badges", "help")

Counts = dict[str, int]  # variant -> count


@dataclass(frozen=True)
class DailyRates:
    day: date
    treatment: float | None
    control: float | None


@dataclass(frozen=True)
class WidgetFigures:
    widget: str
    impressions: Counts
    interactions: Counts
    add_to_cart: Counts
    add_to_cart_uplift: Uplift
    daily: list[DailyRates]
    other: dict[str, int] = field(default_factory=dict)  # other outcome kinds, shown group (help: escalated, ...)

    @property
    def label(self) -> str:
        return t(f"dash_widget_{self.widget}") if self.widget in NAMED_WIDGETS else self.widget

    @property
    def interaction_rate(self) -> Rate:
        return Rate(self.interactions[TREATMENT], self.impressions[TREATMENT])

    @property
    def seen(self) -> bool:
        return any(self.impressions.values())


@dataclass(frozen=True)
class Overall:
    reference: str | None  # the widget whose exposures are the denominator
    exposures: Counts
    add_to_cart: Uplift
    orders: Counts
    conversion: Uplift


@dataclass(frozen=True)
class Dashboard:
    days: int
    first: date
    last: date
    holdout_percent: int
    widgets: list[WidgetFigures]
    overall: Overall
    messages_sent: dict[str, int]  # stage -> sent in the period
    unsubscribes: int
    csat: Score
    csat_satisfied: int
    nps: Score
    nps_breakdown: Counts = field(default_factory=dict)  # promoters, passives, detractors
    topics: TopicReport | None = None  # what customers wrote about (help requests, survey comments)
    stages: list[StageFigures] = field(default_factory=list)  # per stage and channel: sent, delivered, clicked
    wismo: Wismo | None = None  # "where is my order" requests before and after the order-status page
    text_opt_outs: int = 0  # STOP replies in the period

    @property
    def help(self) -> WidgetFigures | None:
        return next((figures for figures in self.widgets if figures.widget == "help" and figures.seen), None)


def period_days(last: date, days: int) -> list[date]:
    return [last - timedelta(days=offset) for offset in range(days - 1, -1, -1)]


def _both(value: int = 0) -> Counts:
    return {TREATMENT: value, CONTROL: value}


async def _outcomes(services: Services, shop: ShopRef, days: list[date]) -> dict[date, dict[str, int]]:
    async with services.redis.pipeline(transaction=False) as pipe:
        for day in days:
            pipe.hgetall(outcomes_key(services.keys, shop, day))
        found = await pipe.execute()
    return {day: {as_text(k): int(v) for k, v in raw.items()} for day, raw in zip(days, found, strict=True)}


def widget_figures(widget: str, by_day: dict[date, dict[str, int]]) -> WidgetFigures:
    totals = {kind: _both() for kind in ("impression", "interaction", "add_to_cart")}
    daily: list[DailyRates] = []
    for day, counts in sorted(by_day.items()):
        rates: dict[str, float | None] = {}
        for variant in (TREATMENT, CONTROL):
            for kind in totals:
                totals[kind][variant] += counts.get(f"{widget}:{variant}:{kind}", 0)
            shown = counts.get(f"{widget}:{variant}:impression", 0)
            rates[variant] = Rate(counts.get(f"{widget}:{variant}:add_to_cart", 0), shown).value
        daily.append(DailyRates(day, rates[TREATMENT], rates[CONTROL]))
    uplift = relative_uplift(
        Rate(totals["add_to_cart"][TREATMENT], totals["impression"][TREATMENT]),
        Rate(totals["add_to_cart"][CONTROL], totals["impression"][CONTROL]),
    )
    other: dict[str, int] = {}
    for counts in by_day.values():
        for name, count in counts.items():
            owner, variant, kind = (name.split(":") + ["", ""])[:3]
            if owner == widget and variant == TREATMENT and kind not in totals:
                other[kind] = other.get(kind, 0) + count
    return WidgetFigures(
        widget, totals["impression"], totals["interaction"], totals["add_to_cart"], uplift, daily, other
    )


def overall_figures(widgets: list[WidgetFigures], orders: Counts) -> Overall:
    reference = max(widgets, key=lambda figures: sum(figures.impressions.values()), default=None)
    if reference is None or not reference.seen:
        empty = relative_uplift(Rate(0, 0), Rate(0, 0))
        return Overall(None, _both(), empty, orders, empty)
    exposures = reference.impressions
    return Overall(
        reference.widget,
        exposures,
        reference.add_to_cart_uplift,
        orders,
        relative_uplift(Rate(orders[TREATMENT], exposures[TREATMENT]), Rate(orders[CONTROL], exposures[CONTROL])),
    )


async def messages_sent(services: Services, shop: ShopRef, since: float) -> dict[str, int]:
    """Post-purchase emails sent since `since` (epoch seconds), per stage, from the message records."""
    counts = await sent_counts(services, shop, since)
    return {stage.value: counts.get((stage.value, "emails_sent"), 0) for stage in Stage}


@dataclass(frozen=True)
class OptOuts:
    emails: int  # marketing email withdrawn through an email link (one-click unsubscribe or the preference page)
    texts: int  # order texts stopped by a STOP reply (it names no message, so it has no stage)


async def opt_outs(services: Services, shop: ShopRef, since: float) -> OptOuts:
    """Withdrawals since `since` from the consent ledger, one per withdrawal, whoever made it."""
    emails = texts = 0
    start = f"{int(since * 1000)}-0"
    for key in await family_keys(services.redis, services.keys, shop, CONSENT_FAMILY):
        entries: Any = await services.redis.xrange(key, min=start)
        for _, raw in entries or []:
            fields = {as_text(k): as_text(v) for k, v in (raw or {}).items()}
            said = (fields.get("purpose"), fields.get("status"), fields.get("source"))
            if said == ("marketing_email", "withdrawn", "email_link"):
                emails += 1
            elif said == ("service_sms", "withdrawn", "sms_keyword"):
                texts += 1
    return OptOuts(emails, texts)


async def build_dashboard(services: Services, shop: ShopRef, days: int, now: datetime) -> Dashboard:
    if days not in PERIODS:
        raise ValueError(f"the period must be one of {', '.join(map(str, PERIODS))} days")
    facts = await load_facts(services.redis, services.keys, shop)
    timezone = facts.timezone if facts else "UTC"
    last = shop_today(timezone, now)
    span = period_days(last, days)
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    since = datetime.combine(span[0], time.min, tzinfo=zone).timestamp()
    outcomes = await _outcomes(services, shop, span)
    widgets = [widget_figures(widget, outcomes) for widget in WIDGETS]
    orders = _both()
    for counts in (await read_conversions(services.redis, services.keys, shop, span)).values():
        for variant in orders:
            orders[variant] += counts[variant]
    settings = await load_widget_settings(
        services.redis, services.keys, shop, default_settings(services.settings.manifest.widgets)
    )
    surveys = await survey_results(services, shop, span[0])
    stages = await stage_figures(services, shop, since, span[0])
    withdrawn = await opt_outs(services, shop, since)
    return Dashboard(
        days=days,
        first=span[0],
        last=last,
        holdout_percent=settings.holdout_percent,
        widgets=widgets,
        overall=overall_figures(widgets, orders),
        messages_sent={row.stage.value: row.emails_sent for row in stages},  # the same read as `stages`
        unsubscribes=withdrawn.emails,
        text_opt_outs=withdrawn.texts,
        csat=csat_score(surveys.csat.satisfied, surveys.csat.responses),
        csat_satisfied=surveys.csat.satisfied,
        nps=nps_score(surveys.nps.promoters, surveys.nps.passives, surveys.nps.detractors),
        nps_breakdown={
            "promoters": surveys.nps.promoters,
            "passives": surveys.nps.passives,
            "detractors": surveys.nps.detractors,
        },
        topics=await topic_report(services, shop, span[0], last),
        stages=stages,
        wismo=await wismo(services, shop, last, zone),
    )


def _uplift_json(uplift: Uplift) -> dict[str, Any]:
    return {
        "treatment": {"events": uplift.treatment.successes, "exposures": uplift.treatment.trials},
        "control": {"events": uplift.control.successes, "exposures": uplift.control.trials},
        "treatment_rate": uplift.treatment.value,
        "control_rate": uplift.control.value,
        "uplift": uplift.estimate,
        "ci95": None if uplift.low is None else [uplift.low, uplift.high],
        "reason": uplift.reason,
    }


def _score_json(score: Score) -> dict[str, Any]:
    return {
        "value": score.value,
        "ci95": None if score.low is None else [score.low, score.high],
        "responses": score.responses,
        "reason": score.reason,
    }


def dashboard_json(dashboard: Dashboard) -> dict[str, Any]:
    return {
        "period": {"days": dashboard.days, "first": dashboard.first.isoformat(), "last": dashboard.last.isoformat()},
        "holdout_percent": dashboard.holdout_percent,
        "overall": {
            "reference_widget": dashboard.overall.reference,
            "exposures": dashboard.overall.exposures,
            "orders": dashboard.overall.orders,
            "add_to_cart": _uplift_json(dashboard.overall.add_to_cart),
            "order_conversion": _uplift_json(dashboard.overall.conversion),
        },
        "widgets": {
            figures.widget: {
                "impressions": figures.impressions,
                "interactions": figures.interactions,
                "add_to_cart": figures.add_to_cart,
                "interaction_rate": figures.interaction_rate.value,
                "add_to_cart_uplift": _uplift_json(figures.add_to_cart_uplift),
                "other": figures.other,
            }
            for figures in dashboard.widgets
        },
        "messages_sent": dashboard.messages_sent,
        "unsubscribes": dashboard.unsubscribes,
        "csat": {**_score_json(dashboard.csat), "satisfied": dashboard.csat_satisfied},
        "nps": {**_score_json(dashboard.nps), **dashboard.nps_breakdown},
        "topics": None if dashboard.topics is None else topic_report_json(dashboard.topics),
        "messages_by_stage": [
            {
                "stage": row.stage.value,
                "emails_sent": row.emails_sent,
                "email_clicks": row.email_clicks,
                "texts_sent": row.texts_sent,
                "texts_delivered": row.texts_delivered,
                "text_clicks": row.text_clicks,
                "email_unsubscribes": row.email_unsubscribes if is_marketing(row.stage) else None,
            }
            for row in dashboard.stages
        ],
        "text_opt_outs": dashboard.text_opt_outs,
        "where_is_my_order": None
        if dashboard.wismo is None or dashboard.wismo.live_since is None
        else {
            "status_page_since": dashboard.wismo.live_since.isoformat(),
            "before": dashboard.wismo.before,
            "before_days": dashboard.wismo.before_days,
            "after": dashboard.wismo.after,
            "after_days": dashboard.wismo.after_days,
        },
    }
