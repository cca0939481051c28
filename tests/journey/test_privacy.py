"""Erasure reaches everything the journey keeps: journeys, message records, the dev outbox, survey answers, open
issues, holds and the frequency cap. After `erase_subject` the privacy scanner finds no trace of the customer."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest
from redis.asyncio import Redis

from plugin.app import build_job_handlers
from plugin.email.context import mark_open_issue
from plugin.email.journey_settings import JourneySettings, save_journey_settings
from plugin.email.outbox import OutboxMailer, list_outbox
from plugin.privacy.erasure import erase_subject
from plugin.privacy.export import export_subject
from plugin.privacy.subjects import DataSubject, subject_key
from plugin.retention import retention_seconds
from plugin.services import Services
from plugin.settings import Settings
from tests.conftest import AppClientFactory
from tests.journey.conftest import run_jobs
from tests.journey.support import SHOP, MemoryPlatform, memory_services, observe, open_shop, order_at
from tests.privacy import trace
from tests.privacy.trace import Person

pytestmark = pytest.mark.anyio
ZOE = Person("702200031", "Zoe.Example@example.com", None, ("845140001", "845140002"))
GUEST = Person(None, "guest.keeper@example.org", None, ("845140009",))


def _places(found: list[trace.Hit]) -> set[tuple[str, str, str]]:
    """Hits without their position: erasing list items moves the others."""
    return {(hit.key, hit.needle, hit.text) for hit in found}


@pytest.fixture
def test_env(test_env: dict[str, str]) -> dict[str, str]:
    test_env.pop("UPFRONT_SMTP_URL")
    return test_env


@pytest.fixture
async def shop(settings: Settings, redis: Redis) -> AsyncIterator[tuple[Services, MemoryPlatform]]:
    platform = MemoryPlatform()
    services, http = memory_services(settings, redis, platform)
    await open_shop(services)
    await save_journey_settings(services, SHOP, JourneySettings(quiet_hours=None, marketing_cap_days=7))
    yield services, platform
    await http.aclose()


def _family(key: str) -> str:
    """A key's family; a family's index (plugin.shop_index) counts as part of its family."""
    parts = key.split("}:", 1)[1].split(":")
    return parts[1] if parts[0] == "index" else parts[0]


async def test_an_erased_customer_leaves_no_trace_in_the_journey_stores(
    shop: tuple[Services, MemoryPlatform], app_client: AppClientFactory
) -> None:
    services, platform = shop
    jobs = build_job_handlers(OutboxMailer())
    for order_id in ZOE.order_ids:
        await observe(
            services,
            platform,
            order_at(order_id, 4, email=ZOE.email, customer_id=ZOE.customer_id, consent="subscribed"),
        )
    await observe(services, platform, order_at("845140009", 3, email=GUEST.email))
    await run_jobs(services, jobs)
    await run_jobs(services, jobs, fast_forward=True)
    zoe_key = subject_key(services, SHOP, customer_id=ZOE.customer_id)
    await mark_open_issue(services, SHOP, zoe_key, "help_request")
    # She answers the survey (a detractor: hold + merchant alert) and comments with her address in it.
    entry = next(e for e in await list_outbox(services, SHOP) if "How was" in e.subject)
    answer = next(
        u.replace("&amp;", "&") for u, s in re.findall(r'href="([^"]+)"[^>]*>(\d)</a>', entry.html) if s == "1"
    )
    async with app_client() as client:
        assert (await client.get(urlsplit(answer).path + "?" + urlsplit(answer).query)).status_code == 200
        token = urlsplit(answer).query.split("t=", 1)[1]
        form = f"t={token}&comment=write+to+{ZOE.email}".encode()
        headers = {"content-type": "application/x-www-form-urlencoded"}
        assert (await client.post("/email/answer", content=form, headers=headers)).status_code == 200
    await run_jobs(services, jobs, fast_forward=True)  # the merchant alert, in the outbox too

    before = await trace.dump(services.redis, services.cipher, services.keys.prefix)
    assert before.unreadable == []
    zoe_hits = trace.hits(before, ZOE)
    families = {hit.key.split("}:", 1)[1].split(":")[0] for hit in zoe_hits}
    assert {"journey", "message", "email", "survey", "consent"} <= families, families
    guest_before = trace.hits(before, GUEST)

    zoe = DataSubject(ZOE.customer_id, ZOE.email, None, ZOE.order_ids)
    exported = await export_subject(services, SHOP, zoe)
    assert trace.uncovered(zoe_hits, ZOE, exported.document) == []

    result = await erase_subject(services, SHOP, zoe)
    assert result.counts["email_journeys"] > 0 and result.counts["email_outbox"] > 0
    after = await trace.dump(services.redis, services.cipher, services.keys.prefix)
    assert trace.hits(after, ZOE) == []
    assert _places(trace.hits(after, GUEST)) == _places(guest_before)  # the guest's journey is untouched

    # A guest erased by email alone: their journey is found through the message sent to them. (The order
    # projection, which holds no contact data, is found by order ids; this request names none.)
    await erase_subject(services, SHOP, DataSubject(email=GUEST.email))
    final = await trace.dump(services.redis, services.cipher, services.keys.prefix)
    assert [hit for hit in trace.hits(final, GUEST) if _family(hit.key) != "order"] == []


async def test_everything_a_journey_keeps_about_a_person_expires_after_the_retention_period(
    shop: tuple[Services, MemoryPlatform], app_client: AppClientFactory
) -> None:
    services, platform = shop
    jobs = build_job_handlers(OutboxMailer())
    order_id = ZOE.order_ids[0]
    await observe(services, platform, order_at(order_id, 4, email=ZOE.email, customer_id=ZOE.customer_id))
    await run_jobs(services, jobs)
    await run_jobs(services, jobs, fast_forward=True)
    await mark_open_issue(services, SHOP, subject_key(services, SHOP, customer_id=ZOE.customer_id), "help_request")

    limit = retention_seconds(services.settings.retention_days)
    dump = await trace.dump(services.redis, services.cipher, services.keys.prefix)
    holders = {hit.key for hit in trace.hits(dump, ZOE)}
    # The consent ledger and the subject index prove consent (GDPR Art. 7(1)): kept until erasure.
    expiring = {key for key in holders if _family(key) not in {"consent", "subjects"}}
    assert {_family(key) for key in expiring} >= {"journey", "message", "order", "email"}
    for key in expiring:
        assert 0 < await services.redis.ttl(key) <= limit, key


async def test_an_order_at_risk_is_exported_and_erased_with_its_customer(
    shop: tuple[Services, MemoryPlatform],
) -> None:
    services, platform = shop
    jobs = build_job_handlers(OutboxMailer())
    failed = order_at(ZOE.order_ids[0], 0, email=ZOE.email, customer_id=ZOE.customer_id)  # the carrier failed
    await observe(services, platform, failed)
    await run_jobs(services, jobs)
    before = await trace.dump(services.redis, services.cipher, services.keys.prefix)
    hits = trace.hits(before, ZOE)
    assert "delays" in {_family(hit.key) for hit in hits}
    zoe = DataSubject(ZOE.customer_id, ZOE.email, None, ZOE.order_ids)
    exported = await export_subject(services, SHOP, zoe)
    assert trace.uncovered(hits, ZOE, exported.document) == []
    result = await erase_subject(services, SHOP, zoe)
    assert result.counts["orders_at_risk"] == 1
    assert trace.hits(await trace.dump(services.redis, services.cipher, services.keys.prefix), ZOE) == []
