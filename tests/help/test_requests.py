"""Help requests: refused with a reason when malformed or automated, limited per shopper address, stored sealed with a
retention TTL, forwarded by a durable job to a real SMTP server with the shopper as Reply-To, marked as an open issue
on the shopper until the merchant resolves it, and listed for the admin."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from plugin.app import build_job_handlers
from plugin.email.context import open_issues
from plugin.email.transport import SmtpMailer
from plugin.jobs import run_due_jobs
from plugin.keys import ShopRef
from plugin.privacy.subjects import DataSubject, known_subjects
from plugin.services import Services
from plugin.storage import as_text
from tests.help.conftest import (
    ADMIN_TOKEN,
    TUESDAY_MORNING,
    TUESDAY_NIGHT,
    Clock,
    HelpClient,
    Inbox,
    change_help,
    storefront,
)
from widgets.help.requests import MIN_REPLY_SAMPLES, index_key, request_key

pytestmark = pytest.mark.anyio

SHOPPER = "Mia.Shopper@example.org"
GOOD: dict[str, Any] = {
    "email": SHOPPER,
    "question": "Does the tote fit a 15-inch laptop?\nThanks!",
    "page": "/products/canvas-tote?utm_source=mail",
    "locale": "en",
    "tz": "Europe/Berlin",
    "website": "",
}
CART = {"lines": [{"title": "Canvas tote", "quantity": 2, "price": "24.90"}], "total": "49.80", "currency": "EUR"}


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ({**GOOD, "email": ""}, "email", "required"),
        ({**GOOD, "email": "mia@"}, "email", "not an email"),
        ({**GOOD, "email": "mia@example.org\r\nBcc: x@example.org"}, "email", "not an email"),
        ({**GOOD, "question": "   "}, "question", "required"),
        ({**GOOD, "question": "x" * 2001}, "question", "at most 2000"),
        ({**GOOD, "website": "https://spam.example"}, "website", "bot"),
        ({**GOOD, "cart": CART}, "cart", "ticks the box"),
        ({**GOOD, "cart_consent": True, "cart": {"lines": [{"quantity": 0}]}}, "cart.lines.0.quantity", "1 to"),
        ({**GOOD, "page": "products"}, "page", "starting with /"),
        ({**GOOD, "rule": "<script>"}, "rule", "not a rule id"),
    ],
    ids=[
        "no-email",
        "bad-email",
        "header-injection",
        "no-question",
        "long-question",
        "honeypot",
        "cart-no-consent",
        "bad-cart",
        "bad-page",
        "bad-rule",
    ],  # fmt: skip
)
async def test_bad_input_is_400_with_a_reason_and_nothing_is_stored(
    help_client: HelpClient, services: Services, shop: ShopRef, body: dict[str, Any], field: str, reason: str
) -> None:
    async with help_client() as client:
        answer = await client.post(storefront("/help/requests"), json=body)
    assert answer.status_code == 400
    assert answer.json()["field"] == field and reason in answer.json()["error"]
    assert await services.redis.zcard(index_key(services, shop)) == 0


async def test_not_json_and_too_large_are_refused(help_client: HelpClient) -> None:
    async with help_client() as client:
        broken = await client.post(storefront("/help/requests"), content=b"email=a@b.c")
        large = await client.post(storefront("/help/requests"), json={**GOOD, "question": "x" * 20_000})
    assert broken.status_code == 400 and "JSON" in broken.json()["error"]
    assert large.status_code == 413


async def test_one_address_may_send_five_requests_in_ten_minutes(help_client: HelpClient) -> None:
    async with help_client() as client:
        answers = [await client.post(storefront("/help/requests"), json=GOOD) for _ in range(6)]
    assert [answer.status_code for answer in answers] == [201] * 5 + [429]
    assert 0 < int(answers[-1].headers["retry-after"]) <= 600
    assert "try again" in answers[-1].json()["error"]


async def test_a_request_is_sealed_expires_and_is_an_open_issue_until_resolved(
    help_client: HelpClient, services: Services, shop: ShopRef, clock: Clock
) -> None:
    async with help_client() as client:
        sent = await client.post(storefront("/help/requests"), json={**GOOD, "cart_consent": True, "cart": CART})
    assert sent.status_code == 201
    # Tuesday 10:00 in Berlin, open until 17:00, stated reply time 2 hours.
    assert sent.json()["message"] == f"Thanks! We'll reply to {SHOPPER} within 2 hours."
    request_id = sent.json()["id"]
    key = request_key(services, shop, request_id)
    raw = {as_text(k): as_text(v) for k, v in (await services.redis.hgetall(key)).items()}
    assert raw["status"] == "open" and raw["forward"] == "pending"
    # Phrases with a space, "@" or ".": sealed text (base64url) cannot contain them by chance, as it can "tote".
    stored = str(raw).lower()
    assert not [phrase for phrase in ("mia.shopper@example.org", "15-inch laptop", "canvas tote") if phrase in stored]
    assert 89 * 86400 < await services.redis.ttl(key) <= 90 * 86400
    # The post-purchase journey looks the customer up by their order's customer id and email: it finds the issue.
    customer = DataSubject(customer_id="191167", email=SHOPPER.lower())
    issues = await open_issues(services, shop, await known_subjects(services, shop, customer))
    assert issues["help_request"]["reference"] == request_id
    person = DataSubject(email=SHOPPER)

    async with help_client() as client:
        client.headers["authorization"] = ADMIN_TOKEN
        listed = (await client.get("/admin/help/requests")).json()["requests"]
        resolved = await client.post(
            f"/admin/help/requests/{request_id}/resolve", json={"replied_at": "2026-11-17T11:30:00+01:00"}
        )
        open_after = (await client.get("/admin/help/requests")).json()["requests"]
        everything = (await client.get("/admin/help/requests", params={"status": "all"})).json()["requests"]
        missing = await client.post("/admin/help/requests/0123456789abcdef/resolve")
        bad_status = await client.get("/admin/help/requests", params={"status": "spam"})
    (item,) = listed
    assert (item["email"], item["page"], item["cart"]) == (SHOPPER, "/products/canvas-tote", CART)
    assert item["question"] == GOOD["question"]
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    assert open_after == [] and [entry["id"] for entry in everything] == [request_id]
    assert missing.status_code == 404 and bad_status.status_code == 400
    assert await open_issues(services, shop, await known_subjects(services, shop, person)) == {}


async def test_measured_reply_times_replace_the_stated_one_once_there_are_enough(
    help_client: HelpClient, services: Services, shop: ShopRef, clock: Clock
) -> None:
    async with help_client() as client:
        client.headers["authorization"] = ADMIN_TOKEN
        for number in range(MIN_REPLY_SAMPLES):
            clock.now = TUESDAY_MORNING + timedelta(minutes=number)
            body = {**GOOD, "email": f"shopper{number}@example.org"}
            request_id = (await client.post(storefront("/help/requests"), json=body)).json()["id"]
            clock.now += timedelta(minutes=25)  # the merchant answers, then marks it resolved
            await client.post(f"/admin/help/requests/{request_id}/resolve")
        clock.now = TUESDAY_MORNING + timedelta(hours=1)
        document = (await client.get("/admin/help/settings")).json()
        prompt = await client.get(storefront("/help/prompt"), params={"rule": "hesitating", "tz": "Europe/Berlin"})
    assert document["reply_time"] == {"measured_seconds": 1500, "samples": 5, "stated_minutes": 120}
    assert "typically reply within 25 minutes" in prompt.text


async def test_the_forward_job_emails_the_merchant_with_the_shopper_as_reply_to(
    help_client: HelpClient, services: Services, shop: ShopRef, inbox: Inbox, smtp_url: str
) -> None:
    await change_help(services, shop, {"support_email": "support@upfront-demo.example"})
    async with help_client() as client:
        sent = await client.post(storefront("/help/requests"), json={**GOOD, "cart_consent": True, "cart": CART})
    request_id = sent.json()["id"]
    jobs = build_job_handlers(SmtpMailer(smtp_url))
    assert await run_due_jobs(services, jobs) == 1
    (message,) = inbox.messages
    assert message["To"] == "support@upfront-demo.example"
    assert message["Reply-To"] == SHOPPER
    assert str(message["Subject"]).startswith("Help request: Does the tote fit a 15-inch laptop?")
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    text = str(body.get_content()).replace("\r\n", "\n")
    assert "Does the tote fit a 15-inch laptop?\nThanks!" in text
    assert "2 x Canvas tote at 24.90" in text and "Page: /products/canvas-tote" in text
    assert await services.redis.hget(request_key(services, shop, request_id), "forward") == "sent"
    assert await run_due_jobs(services, jobs) == 0  # sent once
    payloads = [
        as_text(value)
        for partition in services.keys.layout.partitions()
        async for value in services.redis.scan_iter(match=services.keys.jobs(partition, "*"))
    ]
    assert not any("example.org" in key for key in payloads)


async def test_a_refused_forward_is_recorded_and_not_retried(
    help_client: HelpClient, services: Services, shop: ShopRef, inbox: Inbox, smtp_url: str
) -> None:
    inbox.refuse_with = "550 5.7.1 not accepted"
    async with help_client() as client:
        request_id = (await client.post(storefront("/help/requests"), json=GOOD)).json()["id"]
    await run_due_jobs(services, build_job_handlers(SmtpMailer(smtp_url)))
    state = await services.redis.hget(request_key(services, shop, request_id), "forward")
    assert str(state).startswith("failed: refused: 550")


async def test_offline_the_thank_you_says_when_someone_is_back(help_client: HelpClient, clock: Clock) -> None:
    clock.now = TUESDAY_NIGHT
    async with help_client() as client:
        sent = await client.post(storefront("/help/requests"), json=GOOD)
        in_new_york = await client.post(
            storefront("/help/requests"), json={**GOOD, "email": "b@example.org", "tz": "America/New_York"}
        )
    said = f"Thanks! We're back tomorrow at 9:00 (Berlin time) and will reply to {SHOPPER} then."
    assert sent.json()["message"] == said
    assert in_new_york.json()["message"] == said.replace(SHOPPER, "b@example.org")  # the shop's clock, named


async def test_an_expired_request_leaves_the_list_and_closes_the_issue(
    help_client: HelpClient, services: Services, shop: ShopRef
) -> None:
    async with help_client() as client:
        request_id = (await client.post(storefront("/help/requests"), json=GOOD)).json()["id"]
        await services.redis.delete(request_key(services, shop, request_id))  # as the retention TTL does
        client.headers["authorization"] = ADMIN_TOKEN
        listed = (await client.get("/admin/help/requests", params={"status": "all"})).json()["requests"]
    assert listed == []
    assert await services.redis.zcard(index_key(services, shop)) == 0
    person = DataSubject(email=SHOPPER)
    assert await open_issues(services, shop, await known_subjects(services, shop, person)) == {}
