"""Choosing order updates by text on the order-status page: offered only where the shop sends texts, a number that
is no phone number refused with nothing stored, the choice recorded in the consent ledger (separately from email),
the next stage then texted to that number, and unticking it stopping them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from plugin.app import build_job_handlers
from plugin.devstore.shopify import ShopifyEmulator
from plugin.keys import ShopRef
from plugin.privacy.consent import consent_history
from plugin.privacy.subjects import DataSubject, known_subjects
from plugin.services import Services
from plugin.sms.config import SmsConfig, save_sms_config
from plugin.sms.consent import SERVICE_SMS
from plugin.sms.outbox import sms_outbox_items
from tests.conftest import AppClientFactory
from tests.journey.conftest import drain_events, run_jobs
from tests.order_status.support import iso, send
from tests.order_status.test_page import FORM, _form_token, _shipped_order
from tests.smtp import Inbox

pytestmark = pytest.mark.anyio


async def _sms_choices(services: Services, shop: ShopRef, customer_id: str) -> list[bool]:
    found = []
    for subject in sorted(await known_subjects(services, shop, DataSubject(customer_id=customer_id))):
        found += [r.granted for r in await consent_history(services, shop, subject) if r.purpose == SERVICE_SMS]
    return found


async def test_a_customer_chooses_texts_on_the_page_and_gets_the_next_stage_by_text(
    services: Services,
    installed: ShopRef,
    emulator: ShopifyEmulator,
    emulator_http: httpx.AsyncClient,
    app_client: AppClientFactory,
    inbox: Inbox,
) -> None:
    async with app_client(http=emulator_http) as client:
        node, path, _ = await _shipped_order(services, installed, emulator, client, inbox)
        customer = str(node["customer"]["legacyResourceId"])
        assert "Order updates by text" not in (await client.get(path)).text  # the shop sends no texts yet
        await save_sms_config(services, installed, SmsConfig(enabled=True))  # texts on, the dev outbox (no Twilio)
        page = await client.get(path, headers={"accept-language": "en"})
        assert "Order updates by text" in page.text and 'type="tel"' in page.text
        assert re.search(r'<input type="checkbox" name="texts" value="1">', page.text), "the choice is not pre-ticked"
        bad = await client.post(
            f"{path}/texts", headers=FORM, content=f"f={_form_token(page.text)}&phone=call+me&texts=1"
        )
        assert bad.status_code == 400 and "not a phone number we can text" in bad.text
        assert await _sms_choices(services, installed, customer) == []  # nothing stored
        chosen = await client.post(
            f"{path}/texts", headers=FORM, content=f"f={_form_token(bad.text)}&phone=%2B49+151+23456789&texts=1"
        )
        assert chosen.status_code == 200 and "we will text you about your orders" in chosen.text
        assert await _sms_choices(services, installed, customer) == [True]
        # The next stage: both parcels delivered. Its text goes to the number chosen, with the page's link.
        delivered = datetime.now(UTC)
        node.update(updatedAt=iso(delivered))
        for parcel in node["fulfillments"]:
            parcel.update(displayStatus="DELIVERED", updatedAt=iso(delivered), deliveredAt=iso(delivered))
        await send(client, emulator, "orders/updated", node)
        await drain_events(services)
        await run_jobs(services, build_job_handlers())
        texts = [entry for _, entry in await sms_outbox_items(services, installed)]
        assert [t["to"] for t in texts] == ["+4915123456789"], texts
        assert "delivered" in texts[0]["body"] and "/o/" in texts[0]["body"]
        stopped = await client.post(
            f"{path}/texts", headers=FORM, content=f"f={_form_token(chosen.text)}&phone=%2B4915123456789"
        )
        assert stopped.status_code == 200 and "no more texts" in stopped.text
        assert await _sms_choices(services, installed, customer) == [True, False]
    assert delivered - timedelta(minutes=5) < datetime.now(UTC)
