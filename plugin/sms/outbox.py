"""The SMS dev outbox: without Twilio credentials, texts land in Redis for the admin to show instead of on phones.

One capped list per shop (``sms:outbox``, newest first). Each entry is sealed whole (it holds a phone number),
bound to the outbox key; erasure matches entries by the subject key inside.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from plugin.keys import ShopRef
from plugin.privacy.sealing import seal, unseal
from plugin.services import Services
from plugin.sms.config import SMS_FAMILY
from plugin.sms.transport import OutgoingSms, SentSms
from plugin.storage import as_text

OUTBOX_MAX = 200
OUTBOX_TTL_SECONDS = 7 * 24 * 3600


def sms_outbox_key(services: Services, shop: ShopRef) -> str:
    return services.keys.shop(shop, SMS_FAMILY, "outbox")


async def sms_outbox_items(services: Services, shop: ShopRef) -> list[tuple[str, dict[str, Any]]]:
    """(raw list item, its unsealed fields), newest first."""
    items = await services.redis.lrange(sms_outbox_key(services, shop), 0, -1)
    opened: list[tuple[str, dict[str, Any]]] = []
    for item in items:
        raw = as_text(item)
        opened.append((raw, json.loads(unseal(services, raw, shop, SMS_FAMILY, "outbox"))))
    return opened


class SmsOutbox:
    """The SmsTransport used while the shop has not connected Twilio."""

    def __init__(self, services: Services) -> None:
        self._services = services

    async def send(self, sms: OutgoingSms) -> SentSms:
        services = self._services
        provider_id = "OUTBOX" + uuid.uuid4().hex
        item = {
            "at": datetime.now(UTC).isoformat(),
            "id": provider_id,
            "to": sms.to,
            "body": sms.body,
            "reference": sms.reference,
            "stage": sms.stage,
            "subject_key": sms.subject_key,
        }
        sealed = seal(services, json.dumps(item, separators=(",", ":")), sms.shop, SMS_FAMILY, "outbox")
        key = sms_outbox_key(services, sms.shop)
        async with services.redis.pipeline(transaction=True) as pipe:
            pipe.lpush(key, sealed)
            pipe.ltrim(key, 0, OUTBOX_MAX - 1)
            pipe.expire(key, OUTBOX_TTL_SECONDS)
            await pipe.execute()
        return SentSms(provider_id=provider_id, status="delivered")
