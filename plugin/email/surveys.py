"""CSAT and NPS answers: anonymous per-shop tallies for the dashboard, and per-customer records (erasable).

- ``survey:tally:<kind>`` — hash ``<YYYY-MM-DD>:<score>`` -> count; no person in it, kept after erasures.
- ``survey:response:<subject>`` — hash ``<message ref>`` -> the answer sealed (kind, score, order, comment), and
  ``<message ref>:score`` -> ``<score>|<day>`` in the clear so a changed answer moves its tally atomically.

Clicking another score in the same email changes the answer (the tally moves, it does not count twice).
CSAT = share of 4-5 answers; NPS = % of 9-10 minus % of 0-6; both come with their sample sizes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from plugin.insights.store import Source, record_mention
from plugin.insights.topics import classify
from plugin.jobs import Job
from plugin.keys import ShopRef
from plugin.privacy.sealing import seal, unseal
from plugin.retention import retain
from plugin.services import Services
from plugin.storage import as_optional_text, as_text

SCALES = {"csat": range(1, 6), "nps": range(0, 11)}
ALERT_JOB = "email.alert"
ALERT_DELAY_SECONDS = 15 * 60  # leaves the customer time to add a comment the merchant then sees
MAX_COMMENT = 2000

_RECORD = """
local previous = redis.call('HGET', KEYS[1], ARGV[1] .. ':score')
redis.call('HSET', KEYS[1], ARGV[1], ARGV[4])
if previous then
  local old_score, day = string.match(previous, '^(%d+)|(.+)$')
  if old_score == ARGV[2] then return 0 end
  redis.call('HINCRBY', KEYS[2], day .. ':' .. old_score, -1)
  redis.call('HINCRBY', KEYS[2], day .. ':' .. ARGV[2], 1)
  redis.call('HSET', KEYS[1], ARGV[1] .. ':score', ARGV[2] .. '|' .. day)
  return 2
end
redis.call('HINCRBY', KEYS[2], ARGV[3] .. ':' .. ARGV[2], 1)
redis.call('HSET', KEYS[1], ARGV[1] .. ':score', ARGV[2] .. '|' .. ARGV[3])
return 1
"""


class SurveyAnswerError(ValueError):
    pass


@dataclass(frozen=True)
class CsatResult:
    responses: int
    satisfied: int  # 4 or 5
    score: float | None  # percent satisfied; None without answers


@dataclass(frozen=True)
class NpsResult:
    responses: int
    promoters: int  # 9-10
    passives: int  # 7-8
    detractors: int  # 0-6
    score: float | None  # -100..100; None without answers


@dataclass(frozen=True)
class SurveyResults:
    since: date
    csat: CsatResult
    nps: NpsResult


def is_detractor(kind: str, score: int) -> bool:
    return score <= 2 if kind == "csat" else score <= 6


def alert_job(shop: ShopRef, subject: str, ref: str) -> Job:
    """Tell the merchant about a detractor answer: one job per answered email, whatever the clicks."""
    return Job(ALERT_JOB, shop, f"email-alert:{shop.tag}:{ref}", {"subject": subject, "ref": ref})


def tally_key(services: Services, shop: ShopRef, kind: str) -> str:
    return services.keys.shop(shop, "survey", "tally", kind)


def response_key(services: Services, shop: ShopRef, subject: str) -> str:
    return services.keys.shop(shop, "survey", "response", subject)


def _check(kind: str, score: int) -> None:
    if kind not in SCALES or score not in SCALES[kind]:
        raise SurveyAnswerError(f"{kind} answers are {SCALES.get(kind, range(0))}; got {score}")


def _seal(services: Services, shop: ShopRef, subject: str, ref: str, record: dict[str, Any]) -> str:
    return seal(services, json.dumps(record), shop, "survey", "response", subject, ref)


async def load_answer(services: Services, shop: ShopRef, subject: str, ref: str) -> dict[str, Any] | None:
    sealed = as_optional_text(await services.redis.hget(response_key(services, shop, subject), ref))
    if sealed is None:
        return None
    record: dict[str, Any] = json.loads(unseal(services, sealed, shop, "survey", "response", subject, ref))
    return record


async def record_answer(
    services: Services,
    shop: ShopRef,
    *,
    subject: str,
    ref: str,
    kind: str,
    score: int,
    order_id: str,
    order_name: str,
    now: datetime | None = None,
) -> bool:
    """Store or change the answer of one email's survey; True when it is new or changed."""
    _check(kind, score)
    moment = now or datetime.now(UTC)
    previous = await load_answer(services, shop, subject, ref) or {}
    record = {
        "kind": kind,
        "score": score,
        "at": moment.isoformat(),
        "order_id": order_id,
        "order_name": order_name,
        "comment": previous.get("comment", ""),
    }
    changed = await services.redis.eval(
        _RECORD,
        2,
        response_key(services, shop, subject),
        tally_key(services, shop, kind),
        ref,
        score,
        moment.astimezone(UTC).date().isoformat(),
        _seal(services, shop, subject, ref, record),
    )
    await retain(services, response_key(services, shop, subject))
    return int(changed) > 0


async def add_comment(services: Services, shop: ShopRef, *, subject: str, ref: str, comment: str) -> bool:
    record = await load_answer(services, shop, subject, ref)
    if record is None:
        return False
    first_comment = not record.get("comment")
    record["comment"] = comment.strip()[:MAX_COMMENT]
    topic = classify(record["comment"]).topic
    if record["comment"]:
        record["topic"] = topic.value
    await services.redis.hset(response_key(services, shop, subject), ref, _seal(services, shop, subject, ref, record))
    await retain(services, response_key(services, shop, subject))
    if first_comment and record["comment"]:  # an edited comment is the same mention, counted once
        await record_mention(
            services,
            shop,
            source=Source.SURVEY_COMMENT,
            topic=topic,
            subject=subject,
            ref=ref,
            at=datetime.now(UTC),
        )
    return True


async def _counts(services: Services, shop: ShopRef, kind: str, since: date) -> dict[int, int]:
    counts = dict.fromkeys(SCALES[kind], 0)
    for field, value in (await services.redis.hgetall(tally_key(services, shop, kind))).items():
        day, _, score = as_text(field).rpartition(":")
        if date.fromisoformat(day) >= since and int(score) in counts:
            counts[int(score)] += int(value)
    return counts


async def survey_results(services: Services, shop: ShopRef, since: date) -> SurveyResults:
    """CSAT and NPS of the answers given on or after `since` (UTC days), with their sample sizes."""
    csat = await _counts(services, shop, "csat", since)
    nps = await _counts(services, shop, "nps", since)
    csat_n = sum(csat.values())
    satisfied = csat[4] + csat[5]
    nps_n = sum(nps.values())
    promoters = nps[9] + nps[10]
    detractors = sum(nps[score] for score in range(0, 7))
    return SurveyResults(
        since=since,
        csat=CsatResult(csat_n, satisfied, round(100 * satisfied / csat_n, 1) if csat_n else None),
        nps=NpsResult(
            nps_n,
            promoters,
            nps[7] + nps[8],
            detractors,
            round(100 * (promoters - detractors) / nps_n, 1) if nps_n else None,
        ),
    )
