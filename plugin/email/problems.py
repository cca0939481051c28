"""Template problems the merchant must hear about: a stage whose merchant text failed and fell back to the default.

One hash per shop (``email:template_problems``), field ``<stage>:<locale>``; no personal data. Saving the settings
again clears it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from plugin.keys import ShopRef
from plugin.services import Services
from plugin.storage import as_text


@dataclass(frozen=True)
class TemplateProblem:
    stage: str
    locale: str
    reason: str
    at: str


def problems_key(services: Services, shop: ShopRef) -> str:
    return services.keys.shop(shop, "email", "template_problems")


async def record_template_problem(services: Services, shop: ShopRef, stage: str, locale: str, reason: str) -> None:
    record = {"reason": reason, "at": datetime.now(UTC).isoformat()}
    await services.redis.hset(problems_key(services, shop), f"{stage}:{locale}", json.dumps(record))


async def template_problems(services: Services, shop: ShopRef) -> list[TemplateProblem]:
    """Why a stage is being sent with the default text instead of the merchant's (for the admin panel)."""
    found: list[TemplateProblem] = []
    for name, raw in (await services.redis.hgetall(problems_key(services, shop))).items():
        stage, _, locale = as_text(name).partition(":")
        record = json.loads(as_text(raw))
        found.append(TemplateProblem(stage, locale, str(record["reason"]), str(record["at"])))
    return sorted(found, key=lambda problem: (problem.stage, problem.locale))


async def clear_template_problems(services: Services, shop: ShopRef) -> None:
    await services.redis.delete(problems_key(services, shop))
