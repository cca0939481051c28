"""Without Twilio credentials texts land in the dev outbox; the number given for texts and the outbox's texts are
exported and erased with the person."""

from __future__ import annotations

import pytest

from plugin.privacy.registry import personal_data_stores
from plugin.privacy.subjects import DataSubject
from plugin.sms.config import SmsConfig, save_sms_config
from plugin.sms.consent import record_sms_choice
from plugin.sms.outbox import sms_outbox_items
from plugin.sms.privacy import SmsStore
from tests.journey.support import SHOP
from tests.sms.conftest import SmsShop

pytestmark = pytest.mark.anyio


async def test_unconnected_shops_text_the_dev_outbox_and_erasure_removes_it(sms: SmsShop) -> None:
    await save_sms_config(sms.services, SHOP, SmsConfig(enabled=True))  # switched on, Twilio not connected
    await record_sms_choice(
        sms.services, SHOP, phone="+4915123456789", wants_updates=True, customer_id="c8001", email="kim@example.test"
    )
    await record_sms_choice(sms.services, SHOP, phone="+4915100000000", wants_updates=True, customer_id="c8002")
    await sms.order("8001", 1, phone=None)
    await sms.order("8002", 1, phone=None)
    await sms.run_texts()

    assert sms.twilio.requests == 0
    outbox = [item for _, item in await sms_outbox_items(sms.services, SHOP)]
    assert sorted(item["to"] for item in outbox) == ["+4915100000000", "+4915123456789"]
    assert all("Reply STOP" in item["body"] for item in outbox)
    assert "sms" in [store.name for store in personal_data_stores()]

    person = DataSubject(customer_id="c8001", email="kim@example.test")
    exported = await SmsStore().export(sms.services, SHOP, person)
    assert {"record": "sms_contact", "phone": "+4915123456789"} in exported
    assert [r["to"] for r in exported if r["record"] == "sms_outbox"] == ["+4915123456789"]

    assert await SmsStore().erase(sms.services, SHOP, person) >= 2
    assert await SmsStore().export(sms.services, SHOP, person) == []
    left = [item["to"] for _, item in await sms_outbox_items(sms.services, SHOP)]
    assert left == ["+4915100000000"]  # the other customer's text stays
