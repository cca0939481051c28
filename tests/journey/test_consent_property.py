"""Property: whatever the consent state and whatever the order events (duplicated, reordered, stale), no
marketing message ever reaches a customer who has not consented, and no stage is messaged twice or backwards."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import anyio
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from plugin.app import build_job_handlers
from plugin.email.journey_settings import JourneySettings, StageSettings, save_journey_settings
from plugin.email.records import order_messages
from plugin.email.stages import DelayCause, Stage
from plugin.email.transport import SmtpMailer
from plugin.privacy.consent import record_consent
from plugin.settings import load_settings
from plugin.storage import connect
from tests.journey.conftest import Inbox, run_jobs
from tests.journey.support import SHOP, MemoryPlatform, memory_services, observe, open_shop, order_at

OWN_SOURCES = ("storefront_widget", "email_link", "admin")
REFUSALS = ("unsubscribed",)
SUBJECT_PREFIX = {
    "Thank you for your order": Stage.CONFIRMED,
    "is on its way": Stage.SHIPPED,
    "arrives today": Stage.OUT_FOR_DELIVERY,
    "has been delivered": Stage.DELIVERED,
    "is delayed": Stage.DELAYED,
    "How was your order": Stage.FEEDBACK,
    "Picked for you": Stage.RECOMMENDATIONS,
}
MAIN_RANK = {Stage.CONFIRMED: 1, Stage.SHIPPED: 2, Stage.OUT_FOR_DELIVERY: 3, Stage.DELIVERED: 4}


@dataclass(frozen=True)
class Scenario:
    platform_state: str | None
    guest: bool
    own: tuple[tuple[str, bool, str], ...]  # (purpose, granted, source), oldest first
    soft_opt_in: bool
    recommendations: bool
    feedback_kind: str
    timeline: tuple[int, ...]  # the platform's true states in order (0: delivery failed)
    deliveries: tuple[int, ...]  # which timeline state each event's fetch saw
    jobs_after: tuple[bool, ...]
    unsubscribe_after: int  # deliveries before the customer clicks unsubscribe; -1 never


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    ranks = set(draw(st.lists(st.sampled_from([1, 2, 3, 0]), min_size=1, max_size=4)))
    if draw(st.integers(0, 3)):  # most orders get delivered: that is when marketing can start
        ranks.add(4)
    timeline = tuple(sorted(ranks, key=lambda rank: {0: 2.5}.get(rank, rank)))
    seen = draw(st.lists(st.integers(0, len(timeline) - 1), min_size=1, max_size=8))
    if draw(st.booleans()):
        seen.append(len(timeline) - 1)  # the latest state is fetched at least once, eventually
    deliveries = tuple(seen)
    return Scenario(
        platform_state=draw(st.sampled_from([None, "subscribed", "not_subscribed", "pending", "unsubscribed"])),
        guest=draw(st.booleans()),
        own=tuple(
            draw(
                st.lists(
                    st.tuples(
                        st.sampled_from(["marketing_email", "review_survey"]),
                        st.booleans(),
                        st.sampled_from(OWN_SOURCES),
                    ),
                    max_size=3,
                )
            )
        ),
        soft_opt_in=draw(st.booleans()),
        recommendations=draw(st.booleans()),
        feedback_kind=draw(st.sampled_from(["csat", "nps", "review"])),
        timeline=timeline,
        deliveries=deliveries,
        jobs_after=tuple(draw(st.lists(st.booleans(), min_size=len(deliveries), max_size=len(deliveries)))),
        unsubscribe_after=draw(st.one_of(st.just(-1), st.integers(0, len(deliveries)))),
    )


def allowed(scenario: Scenario, stage: Stage, unsubscribed: bool) -> bool:
    """The documented precedence, written out independently: own latest word per purpose, then the platform's
    consent, then a soft opt-in unless the customer refused."""
    if unsubscribed:
        return False
    chain = ["review_survey", "marketing_email"] if stage is Stage.FEEDBACK else ["marketing_email"]
    platform = None if scenario.guest else scenario.platform_state
    for purpose in chain:
        decisions = [granted for wanted, granted, _ in scenario.own if wanted == purpose]
        if decisions:
            return decisions[-1]
    if platform == "subscribed":
        return True
    if platform in REFUSALS:
        return False
    return scenario.soft_opt_in


async def _run(scenario: Scenario, env: dict[str, str], redis_url: str, inbox: Inbox, smtp_url: str) -> None:
    email = f"p-{uuid.uuid4().hex[:10]}@example.com"
    settings_ = load_settings({**env, "UPFRONT_KEY_PREFIX": "h" + uuid.uuid4().hex[:12]})
    redis = connect(redis_url)
    platform = MemoryPlatform()
    services, http = memory_services(settings_, redis, platform)
    mailer = SmtpMailer(smtp_url)
    jobs = build_job_handlers(mailer)
    try:
        await open_shop(services)
        journey = JourneySettings(
            stages={Stage.RECOMMENDATIONS: StageSettings(enabled=scenario.recommendations)},
            feedback_kind=scenario.feedback_kind,
            soft_opt_in=scenario.soft_opt_in,
            quiet_hours=None,
            marketing_cap_days=0,
        )
        await save_journey_settings(services, SHOP, journey)
        customer = None if scenario.guest else "cust-1"
        state = None if scenario.guest else scenario.platform_state
        placed = datetime.now(UTC) - timedelta(hours=2)
        for at, (purpose, granted, source) in enumerate(scenario.own):
            await record_consent(
                services,
                SHOP,
                purpose=purpose,
                granted=granted,
                source=source,
                channel="email",
                text="t",
                text_version="v1",
                email=email,
                customer_id=customer,
                at=placed - timedelta(days=30 - at),
            )
        versions = [
            order_at("5001", rank, email=email, customer_id=customer, consent=state, placed=placed, step=i + 1)
            for i, rank in enumerate(scenario.timeline)
        ]
        platform.orders["5001"] = versions[-1]
        unsubscribed = False
        sent_before_unsubscribe: list[str] = []
        for index, (seen, run_now) in enumerate(zip(scenario.deliveries, scenario.jobs_after, strict=True)):
            if index == scenario.unsubscribe_after:
                unsubscribed = True
                sent_before_unsubscribe = [str(m["Message-ID"]) for m in inbox.to(email)]
                for purpose in ("marketing_email", "review_survey"):
                    await record_consent(
                        services,
                        SHOP,
                        purpose=purpose,
                        granted=False,
                        source="email_link",
                        channel="email",
                        text="List-Unsubscribe one-click",
                        text_version="rfc8058",
                        email=email,
                        customer_id=customer,
                    )
            await observe(services, platform, versions[seen], current=False)
            if run_now:
                await run_jobs(services, jobs)
        if scenario.unsubscribe_after == len(scenario.deliveries):
            unsubscribed = True
            sent_before_unsubscribe = [str(m["Message-ID"]) for m in inbox.to(email)]
            for purpose in ("marketing_email", "review_survey"):
                await record_consent(
                    services,
                    SHOP,
                    purpose=purpose,
                    granted=False,
                    source="email_link",
                    channel="email",
                    text="List-Unsubscribe one-click",
                    text_version="rfc8058",
                    email=email,
                    customer_id=customer,
                )
        for _ in range(3):
            await run_jobs(services, jobs, fast_forward=True)

        received = inbox.to(email)
        stages = [next(s for prefix, s in SUBJECT_PREFIX.items() if prefix in str(m["Subject"])) for m in received]
        # Delay notices go once per (order, cause): each its own message, never one twice.
        track = [s for s in stages if s is not Stage.DELAYED]
        assert len(track) == len(set(track)), f"a stage was messaged twice: {stages}"
        notices = [str(m["Message-ID"]) for m, s in zip(received, stages, strict=True) if s is Stage.DELAYED]
        assert len(notices) == len(set(notices)) <= len(DelayCause), f"a delay notice was sent twice: {stages}"
        ranks = [MAIN_RANK[s] for s in stages if s in MAIN_RANK]
        assert ranks == sorted(ranks), f"the main track went backwards: {stages}"
        records = {r.stage: r for r in await order_messages(services, SHOP, "5001")}
        for message, stage in zip(received, stages, strict=True):
            marketing = stage in (Stage.FEEDBACK, Stage.RECOMMENDATIONS)
            assert (message["List-Unsubscribe"] is not None) == marketing
            if not marketing:
                continue
            after_unsubscribe = unsubscribed and str(message["Message-ID"]) not in sent_before_unsubscribe
            assert allowed(scenario, stage, after_unsubscribe), (stage, records[stage].fields)
            assert records[stage].get("basis").startswith(("consent:", "soft_opt_in")), records[stage].fields
        event(f"marketing messages sent: {sum(s in (Stage.FEEDBACK, Stage.RECOMMENDATIONS) for s in stages)}")
        event(f"service messages sent: {sum(s in MAIN_RANK or s is Stage.DELAYED for s in stages)}")
        if not allowed(scenario, Stage.FEEDBACK, False) and not allowed(scenario, Stage.RECOMMENDATIONS, False):
            assert not [s for s in stages if s in (Stage.FEEDBACK, Stage.RECOMMENDATIONS)]
    finally:
        await mailer.aclose()
        await http.aclose()
        doomed = [key async for key in redis.scan_iter(match=f"{settings_.key_prefix}:*", count=1000)]
        if doomed:
            await redis.delete(*doomed)
        await redis.aclose()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario=scenarios())
def test_no_marketing_message_reaches_a_customer_without_consent(
    scenario: Scenario, test_env: dict[str, str], redis_url: str, inbox: Inbox, smtp_url: str
) -> None:
    anyio.run(_run, scenario, test_env, redis_url, inbox, smtp_url)


@pytest.mark.anyio
async def test_the_oracle_refuses_a_never_asked_customer() -> None:
    blank = Scenario(None, False, (), False, True, "csat", (4,), (0,), (True,), -1)
    assert not allowed(blank, Stage.FEEDBACK, False) and allowed(
        Scenario("subscribed", False, (), False, True, "csat", (4,), (0,), (True,), -1), Stage.FEEDBACK, False
    )
