"""A help request becomes exactly one ticket in the connected helpdesk — Gorgias, Zendesk or Chatwoot, each stand-in
speaking its API over loopback — with the order, page and cart attached as a note; a lost answer or a 5xx is retried
by the job system without a second ticket; a refusal is a dead letter the merchant sees, and the email still goes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from redis.asyncio import Redis

from plugin.app import build_job_handlers, create_app
from plugin.devstore.helpdesks import HelpdeskStandIns
from plugin.email.context import open_issues
from plugin.email.transport import SmtpMailer
from plugin.helpdesk.tickets import load_ticket
from plugin.jobs import failed_jobs
from plugin.privacy.subjects import DataSubject, known_subjects
from plugin.services import Services
from plugin.settings import Settings
from tests.conftest import serve_in_process
from tests.helpdesk.conftest import ADMIN, CONNECT, KINDS, AppClient, Inbox, stand_in
from tests.journey.conftest import run_jobs
from tests.journey.support import SHOP, SHOP_EMAIL, MemoryPlatform, order_at
from widgets.help.handoff import GIVE_UP_AFTER, issue_kind, schedule_hand_off
from widgets.help.requests import HelpRequestInput, StoredRequest, load_request, store_request

pytestmark = pytest.mark.anyio

SHOPPER = "kim.shopper@example.org"
CART = {"lines": [{"title": "Linen shirt", "quantity": 2, "price": "49.00"}], "total": "98.00", "currency": "EUR"}


async def ask(services: Services, *, order: str | None = None, email: str = SHOPPER) -> StoredRequest:
    """What the storefront's help request endpoint does: store the request, then hand it off."""
    named = None if order is None else {"id": order, "source": "shopper"}  # as the storefront form reads it
    request = HelpRequestInput(email, "Where is my parcel? It was due Monday.", "/pages/track", CART, order=named)
    stored = await store_request(services, SHOP, request, now=datetime.now(UTC), retention_days=30)
    await schedule_hand_off(services, SHOP, stored)
    return stored


def note_of(kind: str, ticket: dict[str, Any]) -> str:
    """The internal note on a stand-in's ticket, as the agent sees it."""
    if kind == "zendesk":
        return "\n".join(c["body"] for c in ticket["comments"] if not c["public"])
    if kind == "gorgias":
        return "\n".join(m["body_text"] for m in ticket["messages"] if m["channel"] == "internal-note")
    return "\n".join(m["content"] for m in ticket["messages"] if m["private"])


async def connect(app_client: AppClient, kind: str, **changes: str) -> dict[str, Any]:
    async with app_client() as client:
        answer = await client.put("/admin/help/helpdesk", json={**CONNECT[kind], **changes}, headers=ADMIN)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


@pytest.mark.parametrize("kind", KINDS)
async def test_a_help_request_becomes_one_ticket_with_the_order_attached(
    shop: tuple[Services, MemoryPlatform],
    standins: HelpdeskStandIns,
    app_client: AppClient,
    inbox: Inbox,
    smtp_url: str,
    kind: str,
) -> None:
    services, platform = shop
    platform.orders["5001"] = order_at("5001", 2, email="Kim.Shopper@example.org", customer_id="c-1")
    await connect(app_client, kind)
    stored = await ask(services, order="5001")
    jobs = build_job_handlers(SmtpMailer(smtp_url))
    await run_jobs(services, jobs)
    (ticket,) = stand_in(standins, kind).tickets.values()
    note = note_of(kind, ticket)
    assert "Order #5001: fulfilled" in note and "1 x Canvas tote" in note and "DHL TRACK1: in transit" in note
    assert "Page: /pages/track" in note and "2 x Linen shirt at 49.00" in note
    assert f"upfront-help-{stored.id}" in note
    request = await load_request(services, SHOP, stored.id)
    assert request is not None and request.forward == f"filed in {kind.title()} as ticket #{ticket['id']}"
    subjects = await known_subjects(services, SHOP, DataSubject(email=SHOPPER))
    assert issue_kind(stored.id) in await open_issues(services, SHOP, subjects)
    await run_jobs(services, jobs)
    assert len(stand_in(standins, kind).tickets) == 1 and inbox.messages == []  # no email while the helpdesk has it


async def test_an_order_placed_with_another_address_is_not_attached(
    shop: tuple[Services, MemoryPlatform], standins: HelpdeskStandIns, app_client: AppClient, smtp_url: str
) -> None:
    services, platform = shop
    platform.orders["5002"] = order_at("5002", 2, email="someone.else@example.org")
    await connect(app_client, "zendesk")
    await ask(services, order="5002")
    await run_jobs(services, build_job_handlers(SmtpMailer(smtp_url)))
    (ticket,) = standins.zendesk.tickets.values()
    note = note_of("zendesk", ticket)
    assert "Order #5002" not in note and "placed with another email address" in note


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("after_create", [True, False], ids=["answer-lost", "refused-before"])
async def test_a_5xx_is_retried_and_there_is_still_one_ticket(
    shop: tuple[Services, MemoryPlatform],
    standins: HelpdeskStandIns,
    app_client: AppClient,
    smtp_url: str,
    kind: str,
    after_create: bool,
) -> None:
    services, _ = shop
    desk = stand_in(standins, kind)
    desk.fail_next(503, after_create=after_create)
    await connect(app_client, kind)
    stored = await ask(services)
    jobs = build_job_handlers(SmtpMailer(smtp_url))
    await run_jobs(services, jobs)
    assert len(desk.tickets) == (1 if after_create else 0)
    request = await load_request(services, SHOP, stored.id)
    assert request is not None and request.forward.startswith("being filed in")
    await run_jobs(services, jobs, fast_forward=True)  # the backoff has passed
    assert len(desk.tickets) == 1 and desk.creates == 1
    request = await load_request(services, SHOP, stored.id)
    assert request is not None and request.forward.endswith(f"#{next(iter(desk.tickets))}")
    assert await failed_jobs(services.redis, services.keys) == set()


@pytest.mark.parametrize("kind", KINDS)
async def test_a_refusal_is_a_dead_letter_the_merchant_sees_and_the_email_still_goes(
    shop: tuple[Services, MemoryPlatform],
    standins: HelpdeskStandIns,
    app_client: AppClient,
    inbox: Inbox,
    smtp_url: str,
    kind: str,
) -> None:
    services, _ = shop
    secret = {"zendesk": "api_token", "gorgias": "api_key", "chatwoot": "api_access_token"}[kind]
    await connect(app_client, kind, **{secret: "revoked-credential-000"})
    stored = await ask(services)
    await run_jobs(services, build_job_handlers(SmtpMailer(smtp_url)))
    assert stand_in(standins, kind).tickets == {}
    (message,) = inbox.to(SHOP_EMAIL)  # the email fallback: to the shop's address, the shopper as Reply-To
    assert message["Reply-To"] == SHOPPER and "Where is my parcel" in str(message.get_body().get_content())  # type: ignore[union-attr]
    async with app_client() as client:
        document = (await client.get("/admin/help/helpdesk", headers=ADMIN)).json()
    (dead,) = document["dead_letters"]
    assert dead["request"] == stored.id and dead["state"] == "failed"
    assert "401" in dead["error"] and kind.title() in dead["error"]
    await run_jobs(services, build_job_handlers(SmtpMailer(smtp_url)), fast_forward=True)
    assert stand_in(standins, kind).tickets == {} and len(inbox.to(SHOP_EMAIL)) == 1  # not retried, mailed once


async def test_without_a_helpdesk_the_request_is_emailed(
    shop: tuple[Services, MemoryPlatform], inbox: Inbox, smtp_url: str, standins: HelpdeskStandIns
) -> None:
    services, _ = shop
    await ask(services)
    await run_jobs(services, build_job_handlers(SmtpMailer(smtp_url)))
    assert len(inbox.to(SHOP_EMAIL)) == 1 and standins.zendesk.tickets == {}


async def test_the_storefront_endpoint_hands_off_and_the_app_serves_the_webhook_route(
    shop: tuple[Services, MemoryPlatform],
    standins: HelpdeskStandIns,
    app_client: AppClient,
    settings: Settings,
    redis: Redis,
    smtp_url: str,
) -> None:
    services, _ = shop
    document = await connect(app_client, "chatwoot")
    body = {"email": SHOPPER, "question": "Do you ship to Norway?", "page": "/cart", "website": ""}
    async with serve_in_process(create_app(settings, redis=redis)) as client:
        asked = await client.post(f"/storefront/shopify/{SHOP.id}/help/requests", json=body)
        assert asked.status_code == 201, asked.text
        await run_jobs(services, build_job_handlers(SmtpMailer(smtp_url)))
        (conversation,) = standins.chatwoot.tickets.values()
        assert conversation["custom_attributes"] == {"upfront_request": asked.json()["id"], "page": "/cart"}
        path = document["connection"]["webhook_url"].removeprefix(services.settings.app_url)
        delivery = {"event": "conversation_status_changed", "id": conversation["id"], "status": "resolved"}
        assert (await client.post(path, json=delivery)).status_code == 202
        assert (await client.post(path.replace("chatwoot", "zendesk"), json=delivery)).status_code == 404


async def test_a_helpdesk_down_for_good_gives_up_before_the_job_system_and_emails_the_request(
    shop: tuple[Services, MemoryPlatform],
    standins: HelpdeskStandIns,
    app_client: AppClient,
    inbox: Inbox,
    smtp_url: str,
) -> None:
    services, _ = shop
    standins.zendesk.fail_next(503, count=100)
    await connect(app_client, "zendesk")
    stored = await ask(services)
    jobs = build_job_handlers(SmtpMailer(smtp_url))
    for _ in range(GIVE_UP_AFTER + 1):
        await run_jobs(services, jobs, fast_forward=True)
    assert standins.zendesk.tickets == {} and len(inbox.to(SHOP_EMAIL)) == 1
    record = await load_ticket(services, SHOP, stored.id)
    assert record is not None and record.state == "failed" and "503" in (record.error or "")
    assert record.attempts == GIVE_UP_AFTER
    assert await failed_jobs(services.redis, services.keys) == set()  # handled, not left to the job system
