"""Per-country sender rules: which sender may text a number in a country, and why not when it may not.

A small table of the cases that decide most sends, not a copy of every carrier's rules: the US and Canada take
texts only from a registered number or a messaging service (A2P 10DLC, verified toll-free, short code) and no
alphanumeric sender ID; India, the UAE and Saudi Arabia take them only from a sender ID registered there; most of
Europe accepts an alphanumeric sender ID as is. Registration cannot be checked over the API, so the merchant
states which countries their sender is registered for, and a send the table forbids is refused with its reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

_NUMBER = re.compile(r"^\+[1-9][0-9]{1,14}$")
_ALPHANUMERIC = re.compile(r"^(?=[0-9 ]*[A-Za-z])[A-Za-z0-9 ]{1,11}$")


class SenderKind(StrEnum):
    NUMBER = "number"  # a phone number in E.164 (long code, toll-free, short code)
    ALPHANUMERIC = "alphanumeric"  # a sender ID such as "ACMESHOP"
    SERVICE = "messaging_service"  # a Twilio Messaging Service picks the sender per country


@dataclass(frozen=True)
class CountryRule:
    alphanumeric: bool  # may an alphanumeric sender ID be used at all
    registration: bool  # must the sender be registered for this country
    note: str


RULES: dict[str, CountryRule] = {
    "US": CountryRule(False, True, "US texts need a registered number or messaging service (A2P 10DLC/toll-free)"),
    "CA": CountryRule(False, True, "Canadian texts need a registered number or messaging service"),
    "IN": CountryRule(True, True, "India takes texts only from a sender ID registered with DLT"),
    "AE": CountryRule(True, True, "the UAE takes texts only from a registered sender ID"),
    "SA": CountryRule(True, True, "Saudi Arabia takes texts only from a registered sender ID"),
    **{
        country: CountryRule(True, False, "alphanumeric sender IDs allowed without registration")
        for country in ("GB", "DE", "AT", "CH", "NL", "BE", "SE", "ES", "IT", "PL", "IE", "DK", "FI", "NO", "PT")
    },
}
DEFAULT_RULE = CountryRule(False, False, "numeric senders only unless the country is known to accept sender IDs")


def sender_kind(sender: str | None, messaging_service_sid: str | None) -> SenderKind | None:
    if messaging_service_sid:
        return SenderKind.SERVICE
    if not sender:
        return None
    if _NUMBER.match(sender):
        return SenderKind.NUMBER
    return SenderKind.ALPHANUMERIC if _ALPHANUMERIC.match(sender) else None


def valid_sender(sender: str) -> bool:
    return sender_kind(sender, None) is not None


def refusal(country: str | None, kind: SenderKind | None, registered_countries: frozenset[str]) -> str | None:
    """Why this sender may not text a number in `country`, or None when it may."""
    if kind is None:
        return "no sender configured (a number, an alphanumeric sender ID or a messaging service)"
    if country is None:
        return "the number's country is unknown"
    rule = RULES.get(country, DEFAULT_RULE)
    if kind is SenderKind.ALPHANUMERIC and not rule.alphanumeric:
        return f"{country}: alphanumeric sender IDs are not delivered ({rule.note})"
    if rule.registration and country not in registered_countries:
        return f"{country}: sender not marked registered for {country} ({rule.note})"
    return None
