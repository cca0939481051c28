"""SMS consent, separate from email: who chose texts about their orders, and STOP/START by phone.

Two ledger purposes: `service_sms` (texts about the customer's orders, chosen at checkout or in preferences) and
`marketing_sms` (the platform's SMS marketing consent, mirrored). A service text may go when the latest
`service_sms` record grants it, or, with no such record, when the customer subscribed to the shop's texts on the
platform. STOP withdraws both; START/UNSTOP grants `service_sms` back (marketing texts need a fresh opt-in).
The number a customer gave is kept sealed per subject (``sms:contact:<subject>``) so the text goes there.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from plugin.keys import ShopRef
from plugin.privacy.consent import PLATFORM_STATES, ConsentRecord, consent_history, record_consent
from plugin.privacy.sealing import seal, unseal
from plugin.privacy.subjects import DataSubject, resolve_subject
from plugin.retention import retain
from plugin.services import Services
from plugin.sms.config import SMS_FAMILY
from plugin.sms.phone import to_e164
from plugin.storage import as_optional_text

SERVICE_SMS = "service_sms"
MARKETING_SMS = "marketing_sms"
CHOICE_TEXT = "Text me updates about this order (shipping, delivery, delays). Reply STOP to end."
CHOICE_VERSION = "sms-service-v1"


@dataclass(frozen=True)
class SmsPermission:
    allowed: bool
    basis: str  # sms_choice, sms_marketing_consent, sms_withdrawn, no_sms_consent
    entry: str = ""


def contact_key(services: Services, shop: ShopRef, subject: str) -> str:
    return services.keys.shop(shop, SMS_FAMILY, "contact", subject)


async def record_sms_choice(
    services: Services,
    shop: ShopRef,
    *,
    phone: str,
    wants_updates: bool,
    customer_id: str | None = None,
    email: str | None = None,
    default_country: str | None = None,
    source: str = "order_status_page",
    text: str = CHOICE_TEXT,
    text_version: str = CHOICE_VERSION,
) -> str:
    """The customer chose (or declined) service texts for their orders, e.g. on the order-status page.
    Returns the subject key. Raises ValueError for a number that is not a valid phone number (nothing stored)."""
    number = to_e164(phone, default_country)
    if number is None:
        raise ValueError("phone: not a valid phone number (include the country code, e.g. +49 151 23456789)")
    record = await record_consent(
        services,
        shop,
        purpose=SERVICE_SMS,
        granted=wants_updates,
        source=source,
        channel="sms",
        text=text,
        text_version=text_version,
        opt_in_level="single_opt_in" if wants_updates else "unknown",
        customer_id=customer_id,
        email=email,
        phone=number,
    )
    if wants_updates:
        key = contact_key(services, shop, record.subject)
        await services.redis.set(key, seal(services, number, shop, SMS_FAMILY, "contact", record.subject))
        await retain(services, key)
    return record.subject


async def chosen_phone(services: Services, shop: ShopRef, subjects: Iterable[str]) -> str | None:
    """The number the customer gave with their SMS choice, if any."""
    for subject in sorted(subjects):
        raw = as_optional_text(await services.redis.get(contact_key(services, shop, subject)))
        if raw:
            return unseal(services, raw, shop, SMS_FAMILY, "contact", subject)
    return None


async def _latest(services: Services, shop: ShopRef, subjects: Iterable[str], purpose: str) -> ConsentRecord | None:
    latest: ConsentRecord | None = None
    for subject in subjects:
        for record in await consent_history(services, shop, subject):
            if record.purpose == purpose and (latest is None or record.at >= latest.at):
                latest = record
    return latest


async def sms_permission(services: Services, shop: ShopRef, subjects: Iterable[str]) -> SmsPermission:
    """May a service text about an order go to this person?"""
    known = set(subjects)
    service = await _latest(services, shop, known, SERVICE_SMS)
    if service is not None:
        basis = "sms_choice" if service.granted else "sms_withdrawn"
        return SmsPermission(service.granted, basis, service.entry_id)
    marketing = await _latest(services, shop, known, MARKETING_SMS)
    if marketing is not None and marketing.granted:
        return SmsPermission(True, "sms_marketing_consent", marketing.entry_id)
    return SmsPermission(False, "sms_withdrawn" if marketing is not None else "no_sms_consent")


async def mirror_platform_sms_consent(
    services: Services,
    shop: ShopRef,
    person: DataSubject,
    state: str | None,
    updated_at: datetime | None,
) -> None:
    """Mirror the platform's SMS marketing state into `marketing_sms`. Only a mirror is ever replaced: once the
    customer's own word is in the ledger (a STOP, a START), the platform's state does not override it, as the
    order's `updated_at` moves with any change to the order, not only with its consent."""
    status = PLATFORM_STATES.get((state or "").strip().lower())
    if status is None or not person.identifiers():
        return
    subject = await resolve_subject(services, shop, person)
    latest = await _latest(services, shop, {subject}, MARKETING_SMS)
    if latest is not None and (
        latest.source != "platform_sync"
        or latest.status == status
        or (updated_at is not None and updated_at <= latest.at)
    ):
        return
    await record_consent(
        services,
        shop,
        purpose=MARKETING_SMS,
        granted=status == "granted",
        source="platform_sync",
        channel="sms",
        text=f"{shop.platform} customer SMS marketing consent: {(state or '').lower()}",
        text_version=f"{shop.platform}:sms_marketing_consent",
        customer_id=person.customer_id,
        email=person.email,
        phone=person.phone,
        at=updated_at,
    )


async def stop_texts(services: Services, shop: ShopRef, phone: str, keyword: str) -> str:
    """The person texted an opt-out keyword: withdraw every SMS purpose. Returns their subject key."""
    subject = ""
    for purpose in (SERVICE_SMS, MARKETING_SMS):
        record = await record_consent(
            services,
            shop,
            purpose=purpose,
            granted=False,
            source="sms_keyword",
            channel="sms",
            text=f"replied {keyword}",
            text_version="sms-keyword-v1",
            phone=phone,
        )
        subject = record.subject
    return subject


async def restart_texts(services: Services, shop: ShopRef, phone: str, keyword: str) -> str:
    record = await record_consent(
        services,
        shop,
        purpose=SERVICE_SMS,
        granted=True,
        source="sms_keyword",
        channel="sms",
        text=f"replied {keyword}",
        text_version="sms-keyword-v1",
        opt_in_level="single_opt_in",
        phone=phone,
    )
    return record.subject
