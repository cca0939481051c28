"""SMS bookkeeping around the shared message records: provider id -> record, delivery outcomes and the counts per
stage the admin shows (sent, delivered, failed; opt-outs).

The (order, stage, "sms") marker itself is a message record (plugin.email.records, channel "sms"), so the
compare-and-set that makes a send happen once is the same as email's. ``sms:sid:<provider id>`` finds the record
a status callback is about; ``sms:stats`` counts per ``<stage>:<outcome>``, each outcome at most once per message.
"""

from __future__ import annotations

from plugin.email.records import load_message, message_key, update_message
from plugin.keys import ShopRef
from plugin.retention import retain
from plugin.services import Services
from plugin.sms.config import SMS_FAMILY
from plugin.storage import as_optional_text, as_text

FINAL_STATUSES = {"delivered": "delivered", "read": "delivered", "undelivered": "failed", "failed": "failed"}
OUTCOMES = ("sent", "delivered", "failed")


def sid_key(services: Services, shop: ShopRef, provider_id: str) -> str:
    return services.keys.shop(shop, SMS_FAMILY, "sid", provider_id)


def stats_key(services: Services, shop: ShopRef) -> str:
    return services.keys.shop(shop, SMS_FAMILY, "stats")


async def count(services: Services, shop: ShopRef, stage: str, outcome: str) -> None:
    await services.redis.hincrby(stats_key(services, shop), f"{stage}:{outcome}", 1)


async def remember_provider_id(services: Services, shop: ShopRef, ref: str, provider_id: str) -> None:
    key = sid_key(services, shop, provider_id)
    await services.redis.set(key, ref)
    await retain(services, key)


async def record_status(
    services: Services, shop: ShopRef, provider_id: str, status: str, error_code: str | None
) -> str | None:
    """Note the provider's status for the message; the first final status (delivered/failed) is counted once.
    Returns the message ref, or None when the provider id is unknown here."""
    ref = as_optional_text(await services.redis.get(sid_key(services, shop, provider_id)))
    record = await load_message(services, shop, ref) if ref else None
    if ref is None or record is None:
        return None
    fields = {"provider_status": status}
    if error_code:
        fields["provider_error"] = error_code[:20]
    await update_message(services, shop, ref, **fields)
    outcome = FINAL_STATUSES.get(status)
    if outcome and await services.redis.hsetnx(message_key(services, shop, ref), "outcome", outcome):
        await count(services, shop, record.stage.value, outcome)
    return ref


async def sms_stats(services: Services, shop: ShopRef) -> dict[str, dict[str, int]]:
    """stage -> outcome -> count (and "all" -> "unsubscribed")."""
    found: dict[str, dict[str, int]] = {}
    for field, value in (await services.redis.hgetall(stats_key(services, shop))).items():
        stage, _, outcome = as_text(field).partition(":")
        found.setdefault(stage, {})[outcome] = int(as_text(value))
    return found
