"""Helpdesk ticket references as a personal-data store (registered in plugin.privacy.registry): which tickets a
person's help requests became, found by the subject keys their identifiers link to. Erasure removes our references;
the tickets themselves are in the merchant's helpdesk, which the export says so the merchant can erase them there."""

from __future__ import annotations

from typing import Any

from plugin.helpdesk.tickets import forget_ticket, load_ticket, subject_tickets_key
from plugin.keys import ShopRef
from plugin.privacy.subjects import DataSubject, known_subjects
from plugin.services import Services
from plugin.storage import as_text


async def _request_ids(services: Services, shop: ShopRef, subject: DataSubject) -> list[tuple[str, str]]:
    if not subject.identifiers():
        return []
    found = []
    for owner in sorted(await known_subjects(services, shop, subject)):
        for member in await services.redis.smembers(subject_tickets_key(services, shop, owner)):
            found.append((owner, as_text(member)))
    return sorted(found)


class HelpdeskTicketStore:
    name = "helpdesk_tickets"

    async def export(self, services: Services, shop: ShopRef, subject: DataSubject) -> list[dict[str, Any]]:
        found = []
        for _, request_id in await _request_ids(services, shop, subject):
            record = await load_ticket(services, shop, request_id)
            if record is not None:
                found.append({**record.to_admin(), "note": "the ticket itself is kept in the merchant's helpdesk"})
        return found

    async def erase(self, services: Services, shop: ShopRef, subject: DataSubject) -> int:
        erased = 0
        for owner, request_id in await _request_ids(services, shop, subject):
            erased += await forget_ticket(services, shop, request_id)
            await services.redis.srem(subject_tickets_key(services, shop, owner), request_id)
        return erased
