"""FAQ answers for a prompt: the merchant's Q/A pairs matched to the page and trigger, and the shipping and returns
answers written from the same facts the estimator and the badges use, so the three never disagree."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from widgets.badges.catalogue import Accepted, Badge, check_badge, safe_link
from widgets.badges.sources import Confirmations
from widgets.help.rules import Rule
from widgets.help.settings import FaqEntry, HelpSettings
from widgets.help.wording import HelpWording
from widgets.shop_context import StorefrontShop

MAX_ANSWERS = 3
SHIPPING_OPTIONS_SHOWN = 2


@dataclass(frozen=True)
class Answer:
    id: str
    question: str
    lines: tuple[str, ...]
    link_url: str | None = None
    link_label: str | None = None


def _localized(texts: Mapping[str, str], locale: str) -> str | None:
    return texts.get(locale) or next(iter(texts.values()), None)


def pick_entries(settings: HelpSettings, rule: Rule | None, page: str | None) -> list[FaqEntry]:
    """The rule's chosen entries in its order; else those for this page and trigger, the sourced answer the
    trigger is about first (shipping for an estimate, returns for a returns policy)."""
    by_id = {entry.id: entry for entry in settings.faq}
    if rule is not None and rule.prompt.faq:
        return [by_id[ref] for ref in rule.prompt.faq if ref in by_id][:MAX_ANSWERS]
    trigger = None if rule is None else rule.trigger
    matching = [
        entry
        for entry in settings.faq
        if (not entry.pages or page in entry.pages)
        and (not entry.triggers or (trigger and trigger.type in entry.triggers))
    ]
    first: str | None = None
    if trigger is not None and trigger.type == "shipping_estimate":
        first = "shipping"
    elif trigger is not None and trigger.type == "policy_open":
        first = "returns" if trigger.policy == "returns" else "shipping"
    matching.sort(key=lambda entry: entry.source != first if first else False)
    return matching[:MAX_ANSWERS]


def shipping_lines(data: Mapping[str, Any] | None, country: str, subtotal: Decimal, words: HelpWording) -> list[str]:
    """The estimate (the estimator's own cached answer for this destination and cart) in sentences."""
    base = words.base
    place = base.country(country)
    if data is None:
        return [words.t("ship_checkout")]
    if not data["ships_here"]:
        return [words.t("ship_none", country=place)]
    lines = []
    for option in data["options"][:SHIPPING_OPTIONS_SHOWN]:
        if option["cost"] is None:
            price = base.t("at_checkout")
        elif option["free"]:
            price = base.t("free")
        else:
            price = base.money(Decimal(option["cost"]))
        line = words.t("ship_option", method=option["name"], country=place, price=price)
        if option["earliest"] is not None:
            dates = base.dates(date.fromisoformat(option["earliest"]), date.fromisoformat(option["latest"]))
            line += words.t("clause_join") + words.t("ship_delivery", dates=dates)
        # A date ending in an abbreviation ("Fr., 4. Dez.") closes the sentence with its own period, never two;
        # Japanese joins and ends with its own marks (、 。).
        end = words.t("sentence_end")
        lines.append(line if line.endswith((".", end)) else line + end)
    if not lines:
        lines.append(words.t("ship_checkout"))
    progress = data.get("free_shipping")
    if progress is not None:
        remaining = Decimal(progress["remaining"])
        if remaining == 0:
            lines.append(words.t("ship_free_reached"))
        else:
            lines.append(words.t("ship_free_over", country=place, amount=base.money(Decimal(progress["threshold"]))))
            if subtotal > 0:
                lines.append(words.t("ship_free_remaining", amount=base.money(remaining)))
    return lines


@dataclass(frozen=True)
class ReturnsFacts:
    lines: tuple[str, ...]  # the window and "free", as the badges would state them; empty when they would not
    policy_url: str | None


def returns_facts(shop: StorefrontShop, words: HelpWording) -> ReturnsFacts:
    """The return window exactly as the money-back badge states it, "free" only as the free-returns badge says it,
    and the policy to read; nothing the badges would withhold."""
    confirmed = Confirmations.of(shop.settings.badges)
    window = check_badge(shop.facts, shop.setup, Badge("money_back", confirmed))
    free = check_badge(shop.facts, shop.setup, Badge("free_returns", confirmed))
    if isinstance(window, Accepted) and window.link is not None:
        lines = [words.plural("returns_days", window.values["days"], by="days")]
        if isinstance(free, Accepted):
            lines.append(words.t("returns_free"))
        return ReturnsFacts(tuple(lines), window.link.url)
    return ReturnsFacts((), safe_link(shop.facts.refund_policy_url) or safe_link(confirmed.return_policy_url))


def returns_answer(entry: FaqEntry, shop: StorefrontShop, words: HelpWording) -> Answer | None:
    question = _localized(entry.question, words.locale) or words.t("faq_returns")
    facts = returns_facts(shop, words)
    if facts.policy_url is None:
        return None
    return Answer(entry.id, question, facts.lines, facts.policy_url, words.t("returns_policy"))


def build_answers(
    entries: list[FaqEntry],
    shop: StorefrontShop,
    words: HelpWording,
    shipping: tuple[Mapping[str, Any] | None, str, Decimal],
) -> list[Answer]:
    """`shipping`: the estimator's data for the shopper's destination and cart, the country, the subtotal."""
    answers = []
    for entry in entries:
        if entry.source == "shipping":
            question = _localized(entry.question, words.locale) or words.t("faq_shipping")
            answers.append(Answer(entry.id, question, tuple(shipping_lines(*shipping, words))))
        elif entry.source == "returns":
            found = returns_answer(entry, shop, words)
            if found is not None:
                answers.append(found)
        else:
            question = _localized(entry.question, words.locale) or ""
            answer = _localized(entry.answer, words.locale) or ""
            answers.append(Answer(entry.id, question, tuple(line for line in answer.split("\n") if line.strip())))
    return answers
