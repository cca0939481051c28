"""Data exports: everything Upfront holds about a person, across every registered store, kept for the merchant."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from plugin.keys import ShopRef
from plugin.privacy.audit import audit_subject_action
from plugin.privacy.exports import save_export
from plugin.privacy.registry import PersonalDataStore, personal_data_stores
from plugin.privacy.subjects import DataSubject, known_subjects, linked_subjects, subject_key
from plugin.services import Services


@dataclass(frozen=True)
class ExportResult:
    export_id: str
    subject: str
    records: int
    document: dict[str, Any]


def export_id_for(shop: ShopRef, request_id: str) -> str:
    """A stable export id per request, so a redelivered or retried request rewrites the same export."""
    return hashlib.sha256(f"{shop.tag}\n{request_id}".encode()).hexdigest()[:32]


async def audit_key_of(services: Services, shop: ShopRef, subject: DataSubject) -> str:
    """The one pseudonymous key an audit entry names the person by: the canonical key when they are known."""
    linked = sorted(await linked_subjects(services, shop, subject))
    if linked:
        return linked[0]
    return subject_key(services, shop, customer_id=subject.customer_id, email=subject.email, phone=subject.phone)


async def export_subject(
    services: Services,
    shop: ShopRef,
    subject: DataSubject,
    *,
    export_id: str | None = None,
    request_id: str = "",
    stores: Sequence[PersonalDataStore] | None = None,
) -> ExportResult:
    """Collect the person's records from every store, store them sealed for 30 days, and audit the export."""
    if not subject.identifiers():
        raise ValueError("a data request needs a customer id, an email or a phone")
    export_id = export_id or secrets.token_hex(16)
    key = await audit_key_of(services, shop, subject)
    collected: dict[str, list[dict[str, Any]]] = {}
    for store in stores if stores is not None else personal_data_stores():
        collected[store.name] = await store.export(services, shop, subject)
    records = sum(len(found) for found in collected.values())
    document: dict[str, Any] = {
        "export_id": export_id,
        "shop": shop.tag,
        "generated_at": datetime.now(UTC).isoformat(),
        "request_id": request_id or None,
        "subject": {
            **asdict(subject),
            "order_ids": list(subject.order_ids),
            "subject_keys": sorted(await known_subjects(services, shop, subject)),
        },
        "stores": collected,
    }
    await save_export(services, shop, export_id, key, document, records)
    await audit_subject_action(
        services,
        shop,
        action="customer.export",
        subject=key,
        counts={name: len(found) for name, found in collected.items()},
        request_id=request_id,
        export_id=export_id,
    )
    return ExportResult(export_id=export_id, subject=key, records=records, document=document)
