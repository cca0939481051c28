"""Help prompt rules: when (trigger), where (page, URL, cart), for whom (audience), and what the prompt offers.

Rules are kept in order; the storefront script evaluates them in that order and the first match wins. The script
receives a compact form (`client_rule`) with only what it evaluates; the prompt's text and answers stay on the
server until a rule fires and the prompt fragment is fetched.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from plugin.excerpt import excerpt
from plugin.json_schema import choices as json_choices
from widgets.estimator.engine import known_countries
from widgets.help.validation import (
    IDENTIFIER_SCHEMA,
    HelpSettingsError,
    amount,
    amount_schema,
    choice,
    choices,
    flag,
    https_url,
    https_url_schema,
    identifier,
    items,
    known_keys,
    localized,
    localized_schema,
    table,
    whole,
)

TRIGGERS = ("time_on_page", "idle", "exit_intent", "repeat_product", "policy_open", "shipping_estimate")
PAGE_TYPES = ("home", "collection", "product", "cart", "search", "page", "blog", "article", "policy", "other")
VISITORS = ("any", "new", "returning")
DEVICES = ("any", "desktop", "mobile")
POLICIES = ("any", "shipping", "returns")
MAX_SECONDS = 3600
MAX_VIEWS = 20
MAX_ACTIONS = 3
MAX_PROMPT_TEXT = 300
MAX_FAQ_REFS = 5
_URL_PATTERN = re.compile(r"^/[A-Za-z0-9/_\-.*~%+]{0,199}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")


@dataclass(frozen=True)
class Trigger:
    type: str
    seconds: int | None = None  # time_on_page, idle
    views: int | None = None  # repeat_product: views of the same product in this session
    policy: str = "any"  # policy_open
    above: Decimal | None = None  # shipping_estimate: cheapest option costs more than this
    not_shipped: bool = False  # shipping_estimate: "we don't ship there"


@dataclass(frozen=True)
class Where:
    pages: tuple[str, ...] = ()  # empty: every page type
    url: str | None = None  # path pattern, `*` matches anything
    cart_above: Decimal | None = None
    cart_below: Decimal | None = None


@dataclass(frozen=True)
class Audience:
    visitor: str = "any"
    device: str = "any"
    countries: tuple[str, ...] = ()  # empty: everywhere
    languages: tuple[str, ...] = ()  # empty: every storefront language

    def admits(self, country: str | None, language: str | None) -> bool:
        if self.countries and (country or "").upper() not in self.countries:
            return False
        return not self.languages or (language or "").lower() in self.languages


@dataclass(frozen=True)
class Action:
    label: Mapping[str, str]
    url: str


@dataclass(frozen=True)
class Prompt:
    text: Mapping[str, str] = field(default_factory=dict)  # empty: the default wording for the trigger
    faq: tuple[str, ...] = ()  # FAQ ids to offer; empty: the entries matching the page and trigger
    actions: tuple[Action, ...] = ()


@dataclass(frozen=True)
class Rule:
    id: str
    trigger: Trigger
    where: Where = Where()
    audience: Audience = Audience()
    prompt: Prompt = Prompt()
    enabled: bool = True


def _trigger(data: Mapping[str, Any], where: str, idle_default: int) -> Trigger:
    kind = choice(data.get("type"), where + "type", TRIGGERS)
    known_keys(data, ("type", "seconds", "views", "policy", "above", "not_shipped"), where)
    if kind in ("time_on_page", "idle"):
        default = idle_default if kind == "idle" else None
        seconds = data.get("seconds", default)
        if seconds is None:
            raise HelpSettingsError(where + "seconds", "is required for this trigger")
        return Trigger(kind, seconds=whole(seconds, where + "seconds", 1, MAX_SECONDS))
    if kind == "repeat_product":
        return Trigger(kind, views=whole(data.get("views", 2), where + "views", 2, MAX_VIEWS))
    if kind == "policy_open":
        return Trigger(kind, policy=choice(data.get("policy", "any"), where + "policy", POLICIES))
    if kind == "shipping_estimate":
        above = amount(data.get("above"), where + "above")
        not_shipped = flag(data.get("not_shipped", False), where + "not_shipped")
        if above is None and not not_shipped:
            raise HelpSettingsError(where + "above", 'give a cost threshold ("above") or "not_shipped": true')
        return Trigger(kind, above=above, not_shipped=not_shipped)
    return Trigger(kind)


def _where(data: Mapping[str, Any], where: str) -> Where:
    known_keys(data, ("pages", "url", "cart_above", "cart_below"), where)
    url = data.get("url")
    if url is not None and (not isinstance(url, str) or not _URL_PATTERN.match(url)):
        raise HelpSettingsError(where + "url", 'must be a path pattern like "/products/*" (letters, digits, / - _ . *)')
    above = amount(data.get("cart_above"), where + "cart_above")
    below = amount(data.get("cart_below"), where + "cart_below")
    if above is not None and below is not None and above >= below:
        raise HelpSettingsError(where + "cart_below", "must be more than cart_above")
    return Where(choices(data.get("pages"), where + "pages", PAGE_TYPES), url, above, below)


def _audience(data: Mapping[str, Any], where: str) -> Audience:
    known_keys(data, ("visitor", "device", "countries", "languages"), where)
    countries = items(data.get("countries"), where + "countries", 250)
    known = known_countries()
    for code in countries:
        if not isinstance(code, str) or code.upper() not in known:
            raise HelpSettingsError(where + "countries", f"{excerpt(code)} is not an ISO country code like DE")
    languages = items(data.get("languages"), where + "languages", 50)
    for language in languages:
        if not isinstance(language, str) or not _LANGUAGE.match(language.lower()):
            raise HelpSettingsError(where + "languages", f"{excerpt(language)} is not a language code like de")
    return Audience(
        visitor=choice(data.get("visitor", "any"), where + "visitor", VISITORS),
        device=choice(data.get("device", "any"), where + "device", DEVICES),
        countries=tuple(dict.fromkeys(str(code).upper() for code in countries)),
        languages=tuple(dict.fromkeys(str(language).lower() for language in languages)),
    )


def _prompt(data: Mapping[str, Any], where: str, faq_ids: frozenset[str]) -> Prompt:
    known_keys(data, ("text", "faq", "actions"), where)
    text = localized(data["text"], where + "text", MAX_PROMPT_TEXT) if data.get("text") else {}
    refs = items(data.get("faq"), where + "faq", MAX_FAQ_REFS)
    for ref in refs:
        if ref not in faq_ids:
            raise HelpSettingsError(where + "faq", f"{excerpt(ref)} is not the id of an FAQ entry")
    actions = []
    for position, raw in enumerate(items(data.get("actions"), where + "actions", MAX_ACTIONS)):
        at = f"{where}actions.{position}."
        action = table(raw, at[:-1])
        known_keys(action, ("label", "url"), at)
        label = localized(action.get("label"), at + "label", 60)
        actions.append(Action(label, https_url(action.get("url"), at + "url")))
    return Prompt(text, tuple(dict.fromkeys(refs)), tuple(actions))


def parse_rule(data: object, where: str, faq_ids: frozenset[str], idle_default: int) -> Rule:
    rule = table(data, where[:-1])
    known_keys(rule, ("id", "enabled", "trigger", "where", "audience", "prompt"), where)
    if "trigger" not in rule:
        raise HelpSettingsError(where + "trigger", "is required")
    return Rule(
        id=identifier(rule.get("id"), where + "id"),
        trigger=_trigger(table(rule["trigger"], where + "trigger"), where + "trigger.", idle_default),
        where=_where(table(rule.get("where"), where + "where"), where + "where."),
        audience=_audience(table(rule.get("audience"), where + "audience"), where + "audience."),
        prompt=_prompt(table(rule.get("prompt"), where + "prompt"), where + "prompt.", faq_ids),
        enabled=flag(rule.get("enabled", True), where + "enabled"),
    )


def _money(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def rule_to_dict(rule: Rule) -> dict[str, Any]:
    trigger: dict[str, Any] = {"type": rule.trigger.type}
    if rule.trigger.seconds is not None:
        trigger["seconds"] = rule.trigger.seconds
    if rule.trigger.views is not None:
        trigger["views"] = rule.trigger.views
    if rule.trigger.type == "policy_open":
        trigger["policy"] = rule.trigger.policy
    if rule.trigger.type == "shipping_estimate":
        trigger.update(above=_money(rule.trigger.above), not_shipped=rule.trigger.not_shipped)
    return {
        "id": rule.id,
        "enabled": rule.enabled,
        "trigger": trigger,
        "where": {
            "pages": list(rule.where.pages),
            "url": rule.where.url,
            "cart_above": _money(rule.where.cart_above),
            "cart_below": _money(rule.where.cart_below),
        },
        "audience": {
            "visitor": rule.audience.visitor,
            "device": rule.audience.device,
            "countries": list(rule.audience.countries),
            "languages": list(rule.audience.languages),
        },
        "prompt": {
            "text": dict(rule.prompt.text),
            "faq": list(rule.prompt.faq),
            "actions": [{"label": dict(action.label), "url": action.url} for action in rule.prompt.actions],
        },
    }


def client_rule(rule: Rule) -> dict[str, Any]:
    """What the script evaluates, defaults left out: {"id", "on", "s", "views", "policy", "above", "unshipped",
    "pages", "url", "cart_above", "cart_below", "device", "visitor"}. Country and language are settled by the
    server before sending."""
    trigger, where, audience = rule.trigger, rule.where, rule.audience
    found: dict[str, Any] = {"id": rule.id, "on": trigger.type}
    optional: dict[str, Any] = {
        "s": trigger.seconds,
        "views": trigger.views,
        "policy": None if trigger.policy == "any" else trigger.policy,
        "above": _money(trigger.above),
        "unshipped": trigger.not_shipped or None,
        "pages": list(where.pages) or None,
        "url": where.url,
        "cart_above": _money(where.cart_above),
        "cart_below": _money(where.cart_below),
        "device": None if audience.device == "any" else audience.device,
        "visitor": None if audience.visitor == "any" else audience.visitor,
    }
    found.update({key: value for key, value in optional.items() if value is not None})
    return found


# --- as a JSON schema, for /openapi.json ---------------------------------------------------------------------


_SOME_AMOUNT = {"anyOf": amount_schema()["anyOf"][:-1]}  # an amount, not null


def _falsy() -> dict[str, Any]:
    """What `if data.get(...)` reads as not given."""
    return {"enum": [None, False, 0, "", [], {}]}


def _trigger_schema() -> dict[str, Any]:
    """One case per trigger type (what `_trigger` reads for it; the other keys are allowed and ignored)."""
    seconds = {"type": "integer", "minimum": 1, "maximum": MAX_SECONDS}
    cases: list[tuple[str, dict[str, Any], list[str]]] = [
        ("time_on_page", {"seconds": seconds}, ["seconds"]),
        ("idle", {"seconds": seconds}, []),
        ("repeat_product", {"views": {"type": "integer", "minimum": 2, "maximum": MAX_VIEWS}}, []),
        ("policy_open", {"policy": {"enum": list(POLICIES)}}, []),
        ("exit_intent", {}, []),
        # a cost threshold, or "we don't ship there" (or both)
        ("shipping_estimate", {"above": _SOME_AMOUNT, "not_shipped": {"type": "boolean"}}, ["above"]),
        ("shipping_estimate", {"above": amount_schema(), "not_shipped": {"const": True}}, ["not_shipped"]),
    ]
    assert {kind for kind, _, _ in cases} == set(TRIGGERS), "a case for every trigger"
    return {
        "type": "object",
        "required": ["type"],
        "properties": dict.fromkeys(("type", "seconds", "views", "policy", "above", "not_shipped"), {}),
        "additionalProperties": False,
        "anyOf": [
            {"properties": {"type": {"const": kind}, **properties}, "required": required}
            for kind, properties, required in cases
        ],
    }


def rule_schema() -> dict[str, Any]:
    """What `parse_rule` accepts. Stricter in two places JSON Schema cannot compare values: a rule names no FAQ
    entries (the server checks the ids against the FAQ), and gives cart_above or cart_below, not both (the server
    wants above < below)."""
    nullable_object = ["object", "null"]
    where = {
        "type": nullable_object,
        "properties": {
            "pages": {"anyOf": [json_choices(PAGE_TYPES, len(PAGE_TYPES)), {"type": "null"}]},
            "url": {"anyOf": [{"type": "string", "pattern": _URL_PATTERN.pattern}, {"type": "null"}]},
            "cart_above": amount_schema(),
            "cart_below": amount_schema(),
        },
        "additionalProperties": False,
        "not": {
            "required": ["cart_above", "cart_below"],
            "properties": {"cart_above": {"not": {"type": "null"}}, "cart_below": {"not": {"type": "null"}}},
        },
    }
    audience = {
        "type": nullable_object,
        "properties": {
            "visitor": {"enum": list(VISITORS)},
            "device": {"enum": list(DEVICES)},
            "countries": {
                "anyOf": [
                    {"type": "array", "items": {"enum": sorted(known_countries())}, "maxItems": 250},
                    {"type": "null"},
                ]
            },
            "languages": {
                "anyOf": [
                    {"type": "array", "items": {"type": "string", "pattern": "^[a-z]{2,3}$"}, "maxItems": 50},
                    {"type": "null"},
                ]
            },
        },
        "additionalProperties": False,
    }
    action = {
        "type": "object",
        "required": ["label", "url"],
        "properties": {"label": localized_schema(60), "url": https_url_schema()},
        "additionalProperties": False,
    }
    prompt = {
        "type": nullable_object,
        "properties": {
            "text": {"anyOf": [localized_schema(MAX_PROMPT_TEXT), _falsy()]},
            "faq": {"anyOf": [{"type": "array", "maxItems": 0}, {"type": "null"}]},
            "actions": {"anyOf": [{"type": "array", "items": action, "maxItems": MAX_ACTIONS}, {"type": "null"}]},
        },
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "required": ["id", "trigger"],
        "properties": {
            "id": IDENTIFIER_SCHEMA,
            "enabled": {"type": "boolean"},
            "trigger": _trigger_schema(),
            "where": where,
            "audience": audience,
            "prompt": prompt,
        },
        "additionalProperties": False,
    }
