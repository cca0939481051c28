"""Per-shop widget settings (estimator, trust badges, holdout): defaults from app.toml, validation, storage."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import time
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from plugin.catalogs import LOCALES as LOCALES  # re-exported: the languages merchant texts may be written in
from plugin.excerpt import excerpt
from plugin.json_schema import WHITESPACE, choices, closed, nullable, ordered_pair, whole_number
from plugin.keys import Keys, ShopRef
from plugin.rates import LocalDelivery, MerchantOverrides, MethodOverride, local_delivery_to_dict
from plugin.shop_data import bump_version
from plugin.storage import RedisStore, as_optional_text

SCHEMA_VERSION = 1
PLACEMENTS = ("product", "cart", "footer")
PLACEMENT_SCHEMA = {"type": "string", "enum": list(PLACEMENTS)}
BADGE_KINDS = (
    "secure_checkout",
    "free_returns",
    "money_back",
    "payment_methods",
    "delivery_promise",
    "support",
    "on_time",
)
# Payment methods a merchant may confirm (neither platform lists accepted card brands through its admin API).
PAYMENT_METHOD_CHOICES = (
    "Visa",
    "Mastercard",
    "American Express",
    "Discover",
    "Maestro",
    "PayPal",
    "Klarna",
    "Apple Pay",
    "Google Pay",
    "Shop Pay",
    "Amazon Pay",
    "Bank transfer",
    "Cash on delivery",
)
MAX_RETURN_WINDOW_DAYS = 365
MAX_HOLDOUT_PERCENT = 50
MAX_TEXT = 120
MAX_PROCESSING_DAYS = 30
MAX_TRANSIT_DAYS = 60
MAX_METHOD_COSTS = 50
MAX_LOCAL_POSTCODES = 2000
# A postcode, or the start of postcodes with "*"; the admin's text box separates them with commas, semicolons or
# white space (spelled out, as JSON Schema's \\s differs from Python's).
LOCAL_POSTCODE = r"[A-Za-z0-9][A-Za-z0-9-]{0,9}\*?"
POSTCODE_SEPARATORS = " ,;\t\r\n"
MAX_COST = Decimal(100_000)
COST_PLACES = 2
CENT = Decimal(1).scaleb(-COST_PLACES)


class WidgetSettingsError(ValueError):
    """A setting we refuse; `field` is its dotted path and `reason` is safe to show the merchant."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class EstimatorSettings:
    enabled: bool = True
    placements: tuple[str, ...] = ("product", "cart")
    heading: str | None = None  # merchant text; None = "Shipping to <country>"
    show_countdown: bool = True
    processing_days: int | None = None  # None = what the platform says
    cutoff: time | None = None
    default_transit_days: tuple[int, int] | None = None
    method_transit_days: Mapping[str, tuple[int, int]] | None = None  # method name or id -> [min, max]
    # method name or id -> the merchant's typical price of a carrier-calculated method, in the shop currency
    method_typical_costs: Mapping[str, Decimal] = field(default_factory=dict)
    local_delivery: LocalDelivery | None = None  # the merchant's own delivery to nearby postcodes; None: off

    def overrides(self) -> MerchantOverrides:
        transit, costs = self.method_transit_days or {}, self.method_typical_costs
        methods = tuple(
            MethodOverride(method=name, typical_cost=costs.get(name), transit_days=transit.get(name))
            for name in dict.fromkeys([*transit, *costs])
        )
        return MerchantOverrides(
            processing_days=self.processing_days,
            cutoff=self.cutoff,
            default_transit_days=self.default_transit_days,
            methods=methods,
            local_delivery=self.local_delivery,
        )


@dataclass(frozen=True)
class BadgeSettings:
    enabled: bool = True
    placements: tuple[str, ...] = ("product", "cart")
    kinds: tuple[str, ...] = BADGE_KINDS
    # What only the merchant can state (no platform field): see widgets.badges.sources for how each is used.
    free_returns_confirmed: bool = False  # the merchant states returns cost the shopper nothing
    money_back_confirmed: bool = False  # the merchant states returns are refunded in money, not store credit
    return_window_days: int | None = None  # the merchant's return window; checked against the policy text
    return_policy_url: str | None = None  # the policy page, where the platform publishes none (BigCommerce)
    payment_methods: tuple[str, ...] = ()  # from PAYMENT_METHOD_CHOICES; checked against the platform's wallets
    support_hours: str | None = None  # merchant text, e.g. "Mon–Fri 9:00–17:00"
    support_url: str | None = None


@dataclass(frozen=True)
class WidgetSettings:
    holdout_percent: int = 10
    locale: str | None = None  # None = the storefront's language, then the shop's
    fallback_locale: str = "en"
    estimator: EstimatorSettings = EstimatorSettings()
    badges: BadgeSettings = BadgeSettings()
    # schema.org shipping and return facts for search engines (widgets/structured_data). Off by default: with it
    # on, a product page loads about 0.5 KB more before interaction, past the 10 KB budget with every widget on.
    structured_data: bool = False


# --- defaults from app.toml [widgets] ---------------------------------------------------------------------


def default_settings(manifest_widgets: Mapping[str, Any]) -> WidgetSettings:
    """The app-wide defaults; a malformed [widgets] table fails loudly here, at startup or in `upfront check`."""
    estimator: Mapping[str, Any] = manifest_widgets.get("estimator") or {}
    badges: Mapping[str, Any] = manifest_widgets.get("trust_badges") or {}
    locale = manifest_widgets.get("locale", "en")
    base = WidgetSettings(fallback_locale=locale if locale in LOCALES else "en")
    return settings_from_dict(
        {
            "holdout_percent": manifest_widgets.get("holdout_percent", base.holdout_percent),
            "estimator": {
                "enabled": estimator.get("enabled", True),
                "processing_days": estimator.get("processing_days"),
                "cutoff": estimator.get("cutoff_time"),
            },
            "badges": {
                "enabled": badges.get("enabled", True),
                "placements": badges.get("placement", list(base.badges.placements)),
            },
        },
        base,
    )


# --- validation -------------------------------------------------------------------------------------------


def _known_keys(data: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    for key in data:
        if key not in allowed:
            raise WidgetSettingsError(f"{where}{key}", "is not a setting")


def _table(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise WidgetSettingsError(key, "must be an object")
    return value


def _flag(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise WidgetSettingsError(field, "must be true or false")
    return value


def _whole(raw: object, field: str, low: int, high: int) -> int:
    value = whole_number(raw)
    if value is None:
        raise WidgetSettingsError(field, "must be a whole number")
    if not low <= value <= high:
        raise WidgetSettingsError(field, f"must be between {low} and {high}")
    return value


def _text(value: object, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise WidgetSettingsError(field, "must be text")
    cleaned = " ".join(value.split())
    if len(cleaned) > MAX_TEXT:
        raise WidgetSettingsError(field, f"must be at most {MAX_TEXT} characters")
    return cleaned or None


def _choices(value: object, field: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        raise WidgetSettingsError(field, "must be a list of names")
    for item in value:
        if item not in allowed:
            raise WidgetSettingsError(field, f"{excerpt(item)} is not one of {', '.join(allowed)}")
    return tuple(dict.fromkeys(value))


def _cutoff(value: object, field: str) -> time | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise WidgetSettingsError(field, 'must be a time like "14:00"')
    try:
        parsed = time.fromisoformat(value)
    except ValueError:
        raise WidgetSettingsError(field, f'{excerpt(value)} is not a time like "14:00"') from None
    if parsed.tzinfo is not None or parsed.second or parsed.microsecond:
        raise WidgetSettingsError(field, 'must be hours and minutes in shop time, like "14:00"')
    return parsed


def _transit(value: object, field: str) -> tuple[int, int] | None:
    if value is None:
        return None
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise WidgetSettingsError(field, "must be [fewest, most] business days")
    low = _whole(value[0], field, 0, MAX_TRANSIT_DAYS)
    high = _whole(value[1], field, 0, MAX_TRANSIT_DAYS)
    if low > high:
        raise WidgetSettingsError(field, "the fewest days must not exceed the most")
    return low, high


def _amount(value: object, field: str) -> Decimal:
    """A money amount as a decimal string (or a whole number): never a float's binary approximation."""
    if isinstance(value, float) and value.is_integer():  # 9.0 is a whole number to JSON (Schema) too
        value = whole_number(value)
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise WidgetSettingsError(field, 'must be an amount like "9.50"')
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise WidgetSettingsError(field, f'{excerpt(value)} is not an amount like "9.50"') from None
    if not amount.is_finite():
        raise WidgetSettingsError(field, 'must be an amount like "9.50"')
    if amount < 0:
        raise WidgetSettingsError(field, "must not be negative")
    if amount > MAX_COST:
        raise WidgetSettingsError(field, f"must be at most {MAX_COST}")
    if amount != amount.quantize(CENT):
        raise WidgetSettingsError(field, f"must have at most {COST_PLACES} decimal places")
    exponent = amount.as_tuple().exponent
    return amount if isinstance(exponent, int) and -COST_PLACES <= exponent <= 0 else amount.quantize(CENT)


def _method_costs(value: object, field: str) -> dict[str, Decimal]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise WidgetSettingsError(field, 'must map method names to amounts like "9.50"')
    if len(value) > MAX_METHOD_COSTS:
        raise WidgetSettingsError(field, f"must name at most {MAX_METHOD_COSTS} methods")
    costs: dict[str, Decimal] = {}
    for name, amount in value.items():
        label = _text(name, field)
        found = _amount(amount, f"{field}.{name}")
        if label:
            costs[label] = found
    return costs


def _local_postcodes(value: object, field: str) -> tuple[str, ...]:
    if isinstance(value, str):  # the admin's text box: separators around the codes are no codes
        value = [code for code in re.split(f"[{POSTCODE_SEPARATORS}]+", value) if code]
    if not isinstance(value, list | tuple) or not all(isinstance(code, str) for code in value):
        raise WidgetSettingsError(field, 'must be postcodes like "10115" or "101*", as a list or separated by commas')
    codes = list(value)
    for code in codes:
        if not re.fullmatch(LOCAL_POSTCODE, code):
            raise WidgetSettingsError(
                field, f'{excerpt(code)} is not a postcode (or a start of postcodes, like "101*")'
            )
    if len(codes) > MAX_LOCAL_POSTCODES:
        raise WidgetSettingsError(field, f"must list at most {MAX_LOCAL_POSTCODES} postcodes")
    return tuple(dict.fromkeys(code.upper() for code in codes))


def _local_delivery(value: object, field: str) -> LocalDelivery | None:
    """Off (None) when no postcode is listed; otherwise the price is required (0 for free). The other fields are
    checked either way, so a form saved with local delivery off still says what is wrong in it."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise WidgetSettingsError(field, "must be an object with postcodes, price, minimum_order and days")
    _known_keys(value, ("postcodes", "price", "minimum_order", "days"), field + ".")
    if "postcodes" not in value:
        raise WidgetSettingsError(field + ".postcodes", "is required (empty for no local delivery)")
    postcodes = _local_postcodes(value["postcodes"], field + ".postcodes")
    price, minimum = value.get("price"), value.get("minimum_order")
    checked_price = None if price is None else _amount(price, field + ".price")
    checked_minimum = None if minimum is None else _amount(minimum, field + ".minimum_order")
    days = _transit(value.get("days"), field + ".days") or (0, 1)
    if not postcodes:
        return None
    if checked_price is None:
        raise WidgetSettingsError(field + ".price", "a price is required for local delivery (0 for free)")
    return LocalDelivery(postcodes=postcodes, price=checked_price, minimum_order=checked_minimum, days=days)


def _https_url(value: object, field: str) -> str | None:
    text = _text(value, field)
    if text is None:
        return None
    parts = urlsplit(text)
    if parts.scheme not in ("https", "mailto") or not (parts.netloc or parts.scheme == "mailto"):
        raise WidgetSettingsError(field, "must be an https:// or mailto: link")
    return text


def _estimator(data: Mapping[str, Any], base: EstimatorSettings) -> EstimatorSettings:
    where = "estimator."
    allowed = (
        "enabled",
        "placements",
        "heading",
        "show_countdown",
        "processing_days",
        "cutoff",
        "default_transit_days",
        "method_transit_days",
        "method_typical_costs",
        "local_delivery",
    )
    _known_keys(data, allowed, where)
    processing = data.get("processing_days", base.processing_days)
    if processing is not None:
        processing = _whole(processing, where + "processing_days", 0, MAX_PROCESSING_DAYS)
    methods_raw = data.get("method_transit_days", base.method_transit_days)
    methods: dict[str, tuple[int, int]] | None = None
    if methods_raw is not None:
        if not isinstance(methods_raw, Mapping):
            raise WidgetSettingsError(where + "method_transit_days", "must map method names to [fewest, most]")
        methods = {}
        for name, days in methods_raw.items():
            label = _text(name, where + "method_transit_days")
            found = _transit(days, f"{where}method_transit_days.{name}")
            if label and found:
                methods[label] = found
    return EstimatorSettings(
        enabled=_flag(data.get("enabled", base.enabled), where + "enabled"),
        placements=_choices(data.get("placements", base.placements), where + "placements", PLACEMENTS),
        heading=_text(data.get("heading", base.heading), where + "heading"),
        show_countdown=_flag(data.get("show_countdown", base.show_countdown), where + "show_countdown"),
        processing_days=processing,
        cutoff=_cutoff(data["cutoff"], where + "cutoff") if "cutoff" in data else base.cutoff,
        default_transit_days=_transit(
            data.get("default_transit_days", base.default_transit_days), where + "default_transit_days"
        ),
        method_transit_days=methods,
        method_typical_costs=_method_costs(
            data.get("method_typical_costs", base.method_typical_costs), where + "method_typical_costs"
        ),
        local_delivery=_local_delivery(data["local_delivery"], where + "local_delivery")
        if "local_delivery" in data
        else base.local_delivery,
    )


def _badges(data: Mapping[str, Any], base: BadgeSettings) -> BadgeSettings:
    where = "badges."
    allowed = (
        "enabled",
        "placements",
        "kinds",
        "free_returns_confirmed",
        "money_back_confirmed",
        "return_window_days",
        "return_policy_url",
        "payment_methods",
        "support_hours",
        "support_url",
    )
    _known_keys(data, allowed, where)
    window = data.get("return_window_days", base.return_window_days)
    policy_url = _https_url(data.get("return_policy_url", base.return_policy_url), where + "return_policy_url")
    if policy_url is not None and not policy_url.startswith("https://"):
        raise WidgetSettingsError(where + "return_policy_url", "must be an https:// link to your policy page")
    return BadgeSettings(
        enabled=_flag(data.get("enabled", base.enabled), where + "enabled"),
        placements=_choices(data.get("placements", base.placements), where + "placements", PLACEMENTS),
        kinds=_choices(data.get("kinds", base.kinds), where + "kinds", BADGE_KINDS),
        free_returns_confirmed=_flag(
            data.get("free_returns_confirmed", base.free_returns_confirmed), where + "free_returns_confirmed"
        ),
        money_back_confirmed=_flag(
            data.get("money_back_confirmed", base.money_back_confirmed), where + "money_back_confirmed"
        ),
        return_window_days=None
        if window is None
        else _whole(window, where + "return_window_days", 1, MAX_RETURN_WINDOW_DAYS),
        return_policy_url=policy_url,
        payment_methods=_choices(
            data.get("payment_methods", base.payment_methods), where + "payment_methods", PAYMENT_METHOD_CHOICES
        ),
        support_hours=_text(data.get("support_hours", base.support_hours), where + "support_hours"),
        support_url=_https_url(data.get("support_url", base.support_url), where + "support_url"),
    )


def settings_from_dict(data: Mapping[str, Any], base: WidgetSettings) -> WidgetSettings:
    """Apply `data` over `base` (missing keys keep their value); raises WidgetSettingsError on the first fault."""
    if not isinstance(data, Mapping):
        raise WidgetSettingsError("settings", "must be an object")
    _known_keys(data, ("version", "holdout_percent", "locale", "estimator", "badges", "structured_data"), "")
    version = data.get("version", SCHEMA_VERSION)
    if isinstance(version, bool) or version != SCHEMA_VERSION:  # True == 1 in Python, not in JSON
        raise WidgetSettingsError("version", f"unsupported settings version {excerpt(data.get('version'))}")
    locale = data.get("locale", base.locale)
    if locale is not None and locale not in LOCALES:
        raise WidgetSettingsError("locale", f"must be one of {', '.join(LOCALES)} or null (follow the storefront)")
    return replace(
        base,
        holdout_percent=_whole(
            data.get("holdout_percent", base.holdout_percent), "holdout_percent", 0, MAX_HOLDOUT_PERCENT
        ),
        locale=locale,
        estimator=_estimator(_table(data, "estimator"), base.estimator),
        badges=_badges(_table(data, "badges"), base.badges),
        structured_data=_flag(data.get("structured_data", base.structured_data), "structured_data"),
    )


CUTOFF_PATTERN = "^([01][0-9]|2[0-3]):[0-5][0-9]$"
# `_amount` without exponents, signs or spaces: from 0 to MAX_COST, at most COST_PLACES decimals.
AMOUNT_SCHEMA = {
    "anyOf": [
        {
            "type": "string",
            "pattern": rf"^(?:[0-9]{{1,5}}(?:\.[0-9]{{1,{COST_PLACES}}})?|100000(?:\.0{{1,{COST_PLACES}}})?)$",
        },
        {"type": "integer", "minimum": 0, "maximum": int(MAX_COST)},
    ]
}
assert MAX_COST == 100_000, "AMOUNT_SCHEMA spells the largest amount out"
# `_https_url` once `_text` has collapsed whitespace: none inside, a host after https://.
LINK_PATTERN = r"^(?:https://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:[/?#]\S*)?|mailto:\S*)$"
HTTPS_LINK_PATTERN = r"^https://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:[/?#]\S*)?$"


def _local_delivery_schema(*, on: bool) -> dict[str, Any]:
    """On: at least one postcode and a price. Off: no postcode (the rest is still checked, and may be null)."""
    separators = f"[{POSTCODE_SEPARATORS}]"
    listed = {
        "type": "array",
        "items": {"type": "string", "pattern": f"^{LOCAL_POSTCODE}$"},
        "minItems": 1 if on else 0,
        "maxItems": MAX_LOCAL_POSTCODES if on else 0,
    }
    # At least two characters a postcode in the text form, so it never holds more than the most allowed.
    typed = {
        "type": "string",
        "maxLength": 2 * MAX_LOCAL_POSTCODES,
        "pattern": f"^{separators}*(?:{LOCAL_POSTCODE}(?:{separators}+|$))+$" if on else f"^{separators}*$",
    }
    return closed(
        {
            "postcodes": {"anyOf": [listed, typed]},
            "price": AMOUNT_SCHEMA if on else nullable(AMOUNT_SCHEMA),
            "minimum_order": nullable(AMOUNT_SCHEMA),
            "days": nullable(ordered_pair(0, MAX_TRANSIT_DAYS)),
        },
        required=("postcodes", "price") if on else ("postcodes",),
    )


def widget_settings_schema() -> dict[str, Any]:
    """What `settings_from_dict` accepts as a change, for /openapi.json (the same names, ranges and limits)."""
    text = {"type": "string", "maxLength": MAX_TEXT}
    names = {"type": "string", "maxLength": MAX_TEXT}
    estimator = closed(
        {
            "enabled": {"type": "boolean"},
            "placements": choices(PLACEMENTS),
            "heading": nullable(text),
            "show_countdown": {"type": "boolean"},
            "processing_days": nullable({"type": "integer", "minimum": 0, "maximum": MAX_PROCESSING_DAYS}),
            "cutoff": nullable({"type": "string", "pattern": CUTOFF_PATTERN, "description": "shop time, 14:00"}),
            "default_transit_days": nullable(ordered_pair(0, MAX_TRANSIT_DAYS)),
            "method_transit_days": nullable(
                # null for a method: no days of its own
                {
                    "type": "object",
                    "propertyNames": names,
                    "additionalProperties": nullable(ordered_pair(0, MAX_TRANSIT_DAYS)),
                }
            ),
            "method_typical_costs": nullable(
                {
                    "type": "object",
                    "propertyNames": names,
                    "additionalProperties": AMOUNT_SCHEMA,
                    "maxProperties": MAX_METHOD_COSTS,
                }
            ),
            "local_delivery": nullable({"anyOf": [_local_delivery_schema(on=True), _local_delivery_schema(on=False)]}),
        }
    )
    badges = closed(
        {
            "enabled": {"type": "boolean"},
            "placements": choices(PLACEMENTS),
            "kinds": choices(BADGE_KINDS),
            "free_returns_confirmed": {"type": "boolean"},
            "money_back_confirmed": {"type": "boolean"},
            "return_window_days": nullable({"type": "integer", "minimum": 1, "maximum": MAX_RETURN_WINDOW_DAYS}),
            "return_policy_url": {
                "anyOf": [
                    {"type": "string", "maxLength": MAX_TEXT, "pattern": HTTPS_LINK_PATTERN},
                    {"type": "string", "maxLength": MAX_TEXT, "pattern": f"^[{WHITESPACE}]*$"},  # not set
                    {"type": "null"},
                ]
            },
            "payment_methods": choices(PAYMENT_METHOD_CHOICES),
            "support_hours": nullable(text),
            "support_url": {
                "anyOf": [
                    {"type": "string", "maxLength": MAX_TEXT, "pattern": LINK_PATTERN},
                    {"type": "string", "maxLength": MAX_TEXT, "pattern": f"^[{WHITESPACE}]*$"},  # not set
                    {"type": "null"},
                ]
            },
        }
    )
    return closed(
        {
            "version": {"const": SCHEMA_VERSION},
            "holdout_percent": {"type": "integer", "minimum": 0, "maximum": MAX_HOLDOUT_PERCENT},
            "locale": {"enum": [*LOCALES, None]},
            "estimator": estimator,
            "badges": badges,
            "structured_data": {"type": "boolean"},
        }
    )


def settings_to_dict(settings: WidgetSettings) -> dict[str, Any]:
    est, badges = settings.estimator, settings.badges
    return {
        "version": SCHEMA_VERSION,
        "holdout_percent": settings.holdout_percent,
        "locale": settings.locale,
        "estimator": {
            "enabled": est.enabled,
            "placements": list(est.placements),
            "heading": est.heading,
            "show_countdown": est.show_countdown,
            "processing_days": est.processing_days,
            "cutoff": None if est.cutoff is None else est.cutoff.strftime("%H:%M"),
            "default_transit_days": None if est.default_transit_days is None else list(est.default_transit_days),
            "method_transit_days": None
            if est.method_transit_days is None
            else {name: list(days) for name, days in est.method_transit_days.items()},
            "method_typical_costs": {name: str(amount) for name, amount in est.method_typical_costs.items()},
            "local_delivery": None if est.local_delivery is None else local_delivery_to_dict(est.local_delivery),
        },
        "badges": {
            "enabled": badges.enabled,
            "placements": list(badges.placements),
            "kinds": list(badges.kinds),
            "free_returns_confirmed": badges.free_returns_confirmed,
            "money_back_confirmed": badges.money_back_confirmed,
            "return_window_days": badges.return_window_days,
            "return_policy_url": badges.return_policy_url,
            "payment_methods": list(badges.payment_methods),
            "support_hours": badges.support_hours,
            "support_url": badges.support_url,
        },
        "structured_data": settings.structured_data,
    }


# --- storage ----------------------------------------------------------------------------------------------


def settings_key(keys: Keys, shop: ShopRef) -> str:
    return keys.shop(shop, "settings", "widgets")


def parse_stored(text: str | None, defaults: WidgetSettings) -> WidgetSettings:
    """Stored settings over the current defaults; unreadable data falls back to the defaults (never a 500)."""
    if text is None:
        return defaults
    try:
        return settings_from_dict(json.loads(text), defaults)
    except (ValueError, TypeError):
        return defaults


async def load_widget_settings(
    redis: RedisStore, keys: Keys, shop: ShopRef, defaults: WidgetSettings
) -> WidgetSettings:
    return parse_stored(as_optional_text(await redis.get(settings_key(keys, shop))), defaults)


async def save_widget_settings(
    redis: RedisStore, keys: Keys, shop: ShopRef, changes: Mapping[str, Any], defaults: WidgetSettings
) -> WidgetSettings:
    """Validate `changes` over the shop's current settings, store them whole, and bump the settings version
    (cached estimates and fragments key on it). Raises WidgetSettingsError before writing anything."""
    current = await load_widget_settings(redis, keys, shop, defaults)
    updated = settings_from_dict(changes, current)
    await redis.set(settings_key(keys, shop), json.dumps(settings_to_dict(updated), separators=(",", ":")))
    await bump_version(redis, keys, shop, "settings")
    return updated
