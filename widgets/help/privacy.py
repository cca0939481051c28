"""Help requests as a personal-data store (registered in plugin.privacy.registry): a person's requests are found by
the subject keys their identifiers link to, and by their email inside each sealed request, so exports and
erasures cover them even when the subject index was never told about the address."""

from __future__ import annotations

from typing import Any

from plugin.keys import ShopRef
from plugin.privacy.subjects import DataSubject, known_subjects, normalize_email
from plugin.services import Services
from widgets.help.requests import StoredRequest, forget_index_entry, index_entries, load_request, request_key

Found = tuple[StoredRequest | None, str, str]


async def requests_of(services: Services, shop: ShopRef, subject: DataSubject) -> list[Found]:
    """(the request or None when expired, its id, its subject key) for each request that is the person's."""
    if not subject.identifiers():
        return []
    known = await known_subjects(services, shop, subject)
    email = normalize_email(subject.email) if subject.email else None
    found = []
    for request_id, owner in await index_entries(services, shop):
        stored = await load_request(services, shop, request_id)
        if owner in known or (stored is not None and email is not None and normalize_email(stored.email) == email):
            found.append((stored, request_id, owner))
    return found


class HelpRequestStore:
    name = "help_requests"

    async def export(self, services: Services, shop: ShopRef, subject: DataSubject) -> list[dict[str, Any]]:
        return [stored.to_admin() for stored, _, _ in await requests_of(services, shop, subject) if stored is not None]

    async def erase(self, services: Services, shop: ShopRef, subject: DataSubject) -> int:
        erased = 0
        for _, request_id, owner in await requests_of(services, shop, subject):
            erased += int(await services.redis.unlink(request_key(services, shop, request_id)))
            await forget_index_entry(services, shop, request_id, owner)
        return erased
