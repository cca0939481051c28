from __future__ import annotations

import pytest

from plugin import events
from plugin.keys import ShopRef
from plugin.privacy.audit import shop_audit_trail
from plugin.privacy.consent import record_platform_consent
from plugin.privacy.export import export_id_for
from plugin.privacy.exports import EXPORT_TTL_SECONDS, export_key, list_exports, load_export
from plugin.services import Services
from plugin.storage import as_text
from tests.privacy.support import T0, enqueue, event, handle_next, order
from webhooks.consumer import EventConsumer
from webhooks.stream import StreamKeys

pytestmark = pytest.mark.anyio
SHOP = ShopRef("shopify", "alpha.myshopify.com")
REQUEST = {
    "shop_id": 954889,
    "shop_domain": SHOP.id,
    "orders_requested": [299938, 280263],
    "customer": {"id": 191167, "email": "john@example.com", "phone": "555-625-1199"},
    "data_request": {"id": 9999},
}


async def test_a_data_request_leaves_a_sealed_expiring_export_for_the_merchant(
    svc: Services, consumer: EventConsumer
) -> None:
    await record_platform_consent(svc, SHOP, "191167", "john@example.com", "subscribed", "single_opt_in", T0)
    await order(svc, SHOP, "299938", "191167")
    await order(svc, SHOP, "280263", None)  # a guest order Shopify lists for him
    await order(svc, SHOP, "300001", "5550001")  # someone else's

    data_request = event(SHOP, events.CUSTOMER_DATA_REQUEST, "dr-1", REQUEST, topic="customers/data_request")
    await enqueue(svc, data_request)
    await handle_next(svc, consumer)

    export_id = export_id_for(SHOP, "dr-1")
    document = await load_export(svc, SHOP, export_id)
    assert document is not None
    assert document["request_id"] == "9999"
    assert document["subject"]["email"] == "john@example.com"
    stores = document["stores"]
    assert sorted(record["order_id"] for record in stores["orders"]) == ["280263", "299938"]
    (consent,) = stores["consent_ledger"]
    assert (consent["purpose"], consent["status"], consent["platform_state"]) == (
        "marketing_email",
        "granted",
        "subscribed",
    )
    (queued,) = stores["event_pipeline"]  # the request itself, in the stream while it is handled
    assert queued["type"] == events.CUSTOMER_DATA_REQUEST

    raw = {as_text(k): as_text(v) for k, v in (await svc.redis.hgetall(export_key(svc, SHOP, export_id))).items()}
    assert "john@example.com" not in str(raw) and "191167" not in str(raw)
    assert EXPORT_TTL_SECONDS - 60 < await svc.redis.ttl(export_key(svc, SHOP, export_id)) <= EXPORT_TTL_SECONDS

    (audit,) = await shop_audit_trail(svc, SHOP)
    assert audit["action"] == "customer.export" and audit["export_id"] == export_id
    assert audit["counts"] == {
        "consent_ledger": 1,
        "email_context": 0,
        "email_journeys": 0,
        "email_outbox": 0,
        "event_pipeline": 1,
        "exports": 0,
        "help_requests": 0,
        "helpdesk_tickets": 0,
        "insights_examples": 0,
        "orders": 2,
        "orders_at_risk": 0,
        "sms": 0,
        "subject_index": 1,
        "tracking": 0,
    }
    # Identifiers are random or keyed hashes (the stream id is a timestamp): digits like "1199" may occur in them
    # by chance, so they are checked for what they are and the rest for personal data.
    assert audit["subject"] == raw["subject"]
    rest = str({name: value for name, value in audit.items() if name not in ("id", "subject", "export_id")})
    assert "john" not in rest and "191167" not in rest and "1199" not in rest


async def test_the_same_request_handled_twice_keeps_one_export(svc: Services, consumer: EventConsumer) -> None:
    data_request = event(SHOP, events.CUSTOMER_DATA_REQUEST, "dr-2", REQUEST, topic="customers/data_request")
    entry_id = await enqueue(svc, data_request)
    (entry,) = await handle_next(svc, consumer)
    await consumer.handle(
        StreamKeys.for_shop(svc.keys, SHOP), (entry_id, entry[1])
    )  # a retry after a crash between export and acknowledgement
    assert [summary.export_id for summary in await list_exports(svc, SHOP)] == [export_id_for(SHOP, "dr-2")]


async def test_an_unknown_export_is_none(svc: Services) -> None:
    assert await load_export(svc, SHOP, "0" * 32) is None
