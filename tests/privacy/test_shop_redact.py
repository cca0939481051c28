from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from plugin import events
from plugin.errors import PermanentError
from plugin.jobs import Job, run_due_jobs, schedule_job
from plugin.keys import ShopRef
from plugin.privacy.audit import global_audit_trail
from plugin.privacy.consent import record_consent, record_platform_consent
from plugin.privacy.export import export_subject
from plugin.privacy.subjects import DataSubject
from plugin.services import Services
from plugin.shops import StoredToken
from tests.privacy import trace
from tests.privacy.support import T0, deliver_all, enqueue, event, handle_next, order
from webhooks import stream
from webhooks.consumer import EventConsumer
from webhooks.stream import StreamKeys

pytestmark = pytest.mark.anyio
ALPHA = ShopRef("shopify", "alpha.myshopify.com")
BRAVO = ShopRef("bigcommerce", "bravo42")


async def _fill(svc: Services, shop: ShopRef, consumer: EventConsumer) -> None:
    await svc.shops.save_token(shop, StoredToken(f"token-{shop.id}", "read_orders"))
    await svc.redis.hset(svc.keys.shop(shop, "settings"), mapping={"estimator": "on"})
    await record_consent(
        svc,
        shop,
        purpose="marketing_email",
        granted=True,
        source="storefront_widget",
        channel="email",
        text="News",
        text_version="n1",
        email=f"buyer@{shop.id}.test",
    )
    await record_platform_consent(svc, shop, "42", f"buyer@{shop.id}.test", "subscribed", None, T0)
    await order(svc, shop, "9001", "42")
    await export_subject(svc, shop, DataSubject("42", f"buyer@{shop.id}.test"))
    for number in range(3):
        payload = {"id": 9001, "note": f"event {number} of {shop.id}"}
        await enqueue(svc, event(shop, events.ORDER_UPDATED, f"{shop.id}-{number}", payload, order_id="9001"))
    entries = [entry for entry in await deliver_all(svc, consumer) if entry[1]["shop"] == shop.tag]
    sk = StreamKeys.for_shop(svc.keys, shop)
    await stream.schedule_retry(svc.redis, sk, entries[0], attempt=1, delay=600)
    await stream.dead_letter(svc.redis, sk, entries[1], attempt=8, error="gone")
    await enqueue(svc, event(shop, events.ORDER_UPDATED, f"{shop.id}-unread", {"id": 9001}, order_id="9001"))
    await schedule_job(svc.redis, svc.keys, Job("events.reconcile", shop, f"reconcile:{shop.tag}:1"), delay_seconds=900)
    await schedule_job(svc.redis, svc.keys, Job("test.broken", shop, f"broken:{shop.tag}"))


async def _broken(services: Services, shop: ShopRef, args: Mapping[str, Any]) -> None:
    raise PermanentError("the platform refused")


def _mentions(dump: trace.Dump, shop: ShopRef) -> list[tuple[str, str, str]]:
    """What mentions the shop, by key, field and text (stream entry ids change when a worker releases an entry)."""
    return sorted((value.key, value.name, value.text) for value in dump.values if shop.id in value.text)


@pytest.mark.allow_error_logs("job failed for good")  # a failed job is part of what the shop leaves
async def test_shop_redact_leaves_nothing_of_the_shop_and_all_of_the_other(
    svc: Services, consumer: EventConsumer
) -> None:
    for shop in (ALPHA, BRAVO):
        await _fill(svc, shop, consumer)
    assert await run_due_jobs(svc, {"test.broken": _broken}) == 2  # both shops now have a failed job
    await svc.shops.mark_uninstalled(ALPHA)
    bravo_keys = sorted([key async for key in svc.redis.scan_iter(match=svc.keys.shop_pattern(BRAVO))])
    families = f"{svc.keys.prefix}:{{events:*", f"{svc.keys.prefix}:{{jobs:*"  # every partition
    before = [await trace.dump(svc.redis, svc.cipher, svc.keys.prefix, match=family) for family in families]
    assert all(_mentions(found, ALPHA) and _mentions(found, BRAVO) for found in before)

    redact = event(
        ALPHA,
        events.SHOP_REDACT,
        "shop-redact-1",
        {"shop_id": 954889, "shop_domain": ALPHA.id},
        topic="shop/redact",
        at=datetime.now(UTC),
    )
    await enqueue(svc, redact)
    handled = await handle_next(svc, consumer, only=events.SHOP_REDACT)
    assert [fields["delivery_id"] for _, fields in handled] == ["shop-redact-1"]

    assert [key async for key in svc.redis.scan_iter(match=svc.keys.shop_pattern(ALPHA))] == []
    after = [await trace.dump(svc.redis, svc.cipher, svc.keys.prefix, match=family) for family in families]
    for found, earlier in zip(after, before, strict=True):
        assert _mentions(found, ALPHA) == []
        assert _mentions(found, BRAVO) == _mentions(earlier, BRAVO)
    assert sorted([key async for key in svc.redis.scan_iter(match=svc.keys.shop_pattern(BRAVO))]) == bravo_keys
    assert await svc.redis.smembers(svc.keys.global_("shops")) == {BRAVO.tag}
    (audit,) = await global_audit_trail(svc)
    assert audit["action"] == "shop.redact" and audit["shop"] == ALPHA.tag
    # Keys: record, settings, ledger, subject index, order, export, audit, and the indexes of the ledgers, orders and
    # exports with their backfill marker (plugin.shop_index). Events: two in the stream, one retry, one dead letter
    # (dedupe markers are digests naming no one: they expire with their period, webhooks.ingest).
    assert audit["counts"] == {"keys": 11, "events": 4, "jobs": 2}
    assert set(audit) == {"id", "action", "at", "counts", "shop"}


async def test_a_shop_that_installed_again_keeps_its_data(svc: Services, consumer: EventConsumer) -> None:
    await _fill(svc, ALPHA, consumer)
    await svc.shops.mark_uninstalled(ALPHA)
    await svc.shops.save_token(ALPHA, StoredToken("fresh-token", "read_orders"))  # reinstalled since
    keys_before = len([key async for key in svc.redis.scan_iter(match=svc.keys.shop_pattern(ALPHA))])
    late = datetime.fromtimestamp(time.time(), UTC) + timedelta(hours=1)
    await enqueue(svc, event(ALPHA, events.SHOP_REDACT, "shop-redact-2", {"shop_domain": ALPHA.id}, at=late))
    await handle_next(svc, consumer, only=events.SHOP_REDACT)
    assert len([key async for key in svc.redis.scan_iter(match=svc.keys.shop_pattern(ALPHA))]) == keys_before
    assert await svc.shops.is_active(ALPHA)
    assert [entry["action"] for entry in await global_audit_trail(svc)] == ["shop.redact.skipped_reinstalled"]
