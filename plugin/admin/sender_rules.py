"""The SMS sender rules in the admin's language: each country's note, and a refusal the message log recorded.

plugin.sms.rules states the rules and its refusals in English, and a skipped text's record keeps that refusal as
written (``sender_rule:US: sender not marked registered for US (…)``); the admin words both per language from the
country and the kind of refusal, and shows a refusal it does not recognise as recorded."""

from __future__ import annotations

import re

from plugin.admin.language import t
from plugin.sms.rules import DEFAULT_RULE, RULES, CountryRule

# Countries whose rule has a note of its own; the others share the open or the default rule's note.
_OWN_NOTES = frozenset({"US", "CA", "IN", "AE", "SA"})
# The refusals plugin.sms.rules.refusal writes, by the key that words each.
_REFUSALS = (
    ("sms_refused_alphanumeric", r"^(?P<country>[A-Z]{2}): alphanumeric sender IDs are not delivered \(.*\)$"),
    ("sms_refused_unregistered", r"^(?P<country>[A-Z]{2}): sender not marked registered for [A-Z]{2} \(.*\)$"),
    ("sms_refused_no_sender", r"^no sender configured \(.*\)$"),
    ("sms_refused_unknown_country", r"^the number's country is unknown$"),
)


def rule_note(country: str | None, rule: CountryRule) -> str:
    """The rule's note (plugin.sms.rules says it in English) in the admin's language."""
    if country in _OWN_NOTES:
        return t(f"sms_rule_{country.lower()}")
    return t("sms_rule_open" if rule.alphanumeric and not rule.registration else "sms_rule_default")


def refusal_words(recorded: str) -> str:
    """A recorded sender-rule refusal in the admin's language (English: exactly as recorded)."""
    for key, pattern in _REFUSALS:
        found = re.match(pattern, recorded)
        if found is None:
            continue
        country = found.groupdict().get("country")
        if country is None:
            return t(key)
        return t(key, country=country, note=rule_note(country, RULES.get(country, DEFAULT_RULE)))
    return recorded
