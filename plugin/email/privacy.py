"""Post-purchase email data as personal-data stores: journeys and message records, the dev outbox, and the
per-person context (open issues, marketing hold, frequency cap, survey answers). Registered in
plugin.privacy.registry so exports and erasures cover them.

Journeys and message records are keyed by opaque refs: a person's are found by the order ids a request lists, by
the subject keys written on them (the customer id's key on a journey, the canonical key on a sent message), and by
the orders those lead to (a guest's orders, found through the message sent to their email).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from plugin.email.context import hold_key, issues_key
from plugin.email.outbox import outbox_items, outbox_key
from plugin.email.pacing import cap_key
from plugin.email.records import JOURNEY_FAMILY, MESSAGE_FAMILY
from plugin.email.surveys import response_key
from plugin.email.unsubscribe_reasons import reason_key, reasons_of
from plugin.keys import ShopRef
from plugin.privacy.sealing import unseal
from plugin.privacy.subjects import DataSubject, known_subjects
from plugin.services import Services
from plugin.shop_index import family_keys, forget
from plugin.storage import as_text


async def _hashes(services: Services, shop: ShopRef, family: str) -> AsyncIterator[tuple[str, dict[str, str]]]:
    for key in await family_keys(services.redis, services.keys, shop, family):
        fields = {as_text(k): as_text(v) for k, v in (await services.redis.hgetall(key)).items()}
        if fields:
            yield key, fields


class EmailJourneyStore:
    name = "email_journeys"

    async def _matching(self, services: Services, shop: ShopRef, subject: DataSubject) -> dict[str, dict[str, str]]:
        known = await known_subjects(services, shop, subject) if subject.identifiers() else set()
        orders = {order_id.strip() for order_id in subject.order_ids if order_id.strip()}
        journeys = {key: fields async for key, fields in _hashes(services, shop, JOURNEY_FAMILY)}
        messages = {key: fields async for key, fields in _hashes(services, shop, MESSAGE_FAMILY)}
        orders |= {f["order_id"] for f in journeys.values() if f.get("customer_key") in known and f.get("order_id")}
        orders |= {f["order_id"] for f in messages.values() if f.get("subject") in known and f.get("order_id")}
        return {key: fields for key, fields in {**journeys, **messages}.items() if fields.get("order_id") in orders}

    async def export(self, services: Services, shop: ShopRef, subject: DataSubject) -> list[dict[str, Any]]:
        records = []
        for key, fields in sorted((await self._matching(services, shop, subject)).items()):
            kind = "message" if f":{MESSAGE_FAMILY}:" in key else "journey"
            records.append({"record": kind, **fields})
        return records

    async def erase(self, services: Services, shop: ShopRef, subject: DataSubject) -> int:
        found = await self._matching(services, shop, subject)
        if not found:
            return 0
        deleted = int(await services.redis.unlink(*found))
        for family in (JOURNEY_FAMILY, MESSAGE_FAMILY):
            await forget(services.redis, services.keys, shop, family, found)
        return deleted


class EmailOutboxStore:
    name = "email_outbox"

    async def _matching(
        self, services: Services, shop: ShopRef, subject: DataSubject
    ) -> list[tuple[str, dict[str, Any]]]:
        if not subject.identifiers():
            return []
        known = await known_subjects(services, shop, subject)
        return [(raw, item) for raw, item in await outbox_items(services, shop) if item.get("subject_key") in known]

    async def export(self, services: Services, shop: ShopRef, subject: DataSubject) -> list[dict[str, Any]]:
        records = []
        for _, item in await self._matching(services, shop, subject):
            records.append({"at": item.get("at"), "kind": item.get("kind"), "message": item["raw"]})
        return records

    async def erase(self, services: Services, shop: ShopRef, subject: DataSubject) -> int:
        key = outbox_key(services, shop)
        erased = 0
        for raw, _ in await self._matching(services, shop, subject):
            erased += int(await services.redis.lrem(key, 0, raw))
        return erased


class EmailContextStore:
    """Open issues, marketing hold, frequency cap, survey answers and reasons for unsubscribing of the person (the
    tallies and topic counts stay: anonymous)."""

    name = "email_context"

    def _keys(self, services: Services, shop: ShopRef, subject: str) -> list[str]:
        return [
            issues_key(services, shop, subject),
            hold_key(services, shop, subject),
            cap_key(services, shop, subject),
            response_key(services, shop, subject),
            reason_key(services, shop, subject),
        ]

    async def export(self, services: Services, shop: ShopRef, subject: DataSubject) -> list[dict[str, Any]]:
        if not subject.identifiers():
            return []
        records: list[dict[str, Any]] = []
        for key in sorted(await known_subjects(services, shop, subject)):
            for kind, raw in (await services.redis.hgetall(issues_key(services, shop, key))).items():
                records.append({"record": "open_issue", "kind": as_text(kind), **json.loads(as_text(raw))})
            hold = await services.redis.get(hold_key(services, shop, key))
            if hold is not None:
                records.append({"record": "marketing_hold", **json.loads(as_text(hold))})
            for name, value in (await services.redis.hgetall(response_key(services, shop, key))).items():
                field = as_text(name)
                if ":" in field:
                    continue
                answer = json.loads(unseal(services, as_text(value), shop, "survey", "response", key, field))
                records.append({"record": "survey_answer", **answer})
            for reason in await reasons_of(services, shop, key):
                records.append({"record": "unsubscribe_reason", **reason})
        return records

    async def erase(self, services: Services, shop: ShopRef, subject: DataSubject) -> int:
        if not subject.identifiers():
            return 0
        doomed = [
            key
            for subject_key in await known_subjects(services, shop, subject)
            for key in self._keys(services, shop, subject_key)
        ]
        return int(await services.redis.unlink(*doomed)) if doomed else 0
