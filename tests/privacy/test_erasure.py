from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from plugin import events
from plugin.keys import ShopRef
from plugin.privacy.audit import shop_audit_trail
from plugin.privacy.consent import current_consent, record_consent, record_platform_consent
from plugin.privacy.erasure import erase_subject
from plugin.privacy.export import export_subject
from plugin.privacy.subjects import DataSubject, subject_key
from plugin.services import Services
from plugin.shops import StoredToken
from tests.privacy import trace
from tests.privacy.support import T0, deliver_all, enqueue, event, handle_next, order
from tests.privacy.trace import Person
from webhooks import stream
from webhooks.consumer import EventConsumer
from webhooks.handlers.orders import order_key
from webhooks.stream import StreamKeys

pytestmark = pytest.mark.anyio
SHOP = ShopRef("shopify", "alpha.myshopify.com")
ADA = Person("7301001", "Ada.Lovelace@example.com", "+44 20 7946 0958", ("8401001", "8401002", "8401009"))
BEN = Person("7302002", "ben@example.org", "+1 555-625-1199", ("8402001",))
CY = Person(None, "cy@example.net", None)


def _family(key: str) -> str:
    return key.split("}:", 1)[1].split(":")[0]


def _order_payload(person: Person, order_id: str) -> dict[str, object]:
    return {
        "id": int(order_id),
        "email": person.email,
        "phone": person.phone,
        "customer": {"id": int(person.customer_id or 0), "email": person.email, "phone": person.phone},
        "total_price": "42.50",
    }


async def _fill_shop(svc: Services, consumer: EventConsumer) -> None:
    """Ada, Ben and Cy leave data in every store Upfront has: ledger, orders, and all corners of the pipeline."""
    await svc.shops.save_token(SHOP, StoredToken("shpat_token", "read_orders"))
    # Consent: Ada as a guest first (email only), then synced from Shopify with her customer id.
    for person, purpose, source in (
        (ADA, "marketing_email", "storefront_widget"),
        (CY, "analytics", "storefront_widget"),
    ):
        await record_consent(
            svc,
            SHOP,
            purpose=purpose,
            granted=True,
            source=source,
            channel="email" if purpose == "marketing_email" else "web",
            text="Keep me posted",
            text_version="widget-v2",
            email=person.email,
            at=T0,
        )
    await record_platform_consent(svc, SHOP, "7301001", ADA.email, "unsubscribed", "single_opt_in", T0 + timedelta(1))
    await record_consent(
        svc,
        SHOP,
        purpose="review_survey",
        granted=True,
        source="admin",
        channel="sms",
        text="Asked in store",
        text_version="admin-v1",
        customer_id="7301001",
        phone=ADA.phone,
        recorded_by="staff-17",
    )
    await record_platform_consent(svc, SHOP, "7302002", BEN.email, "subscribed", "confirmed_opt_in", T0)
    # Order projections: Ada's two account orders and one guest order (listed by Shopify), Ben's order.
    await order(svc, SHOP, "8401001", "7301001")
    await order(svc, SHOP, "8401002", "7301001")
    await order(svc, SHOP, "8401009", None)
    await order(svc, SHOP, "8402001", "7302002")
    # Pipeline: every event is delivered to a consumer (pending); then one retries and one dead-letters per person.
    await enqueue(svc, event(SHOP, events.ORDER_CREATED, "a-1", _order_payload(ADA, "8401001"), order_id="8401001"))
    await enqueue(svc, event(SHOP, events.FULFILLMENT_UPDATED, "a-2", {"order_id": 8401002, "status": "success"}))
    await enqueue(svc, event(SHOP, events.ORDER_UPDATED, "a-3", _order_payload(ADA, "8401002"), order_id="8401002"))
    await enqueue(svc, event(SHOP, events.ORDER_CREATED, "a-4", _order_payload(ADA, "8401001")))
    await enqueue(svc, event(SHOP, events.ORDER_CREATED, "b-1", _order_payload(BEN, "8402001"), order_id="8402001"))
    await enqueue(svc, event(SHOP, events.ORDER_UPDATED, "b-2", _order_payload(BEN, "8402001"), order_id="8402001"))
    await enqueue(svc, event(SHOP, events.SHOP_UPDATED, "s-1", {"name": "Alpha", "email": "owner@alpha.test"}))
    # Reconciliation names its deliveries after the order (its dedupe marker is a digest: it names no one).
    await enqueue(svc, event(SHOP, events.ORDER_UPDATED, "reconcile:8401002:1793000000000", {}, order_id="8401002"))
    delivered = {fields["delivery_id"]: (entry_id, fields) for entry_id, fields in await deliver_all(svc, consumer)}
    sk = StreamKeys.for_shop(svc.keys, SHOP)
    await stream.schedule_retry(svc.redis, sk, delivered["a-3"], attempt=1, delay=600)
    await stream.dead_letter(svc.redis, sk, delivered["a-4"], attempt=8, error=f"SMTP refused {ADA.email}")
    await stream.dead_letter(svc.redis, sk, delivered["b-2"], attempt=8, error=f"SMTP refused {BEN.email}")
    # And one of Ada's events nobody has read yet (her guest order).
    guest = {"id": 8401009, "email": ADA.email, "customer": None}
    await enqueue(svc, event(SHOP, events.ORDER_UPDATED, "a-5", guest, order_id="8401009"))
    # Ben asked for his data earlier: that export holds his data, sealed.
    await export_subject(svc, SHOP, DataSubject("7302002", BEN.email, BEN.phone, BEN.order_ids))


async def test_a_redacted_customer_leaves_no_trace_and_the_export_held_everything(
    svc: Services, consumer: EventConsumer
) -> None:
    await _fill_shop(svc, consumer)
    before = await trace.dump(svc.redis, svc.cipher, svc.keys.prefix)
    assert before.unreadable == []
    ada_before = trace.hits(before, ADA)
    ben_before = trace.hits(before, BEN)
    cy_before = trace.hits(before, CY)
    # Every store holds her: ledger, order projections, stream (pending and unread), retry body, dead letter.
    assert {_family(hit.key) for hit in ada_before} >= {"consent", "order", "stream", "retry", "dead"}

    ada = DataSubject(ADA.customer_id, ADA.email, ADA.phone, ADA.order_ids)
    exported = await export_subject(svc, SHOP, ada)
    assert trace.uncovered(ada_before, ADA, exported.document) == []

    # Shopify's customers/redact, through the real worker path.
    redact = {
        "shop_id": 954889,
        "shop_domain": SHOP.id,
        "customer": {"id": 7301001, "email": ADA.email, "phone": ADA.phone},
        "orders_to_redact": [8401001, 8401002, 8401009],
    }
    await enqueue(svc, event(SHOP, events.CUSTOMER_REDACT, "redact-1", redact, topic="customers/redact"))
    handled = await handle_next(svc, consumer, only=events.CUSTOMER_REDACT)
    assert [fields["delivery_id"] for _, fields in handled] == ["redact-1"]

    after = await trace.dump(svc.redis, svc.cipher, svc.keys.prefix)
    assert after.unreadable == []
    assert trace.hits(after, ADA) == []
    assert trace.hits(after, BEN) == ben_before
    assert trace.hits(after, CY) == cy_before
    ben = subject_key(svc, SHOP, customer_id="7302002")
    assert await current_consent(svc, SHOP, ben) == {"marketing_email": "granted"}
    assert await svc.redis.exists(order_key(svc.keys, SHOP, "8402001"))

    # The redacted copies of her events still flow through the worker and bring nothing back.
    copies = await handle_next(svc, consumer)
    assert copies and all(fields.get("redacted") == "1" for _, fields in copies)
    final = await trace.dump(svc.redis, svc.cipher, svc.keys.prefix)
    assert trace.hits(final, ADA) == []

    audit = await shop_audit_trail(svc, SHOP)
    assert [entry["action"] for entry in audit] == ["customer.export", "customer.export", "customer.redact"]
    assert audit[-1]["counts"]["orders"] == 3 and audit[-1]["counts"]["consent_ledger"] == 3
    assert audit[-1]["subject"] == exported.subject


async def test_erasing_again_finds_nothing_and_still_audits(svc: Services, consumer: EventConsumer) -> None:
    await _fill_shop(svc, consumer)
    ada = DataSubject(ADA.customer_id, ADA.email, ADA.phone, ADA.order_ids)
    first = await erase_subject(svc, SHOP, ada)
    again = await erase_subject(svc, SHOP, ada)
    assert first.total > 0 and again.total == 0
    assert [entry["action"] for entry in await shop_audit_trail(svc, SHOP)][-2:] == ["customer.redact"] * 2


async def test_a_bigcommerce_deletion_erases_by_customer_id_alone(svc: Services, consumer: EventConsumer) -> None:
    store = ShopRef("bigcommerce", "abc123")
    # Customer 5 consented as a guest, then BigCommerce linked her id; she has order 731. Customer 6 has order 5:
    # BigCommerce ids are small and shared across kinds, so "5" in an order event must not be taken for her.
    await record_consent(
        svc,
        store,
        purpose="marketing_email",
        granted=True,
        source="storefront_widget",
        channel="email",
        text="Newsletter",
        text_version="w1",
        email="eve@example.com",
        at=T0,
    )
    await record_platform_consent(svc, store, "5", "eve@example.com", "not_subscribed", None, T0 + timedelta(1))
    await order(svc, store, "731", "5")
    await order(svc, store, "5", "6")
    order_5 = {"scope": "store/order/created", "resource_id": "5", "order_id": "5", "data": {"type": "order", "id": 5}}
    await enqueue(svc, event(store, events.ORDER_CREATED, "bc-1", order_5, order_id="5", topic="store/order/created"))
    await deliver_all(svc, consumer)

    deleted = {
        "scope": "store/customer/deleted",
        "resource_id": "5",
        "customer_id": "5",
        "data": {"type": "customer", "id": 5},
    }
    await enqueue(svc, event(store, events.CUSTOMER_DELETED, "bc-2", deleted, topic="store/customer/deleted"))
    await handle_next(svc, consumer, only=events.CUSTOMER_DELETED)

    eve = Person("5", "eve@example.com", None, ("731",))
    found = trace.hits(await trace.dump(svc.redis, svc.cipher, svc.keys.prefix), eve)
    # Only customer 6's order 5 (its key and state) and its event remain: none of them is Eve's.
    assert not [hit for hit in found if hit.needle != "5"]
    assert not await svc.redis.exists(order_key(svc.keys, store, "731"))
    assert await svc.redis.exists(order_key(svc.keys, store, "5"))
    entries: Any = await svc.redis.xrange(StreamKeys.for_shop(svc.keys, store).stream)
    assert [fields["delivery_id"] for _, fields in entries] == ["bc-1"]
    assert await current_consent(svc, store, subject_key(svc, store, email="eve@example.com")) == {}


async def test_another_shops_data_about_the_same_email_is_untouched(svc: Services, consumer: EventConsumer) -> None:
    other = ShopRef("shopify", "beta.myshopify.com")
    for shop in (SHOP, other):
        await record_consent(
            svc,
            shop,
            purpose="marketing_email",
            granted=True,
            source="storefront_widget",
            channel="email",
            text="News",
            text_version="n1",
            email=ADA.email,
        )
        await enqueue(svc, event(shop, events.ORDER_CREATED, f"{shop.id}-1", _order_payload(ADA, "8401001")))
    await erase_subject(svc, SHOP, DataSubject(ADA.customer_id, ADA.email, ADA.phone, ADA.order_ids))

    remaining = trace.hits(await trace.dump(svc.redis, svc.cipher, svc.keys.prefix), ADA)
    assert {hit.key for hit in remaining} == {
        svc.keys.shop(other, "consent", subject_key(svc, other, email=ADA.email)),
        StreamKeys.for_shop(svc.keys, other).stream,
    }
    streams = {StreamKeys.for_shop(svc.keys, shop).stream for shop in (other, SHOP)}
    entries: Any = [entry for key in sorted(streams) for entry in await svc.redis.xrange(key)]
    assert sorted((fields["shop"], fields.get("redacted") or "") for _, fields in entries) == sorted(
        [(other.tag, ""), (SHOP.tag, "1")]
    )
    assert await current_consent(svc, other, subject_key(svc, other, email=ADA.email)) == {"marketing_email": "granted"}
