"""Keys written before per-shop indexes existed (an upgraded deployment) are still found: the first read of a shop's
index lists the shop's keys once and indexes them, with their remaining time to live."""

from __future__ import annotations

import json
import time

import pytest

from plugin.admin.dashboard import messages_sent
from plugin.email.records import message_key
from plugin.keys import ShopRef
from plugin.privacy.erasure import erase_subject
from plugin.privacy.export import export_subject
from plugin.privacy.exports import export_key, list_exports
from plugin.privacy.subjects import DataSubject
from plugin.services import Services
from plugin.shop_index import index_key
from webhooks.handlers.orders import order_key

pytestmark = pytest.mark.anyio
SHOP = ShopRef("shopify", "upgraded.myshopify.com")
CUSTOMER = "7309001"


async def _written_before_indexes(svc: Services) -> None:
    """What an earlier version left: the keys themselves, no index entries."""
    redis, keys = svc.redis, svc.keys
    for order_id in ("8409001", "8409002"):
        state = json.dumps({"id": order_id, "customer_id": CUSTOMER, "status": "open"})
        await redis.hset(order_key(keys, SHOP, order_id), mapping={"updated_ms": "1", "status": "open", "state": state})
        await redis.expire(order_key(keys, SHOP, order_id), 3600)
    sent = {"order_id": "8409001", "stage": "shipped", "state": "sent", "sent_at": f"{time.time():.3f}"}
    await redis.hset(message_key(svc, SHOP, "ref1"), mapping=sent)
    await redis.expire(message_key(svc, SHOP, "ref1"), 3600)
    old_export = {"subject": "s1", "created_at": "2026-01-01T00:00:00+00:00", "records": "3", "document": "x"}
    await redis.hset(export_key(svc, SHOP, "old-export"), mapping=old_export)
    await redis.expire(export_key(svc, SHOP, "old-export"), 3600)


async def test_keys_from_before_the_indexes_are_found_once_and_then_indexed(svc: Services) -> None:
    await _written_before_indexes(svc)
    assert await svc.redis.exists(index_key(svc.keys, SHOP, "order")) == 0

    assert (await messages_sent(svc, SHOP, since=0))["shipped"] == 1
    assert [summary.export_id for summary in await list_exports(svc, SHOP)] == ["old-export"]
    exported = await export_subject(svc, SHOP, DataSubject(customer_id=CUSTOMER))
    assert {found["order_id"] for found in exported.document["stores"]["orders"]} == {"8409001", "8409002"}

    order_index = index_key(svc.keys, SHOP, "order")
    assert 0 < await svc.redis.ttl(order_index) <= 3600, "the index expires with the orders it lists"

    erased = await erase_subject(svc, SHOP, DataSubject(customer_id=CUSTOMER))
    assert erased.counts["orders"] == 2
    assert await svc.redis.exists(order_key(svc.keys, SHOP, "8409001")) == 0
    assert await svc.redis.zcard(order_index) == 0
