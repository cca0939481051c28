"""A period of storefront, order, email and survey events for the dashboard, and its figures recomputed here from
the raw events, independently of plugin.admin (shared by the API test and the browser test)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from plugin.email.stages import Stage
from plugin.keys import ShopRef
from plugin.services import Services
from tests.admin.support import seed_answers, seed_orders, seed_outcomes, seed_sent_messages, seed_unsubscribes

Z_95 = 1.959963984540054
SHOP_TIMEZONE = "Europe/Berlin"  # the demo shop's


def katz(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float, float]:
    p1, p2 = x1 / n1, x2 / n2
    spread = math.exp(Z_95 * math.sqrt((1 - p1) / (n1 * p1) + (1 - p2) / (n2 * p2)))
    return p1 / p2 - 1, p1 / p2 / spread - 1, p1 / p2 * spread - 1


def signed(value: float) -> str:
    return ("+" if value >= 0 else "−") + f"{abs(value) * 100:.1f} %"


DASHBOARD_OUTCOMES = {
    0: {
        ("estimate", "treatment", "impression"): 1500,
        ("estimate", "treatment", "interaction"): 300,
        ("estimate", "treatment", "add_to_cart"): 120,
        ("estimate", "control", "impression"): 160,
        ("estimate", "control", "add_to_cart"): 8,
        ("badges", "treatment", "impression"): 1200,
        ("badges", "treatment", "add_to_cart"): 90,
        ("badges", "control", "impression"): 130,
        ("badges", "control", "add_to_cart"): 6,
        ("help", "treatment", "impression"): 50,
        ("help", "treatment", "interaction"): 9,
        ("help", "treatment", "escalated"): 4,
        ("help", "control", "impression"): 6,
    },
    3: {
        ("estimate", "treatment", "impression"): 900,
        ("estimate", "treatment", "interaction"): 150,
        ("estimate", "treatment", "add_to_cart"): 60,
        ("estimate", "control", "impression"): 110,
        ("estimate", "control", "add_to_cart"): 6,
        ("badges", "treatment", "impression"): 800,
        ("badges", "treatment", "add_to_cart"): 60,
        ("badges", "control", "impression"): 100,
        ("badges", "control", "add_to_cart"): 5,
    },
    45: {("estimate", "treatment", "impression"): 99999},  # outside a 30-day period
}
CSAT_ANSWERS = [5] * 9 + [4] * 5 + [3] * 2 + [2] + [1]
NPS_ANSWERS = [10] * 8 + [9] * 4 + [8] * 3 + [7] * 2 + [5] * 2 + [2]
SENT = {Stage.CONFIRMED: 4, Stage.SHIPPED: 3, Stage.DELIVERED: 2, Stage.FEEDBACK: 1}


async def seed_dashboard(services: Services, shop: ShopRef) -> None:
    today = datetime.now(ZoneInfo(SHOP_TIMEZONE)).date()
    for days_ago, counts in DASHBOARD_OUTCOMES.items():
        await seed_outcomes(services, shop, today - timedelta(days=days_ago), counts)
    await seed_orders(services, shop, today, "treatment", 60, "t")
    await seed_orders(services, shop, today - timedelta(days=3), "control", 6, "c")
    await seed_sent_messages(services, shop, SENT)
    await seed_answers(services, shop, "csat", CSAT_ANSWERS, "c")
    await seed_answers(services, shop, "nps", NPS_ANSWERS, "n")
    await seed_unsubscribes(services, shop, 2)


@dataclass(frozen=True)
class Expected:
    atc: tuple[float, float, float]  # uplift, 95 % low, 95 % high
    orders: tuple[float, float, float]
    badges: tuple[float, float, float]
    csat: float
    nps: float
    csat_n: int
    nps_n: int


def expected_figures() -> Expected:
    """Recomputed here from the seeded events, independently of plugin.admin."""
    t_imp, t_atc = 1500 + 900, 120 + 60
    c_imp, c_atc = 160 + 110, 8 + 6
    satisfied = sum(answer >= 4 for answer in CSAT_ANSWERS)
    promoters = sum(answer >= 9 for answer in NPS_ANSWERS)
    detractors = sum(answer <= 6 for answer in NPS_ANSWERS)
    return Expected(
        atc=katz(t_atc, t_imp, c_atc, c_imp),
        orders=katz(60, t_imp, 6, c_imp),
        badges=katz(150, 2000, 11, 230),
        csat=100 * satisfied / len(CSAT_ANSWERS),
        nps=100 * (promoters - detractors) / len(NPS_ANSWERS),
        csat_n=len(CSAT_ANSWERS),
        nps_n=len(NPS_ANSWERS),
    )
