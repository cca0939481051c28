"""Helpers that fill a shop through the real stores: events through ingest, orders through the projection."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from plugin.events import PlatformEvent
from plugin.keys import ShopRef
from plugin.platform import Order
from plugin.services import Services
from webhooks import stream
from webhooks.consumer import EventConsumer
from webhooks.handlers.orders import record_order
from webhooks.ingest import enqueue_event
from webhooks.stream import Entry, StreamKeys

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def event(
    shop: ShopRef,
    type_: str,
    delivery_id: str,
    payload: dict[str, Any],
    *,
    order_id: str | None = None,
    topic: str = "test",
    at: datetime = T0,
) -> PlatformEvent:
    return PlatformEvent(
        shop=shop,
        type=type_,
        delivery_id=delivery_id,
        occurred_at=at,
        source_topic=topic,
        payload=payload,
        order_id=order_id,
    )


async def enqueue(svc: Services, item: PlatformEvent) -> str:
    entry_id = await enqueue_event(svc.redis, svc.keys, item)
    assert entry_id is not None
    return entry_id


def partition_keys(svc: Services, entry: Entry) -> StreamKeys:
    """The keys of the partition an entry is in (its shop's)."""
    return StreamKeys.for_shop(svc.keys, ShopRef.parse(entry[1]["shop"]))


async def deliver_all(svc: Services, consumer: EventConsumer) -> list[Entry]:
    """Hand every unread entry to the consumer without handling it: they become pending, as in a busy worker."""
    delivered: list[Entry] = []
    for sk in StreamKeys.every(svc.keys):
        await stream.ensure_group(svc.redis, sk)
        delivered += await stream.read_new(svc.redis, sk, consumer.name, count=1000)
    return delivered


async def handle_next(svc: Services, consumer: EventConsumer, *, only: str | None = None) -> list[Entry]:
    """Read and handle what is unread, as the worker would; returns the entries handled. With `only`, entries of
    other types go back unread (as a stopping worker releases them)."""
    handled: list[Entry] = []
    for entry in await deliver_all(svc, consumer):
        if only is None or entry[1].get("type") == only:
            await consumer.handle(partition_keys(svc, entry), entry)
            handled.append(entry)
        else:
            await stream.release(svc.redis, partition_keys(svc, entry), entry)
    return handled


async def order(
    svc: Services, shop: ShopRef, order_id: str, customer_id: str | None, *, email: str | None = None
) -> None:
    placed = Order(
        shop=shop,
        id=order_id,
        name=f"#{order_id[-4:]}",
        created_at=T0,
        updated_at=T0 + timedelta(hours=1),
        currency="EUR",
        total=Decimal("42.50"),
        status="open",
        customer_id=customer_id,
        email=email,
    )
    assert await record_order(svc, placed)
