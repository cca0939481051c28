"""The currencies a shop sells in besides its own, as its platform states them, kept with the shop's facts.

Both syncs write the list into `ShopFacts.extra["currencies"]` (plain JSON, so the facts' storage and versioning
stay as they are); the estimator reads it back with `shop_currencies`. A rate is "presentment units per one unit of
the shop's currency", the direction both platforms use:

- Shopify (Admin GraphQL `shop.currencySettings`, `CurrencySetting`): `currencyCode`, `enabled` ("visible to
  buyers and allows orders to be generated with that currency as presentment") and `manualRate` ("the manual rate,
  if enabled, that applies to this currency when converting from shop currency"). Shopify's automatic rates are
  not in the Admin API; the storefront states the one it converts with (`Shopify.currency.rate`).
- BigCommerce (`GET /v2/currencies`): `currency_code`, `currency_exchange_rate` (a string; from the store's default
  currency, from which "any auto-conversion of pricing (product, tax, shipping, promotions)" happens),
  `decimal_places`, `enabled`, `is_default`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from plugin.platform import ShopFacts

EXTRA_KEY = "currencies"
_CODE = re.compile(r"[A-Z]{3}")


@dataclass(frozen=True, slots=True)
class ShopCurrency:
    code: str
    enabled: bool
    rate: Decimal | None  # None: the platform did not state one (Shopify's automatic rates)
    decimal_places: int | None = None  # None: the currency's ISO/CLDR minor units

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "enabled": self.enabled,
            "rate": None if self.rate is None else format(self.rate, "f"),
            "decimal_places": self.decimal_places,
        }


def _rate(value: object) -> Decimal | None:
    if value is None or isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    try:
        rate = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return rate if rate.is_finite() and rate > 0 else None


def _places(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 4 else None


def _currency(code: object, enabled: object, rate: object, places: object = None) -> ShopCurrency | None:
    text = str(code or "").strip().upper()
    if not _CODE.fullmatch(text):
        return None
    return ShopCurrency(text, enabled is True, _rate(rate), _places(places))


def shop_currencies(facts: ShopFacts) -> dict[str, ShopCurrency] | None:
    """The synced list by code; None when no sync has stated one (an older install: nothing is known)."""
    rows = facts.extra.get(EXTRA_KEY)
    if not isinstance(rows, list):
        return None
    found = (
        _currency(row.get("code"), row.get("enabled"), row.get("rate"), row.get("decimal_places"))
        for row in rows
        if isinstance(row, Mapping)
    )
    return {currency.code: currency for currency in found if currency is not None}


def with_currencies(extra: Mapping[str, Any], currencies: Iterable[ShopCurrency]) -> dict[str, Any]:
    """`extra` with the list written in, for `replace(facts, extra=...)`."""
    return {**extra, EXTRA_KEY: [currency.to_json() for currency in currencies]}


# --- Shopify -------------------------------------------------------------------------------------------------


def currencies_from_shopify(data: Mapping[str, Any]) -> list[ShopCurrency]:
    """Map `shop { currencySettings(first: 250) { nodes { currencyCode enabled manualRate } } }` (asked with the
    shop's facts, plugin.shopify.shop_queries); Shopify lists the presentment currencies, not the shop's own."""
    connection = (data.get("shop") or {}).get("currencySettings") or {}
    nodes = connection.get("nodes") or [edge.get("node") for edge in connection.get("edges") or ()]
    found = (
        _currency(node.get("currencyCode"), node.get("enabled"), node.get("manualRate"))
        for node in nodes
        if isinstance(node, Mapping)
    )
    return [currency for currency in found if currency is not None]


# --- BigCommerce ---------------------------------------------------------------------------------------------


def currencies_from_bigcommerce(rows: Iterable[object]) -> list[ShopCurrency]:
    """Map `GET /v2/currencies`; the default currency is the shop's own and is left out."""
    found = (
        _currency(
            row.get("currency_code"), row.get("enabled"), row.get("currency_exchange_rate"), row.get("decimal_places")
        )
        for row in rows
        if isinstance(row, Mapping) and row.get("is_default") is not True
    )
    return [currency for currency in found if currency is not None]
