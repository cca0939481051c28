"""The consent ledger: every grant and withdrawal per (shop, person), append-only, with what was shown and how.

One Redis stream per subject (``consent:<subject key>``). The current state of a purpose is its latest record, so a
withdrawal is one append, exactly like a grant. The person's identifiers (email, customer id, phone) and who
recorded it are sealed per record; purpose, time, source, channel, text and opt-in level stay readable.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from redis.exceptions import WatchError
from redis.typing import EncodableT, FieldT

from plugin.keys import ShopRef
from plugin.privacy.sealing import seal, unseal
from plugin.privacy.subjects import DataSubject, canonical_subject, known_subjects, resolve_subject
from plugin.services import Services
from plugin.shop_index import FOREVER, forget, note
from plugin.storage import as_text

CONSENT_FAMILY = "consent"
# SMS has its own purposes (plugin.sms.consent): a text is a separate choice from email, and STOP ends only texts.
PURPOSES = frozenset({"service", "marketing_email", "review_survey", "analytics", "service_sms", "marketing_sms"})
SOURCES = frozenset({"platform_sync", "storefront_widget", "email_link", "admin", "sms_keyword", "order_status_page"})
CHANNELS = frozenset({"email", "sms", "web"})
OPT_IN_LEVELS = frozenset({"single_opt_in", "confirmed_opt_in", "unknown"})

Status = Literal["granted", "withdrawn"]

# Platform email-marketing states (Shopify's vocabulary; the BigCommerce adapter maps its consent into the same
# words). Only "subscribed" is consent: pending awaits confirmation, the rest are its absence or end.
PLATFORM_STATES: Mapping[str, Status] = {
    "subscribed": "granted",
    "not_subscribed": "withdrawn",
    "pending": "withdrawn",
    "unsubscribed": "withdrawn",
    "redacted": "withdrawn",
    "invalid": "withdrawn",
}


@dataclass(frozen=True)
class ConsentRecord:
    """One ledger entry: who (subject and identifiers), what (purpose, status, text), when, and how."""

    subject: str
    purpose: str
    status: Status
    at: datetime
    source: str
    channel: str
    opt_in_level: str
    text: str
    text_version: str
    platform_state: str | None = None
    customer_id: str | None = None
    email: str | None = None
    phone: str | None = None
    recorded_by: str | None = None
    entry_id: str = ""

    @property
    def granted(self) -> bool:
        return self.status == "granted"

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "at": self.at.isoformat()}


def ledger_key(services: Services, shop: ShopRef, subject: str) -> str:
    return services.keys.shop(shop, CONSENT_FAMILY, subject)


def _check(value: str, allowed: frozenset[str], what: str) -> str:
    if value not in allowed:
        raise ValueError(f"unknown consent {what} {value!r}; expected one of {', '.join(sorted(allowed))}")
    return value


def _utc(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValueError("consent times must be timezone-aware")
    return moment.astimezone(UTC)


def _fields(services: Services, shop: ShopRef, record: ConsentRecord) -> dict[FieldT, EncodableT]:
    fields: dict[FieldT, EncodableT] = {
        "purpose": record.purpose,
        "status": record.status,
        "at": record.at.isoformat(),
        "source": record.source,
        "channel": record.channel,
        "opt_in_level": record.opt_in_level,
        "text": record.text,
        "text_version": record.text_version,
        "platform_state": record.platform_state or "",
    }
    identity = {
        name: value
        for name, value in (
            ("customer_id", record.customer_id),
            ("email", record.email),
            ("phone", record.phone),
            ("recorded_by", record.recorded_by),
        )
        if value
    }
    if identity:
        fields["identity"] = seal(services, json.dumps(identity), shop, CONSENT_FAMILY, record.subject)
    return fields


def _record(services: Services, shop: ShopRef, subject: str, entry_id: str, fields: Mapping[str, str]) -> ConsentRecord:
    sealed = fields.get("identity")
    identity: dict[str, str] = json.loads(unseal(services, sealed, shop, CONSENT_FAMILY, subject)) if sealed else {}
    status = fields["status"]
    return ConsentRecord(
        subject=subject,
        purpose=fields["purpose"],
        status="granted" if status == "granted" else "withdrawn",
        at=datetime.fromisoformat(fields["at"]),
        source=fields["source"],
        channel=fields["channel"],
        opt_in_level=fields["opt_in_level"],
        text=fields.get("text", ""),
        text_version=fields.get("text_version", ""),
        platform_state=fields.get("platform_state") or None,
        customer_id=identity.get("customer_id"),
        email=identity.get("email"),
        phone=identity.get("phone"),
        recorded_by=identity.get("recorded_by"),
        entry_id=entry_id,
    )


def _records(services: Services, shop: ShopRef, subject: str, entries: Any) -> list[ConsentRecord]:
    return [
        _record(services, shop, subject, as_text(entry_id), {as_text(k): as_text(v) for k, v in fields.items()})
        for entry_id, fields in entries or []
    ]


def _latest(records: list[ConsentRecord]) -> dict[str, ConsentRecord]:
    """Latest record per purpose: by its time, then by ledger order (records are appended in time order)."""
    latest: dict[str, ConsentRecord] = {}
    for record in records:
        current = latest.get(record.purpose)
        if current is None or record.at >= current.at:
            latest[record.purpose] = record
    return latest


async def record_consent(
    services: Services,
    shop: ShopRef,
    *,
    purpose: str,
    granted: bool,
    source: str,
    channel: str,
    text: str,
    text_version: str,
    opt_in_level: str = "unknown",
    customer_id: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    recorded_by: str | None = None,
    at: datetime | None = None,
) -> ConsentRecord:
    """Append one grant or withdrawal; the person is named by any identifier (linked to their subject key)."""
    # Validate everything before the first write: bad input leaves no trace.
    checked = {
        "purpose": _check(purpose, PURPOSES, "purpose"),
        "source": _check(source, SOURCES, "source"),
        "channel": _check(channel, CHANNELS, "channel"),
        "opt_in_level": _check(opt_in_level, OPT_IN_LEVELS, "opt-in level"),
    }
    moment = _utc(at)
    person = DataSubject(customer_id, email, phone)
    if not person.identifiers():
        raise ValueError("a consent record needs a customer id, an email or a phone")
    record = ConsentRecord(
        subject=await resolve_subject(services, shop, person),
        status="granted" if granted else "withdrawn",
        at=moment,
        **checked,
        text=text,
        text_version=text_version,
        customer_id=customer_id,
        email=email,
        phone=phone,
        recorded_by=recorded_by,
    )
    key = ledger_key(services, shop, record.subject)
    async with services.redis.pipeline(transaction=True) as pipe:
        pipe.xadd(key, _fields(services, shop, record))
        note(pipe, services.keys, key, FOREVER)  # kept until erasure: proof of consent
        entry_id, _ = await pipe.execute()
    return ConsentRecord(**{**asdict(record), "entry_id": as_text(entry_id)})


async def record_platform_consent(
    services: Services,
    shop: ShopRef,
    customer_id: str,
    email: str | None,
    email_marketing_consent_state: str | None,
    opt_in_level: str | None,
    updated_at: datetime | None,
) -> ConsentRecord | None:
    """Mirror the platform's email-marketing consent into the ledger; None when nothing changed.

    Appends only when the state differs from the ledger's current one (or the platform's own state moved, e.g.
    not_subscribed -> pending) and the platform's change is newer than the ledger's latest record for the purpose:
    a late or redelivered webhook never overrides a withdrawal recorded since.
    """
    state = (email_marketing_consent_state or "").strip().lower()
    status = PLATFORM_STATES.get(state)
    if status is None:
        return None
    level = (opt_in_level or "unknown").strip().lower()
    subject = await resolve_subject(services, shop, DataSubject(customer_id, email))
    record = ConsentRecord(
        subject=subject,
        purpose="marketing_email",
        status=status,
        at=_utc(updated_at),
        source="platform_sync",
        channel="email",
        opt_in_level=level if level in OPT_IN_LEVELS else "unknown",
        text=f"{shop.platform} customer email marketing consent: {state}",
        text_version=f"{shop.platform}:email_marketing_consent",
        platform_state=state,
        customer_id=customer_id,
        email=email,
    )
    key = ledger_key(services, shop, subject)
    async with services.redis.pipeline(transaction=True) as pipe:
        while True:
            try:
                await pipe.watch(key)
                latest = _latest(_records(services, shop, subject, await pipe.xrange(key))).get(record.purpose)
                if latest is not None and not _platform_change(latest, record):
                    await pipe.unwatch()  # type: ignore[no-untyped-call]
                    return None
                pipe.multi()  # type: ignore[no-untyped-call]
                pipe.xadd(key, _fields(services, shop, record))
                note(pipe, services.keys, key, FOREVER)
                entry_id, _ = await pipe.execute()
                return ConsentRecord(**{**asdict(record), "entry_id": as_text(entry_id)})
            except WatchError:
                continue


def _platform_change(latest: ConsentRecord, incoming: ConsentRecord) -> bool:
    if incoming.at <= latest.at:
        return False
    if latest.status != incoming.status:
        return True
    return latest.source == "platform_sync" and latest.platform_state != incoming.platform_state


async def consent_history(services: Services, shop: ShopRef, subject: str) -> list[ConsentRecord]:
    """Every record of the subject, oldest first: who, when, which text (and version), and how it was given."""
    canonical = await canonical_subject(services, shop, subject)
    return _records(services, shop, canonical, await services.redis.xrange(ledger_key(services, shop, canonical)))


async def current_consent(services: Services, shop: ShopRef, subject: str) -> dict[str, Status]:
    """Purpose -> granted/withdrawn for every purpose the subject ever decided on; absent means never asked."""
    latest = _latest(await consent_history(services, shop, subject))
    return {purpose: record.status for purpose, record in latest.items()}


async def has_consent(services: Services, shop: ShopRef, subject: str, purpose: str) -> bool:
    return (await current_consent(services, shop, subject)).get(_check(purpose, PURPOSES, "purpose")) == "granted"


class ConsentLedgerStore:
    """The ledger as a personal-data store: export is the full history; erase deletes the subject's ledgers."""

    name = "consent_ledger"

    async def export(self, services: Services, shop: ShopRef, subject: DataSubject) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        for key in sorted(await known_subjects(services, shop, subject)):
            history = await services.redis.xrange(ledger_key(services, shop, key))
            records += [record.as_dict() for record in _records(services, shop, key, history)]
        return records

    async def erase(self, services: Services, shop: ShopRef, subject: DataSubject) -> int:
        ledgers = [ledger_key(services, shop, key) for key in await known_subjects(services, shop, subject)]
        erased = 0
        for key in ledgers:
            erased += int(await services.redis.xlen(key))
        if ledgers:
            await services.redis.unlink(*ledgers)
            await forget(services.redis, services.keys, shop, CONSENT_FAMILY, ledgers)
        return erased
