"""The order-status page through the whole app: an order placed and shipped on the Shopify dev store (signed
webhooks, the worker's consumer and jobs, real SMTP), its emails linking to the page, the page for two parcels
where the carrier reports one failed, its message form filing a help request with the order, its preferences
recorded in the consent ledger, and every refusal changing nothing."""

from __future__ import annotations

import gzip
import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from itsdangerous import TimestampSigner

from plugin.admin.help_pages import inbox_entry
from plugin.app import build_job_handlers
from plugin.devstore.shopify import ShopifyEmulator
from plugin.email import links
from plugin.email.journey_settings import JourneySettings, save_journey_settings
from plugin.keys import ShopRef
from plugin.order_status.metrics import daily_counts
from plugin.order_status.token import page_token
from plugin.privacy.consent import consent_history
from plugin.privacy.subjects import subject_key
from plugin.retention import retention_seconds
from plugin.services import Services
from plugin.shopify.sync import sync_shipping_zones, sync_shop_facts
from plugin.tracking.model import CarrierStage, Checkpoint, TrackingUpdate
from plugin.tracking.store import store_update
from tests.conftest import APP_URL, AppClientFactory
from tests.journey.conftest import drain_events, run_jobs
from tests.order_status.support import CITY, NAME, POSTCODE, STREET, new_order, send, ship_two_parcels
from tests.smtp import Inbox
from widgets.help.requests import list_requests

pytestmark = pytest.mark.anyio
BUDGET_GZIP_BYTES = 15 * 1024
FORM = {"content-type": "application/x-www-form-urlencoded", "origin": APP_URL}
CUSTOMER = "customer1@example.com"  # the demo order's email


def _html(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content())


def _links(html: str) -> list[str]:
    return [url.replace("&amp;", "&") for url in re.findall(r'href="([^"]+)"', html)]


def _form_token(html: str) -> str:
    found = re.search(r'name="f" value="([^"]+)"', html)
    assert found, "the page's forms carry a form token"
    return found.group(1)


async def _shipped_order(
    services: Services, shop: ShopRef, emulator: ShopifyEmulator, client: httpx.AsyncClient, inbox: Inbox
) -> tuple[dict[str, Any], str, list[EmailMessage]]:
    """Place an order (confirmation sent), then ship it in two parcels (one failed); the page path and the emails."""
    await sync_shop_facts(services, shop, {})
    await sync_shipping_zones(services, shop, {})
    await save_journey_settings(services, shop, JourneySettings(quiet_hours=None))
    now = datetime.now(UTC)
    node = new_order(now - timedelta(days=2))
    emulator.orders.append(node)
    await send(client, emulator, "orders/create", node)
    await drain_events(services)
    jobs = build_job_handlers()
    await run_jobs(services, jobs)
    ship_two_parcels(node, now - timedelta(days=1))
    await send(client, emulator, "orders/updated", node)
    await drain_events(services)
    await run_jobs(services, jobs)
    emails = inbox.to(CUSTOMER)
    confirmation = next(m for m in emails if "Thank you for your order" in str(m["Subject"]))
    pages = [url for url in _links(_html(confirmation)) if url.startswith(f"{APP_URL}/o/")]
    assert len(pages) == 1, "the confirmation links to the order-status page"
    return node, pages[0].removeprefix(APP_URL).split("?")[0], emails  # the page, without the link's `via`


async def test_the_page_shows_two_parcels_with_the_failed_one_as_the_exception_and_no_address(
    services: Services,
    installed: ShopRef,
    emulator: ShopifyEmulator,
    emulator_http: httpx.AsyncClient,
    app_client: AppClientFactory,
    inbox: Inbox,
) -> None:
    async with app_client(http=emulator_http) as client:
        node, path, emails = await _shipped_order(services, installed, emulator, client, inbox)
        # Every service email links to the page, none to a carrier's own page.
        assert len(emails) >= 3, [str(m["Subject"]) for m in emails]
        for message in emails:
            urls = _links(_html(message))
            assert any(url.startswith(f"{APP_URL}/o/") for url in urls), message["Subject"]
            assert not any("dhl.de" in url or "ups.com" in url for url in urls), message["Subject"]
            assert f"{APP_URL}/o/" in str(message.get_body(("plain",)).get_content())  # type: ignore[union-attr]
        # A connected tracking provider reported the UPS parcel's scans (plugin.tracking): they join that parcel.
        scanned = datetime.now(UTC) - timedelta(hours=2)
        scans = (
            Checkpoint(scanned - timedelta(hours=10), CarrierStage.SHIPPED, "Departed facility", "Hamburg, DE"),
            Checkpoint(scanned, CarrierStage.EXCEPTION, "Recipient not home", "Leipzig, DE"),
        )
        update = TrackingUpdate("ev-1", "1Z999AA10123456784", "ups", CarrierStage.EXCEPTION, scans, scanned)
        assert await store_update(services, installed, node["legacyResourceId"], update)
        answer = await client.get(path, headers={"accept-language": "en"})
        german = await client.get(path, headers={"accept-language": "de-DE,de;q=0.9"})
    # Localised like the emails: the same wording files, German dates.
    assert german.status_code == 200 and f"Bestellung {node['name']}" in german.text
    assert "Paket 2 von 2" in german.text and "Lieferung nach Deutschland" in german.text
    assert answer.status_code == 200, answer.text
    html = answer.text
    assert f"Order {node['name']}" in html
    # Progress: confirmed done, shipped current, and the carrier's failure is the exception.
    assert re.search(r'<li class="done">Confirmed', html)
    assert re.search(r'<li class="current" aria-current="step">Shipped', html)
    assert 'data-exception="failed"' in html and "reported a problem" in html
    # Both parcels with carrier, tracking number, the carrier's own link, and their events.
    parcels = re.findall(r'<div class="parcel" data-shipment="(\d)">(.*?)</div>', html, re.S)
    assert [number for number, _ in parcels] == ["1", "2"]
    by_carrier = {("DHL" if "DHL" in body else "UPS"): body for _, body in parcels}
    assert "00340434161094042557" in by_carrier["DHL"] and 'href="https://www.dhl.de/track"' in by_carrier["DHL"]
    assert "1Z999AA10123456784" in by_carrier["UPS"]
    assert 'href="https://www.ups.com/track?tracknum=1Z9"' in by_carrier["UPS"]
    assert 'data-event="failed"' in by_carrier["UPS"] and 'data-event="shipped"' in by_carrier["UPS"]
    assert 'data-event="in_transit"' in by_carrier["DHL"] and "Leipzig" not in by_carrier["DHL"]
    assert "Delivery problem reported, Leipzig, DE · Recipient not home" in by_carrier["UPS"]
    assert "On its way, Hamburg, DE · Departed facility" in by_carrier["UPS"]
    # The promised window next to the current expectation; the destination as a country only.
    assert "Promised at checkout" in html and re.search(r"<dd data-promised>\w{3} \d", html)
    assert "Expected now" in html
    assert "Shipping to Germany" in html
    for personal in (STREET, CITY, POSTCODE, NAME, CUSTOMER, "Anna"):
        assert personal not in html, personal
    # The way to a human: the shop's contact and the message form.
    assert 'action="' + path + '/message"' in html and 'type="email"' in html
    # Self-contained and small: no script, nothing loaded from elsewhere, within the byte budget.
    assert "<script" not in html and "@import" not in html and "url(" not in html
    assert not re.search(r'src="(?!https://)', html)
    size = len(gzip.compress(answer.content))
    assert size <= BUDGET_GZIP_BYTES, f"{size} bytes gzipped"
    policy = answer.headers["content-security-policy"]
    assert "img-src 'none'" in policy and "script-src" not in policy and "default-src 'none'" in policy
    assert answer.headers["referrer-policy"] == "same-origin" and answer.headers["cache-control"] == "no-store"


def _expired(services: Services, shop: ShopRef, order_id: str) -> str:
    """A page token signed longer ago than the retention period."""
    signer = links.serializer(services, "status")
    age = retention_seconds(services.settings.retention_days) + 3600

    class Past(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(datetime.now(UTC).timestamp()) - age

    signer.signer = Past
    return str(signer.dumps({"s": shop.tag, "o": order_id}))


async def test_tampered_expired_and_foreign_tokens_are_refused_and_change_nothing(
    services: Services,
    installed: ShopRef,
    emulator: ShopifyEmulator,
    emulator_http: httpx.AsyncClient,
    app_client: AppClientFactory,
    inbox: Inbox,
) -> None:
    async with app_client(http=emulator_http) as client:
        node, path, _ = await _shipped_order(services, installed, emulator, client, inbox)
        token = path.removeprefix("/o/")
        order_id = node["legacyResourceId"]
        unsubscribe = links.make_token(
            services, "unsubscribe", links.LinkClaims(shop=installed, subject="s", locale="en", customer_id="1")
        )
        flipped = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
        refused = {
            "tampered": flipped,
            "expired": _expired(services, installed, order_id),
            "unsubscribe token": unsubscribe,
            "empty-ish": "x",
        }
        before = await daily_counts(services, installed, days=1, today=datetime.now(UTC).date())
        for why, bad in refused.items():
            answer = await client.get(f"/o/{bad}")
            assert answer.status_code == 403, why
            assert "This link does not work" in answer.text and node["name"] not in answer.text, why
            posted = await client.post(f"/o/{bad}/message", headers=FORM, content="email=a%40b.de&question=hi")
            assert posted.status_code == 403, why
        # A valid token for an order the app does not keep says so, and tells nothing of other orders.
        other = await client.get(f"/o/{page_token(services, installed, '999999999')}")
        assert other.status_code == 404 and "no longer shown" in other.text
        assert await daily_counts(services, installed, days=1, today=datetime.now(UTC).date()) == before
        assert await list_requests(services, installed, status=None, limit=10) == []
        # The page token itself is not a form token, and another site cannot post in the customer's name.
        page = await client.get(path)
        form = _form_token(page.text)
        no_form = await client.post(f"{path}/message", headers=FORM, content=f"f={token}&email=a%40b.de&question=hi")
        assert no_form.status_code == 400 and "open for too long" in no_form.text
        foreign = {**FORM, "origin": "https://evil.example"}
        cross = await client.post(f"{path}/message", headers=foreign, content=f"f={form}&email=a%40b.de&question=hi")
        assert cross.status_code == 403
        assert await list_requests(services, installed, status=None, limit=10) == []


async def test_the_message_form_files_a_help_request_with_the_order_and_preferences_reach_the_ledger(
    services: Services,
    installed: ShopRef,
    emulator: ShopifyEmulator,
    emulator_http: httpx.AsyncClient,
    app_client: AppClientFactory,
    inbox: Inbox,
) -> None:
    async with app_client(http=emulator_http) as client:
        node, path, _ = await _shipped_order(services, installed, emulator, client, inbox)
        page = await client.get(path, headers={"accept-language": "en"})
        form = _form_token(page.text)
        bad = await client.post(f"{path}/message", headers=FORM, content=f"f={form}&email=nope&question=Where%3F")
        assert bad.status_code == 400 and "email address we can reply to" in bad.text
        assert 'value="nope"' in bad.text and "Where?" in bad.text  # what was typed is kept
        sent = await client.post(
            f"{path}/message",
            headers=FORM,
            content=f"f={form}&email=anna%40example.com&question=One+parcel+failed%2C+what+now%3F&website=",
        )
        assert sent.status_code == 200, sent.text
        assert f"Your message about order {node['name']} has reached" in sent.text
        # Preferences: nothing said yet on our side; ticking records a grant, unticking a withdrawal.
        assert re.search(r'name="marketing_email" value="1">', page.text)
        token = _form_token(sent.text)
        granted = await client.post(f"{path}/preferences", headers=FORM, content=f"f={token}&marketing_email=1")
        assert granted.status_code == 200 and "Your choices are saved." in granted.text
        assert re.search(r'name="marketing_email" value="1" checked', granted.text)
        saved = await client.post(f"{path}/preferences", headers=FORM, content=f"f={_form_token(granted.text)}")
        assert saved.status_code == 200 and "Your choices are saved." in saved.text
        assert not re.search(r'name="marketing_email" value="1" checked', saved.text)
    [request] = await list_requests(services, installed, status="open", limit=10)
    assert request.email == "anna@example.com" and request.question == "One parcel failed, what now?"
    assert request.order == {"id": node["legacyResourceId"], "name": node["name"], "source": "status_page"}
    assert request.page == "/o"  # never the token
    # The merchant sees the order with the question: in the admin's inbox and in the forwarded email.
    await run_jobs(services, build_job_handlers())
    [forwarded] = [m for m in inbox.messages if str(m["Reply-To"]) == "anna@example.com"]
    assert f"Order: {node['name']} (sent from its order-status page)" in str(forwarded.get_content())
    entry = inbox_entry(request, datetime.now(UTC).tzinfo)  # type: ignore[arg-type]
    assert entry.order == f"Order {node['name']} (sent from its order-status page)"
    customer = node["customer"]["legacyResourceId"]
    history = await consent_history(services, installed, subject_key(services, installed, customer_id=customer))
    assert [(r.purpose, r.status, r.source) for r in history if r.purpose == "marketing_email"] == [
        ("marketing_email", "granted", "email_link"),
        ("marketing_email", "withdrawn", "email_link"),
    ]
    [today] = await daily_counts(services, installed, days=1, today=datetime.now(UTC).date())
    assert today.visits == 1 and today.help == 1  # the POSTs render the page but are not visits
