"""SMS data as a personal-data store (plugin.privacy.registry): the number a customer gave for texts, the dev
outbox's texts, and the provider-id links of their texts. The SMS message records themselves are message records
(plugin.email.records), exported and erased with the email journeys; consent is in the ledger."""

from __future__ import annotations

from typing import Any

from plugin.email.records import MESSAGE_FAMILY
from plugin.keys import ShopRef
from plugin.privacy.sealing import unseal
from plugin.privacy.subjects import DataSubject, known_subjects
from plugin.services import Services
from plugin.shop_index import family_keys
from plugin.sms.config import SMS_FAMILY
from plugin.sms.consent import contact_key
from plugin.sms.outbox import sms_outbox_items, sms_outbox_key
from plugin.sms.records import sid_key
from plugin.storage import as_optional_text, as_text


class SmsStore:
    name = "sms"

    async def _known(self, services: Services, shop: ShopRef, subject: DataSubject) -> set[str]:
        return await known_subjects(services, shop, subject) if subject.identifiers() else set()

    async def export(self, services: Services, shop: ShopRef, subject: DataSubject) -> list[dict[str, Any]]:
        known = await self._known(services, shop, subject)
        records: list[dict[str, Any]] = []
        for key in sorted(known):
            sealed = as_optional_text(await services.redis.get(contact_key(services, shop, key)))
            if sealed:
                records.append(
                    {"record": "sms_contact", "phone": unseal(services, sealed, shop, SMS_FAMILY, "contact", key)}
                )
        for _, item in await sms_outbox_items(services, shop):
            if item.get("subject_key") in known:
                records.append({"record": "sms_outbox", **{k: v for k, v in item.items() if k != "subject_key"}})
        return records

    async def erase(self, services: Services, shop: ShopRef, subject: DataSubject) -> int:
        known = await self._known(services, shop, subject)
        if not known:
            return 0
        doomed = [contact_key(services, shop, key) for key in known]
        for key in await family_keys(services.redis, services.keys, shop, MESSAGE_FAMILY):
            fields = {as_text(k): as_text(v) for k, v in (await services.redis.hgetall(key)).items()}
            if fields.get("channel") == "sms" and fields.get("subject") in known and fields.get("provider_id"):
                doomed.append(sid_key(services, shop, fields["provider_id"]))
        erased = int(await services.redis.unlink(*doomed))
        outbox = sms_outbox_key(services, shop)
        for raw, item in await sms_outbox_items(services, shop):
            if item.get("subject_key") in known:
                erased += int(await services.redis.lrem(outbox, 0, raw))
        return erased
