"""The signed-link pages through the app: one-click unsubscribe, preferences, survey answers; refusals of tampered,
foreign and expired links change nothing."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from redis.asyncio import Redis

from plugin.admin.dashboard import build_dashboard, dashboard_json
from plugin.admin.insights import topic_report
from plugin.app import build_job_handlers
from plugin.email import links
from plugin.email.journey_settings import JourneySettings, save_journey_settings
from plugin.email.outbox import OutboxMailer, list_outbox
from plugin.email.privacy import EmailContextStore
from plugin.email.records import order_messages
from plugin.email.stages import Stage
from plugin.email.surveys import survey_results
from plugin.insights.topics import Topic
from plugin.privacy.consent import consent_history
from plugin.privacy.erasure import erase_subject
from plugin.privacy.subjects import DataSubject, subject_key
from plugin.services import Services
from plugin.settings import Settings
from tests.conftest import AppClientFactory
from tests.journey.conftest import run_jobs
from tests.journey.support import SHOP, MemoryPlatform, memory_services, observe, open_shop, order_at

pytestmark = pytest.mark.anyio
FORM = {"content-type": "application/x-www-form-urlencoded"}


@pytest.fixture
def test_env(test_env: dict[str, str]) -> dict[str, str]:
    test_env.pop("UPFRONT_SMTP_URL")
    return test_env


@pytest.fixture
async def journey(settings: Settings, redis: Redis) -> AsyncIterator[tuple[Services, MemoryPlatform]]:
    platform = MemoryPlatform()
    services, http = memory_services(settings, redis, platform)
    await open_shop(services)
    await save_journey_settings(services, SHOP, JourneySettings(quiet_hours=None, feedback_kind="csat"))
    yield services, platform
    await http.aclose()


async def _feedback_links(services: Services, platform: MemoryPlatform, order_id: str, email: str) -> dict[str, str]:
    """Deliver an order to a subscribed customer, let a week pass, and read the feedback email's links."""
    await observe(services, platform, order_at(order_id, 4, email=email, customer_id="c-1", consent="subscribed"))
    jobs = build_job_handlers(OutboxMailer())
    await run_jobs(services, jobs)
    await run_jobs(services, jobs, fast_forward=True)
    entry = next(e for e in await list_outbox(services, SHOP) if "How was" in e.subject)
    found = {"unsubscribe": entry.headers["List-Unsubscribe"].split(",")[0].strip(" <>")}
    for url, label in re.findall(r'href="([^"]+)"[^>]*>([^<]+)</a>', entry.html):
        url = url.replace("&amp;", "&")
        if "/email/answer" in url:
            found[f"answer-{label}"] = url
        elif "/email/preferences" in url:
            found["preferences"] = url
    return {name: urlsplit(url).path + "?" + urlsplit(url).query for name, url in found.items()}


async def _withdrawals(services: Services) -> list[tuple[str, str]]:
    history = await consent_history(services, SHOP, subject_key(services, SHOP, customer_id="c-1"))
    return [(r.purpose, r.source) for r in history if not r.granted]


async def test_one_click_unsubscribe_is_recorded_at_once_and_stops_marketing(
    journey: tuple[Services, MemoryPlatform], app_client: AppClientFactory
) -> None:
    services, platform = journey
    found = await _feedback_links(services, platform, "845120001", "una@example.com")
    async with app_client() as client:
        page = await client.get(found["unsubscribe"])
        assert page.status_code == 200 and 'name="List-Unsubscribe" value="One-Click"' in page.text
        assert page.headers["referrer-policy"] == "no-referrer"
        assert await _withdrawals(services) == []  # the confirm page changes nothing
        done = await client.post(found["unsubscribe"], content=b"List-Unsubscribe=One-Click", headers=FORM)
        assert done.status_code == 200 and "unsubscribed" in done.text
    assert sorted(await _withdrawals(services)) == [("marketing_email", "email_link"), ("review_survey", "email_link")]
    # The next order's review request is refused on the customer's word, not sent.
    await observe(
        services, platform, order_at("845120002", 4, email="una@example.com", customer_id="c-1", consent="subscribed")
    )
    jobs = build_job_handlers(OutboxMailer())
    await run_jobs(services, jobs, fast_forward=True)
    await run_jobs(services, jobs, fast_forward=True)
    feedback = next(r for r in await order_messages(services, SHOP, "845120002") if r.stage is Stage.FEEDBACK)
    assert (feedback.state, feedback.get("reason")) == ("skipped", "withdrawn:email_link:review_survey")


async def test_the_dashboard_counts_an_unsubscribe_once_against_the_stage_of_the_email_it_came_from(
    journey: tuple[Services, MemoryPlatform], app_client: AppClientFactory
) -> None:
    services, platform = journey
    found = await _feedback_links(services, platform, "845120005", "uma@example.com")
    async with app_client() as client:
        for _ in range(2):  # a second click on the same email's link is the same unsubscribe
            done = await client.post(found["unsubscribe"], content=b"List-Unsubscribe=One-Click", headers=FORM)
            assert done.status_code == 200
    figures = dashboard_json(await build_dashboard(services, SHOP, 7, datetime.now(UTC)))
    by_stage = {row["stage"]: row["email_unsubscribes"] for row in figures["messages_by_stage"]}
    assert by_stage == {
        "confirmed": None,  # order updates carry no unsubscribe link
        "shipped": None,
        "out_for_delivery": None,
        "delivered": None,
        "delayed": None,
        "feedback": 1,
        "recommendations": 0,
    }
    assert figures["text_opt_outs"] == 0


async def test_after_unsubscribing_a_reason_can_be_given_and_reaches_the_merchant_by_topic(
    journey: tuple[Services, MemoryPlatform], app_client: AppClientFactory
) -> None:
    services, platform = journey
    found = await _feedback_links(services, platform, "845120011", "rae@example.com")
    async with app_client() as client:
        done = await client.post(found["unsubscribe"], content=b"List-Unsubscribe=One-Click", headers=FORM)
        assert 'action="/email/unsubscribe/reason"' in done.text and "Would you tell us why?" in done.text
        token = re.search(r'name="t" value="([^"]+)"', done.text)
        assert token is not None
        reason = "Too many emails, and the shipping costs were too high."
        said = await client.post(
            "/email/unsubscribe/reason", data={"t": token.group(1).replace("&amp;", "&"), "reason": reason}
        )
        assert said.status_code == 200 and "Thank you." in said.text
        # Nothing to say is nothing kept; a damaged link and an oversized reason change nothing.
        blank = await client.post("/email/unsubscribe/reason", data={"t": token.group(1), "reason": "  "})
        assert blank.status_code == 200
        forged = await client.post("/email/unsubscribe/reason", data={"t": token.group(1)[:-2], "reason": "x"})
        assert forged.status_code == 403
        huge = await client.post("/email/unsubscribe/reason", data={"t": token.group(1), "reason": "x" * 2001})
        assert huge.status_code == 400

    today = datetime.now(UTC).date()
    report = await topic_report(services, SHOP, today - timedelta(days=6), today)
    assert [(row.topic, row.count, row.by_source) for row in report.rows] == [
        (Topic.SHIPPING_COST, 1, {"reason for unsubscribing": 1})
    ]
    assert report.rows[0].examples[0].text == reason
    person = DataSubject(customer_id="c-1", email="rae@example.com")
    exported = await EmailContextStore().export(services, SHOP, person)
    assert [record["reason"] for record in exported if record["record"] == "unsubscribe_reason"] == [reason]
    await erase_subject(services, SHOP, person)
    assert (await topic_report(services, SHOP, today - timedelta(days=6), today)).rows[0].examples == []


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda url: url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB"), id="tampered"),
        pytest.param(lambda url: url.split("?")[0] + "?t=", id="empty"),
        pytest.param(lambda url: url.split("?")[0], id="missing"),
    ],
)
async def test_a_damaged_link_gets_a_clear_403_and_changes_nothing(
    journey: tuple[Services, MemoryPlatform], app_client: AppClientFactory, damage: object
) -> None:
    services, platform = journey
    found = await _feedback_links(services, platform, "845120003", "dora@example.com")
    broken = damage(found["unsubscribe"])  # type: ignore[operator]
    async with app_client() as client:
        answer = await client.post(broken, content=b"List-Unsubscribe=One-Click", headers=FORM)
        assert answer.status_code == 403 and "does not work" in answer.text
        assert (await client.get(damage(found["answer-2"]))).status_code == 403  # type: ignore[operator]
    assert await _withdrawals(services) == []
    assert (await survey_results(services, SHOP, date.today() - timedelta(days=1))).csat.responses == 0


async def test_a_link_for_another_purpose_or_expired_is_refused(
    journey: tuple[Services, MemoryPlatform], app_client: AppClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    services, platform = journey
    found = await _feedback_links(services, platform, "845120004", "eve@example.com")
    answer_token = found["answer-5"].split("t=", 1)[1]
    async with app_client() as client:
        foreign = await client.post(
            f"/email/unsubscribe?t={answer_token}", content=b"List-Unsubscribe=One-Click", headers=FORM
        )
        assert foreign.status_code == 403
        monkeypatch.setitem(links.MAX_AGE_SECONDS, "unsubscribe", -1)
        expired = await client.post(found["unsubscribe"], content=b"List-Unsubscribe=One-Click", headers=FORM)
        assert expired.status_code == 403
    assert await _withdrawals(services) == []


async def test_preferences_are_per_purpose_and_recorded(
    journey: tuple[Services, MemoryPlatform], app_client: AppClientFactory
) -> None:
    services, platform = journey
    found = await _feedback_links(services, platform, "845120005", "pia@example.com")
    token = found["preferences"].split("t=", 1)[1]
    async with app_client() as client:
        page = await client.get(found["preferences"])
        assert page.status_code == 200 and page.text.count("checked") == 2  # subscribed on the platform
        saved = await client.post("/email/preferences", content=f"t={token}&review_survey=1".encode(), headers=FORM)
        assert saved.status_code == 200 and "saved" in saved.text
    assert await _withdrawals(services) == [("marketing_email", "email_link")]


async def test_a_survey_answer_counts_once_and_can_be_changed_and_commented(
    journey: tuple[Services, MemoryPlatform], app_client: AppClientFactory
) -> None:
    services, platform = journey
    found = await _feedback_links(services, platform, "845120006", "sam@example.com")
    async with app_client() as client:
        assert (await client.get(found["answer-5"])).status_code == 200
        assert (await client.get(found["answer-5"])).status_code == 200  # a second click, or a link scanner
        assert (await client.get(found["answer-4"])).status_code == 200  # changed their mind
        token = found["answer-4"].split("t=", 1)[1]
        commented = await client.post("/email/answer", content=f"t={token}&comment=Lovely+tote".encode(), headers=FORM)
        assert commented.status_code == 200
    csat = (await survey_results(services, SHOP, date.today() - timedelta(days=1))).csat
    assert (csat.responses, csat.satisfied, csat.score) == (1, 1, 100.0)
