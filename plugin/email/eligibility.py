"""May a marketing message (review request, survey, recommendations) go to this customer, and on what basis?

Order of precedence, so the customer's own latest word always wins:

1. the latest record from our own sources (email link, storefront widget, admin) for the message's purpose, then
   for marketing email in general: a withdrawal refuses, a grant allows;
2. the platform's email-marketing consent (the order's current state, else the last one mirrored in the ledger):
   "subscribed" allows; "unsubscribed", "redacted" or "invalid" refuse;
3. a soft opt-in, when the merchant enabled it (address taken in a sale, opt-out offered at checkout and in
   every message) and the customer never refused;
4. otherwise no.

The platform state is mirrored into the ledger (source platform_sync) only while our own sources have nothing for
marketing email, so a later order update can never write a "granted" over an unsubscribe from our link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from plugin.keys import ShopRef
from plugin.privacy.consent import ConsentRecord, consent_history, record_platform_consent
from plugin.privacy.subjects import DataSubject, linked_subjects, resolve_subject
from plugin.services import Services

PLATFORM_SOURCE = "platform_sync"
EXPLICIT_REFUSALS = frozenset({"unsubscribed", "redacted", "invalid"})
PURPOSE_FALLBACKS = {"review_survey": ("review_survey", "marketing_email"), "marketing_email": ("marketing_email",)}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    basis: str  # e.g. consent:email_link:marketing_email, consent:platform, soft_opt_in, withdrawn:..., no_consent
    consent_entry: str = ""  # the ledger entry relied on, when there is one


async def person_history(services: Services, shop: ShopRef, person: DataSubject) -> tuple[str, list[ConsentRecord]]:
    """The person's canonical subject key and every ledger record under any key their identifiers link to."""
    canonical = await resolve_subject(services, shop, person)
    records: list[ConsentRecord] = []
    for subject in sorted(await linked_subjects(services, shop, person) | {canonical}):
        records += await consent_history(services, shop, subject)
    return canonical, records


def _latest(records: list[ConsentRecord], purpose: str, *, own: bool) -> ConsentRecord | None:
    chosen = [r for r in records if r.purpose == purpose and (r.source != PLATFORM_SOURCE) == own]
    return max(chosen, key=lambda r: (r.at, r.entry_id), default=None)


async def marketing_decision(
    services: Services,
    shop: ShopRef,
    *,
    purpose: str,
    customer_id: str | None,
    email: str,
    platform_state: str | None,
    platform_seen_at: datetime,
    soft_opt_in: bool,
) -> Decision:
    person = DataSubject(customer_id, email)
    _, records = await person_history(services, shop, person)
    state = (platform_state or "").strip().lower() or None
    if customer_id and state and _latest(records, "marketing_email", own=True) is None:
        mirrored = await record_platform_consent(services, shop, customer_id, email, state, None, platform_seen_at)
        if mirrored is not None:
            records.append(mirrored)
    for wanted in PURPOSE_FALLBACKS[purpose]:
        own = _latest(records, wanted, own=True)
        if own is not None:
            verb = "consent" if own.granted else "withdrawn"
            return Decision(own.granted, f"{verb}:{own.source}:{wanted}", own.entry_id)
    platform = _latest(records, "marketing_email", own=False)
    effective = state or (platform.platform_state if platform is not None else None)
    entry = platform.entry_id if platform is not None else ""
    if effective == "subscribed":
        return Decision(True, "consent:platform", entry)
    if effective in EXPLICIT_REFUSALS:
        return Decision(False, f"withdrawn:platform:{effective}", entry)
    if soft_opt_in:
        return Decision(True, "soft_opt_in")
    return Decision(False, "no_consent")


async def preference_state(services: Services, shop: ShopRef, person: DataSubject) -> dict[str, bool]:
    """What the preference center shows as on: the person's own latest word, else the platform's consent."""
    _, records = await person_history(services, shop, person)
    platform = _latest(records, "marketing_email", own=False)
    shown: dict[str, bool] = {}
    for purpose, chain in PURPOSE_FALLBACKS.items():
        own = next((found for wanted in chain if (found := _latest(records, wanted, own=True)) is not None), None)
        shown[purpose] = own.granted if own is not None else bool(platform is not None and platform.granted)
    return shown
