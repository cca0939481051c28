"""Per-shop help settings: contact channels, business hours, FAQ, prompt rules and frequency caps; defaults from
app.toml [widgets.help_prompts], validation (HelpSettingsError names the field), and versioned storage."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from plugin.excerpt import excerpt
from plugin.json_schema import choices as json_choices
from plugin.json_schema import distinct_ids
from plugin.keys import Keys, ShopRef
from plugin.shop_data import bump_version
from plugin.storage import RedisStore, as_optional_text
from widgets.help.hours import WEEKDAYS, BusinessHours, Closure, Interval
from widgets.help.rules import PAGE_TYPES, TRIGGERS, Rule, Trigger, Where, parse_rule, rule_schema, rule_to_dict
from widgets.help.validation import (
    DAY_SCHEMA,
    IDENTIFIER_SCHEMA,
    HelpSettingsError,
    choices,
    clock_time,
    day,
    email,
    email_schema,
    flag,
    https_url,
    https_url_schema,
    identifier,
    items,
    known_keys,
    localized,
    localized_schema,
    phone,
    phone_schema,
    table,
    text,
    whole,
)

SCHEMA_VERSION = 1
CHANNEL_KINDS = ("email", "phone", "chat", "whatsapp", "sms")
FAQ_SOURCES = ("shipping", "returns")  # answers written from the shop's facts, never by hand
MAX_CHANNELS = 6
MAX_FAQ = 30
MAX_RULES = 20
MAX_HOLIDAYS = 100
MAX_CLOSURES = 20
MAX_RETENTION_DAYS = 730
DEFAULT_IDLE_SECONDS = 45
DEFAULT_RULE = "idle"


@dataclass(frozen=True)
class Channel:
    kind: str
    value: str  # an address, a phone number or an https link, as the kind needs
    label: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FaqEntry:
    id: str
    question: Mapping[str, str] = field(default_factory=dict)  # empty for a sourced entry: the default question
    answer: Mapping[str, str] = field(default_factory=dict)
    source: str | None = None
    pages: tuple[str, ...] = ()
    triggers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Caps:
    per_session: int = 1
    every_days: int = 0  # at most one prompt per this many days (0: no limit beyond the session)
    dismiss_days: int = 7  # after a dismissal, none for this many days (0: for the rest of the session)


@dataclass(frozen=True)
class HelpSettings:
    enabled: bool = True
    support_email: str | None = None  # where requests are forwarded; None: the shop's contact email
    reply_minutes: int | None = None  # the merchant's stated typical reply time, in business minutes
    retention_days: int = 90
    channels: tuple[Channel, ...] = ()
    hours: BusinessHours | None = None  # None: not stated; the prompt then promises no times
    caps: Caps = Caps()
    faq: tuple[FaqEntry, ...] = ()
    rules: tuple[Rule, ...] = ()
    revision: int = 0


def default_help_settings(manifest_widgets: Mapping[str, Any]) -> HelpSettings:
    section: Mapping[str, Any] = manifest_widgets.get("help_prompts") or {}
    idle = int(section.get("idle_seconds", DEFAULT_IDLE_SECONDS))
    return HelpSettings(
        enabled=bool(section.get("enabled", True)),
        faq=(FaqEntry("shipping", source="shipping"), FaqEntry("returns", source="returns")),
        rules=(Rule(DEFAULT_RULE, Trigger("idle", seconds=idle), Where(pages=("product", "cart"))),),
    )


# --- validation -------------------------------------------------------------------------------------------


def _channel(raw: object, where: str) -> Channel:
    data = table(raw, where[:-1])
    known_keys(data, ("kind", "value", "label"), where)
    kind = data.get("kind")
    if kind not in CHANNEL_KINDS:
        raise HelpSettingsError(where + "kind", f"must be one of {', '.join(CHANNEL_KINDS)}")
    value = data.get("value")
    checked = {
        "email": email,
        "phone": phone,
        "sms": phone,
        "whatsapp": phone,
        "chat": https_url,
    }[kind](value, where + "value")
    label = localized(data["label"], where + "label", 60) if data.get("label") is not None else {}
    return Channel(kind, checked, label)


def _hours(raw: object, timezone: str) -> BusinessHours | None:
    if raw is None:
        return None
    data = table(raw, "hours")
    known_keys(data, ("timezone", "weekly", "holidays", "public_holidays", "closures"), "hours.")
    zone = data.get("timezone")
    if zone is None or zone == "":  # not given: the shop's (false, 0 or [] are no timezone, and refused)
        zone = timezone
    try:
        ZoneInfo(str(zone))
    except (ZoneInfoNotFoundError, ValueError):
        raise HelpSettingsError("hours.timezone", f"{excerpt(zone)} is not a timezone like Europe/Berlin") from None
    weekly_raw = table(data.get("weekly"), "hours.weekly")
    known_keys(weekly_raw, WEEKDAYS, "hours.weekly.")
    weekly = []
    for name in WEEKDAYS:
        intervals: list[Interval] = []
        for position, pair in enumerate(items(weekly_raw.get(name), f"hours.weekly.{name}", 4)):
            at = f"hours.weekly.{name}.{position}"
            if not isinstance(pair, list | tuple) or len(pair) != 2:
                raise HelpSettingsError(at, 'must be ["09:00", "17:00"]')
            start = clock_time(pair[0], at)
            end = clock_time(pair[1], at, allow_midnight_end=True)
            assert start is not None
            if end is not None and end <= start:
                raise HelpSettingsError(at, "must close after it opens (split hours past midnight over two days)")
            if intervals and (intervals[-1].end is None or start < intervals[-1].end):
                raise HelpSettingsError(at, "overlaps the interval before it (list intervals in order)")
            intervals.append(Interval(start, end))
        weekly.append(tuple(intervals))
    holidays = frozenset(
        day(value, f"hours.holidays.{position}")
        for position, value in enumerate(items(data.get("holidays"), "hours.holidays", MAX_HOLIDAYS))
    )
    closures = []
    for position, raw_closure in enumerate(items(data.get("closures"), "hours.closures", MAX_CLOSURES)):
        at = f"hours.closures.{position}."
        closure = table(raw_closure, at[:-1])
        known_keys(closure, ("from", "to", "note"), at)
        first, last = day(closure.get("from"), at + "from"), day(closure.get("to"), at + "to")
        if last < first:
            raise HelpSettingsError(at + "to", "must not be before from")
        notes = localized(closure["note"], at + "note", 120) if closure.get("note") is not None else {}
        closures.append(Closure(first, last, tuple(notes.items())))
    calendar = data.get("public_holidays")
    if calendar is not None:
        calendar = text(calendar, "hours.public_holidays", 10).upper()
        if not calendar[:2].isalpha() or len(calendar.partition("-")[0]) != 2:
            raise HelpSettingsError("hours.public_holidays", 'must be a country code like "DE" or "DE-BE"')
    return BusinessHours(str(zone), tuple(weekly), holidays, tuple(closures), calendar)


def _faq(raw: object, where: str) -> FaqEntry:
    data = table(raw, where[:-1])
    known_keys(data, ("id", "question", "answer", "source", "pages", "triggers"), where)
    entry_id = identifier(data.get("id"), where + "id")
    source = data.get("source")
    pages = choices(data.get("pages"), where + "pages", PAGE_TYPES)
    triggers = choices(data.get("triggers"), where + "triggers", TRIGGERS)
    question = localized(data["question"], where + "question", 200) if data.get("question") is not None else {}
    if source is not None:
        if source not in FAQ_SOURCES:
            raise HelpSettingsError(where + "source", f"must be one of {', '.join(FAQ_SOURCES)}")
        if data.get("answer") is not None:
            raise HelpSettingsError(where + "answer", "comes from the shop's facts for this entry; leave it out")
        return FaqEntry(entry_id, question, {}, str(source), pages, triggers)
    if not question:
        raise HelpSettingsError(where + "question", "is required")
    answer = localized(data.get("answer"), where + "answer", 1000, lines=True)
    return FaqEntry(entry_id, question, answer, None, pages, triggers)


def _caps(raw: object, base: Caps) -> Caps:
    data = table(raw, "caps")
    known_keys(data, ("per_session", "every_days", "dismiss_days"), "caps.")
    return Caps(
        per_session=whole(data.get("per_session", base.per_session), "caps.per_session", 1, 10),
        every_days=whole(data.get("every_days", base.every_days), "caps.every_days", 0, 365),
        dismiss_days=whole(data.get("dismiss_days", base.dismiss_days), "caps.dismiss_days", 0, 365),
    )


TOP_LEVEL = (
    "version",
    "revision",
    "enabled",
    "support_email",
    "reply_minutes",
    "retention_days",
    "channels",
    "hours",
    "caps",
    "faq",
    "rules",
)


def help_settings_from_dict(
    data: Mapping[str, Any], base: HelpSettings, *, timezone: str, idle_default: int = DEFAULT_IDLE_SECONDS
) -> HelpSettings:
    """Apply `data` over `base` (a missing key keeps its value; a given list replaces the whole list)."""
    if not isinstance(data, Mapping):
        raise HelpSettingsError("settings", "must be an object")
    known_keys(data, TOP_LEVEL, "")
    version = data.get("version", SCHEMA_VERSION)
    if isinstance(version, bool) or version != SCHEMA_VERSION:  # True == 1 in Python, not in JSON
        raise HelpSettingsError("version", f"unsupported help settings version {excerpt(data.get('version'))}")
    found = replace(base, enabled=flag(data.get("enabled", base.enabled), "enabled"))
    if "support_email" in data:
        address = data["support_email"]
        found = replace(found, support_email=None if address is None else email(address, "support_email"))
    if "reply_minutes" in data:
        minutes = data["reply_minutes"]
        found = replace(found, reply_minutes=None if minutes is None else whole(minutes, "reply_minutes", 1, 10080))
    if "retention_days" in data:
        found = replace(found, retention_days=whole(data["retention_days"], "retention_days", 1, MAX_RETENTION_DAYS))
    if "channels" in data:
        raw = items(data["channels"], "channels", MAX_CHANNELS)
        found = replace(found, channels=tuple(_channel(item, f"channels.{n}.") for n, item in enumerate(raw)))
    if "hours" in data:
        found = replace(found, hours=_hours(data["hours"], timezone))
    if "caps" in data:
        found = replace(found, caps=_caps(data["caps"], base.caps))
    if "faq" in data:
        faq = tuple(_faq(item, f"faq.{n}.") for n, item in enumerate(items(data["faq"], "faq", MAX_FAQ)))
        ids = [entry.id for entry in faq]
        if len(ids) != len(set(ids)):
            raise HelpSettingsError("faq", "every entry needs its own id")
        found = replace(found, faq=faq)
    faq_ids = frozenset(entry.id for entry in found.faq)
    raw_rules = data["rules"] if "rules" in data else [rule_to_dict(rule) for rule in base.rules]
    rules = tuple(
        parse_rule(item, f"rules.{n}.", faq_ids, idle_default)
        for n, item in enumerate(items(raw_rules, "rules", MAX_RULES))
    )
    if len({rule.id for rule in rules}) != len(rules):
        raise HelpSettingsError("rules", "every rule needs its own id")
    return replace(found, rules=rules)


def _hours_to_dict(hours: BusinessHours | None) -> dict[str, Any] | None:
    if hours is None:
        return None

    def clock(value: Any) -> str:
        return "24:00" if value is None else str(value.strftime("%H:%M"))

    return {
        "timezone": hours.timezone,
        "weekly": {
            name: [[clock(interval.start), clock(interval.end)] for interval in hours.weekly[position]]
            for position, name in enumerate(WEEKDAYS)
        },
        "holidays": sorted(day.isoformat() for day in hours.holidays),
        "public_holidays": hours.public_holidays,
        "closures": [
            {
                "from": closure.first.isoformat(),
                "to": closure.last.isoformat(),
                "note": dict(closure.notes) or None,
            }
            for closure in hours.closures
        ],
    }


def help_settings_to_dict(settings: HelpSettings) -> dict[str, Any]:
    return {
        "version": SCHEMA_VERSION,
        "revision": settings.revision,
        "enabled": settings.enabled,
        "support_email": settings.support_email,
        "reply_minutes": settings.reply_minutes,
        "retention_days": settings.retention_days,
        "channels": [
            {"kind": channel.kind, "value": channel.value, **({"label": dict(channel.label)} if channel.label else {})}
            for channel in settings.channels
        ],
        "hours": _hours_to_dict(settings.hours),
        "caps": {
            "per_session": settings.caps.per_session,
            "every_days": settings.caps.every_days,
            "dismiss_days": settings.caps.dismiss_days,
        },
        "faq": [
            {
                "id": entry.id,
                **({"source": entry.source} if entry.source else {"answer": dict(entry.answer)}),
                **({"question": dict(entry.question)} if entry.question else {}),
                "pages": list(entry.pages),
                "triggers": list(entry.triggers),
            }
            for entry in settings.faq
        ],
        "rules": [rule_to_dict(rule) for rule in settings.rules],
    }


def closure_note(closure: Closure, locale: str) -> str | None:
    notes = dict(closure.notes)
    return notes.get(locale) or next(iter(notes.values()), None)


# --- storage ----------------------------------------------------------------------------------------------


def help_settings_key(keys: Keys, shop: ShopRef) -> str:
    return keys.shop(shop, "settings", "help")


def parse_stored_help(text_value: str | None, defaults: HelpSettings, timezone: str) -> HelpSettings:
    """Stored settings over the defaults; unreadable data falls back to the defaults (never a 500)."""
    if text_value is None:
        return defaults
    try:
        data = json.loads(text_value)
        found = help_settings_from_dict(data, defaults, timezone=timezone)
        return replace(found, revision=int(data.get("revision", 0)))
    except (ValueError, TypeError):
        return defaults


async def load_help_settings(
    redis: RedisStore, keys: Keys, shop: ShopRef, defaults: HelpSettings, timezone: str
) -> HelpSettings:
    return parse_stored_help(as_optional_text(await redis.get(help_settings_key(keys, shop))), defaults, timezone)


async def save_help_settings(
    redis: RedisStore, keys: Keys, shop: ShopRef, changes: Mapping[str, Any], defaults: HelpSettings, timezone: str
) -> HelpSettings:
    """Validate `changes` over the current settings and store them whole with the next revision. Raises
    HelpSettingsError before writing anything."""
    current = await load_help_settings(redis, keys, shop, defaults, timezone)
    idle = next((rule.trigger.seconds for rule in defaults.rules if rule.trigger.type == "idle"), None)
    updated = help_settings_from_dict(changes, current, timezone=timezone, idle_default=idle or DEFAULT_IDLE_SECONDS)
    updated = replace(updated, revision=current.revision + 1)
    await redis.set(help_settings_key(keys, shop), json.dumps(help_settings_to_dict(updated), separators=(",", ":")))
    await bump_version(redis, keys, shop, "help")  # storefront processes renew the shop they keep (its hours)
    return updated


# --- as a JSON schema, for /openapi.json ---------------------------------------------------------------------


def _interval(start_hours: str, end: str) -> dict[str, Any]:
    """["09:00", "17:00"]: a start in `start_hours` (a regex of hours), an end matching `end`."""
    return {
        "type": "array",
        "minItems": 2,
        "maxItems": 2,
        "prefixItems": [
            {"type": "string", "pattern": f"^(?:{start_hours}):[0-5][0-9]$"},
            {"type": "string", "pattern": f"^(?:{end})$"},
        ],
    }


# JSON Schema cannot compare two times, so opening hours are published in three shapes whose order needs no
# comparison: open across noon, a morning (closing by noon), an afternoon (opening at noon or later).
_ACROSS_NOON = _interval("0[0-9]|1[01]", "(?:1[2-9]|2[0-3]):[0-5][0-9]|24:00")
_MORNING = _interval("0[0-9]", "1[01]:[0-5][0-9]|12:00")
_AFTERNOON = _interval("1[2-7]", "(?:1[89]|2[0-3]):[0-5][0-9]|24:00")


def _day_hours() -> dict[str, Any]:
    """Closed, one interval of those shapes, or a morning and an afternoon (the server takes up to four, in
    order, each closing after it opens)."""
    return {
        "anyOf": [
            {"type": "array", "maxItems": 1, "items": {"anyOf": [_ACROSS_NOON, _MORNING, _AFTERNOON]}},
            {"type": "array", "minItems": 2, "maxItems": 2, "prefixItems": [_MORNING, _AFTERNOON]},
            {"type": "null"},
        ]
    }


def _faq_schema() -> dict[str, Any]:
    common = {
        "id": IDENTIFIER_SCHEMA,
        "pages": {"anyOf": [json_choices(PAGE_TYPES, len(PAGE_TYPES)), {"type": "null"}]},
        "triggers": {"anyOf": [json_choices(TRIGGERS, len(TRIGGERS)), {"type": "null"}]},
    }
    return {
        "anyOf": [
            {  # answered from the shop's facts: the question is optional, no answer
                "type": "object",
                "required": ["id", "source"],
                "properties": {
                    **common,
                    "source": {"enum": list(FAQ_SOURCES)},
                    "question": {"anyOf": [localized_schema(200), {"type": "null"}]},
                    "answer": {"type": "null"},
                },
                "additionalProperties": False,
            },
            {  # written by the merchant
                "type": "object",
                "required": ["id", "question", "answer"],
                "properties": {
                    **common,
                    "source": {"type": "null"},
                    "question": localized_schema(200),
                    "answer": localized_schema(1000, lines=True),
                },
                "additionalProperties": False,
            },
        ]
    }


def help_settings_schema() -> dict[str, Any]:
    """What `help_settings_from_dict` accepts as a change. Where JSON Schema cannot compare values it is
    stricter than the server: ids must differ, so besides the default ids (shipping, returns; idle) one FAQ entry
    and one rule, no closures (to >= from),
    weekly hours as above; a new FAQ comes with its rules (stored rules may name entries it drops)."""
    channel = {
        "type": "object",
        "required": ["kind", "value"],
        "properties": {
            "kind": {"enum": list(CHANNEL_KINDS)},
            "value": {"type": "string"},
            "label": {"anyOf": [localized_schema(60), {"type": "null"}]},
        },
        "additionalProperties": False,
        "allOf": [
            {"if": {"properties": {"kind": {"enum": kinds}}}, "then": {"properties": {"value": schema}}}
            for kinds, schema in (
                (["email"], email_schema()),
                (["phone", "sms", "whatsapp"], phone_schema()),
                (["chat"], https_url_schema()),
            )
        ],
    }
    hours = {
        "type": ["object", "null"],
        "properties": {
            "timezone": {"enum": [*sorted(available_timezones()), "", None]},
            "weekly": {
                "type": ["object", "null"],
                "properties": dict.fromkeys(WEEKDAYS, _day_hours()),
                "additionalProperties": False,
            },
            "holidays": {"anyOf": [{"type": "array", "items": DAY_SCHEMA, "maxItems": MAX_HOLIDAYS}, {"type": "null"}]},
            "public_holidays": {
                "anyOf": [{"type": "string", "pattern": "^[A-Z]{2}(?:-[A-Z0-9]{1,3})?$"}, {"type": "null"}]
            },
            "closures": {"anyOf": [{"type": "array", "maxItems": 0}, {"type": "null"}]},
        },
        "additionalProperties": False,
    }
    caps = {
        "type": ["object", "null"],
        "properties": {
            "per_session": {"type": "integer", "minimum": 1, "maximum": 10},
            "every_days": {"type": "integer", "minimum": 0, "maximum": 365},
            "dismiss_days": {"type": "integer", "minimum": 0, "maximum": 365},
        },
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {
            "version": {"const": SCHEMA_VERSION},
            "revision": {"description": "as GET returns it; ignored"},
            "enabled": {"type": "boolean"},
            "support_email": {"anyOf": [email_schema(), {"type": "null"}]},
            "reply_minutes": {"anyOf": [{"type": "integer", "minimum": 1, "maximum": 10080}, {"type": "null"}]},
            "retention_days": {"type": "integer", "minimum": 1, "maximum": MAX_RETENTION_DAYS},
            "channels": {"anyOf": [{"type": "array", "items": channel, "maxItems": MAX_CHANNELS}, {"type": "null"}]},
            "hours": hours,
            "caps": caps,
            "faq": {"anyOf": [{**distinct_ids(FAQ_SOURCES), "items": _faq_schema()}, {"type": "null"}]},
            "rules": {"anyOf": [{**distinct_ids([DEFAULT_RULE]), "items": rule_schema()}, {"type": "null"}]},
        },
        "additionalProperties": False,
        "dependentRequired": {"faq": ["rules"]},
    }
