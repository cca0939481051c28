"""An open helpdesk ticket holds marketing: the customer gets no review request while it is open, even once the
merchant marks the request resolved in Upfront; the helpdesk saying it is solved (a verified webhook, or a poll)
releases it. A delivery with a bad Zendesk signature is refused and changes nothing."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest

from plugin.app import build_job_handlers
from plugin.devstore.helpdesks import HelpdeskStandIns, ZendeskStandIn
from plugin.email.context import open_issues
from plugin.email.journey_settings import JourneySettings, save_journey_settings
from plugin.email.records import order_messages
from plugin.email.stages import Stage
from plugin.email.transport import SmtpMailer
from plugin.helpdesk.tickets import load_ticket
from plugin.jobs import pending_jobs
from plugin.privacy.subjects import DataSubject, known_subjects
from plugin.services import Services
from tests.helpdesk.conftest import ADMIN, KINDS, WEBHOOK_SECRET, AppClient, Inbox, stand_in
from tests.helpdesk.test_handoff import SHOPPER, ask, connect
from tests.journey.conftest import run_jobs
from tests.journey.support import SHOP, MemoryPlatform, observe, order_at
from widgets.help.requests import load_request, resolve_request

pytestmark = pytest.mark.anyio


def status_delivery(kind: str, ticket_id: int) -> tuple[bytes, dict[str, str]]:
    """What each helpdesk posts when the team solves the ticket."""
    if kind == "zendesk":
        body = {
            "type": "zen:event-type:ticket.status_changed",
            "detail": {"id": str(ticket_id), "status": "SOLVED"},
            "event": {"current": "SOLVED", "previous": "OPEN"},
        }
        raw = json.dumps(body).encode()
        return raw, ZendeskStandIn.sign(WEBHOOK_SECRET, datetime.now(UTC).isoformat(timespec="seconds"), raw)
    if kind == "chatwoot":
        delivered: dict[str, object] = {"event": "conversation_status_changed", "id": ticket_id, "status": "resolved"}
        return json.dumps(delivered).encode(), {"Content-Type": "application/json"}
    body = {"ticket_id": str(ticket_id)}  # the body the merchant sets in the Gorgias HTTP integration
    return json.dumps(body).encode(), {"Content-Type": "application/json"}


async def issues_of(services: Services, email: str) -> set[str]:
    return set(await open_issues(services, SHOP, await known_subjects(services, SHOP, DataSubject(email=email))))


async def test_an_open_ticket_holds_the_review_request_until_the_helpdesk_solves_it(
    shop: tuple[Services, MemoryPlatform],
    standins: HelpdeskStandIns,
    app_client: AppClient,
    inbox: Inbox,
    smtp_url: str,
) -> None:
    services, platform = shop
    await save_journey_settings(services, SHOP, JourneySettings(quiet_hours=None, soft_opt_in=True))
    jobs = build_job_handlers(SmtpMailer(smtp_url))
    document = await connect(app_client, "zendesk")
    stored = await ask(services)
    await run_jobs(services, jobs)
    (ticket_id,) = standins.zendesk.tickets
    # The merchant ticks "resolved" in Upfront, but the helpdesk ticket is still open: marketing stays held.
    await resolve_request(services, SHOP, stored.id, replied_at=datetime.now(UTC), hours=None)
    assert await issues_of(services, SHOPPER) == {f"helpdesk.{stored.id}"}
    await observe(services, platform, order_at("6001", 4, email=SHOPPER, customer_id="c-6"))
    await run_jobs(services, jobs)
    await run_jobs(services, jobs, fast_forward=True)
    records = {r.stage: r for r in await order_messages(services, SHOP, "6001")}
    assert (records[Stage.FEEDBACK].state, records[Stage.FEEDBACK].get("reason")) == ("skipped", "open_issue")

    standins.zendesk.resolve(ticket_id)
    body, headers = status_delivery("zendesk", ticket_id)
    path = document["connection"]["webhook_url"].removeprefix(services.settings.app_url)
    async with app_client() as client:
        assert (await client.post(path, content=body, headers=headers)).status_code == 202
    await run_jobs(services, jobs)
    assert await issues_of(services, SHOPPER) == set()
    await observe(services, platform, order_at("6002", 4, email=SHOPPER, customer_id="c-6"))
    await run_jobs(services, jobs)
    await run_jobs(services, jobs, fast_forward=True)
    records = {r.stage: r for r in await order_messages(services, SHOP, "6002")}
    assert records[Stage.FEEDBACK].state == "sent"
    assert any("How was" in str(m["Subject"]) for m in inbox.to(SHOPPER))


@pytest.mark.parametrize("kind", KINDS)
async def test_the_solved_webhook_closes_the_issue_and_the_request_and_a_reopen_opens_it_again(
    shop: tuple[Services, MemoryPlatform], standins: HelpdeskStandIns, app_client: AppClient, smtp_url: str, kind: str
) -> None:
    services, _ = shop
    jobs = build_job_handlers(SmtpMailer(smtp_url))
    document = await connect(app_client, kind)
    stored = await ask(services)
    await run_jobs(services, jobs)
    desk = stand_in(standins, kind)
    (ticket_id,) = desk.tickets
    path = document["connection"]["webhook_url"].removeprefix(services.settings.app_url)
    desk.resolve(ticket_id)
    body, headers = status_delivery(kind, ticket_id)
    async with app_client() as client:
        assert (await client.post(path, content=body, headers=headers)).status_code == 202
    await run_jobs(services, jobs)
    assert await issues_of(services, SHOPPER) == set()
    request = await load_request(services, SHOP, stored.id)
    assert request is not None and request.status == "resolved"
    desk.reopen(ticket_id)  # the customer wrote back
    body, headers = status_delivery(kind, ticket_id)
    async with app_client() as client:
        assert (await client.post(path, content=body, headers=headers)).status_code == 202
    await run_jobs(services, jobs)
    assert await issues_of(services, SHOPPER) == {f"helpdesk.{stored.id}"}


@pytest.mark.parametrize("kind", KINDS)
async def test_a_poll_catches_a_ticket_solved_without_a_webhook(
    shop: tuple[Services, MemoryPlatform], standins: HelpdeskStandIns, app_client: AppClient, smtp_url: str, kind: str
) -> None:
    services, _ = shop
    jobs = build_job_handlers(SmtpMailer(smtp_url))
    await connect(app_client, kind)
    stored = await ask(services)
    await run_jobs(services, jobs)
    desk = stand_in(standins, kind)
    (ticket_id,) = desk.tickets
    await run_jobs(services, jobs, fast_forward=True)  # a poll while it is still open keeps polling
    assert await issues_of(services, SHOPPER) == {"help_request", f"helpdesk.{stored.id}"}
    desk.resolve(ticket_id)
    await run_jobs(services, jobs, fast_forward=True)
    assert await issues_of(services, SHOPPER) == set()
    record = await load_ticket(services, SHOP, stored.id)
    assert record is not None and record.state == "resolved"
    await run_jobs(services, jobs, fast_forward=True)
    assert await pending_jobs(services.redis, services.keys) == 0  # a solved ticket is not polled any more


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("wrong-secret", "does not match"),
        ("tampered-body", "does not match"),
        ("no-signature", "headers are required"),
        ("stale", "not recent"),
    ],
)
async def test_a_bad_zendesk_signature_is_refused_and_changes_nothing(
    shop: tuple[Services, MemoryPlatform],
    standins: HelpdeskStandIns,
    app_client: AppClient,
    smtp_url: str,
    change: str,
    reason: str,
) -> None:
    services, _ = shop
    jobs = build_job_handlers(SmtpMailer(smtp_url))
    document = await connect(app_client, "zendesk")
    stored = await ask(services)
    await run_jobs(services, jobs)
    (ticket_id,) = standins.zendesk.tickets
    standins.zendesk.resolve(ticket_id)
    body, headers = status_delivery("zendesk", ticket_id)
    if change == "wrong-secret":
        headers = ZendeskStandIn.sign("not-the-secret", headers["X-Zendesk-Webhook-Signature-Timestamp"], body)
    elif change == "tampered-body":
        body = body.replace(b'"SOLVED"', b'"CLOSED"')
    elif change == "no-signature":
        headers = {"Content-Type": "application/json"}
    else:
        headers = ZendeskStandIn.sign(WEBHOOK_SECRET, str(int(time.time()) - 86400), body)
    path = document["connection"]["webhook_url"].removeprefix(services.settings.app_url)
    before = await pending_jobs(services.redis, services.keys)
    async with app_client() as client:
        answer = await client.post(path, content=body, headers=headers)
        assert answer.status_code == 401 and reason in answer.json()["error"]
        unknown = await client.post(path[:-4] + "xxxx", content=body, headers=headers)
        other_shop = await client.post(path.replace(SHOP.id, "other-shop.myshopify.com"), content=body, headers=headers)
        assert unknown.status_code == other_shop.status_code == 404
    assert await pending_jobs(services.redis, services.keys) == before
    assert f"helpdesk.{stored.id}" in await issues_of(services, SHOPPER)


@pytest.mark.parametrize("change", ["deleted-in-helpdesk", "helpdesk-disconnected"])
async def test_a_ticket_gone_from_the_helpdesk_stops_holding_marketing(
    shop: tuple[Services, MemoryPlatform], standins: HelpdeskStandIns, app_client: AppClient, smtp_url: str, change: str
) -> None:
    services, _ = shop
    jobs = build_job_handlers(SmtpMailer(smtp_url))
    await connect(app_client, "gorgias")
    stored = await ask(services)
    await run_jobs(services, jobs)
    if change == "deleted-in-helpdesk":
        standins.gorgias.tickets.clear()
    else:
        async with app_client() as client:
            assert (await client.delete("/admin/help/helpdesk", headers=ADMIN)).json() == {"disconnected": True}
    await run_jobs(services, jobs, fast_forward=True)
    # The request is still open in Upfront's own inbox (that holds marketing until it is resolved there).
    expected = set() if change == "deleted-in-helpdesk" else {"help_request"}
    assert await issues_of(services, SHOPPER) == expected
    assert f"helpdesk.{stored.id}" not in await issues_of(services, SHOPPER)
