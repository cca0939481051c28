"""Erasure: one person from every registered store, or a whole shop from every place it has keys.

A customer erasure keeps only anonymous aggregates (the pipeline's counters, the audit's counts). A shop erasure
deletes every key of the shop, its events and jobs, and its place in the shop registry; its audit entry goes to the
global audit stream because the shop's own is deleted with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from plugin.jobs import purge_shop_jobs as purge_jobs_of_shop
from plugin.keys import ShopRef
from plugin.privacy.audit import audit_shop_action, audit_subject_action
from plugin.privacy.export import audit_key_of
from plugin.privacy.pipeline import purge_shop_events
from plugin.privacy.registry import PersonalDataStore, personal_data_stores
from plugin.privacy.subjects import DataSubject
from plugin.services import Services
from plugin.shop_changes import changes_channel, forget_here
from plugin.shop_index import every_shop_key

_BATCH = 500


@dataclass(frozen=True)
class ErasureResult:
    subject: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class ShopErasureResult:
    keys: int
    events: int
    jobs: int


async def erase_subject(
    services: Services,
    shop: ShopRef,
    subject: DataSubject,
    *,
    action: str = "customer.redact",
    request_id: str = "",
    stores: Sequence[PersonalDataStore] | None = None,
) -> ErasureResult:
    """Erase the person from every store of the shop; idempotent, so a retried request finishes the job."""
    if not subject.identifiers() and not subject.order_ids:
        raise ValueError("an erasure request needs a customer id, an email, a phone or order ids")
    key = await audit_key_of(services, shop, subject) if subject.identifiers() else "orders-only"
    counts: dict[str, int] = {}
    for store in stores if stores is not None else personal_data_stores():
        counts[store.name] = await store.erase(services, shop, subject)
    await audit_subject_action(services, shop, action=action, subject=key, counts=counts, request_id=request_id)
    return ErasureResult(subject=key, counts=counts)


async def _unlink_shop_keys(services: Services, shop: ShopRef) -> int:
    found = await every_shop_key(services.redis, services.keys, shop)
    deleted = 0
    for start in range(0, len(found), _BATCH):
        deleted += int(await services.redis.unlink(*found[start : start + _BATCH]))  # one slot: one node, one call
    return deleted


async def purge_shop_jobs(services: Services, shop: ShopRef) -> int:
    """Delete the shop's scheduled and failed jobs (their body names the shop), in the shop's job partitions."""
    return await purge_jobs_of_shop(services.redis, services.keys, shop)


async def redact_shop(services: Services, shop: ShopRef) -> ShopErasureResult:
    """Delete every trace of the shop: its keys, its events and jobs, and its registry entry. Idempotent."""
    await services.redis.srem(services.keys.global_("shops"), shop.tag)
    result = ShopErasureResult(
        keys=await _unlink_shop_keys(services, shop),
        events=await purge_shop_events(services, shop),
        jobs=await purge_shop_jobs(services, shop),
    )
    # A job or event handled while the keys were deleted may have written one again: sweep once more.
    extra = await _unlink_shop_keys(services, shop)
    await services.redis.publish(changes_channel(services.keys), shop.tag)  # its status is gone with its keys
    forget_here(services.keys, shop)
    counts = {"keys": result.keys + extra, "events": result.events, "jobs": result.jobs}
    await audit_shop_action(services, shop, action="shop.redact", counts=counts)
    return ShopErasureResult(**counts)
