"""Per-shop settings of post-purchase emails: stages on/off, merchant texts per stage and locale, timing, soft
opt-in, quiet hours and the marketing frequency cap. Stored as JSON under ``email:settings``.

Merchant texts are checked in the sandbox when saved, so a broken or hostile template is refused with a reason;
one that still fails when a message is rendered falls back to the default wording (see plugin.email.render).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import time
from typing import Any
from urllib.parse import urlsplit

from plugin.email.problems import clear_template_problems
from plugin.email.sandbox import MerchantTemplateError, render_merchant_text
from plugin.email.stages import Stage
from plugin.email.variables import sample_variables
from plugin.email.wording import LOCALES
from plugin.json_schema import whole_number
from plugin.keys import ShopRef
from plugin.services import Services
from plugin.storage import as_optional_text

SCHEMA_VERSION = 1
FEEDBACK_KINDS = ("csat", "nps", "review")
TEXT_FIELDS = {"subject": 200, "intro": 2000, "body": 5000}
MAX_DELAY_DAYS = 90
MAX_CAP_DAYS = 90
DISABLED_BY_DEFAULT = frozenset({Stage.RECOMMENDATIONS})


class JourneySettingsError(ValueError):
    """A setting we refuse; `field` is its dotted path and `reason` is safe to show the merchant."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class TemplateOverride:
    """Merchant texts for one stage and locale; None keeps the default wording for that part."""

    subject: str | None = None
    intro: str | None = None
    body: str | None = None

    def parts(self) -> dict[str, str]:
        return {
            name: value
            for name, value in (("subject", self.subject), ("intro", self.intro), ("body", self.body))
            if value
        }


@dataclass(frozen=True)
class StageSettings:
    enabled: bool = True
    overrides: Mapping[str, TemplateOverride] = field(default_factory=dict)  # locale -> texts


@dataclass(frozen=True)
class QuietHours:
    start: time = time(21, 0)
    end: time = time(8, 0)


@dataclass(frozen=True)
class JourneySettings:
    stages: Mapping[Stage, StageSettings] = field(default_factory=dict)
    feedback_kind: str = "csat"
    feedback_delay_days: int = 7
    recommendations_delay_days: int = 14
    review_url: str | None = None
    shop_url: str | None = None
    help_url: str | None = None
    soft_opt_in: bool = False  # the merchant attests: address taken in a sale, opt-out offered at checkout
    quiet_hours: QuietHours | None = QuietHours()
    marketing_cap_days: int = 7

    def stage(self, stage: Stage) -> StageSettings:
        return self.stages.get(stage) or StageSettings(enabled=stage not in DISABLED_BY_DEFAULT)

    def enabled(self, stage: Stage) -> bool:
        return self.stage(stage).enabled

    def override(self, stage: Stage, locale: str) -> TemplateOverride | None:
        return self.stage(stage).overrides.get(locale)

    def with_stage(self, stage: Stage, settings: StageSettings) -> JourneySettings:
        return replace(self, stages={**self.stages, stage: settings})


def settings_key(services: Services, shop: ShopRef) -> str:
    return services.keys.shop(shop, "email", "settings")


# --- validation and JSON ------------------------------------------------------------------------------------


def check_override(override: TemplateOverride, where: str, sample: Mapping[str, Any]) -> None:
    """Raise JourneySettingsError when a merchant text is too long or does not render with the sample order."""
    for name, limit in TEXT_FIELDS.items():
        source = getattr(override, name)
        if source is None:
            continue
        if len(source) > limit:
            raise JourneySettingsError(f"{where}.{name}", f"at most {limit} characters")
        try:
            render_merchant_text(source, sample)
        except MerchantTemplateError as exc:
            raise JourneySettingsError(f"{where}.{name}", exc.reason) from None


def _int(data: Mapping[str, Any], name: str, default: int, low: int, high: int) -> int:
    value = whole_number(data.get(name, default))
    if value is None or not low <= value <= high:
        raise JourneySettingsError(name, f"a whole number from {low} to {high}")
    return value


def _url(data: Mapping[str, Any], name: str) -> str | None:
    value = data.get(name)
    if value in (None, ""):
        return None
    try:
        parts = urlsplit(str(value))
    except ValueError:  # e.g. an unclosed [ in the host
        raise JourneySettingsError(name, "an https:// address") from None
    if parts.scheme != "https" or not parts.netloc:
        raise JourneySettingsError(name, "an https:// address")
    return str(value)


def _time(value: Any, where: str) -> time:
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise JourneySettingsError(where, "a time like 21:00") from None


def _override(data: Any, where: str) -> TemplateOverride:
    if not isinstance(data, Mapping):
        raise JourneySettingsError(where, "an object with subject, intro and body")
    unknown = set(data) - set(TEXT_FIELDS)
    if unknown:
        raise JourneySettingsError(where, f"unknown field {sorted(unknown)[0]!r}")
    texts: dict[str, str | None] = {}
    for name in TEXT_FIELDS:
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            raise JourneySettingsError(f"{where}.{name}", "text")
        texts[name] = value.strip() or None if isinstance(value, str) else None
    return TemplateOverride(**texts)


def journey_settings_from_dict(data: Mapping[str, Any], *, sample: Mapping[str, Any] | None = None) -> JourneySettings:
    """Validate merchant input (or stored JSON). With `sample`, every merchant text must render against it."""
    version = data.get("version", SCHEMA_VERSION)
    if isinstance(version, bool) or version != SCHEMA_VERSION:  # True == 1 in Python, not in JSON
        raise JourneySettingsError("version", f"unsupported version {version!r}")
    stages: dict[Stage, StageSettings] = {}
    raw_stages = data.get("stages", {})
    if not isinstance(raw_stages, Mapping):
        raise JourneySettingsError("stages", "an object keyed by stage")
    for name, raw in raw_stages.items():
        try:
            stage = Stage(name)
        except ValueError:
            raise JourneySettingsError(f"stages.{name}", "unknown stage") from None
        if not isinstance(raw, Mapping):
            raise JourneySettingsError(f"stages.{name}", "an object")
        overrides: dict[str, TemplateOverride] = {}
        raw_overrides = raw.get("overrides", {})
        if not isinstance(raw_overrides, Mapping):
            raise JourneySettingsError(f"stages.{name}.overrides", "an object keyed by locale")
        for locale, texts in raw_overrides.items():
            if locale not in LOCALES:
                raise JourneySettingsError(f"stages.{name}.overrides.{locale}", f"locale must be one of {LOCALES}")
            override = _override(texts, f"stages.{name}.overrides.{locale}")
            if sample is not None:
                check_override(override, f"stages.{name}.overrides.{locale}", sample)
            if override.parts():
                overrides[locale] = override
        enabled = raw.get("enabled", stage not in DISABLED_BY_DEFAULT)
        if not isinstance(enabled, bool):
            raise JourneySettingsError(f"stages.{name}.enabled", "true or false")
        stages[stage] = StageSettings(enabled=enabled, overrides=overrides)
    kind = data.get("feedback_kind", "csat")
    if kind not in FEEDBACK_KINDS:
        raise JourneySettingsError("feedback_kind", f"one of {', '.join(FEEDBACK_KINDS)}")
    quiet: QuietHours | None = None
    raw_quiet = data.get("quiet_hours", {"start": "21:00", "end": "08:00"})
    if raw_quiet is not None:
        if not isinstance(raw_quiet, Mapping):
            raise JourneySettingsError("quiet_hours", "an object with start and end, or null")
        quiet = QuietHours(
            _time(raw_quiet.get("start"), "quiet_hours.start"), _time(raw_quiet.get("end"), "quiet_hours.end")
        )
    soft = data.get("soft_opt_in", False)
    if not isinstance(soft, bool):
        raise JourneySettingsError("soft_opt_in", "true or false")
    return JourneySettings(
        stages=stages,
        feedback_kind=str(kind),
        feedback_delay_days=_int(data, "feedback_delay_days", 7, 1, MAX_DELAY_DAYS),
        recommendations_delay_days=_int(data, "recommendations_delay_days", 14, 1, MAX_DELAY_DAYS),
        review_url=_url(data, "review_url"),
        shop_url=_url(data, "shop_url"),
        help_url=_url(data, "help_url"),
        soft_opt_in=soft,
        quiet_hours=quiet,
        marketing_cap_days=_int(data, "marketing_cap_days", 7, 0, MAX_CAP_DAYS),
    )


# A merchant text that is plain text to Jinja: no {{, {% or {# (texts with variables are accepted when they
# render with the sample order, which a schema cannot say).
PLAIN_TEXT_PATTERN = r"^(?:[^{]|\{[^{%#])*\{?$"
_CLOCK = "^([01][0-9]|2[0-3]):[0-5][0-9]$"
_HTTPS = r"^https://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:[/?#]\S*)?$"


def journey_settings_schema() -> dict[str, Any]:
    """A change to the settings as /openapi.json publishes it: what `journey_settings_from_dict` accepts once
    merged over the current settings (objects merge key by key; other keys are ignored)."""
    texts = {
        "type": "object",
        "properties": {
            name: {"anyOf": [{"type": "string", "maxLength": limit, "pattern": PLAIN_TEXT_PATTERN}, {"type": "null"}]}
            for name, limit in TEXT_FIELDS.items()
        },
        "additionalProperties": False,
    }
    stage = {
        "type": "object",
        "properties": {
            "enabled": {"type": "boolean"},
            "overrides": {
                "type": "object",
                "properties": dict.fromkeys(LOCALES, texts),
                "additionalProperties": False,
            },
        },
    }
    link = {"anyOf": [{"type": "string", "pattern": _HTTPS}, {"enum": [None, ""]}]}
    days = {"type": "integer", "minimum": 1, "maximum": MAX_DELAY_DAYS}
    return {
        "type": "object",
        "properties": {
            "version": {"const": SCHEMA_VERSION},
            "stages": {
                "type": "object",
                "properties": {stage_name.value: stage for stage_name in Stage},
                "additionalProperties": False,
            },
            "feedback_kind": {"enum": list(FEEDBACK_KINDS)},
            "feedback_delay_days": days,
            "recommendations_delay_days": days,
            "review_url": link,
            "shop_url": link,
            "help_url": link,
            "soft_opt_in": {"type": "boolean"},
            "quiet_hours": {
                "anyOf": [
                    {
                        "type": "object",
                        "required": ["start", "end"],  # the stored hours may be null: nothing to merge over
                        "properties": {
                            "start": {"type": "string", "pattern": _CLOCK},
                            "end": {"type": "string", "pattern": _CLOCK},
                        },
                    },
                    {"type": "null"},
                ]
            },
            "marketing_cap_days": {"type": "integer", "minimum": 0, "maximum": MAX_CAP_DAYS},
        },
    }


def journey_settings_to_dict(settings: JourneySettings) -> dict[str, Any]:
    return {
        "version": SCHEMA_VERSION,
        "stages": {
            stage.value: {
                "enabled": settings.enabled(stage),
                "overrides": {
                    locale: {"subject": o.subject, "intro": o.intro, "body": o.body}
                    for locale, o in settings.stage(stage).overrides.items()
                },
            }
            for stage in Stage
        },
        "feedback_kind": settings.feedback_kind,
        "feedback_delay_days": settings.feedback_delay_days,
        "recommendations_delay_days": settings.recommendations_delay_days,
        "review_url": settings.review_url,
        "shop_url": settings.shop_url,
        "help_url": settings.help_url,
        "soft_opt_in": settings.soft_opt_in,
        "quiet_hours": None
        if settings.quiet_hours is None
        else {"start": settings.quiet_hours.start.strftime("%H:%M"), "end": settings.quiet_hours.end.strftime("%H:%M")},
        "marketing_cap_days": settings.marketing_cap_days,
    }


async def load_journey_settings(services: Services, shop: ShopRef) -> JourneySettings:
    """The shop's settings; defaults when none are saved (or the stored copy no longer validates)."""
    text = as_optional_text(await services.redis.get(settings_key(services, shop)))
    if text is None:
        return JourneySettings()
    try:
        return journey_settings_from_dict(json.loads(text))
    except (JourneySettingsError, json.JSONDecodeError):
        return JourneySettings()


async def save_journey_settings(services: Services, shop: ShopRef, settings: JourneySettings) -> None:
    """Validate every merchant text against the sample order, then store; raises JourneySettingsError."""
    data = journey_settings_to_dict(settings)
    journey_settings_from_dict(data, sample=sample_variables())
    await services.redis.set(settings_key(services, shop), json.dumps(data, separators=(",", ":")))
    await clear_template_problems(services, shop)
