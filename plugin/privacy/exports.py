"""Stored data exports: one sealed JSON document per export id, kept for the merchant for 30 days.

Each export is a hash ``export:<id>`` with the subject key (so an erasure finds it), when it was made, how many
records it holds, and the document sealed with the app cipher (bound to the shop and export id).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from plugin.keys import ShopRef
from plugin.privacy.sealing import seal, unseal
from plugin.privacy.subjects import DataSubject, known_subjects
from plugin.services import Services
from plugin.shop_index import family_keys, forget, note
from plugin.storage import as_text

EXPORT_FAMILY = "export"
EXPORT_TTL_SECONDS = 30 * 24 * 3600


@dataclass(frozen=True)
class ExportSummary:
    export_id: str
    subject: str
    created_at: str
    records: int


def export_key(services: Services, shop: ShopRef, export_id: str) -> str:
    return services.keys.shop(shop, EXPORT_FAMILY, export_id)


async def save_export(
    services: Services, shop: ShopRef, export_id: str, subject: str, document: dict[str, Any], records: int
) -> None:
    key = export_key(services, shop, export_id)
    sealed = seal(services, json.dumps(document, default=str), shop, EXPORT_FAMILY, export_id)
    async with services.redis.pipeline(transaction=True) as pipe:
        pipe.delete(key)
        pipe.hset(
            key,
            mapping={
                "subject": subject,
                "created_at": datetime.now(UTC).isoformat(),
                "records": str(records),
                "document": sealed,
            },
        )
        pipe.expire(key, EXPORT_TTL_SECONDS)
        note(pipe, services.keys, key, EXPORT_TTL_SECONDS)
        await pipe.execute()


async def load_export(services: Services, shop: ShopRef, export_id: str) -> dict[str, Any] | None:
    """The export document, or None when unknown or expired."""
    sealed = await services.redis.hget(export_key(services, shop, export_id), "document")
    if sealed is None:
        return None
    document: dict[str, Any] = json.loads(unseal(services, as_text(sealed), shop, EXPORT_FAMILY, export_id))
    return document


async def list_exports(services: Services, shop: ShopRef) -> list[ExportSummary]:
    """The shop's stored exports, newest first (no personal data: subject keys only)."""
    prefix = export_key(services, shop, "")
    found: list[ExportSummary] = []
    for key in await family_keys(services.redis, services.keys, shop, EXPORT_FAMILY):
        subject, created_at, records = await services.redis.hmget(key, ["subject", "created_at", "records"])
        if subject is None:
            continue
        found.append(
            ExportSummary(
                export_id=as_text(key)[len(prefix) :],
                subject=as_text(subject),
                created_at=as_text(created_at or ""),
                records=int(records or 0),
            )
        )
    return sorted(found, key=lambda summary: summary.created_at, reverse=True)


class ExportsStore:
    """Earlier exports are personal data too: listed (not nested) in a new export, deleted by an erasure."""

    name = "exports"

    async def _of_subject(self, services: Services, shop: ShopRef, subject: DataSubject) -> list[ExportSummary]:
        keys = await known_subjects(services, shop, subject)
        return [summary for summary in await list_exports(services, shop) if summary.subject in keys]

    async def export(self, services: Services, shop: ShopRef, subject: DataSubject) -> list[dict[str, Any]]:
        return [
            {"export_id": summary.export_id, "created_at": summary.created_at, "records": summary.records}
            for summary in await self._of_subject(services, shop, subject)
        ]

    async def erase(self, services: Services, shop: ShopRef, subject: DataSubject) -> int:
        doomed = [
            export_key(services, shop, summary.export_id) for summary in await self._of_subject(services, shop, subject)
        ]
        if not doomed:
            return 0
        deleted = int(await services.redis.unlink(*doomed))
        await forget(services.redis, services.keys, shop, EXPORT_FAMILY, doomed)
        return deleted
