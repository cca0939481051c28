"""The privacy audit trail: what was exported or erased, when, and how much; never personal data.

Customer actions go to the shop's audit stream under the pseudonymous subject key. A shop redaction deletes the
shop's keys, its own audit included, so it is recorded in the global audit stream with only the shop tag.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from redis.typing import EncodableT, FieldT

from plugin.keys import ShopRef
from plugin.services import Services
from plugin.storage import as_text

AUDIT_FAMILY = "audit"
SHOP_AUDIT_MAX = 100_000
GLOBAL_AUDIT_MAX = 100_000


def shop_audit_key(services: Services, shop: ShopRef) -> str:
    return services.keys.shop(shop, AUDIT_FAMILY)


def global_audit_key(services: Services) -> str:
    return services.keys.global_(AUDIT_FAMILY)


def _fields(action: str, counts: Mapping[str, int], extra: Mapping[str, str]) -> dict[FieldT, EncodableT]:
    fields: dict[FieldT, EncodableT] = {
        "action": action,
        "at": datetime.now(UTC).isoformat(),
        "counts": json.dumps(dict(counts), sort_keys=True),
    }
    fields.update((name, value) for name, value in extra.items() if value)
    return fields


async def audit_subject_action(
    services: Services,
    shop: ShopRef,
    *,
    action: str,
    subject: str,
    counts: Mapping[str, int],
    request_id: str = "",
    export_id: str = "",
) -> None:
    fields = _fields(action, counts, {"subject": subject, "request_id": request_id, "export_id": export_id})
    await services.redis.xadd(shop_audit_key(services, shop), fields, maxlen=SHOP_AUDIT_MAX, approximate=True)


async def audit_shop_action(services: Services, shop: ShopRef, *, action: str, counts: Mapping[str, int]) -> None:
    fields = _fields(action, counts, {"shop": shop.tag})
    await services.redis.xadd(global_audit_key(services), fields, maxlen=GLOBAL_AUDIT_MAX, approximate=True)


def _decoded(entries: Any) -> list[dict[str, Any]]:
    trail: list[dict[str, Any]] = []
    for entry_id, fields in entries or []:
        record: dict[str, Any] = {as_text(k): as_text(v) for k, v in fields.items()}
        record["counts"] = json.loads(record.get("counts", "{}"))
        trail.append({"id": as_text(entry_id), **record})
    return trail


async def shop_audit_trail(services: Services, shop: ShopRef, *, count: int = 1000) -> list[dict[str, Any]]:
    """The shop's privacy actions, oldest first."""
    return _decoded(await services.redis.xrange(shop_audit_key(services, shop), count=count))


async def global_audit_trail(services: Services, *, count: int = 1000) -> list[dict[str, Any]]:
    return _decoded(await services.redis.xrange(global_audit_key(services), count=count))
