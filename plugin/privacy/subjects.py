"""Who personal data is about: a data subject's identifiers and the pseudonymous subject key that names them in keys.

A subject key is HMAC-SHA256(key derived from UPFRONT_SECRET_KEY, shop tag + one identifier), hex: stable, never
reversible without the secret, so no Redis key ever contains an email or a customer id. A person may be known by
several identifiers (a guest email first, a platform customer id later); the shop's subject index maps the key of
every identifier seen to the one canonical subject key of that person (first seen wins).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from plugin.keys import ShopRef
from plugin.services import Services
from plugin.storage import as_text

SUBJECT_INDEX_FAMILY = "subjects"
# The same development fallback the composition root gives the cipher when no UPFRONT_SECRET_KEY is set.
_DEVELOPMENT_SECRET = "insecure-development-key"
_NOT_DIGITS = re.compile(r"\D")


@dataclass(frozen=True)
class DataSubject:
    """A person as a privacy request names them: any of a platform customer id, email, phone, and their orders."""

    customer_id: str | None = None
    email: str | None = None
    phone: str | None = None
    order_ids: tuple[str, ...] = ()

    def identifiers(self) -> list[str]:
        """Normalized identifiers, most stable first (a customer id survives an email change)."""
        found: list[str] = []
        if self.customer_id and self.customer_id.strip():
            found.append(f"customer:{self.customer_id.strip()}")
        if self.email and self.email.strip():
            found.append(f"email:{normalize_email(self.email)}")
        if self.phone and normalize_phone(self.phone):
            found.append(f"phone:{normalize_phone(self.phone)}")
        return found


def normalize_email(email: str) -> str:
    return email.strip().casefold()


def normalize_phone(phone: str) -> str:
    return _NOT_DIGITS.sub("", phone)


def _hmac_keys(services: Services) -> list[bytes]:
    """One HMAC key per configured secret, current first: keys written before a rotation stay findable."""
    secrets = services.settings.secret_keys() or [_DEVELOPMENT_SECRET]
    return [hmac.new(secret.encode(), b"upfront subject key", hashlib.sha256).digest() for secret in secrets]


def _digest(key: bytes, shop: ShopRef, identifier: str) -> str:
    return hmac.new(key, f"{shop.tag}\n{identifier}".encode(), hashlib.sha256).hexdigest()


def subject_key(
    services: Services,
    shop: ShopRef,
    *,
    customer_id: str | None = None,
    email: str | None = None,
    phone: str | None = None,
) -> str:
    """The pseudonymous key of one identifier (the most stable one given). Pure: reads and writes nothing."""
    identifiers = DataSubject(customer_id, email, phone).identifiers()
    if not identifiers:
        raise ValueError("a data subject needs a customer id, an email or a phone")
    return _digest(_hmac_keys(services)[0], shop, identifiers[0])


def identifier_keys(
    services: Services, shop: ShopRef, subject: DataSubject, *, current_only: bool = False
) -> list[str]:
    """Every key the subject's identifiers hash to, under the current secret (and previous ones unless told)."""
    hmac_keys = _hmac_keys(services)[:1] if current_only else _hmac_keys(services)
    return [_digest(key, shop, identifier) for identifier in subject.identifiers() for key in hmac_keys]


def subject_index_key(services: Services, shop: ShopRef) -> str:
    return services.keys.shop(shop, SUBJECT_INDEX_FAMILY)


async def canonical_subject(services: Services, shop: ShopRef, key: str) -> str:
    """The canonical subject key for any identifier's key (itself when it was never linked)."""
    found = await services.redis.hget(subject_index_key(services, shop), key)
    return as_text(found) if found is not None else key


async def resolve_subject(services: Services, shop: ShopRef, subject: DataSubject) -> str:
    """The subject's canonical key, linking every identifier given to it so later lookups by any of them agree."""
    candidates = identifier_keys(services, shop, subject)
    if not candidates:
        raise ValueError("a data subject needs a customer id, an email or a phone")
    index = subject_index_key(services, shop)
    linked = [as_text(found) for found in await services.redis.hmget(index, candidates) if found is not None]
    canonical = linked[0] if linked else candidates[0]
    async with services.redis.pipeline(transaction=True) as pipe:
        for key in identifier_keys(services, shop, subject, current_only=True):
            pipe.hsetnx(index, key, canonical)
        await pipe.execute()
    return canonical


async def linked_subjects(services: Services, shop: ShopRef, subject: DataSubject) -> set[str]:
    """The canonical subject keys the subject's identifiers are linked to."""
    candidates = identifier_keys(services, shop, subject)
    if not candidates:
        return set()
    linked = await services.redis.hmget(subject_index_key(services, shop), candidates)
    return {as_text(found) for found in linked if found is not None}


async def known_subjects(services: Services, shop: ShopRef, subject: DataSubject) -> set[str]:
    """Every subject key that may hold this person's data: what their identifiers link to, and the keys themselves."""
    return await linked_subjects(services, shop, subject) | set(identifier_keys(services, shop, subject))


async def forget_subjects(services: Services, shop: ShopRef, subject: DataSubject, subjects: Iterable[str]) -> int:
    """Drop the subject index entries of these identifiers and every entry pointing at these subject keys."""
    index = subject_index_key(services, shop)
    targets = set(subjects)
    doomed = set(identifier_keys(services, shop, subject))
    async for field, value in services.redis.hscan_iter(index, count=1000):
        if as_text(value) in targets:
            doomed.add(as_text(field))
    if not doomed:
        return 0
    return int(await services.redis.hdel(index, *doomed))


class SubjectIndexStore:
    """The subject index as a personal-data store: its entries are pseudonymous links, erased last."""

    name = "subject_index"

    async def export(self, services: Services, shop: ShopRef, subject: DataSubject) -> list[dict[str, Any]]:
        return [{"subject_key": key} for key in sorted(await linked_subjects(services, shop, subject))]

    async def erase(self, services: Services, shop: ShopRef, subject: DataSubject) -> int:
        return await forget_subjects(services, shop, subject, await linked_subjects(services, shop, subject))
