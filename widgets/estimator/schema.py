"""The estimate's query as one JSON schema, built from the shapes and limits `parse_estimate_request` checks."""

from __future__ import annotations

from functools import cache
from typing import Any

from widgets.estimator.engine import (
    _GENERIC_POSTCODE,
    _POSTCODE_SHAPES,
    MAX_ITEMS,
    MAX_WEIGHT_G,
    MAX_WHOLE_DIGITS,
    PROVINCE_SHAPE,
    known_countries,
)
from widgets.estimator.money import known_currencies, minor_units
from widgets.estimator.presentment import RATE_SHAPE
from widgets.estimator.profiles import ITEMS_SHAPE

# The generic shape once whitespace is collapsed: a raw value in it is left as it is (one space between parts).
_GENERIC_RAW = r"[A-Z0-9](?:[A-Z0-9-]| [A-Z0-9-]){1,9}"  # with the postcode's maxLength of 10
assert _GENERIC_POSTCODE.pattern == r"[A-Z0-9][A-Z0-9 -]{1,9}", "keep _GENERIC_RAW a subset of the generic shape"


def _whole_then(decimals: int) -> str:
    digits = f"[0-9]{{1,{MAX_WHOLE_DIGITS}}}"
    return f"^{digits}$" if decimals == 0 else f"^{digits}(\\.[0-9]{{1,{decimals}}})?$"


@cache
def estimate_query_schema() -> dict[str, Any]:
    """Cross-field rules as cases: a postcode has its country's shape (so it comes with the country), and the
    subtotal has no more decimals than the currency (without one, the shop's: read to its decimals by the server)."""
    shaped = sorted(_POSTCODE_SHAPES)
    # one branch per case (a generator picks one; if/then pairs would multiply)
    postcode_cases: list[dict[str, Any]] = [
        {"properties": {"postcode": {"const": ""}}},  # none (absent or empty)
        *(
            {
                "required": ["country", "postcode"],
                "properties": {
                    "country": {"const": country},
                    "postcode": {"pattern": f"^(?:{_POSTCODE_SHAPES[country].pattern})$"},
                },
            }
            for country in shaped
        ),
        {
            "required": ["country", "postcode"],
            "properties": {
                "country": {"enum": sorted(known_countries() - set(shaped))},
                "postcode": {"pattern": f"^{_GENERIC_RAW}$"},
            },
        },
    ]
    by_decimals: dict[int, list[str]] = {}
    for code in sorted(known_currencies()):
        by_decimals.setdefault(minor_units(code), []).append(code)
    currency_cases: list[dict[str, Any]] = [
        # no currency: the shop's, whose decimals are not known here; the server reads the amount to them, within
        # the subtotal's own pattern (up to the most decimals any currency has)
        {"not": {"required": ["currency"]}},
        *(
            {
                "required": ["currency"],
                "properties": {"currency": {"enum": codes}, "subtotal": {"pattern": _whole_then(decimals)}},
            }
            for decimals, codes in sorted(by_decimals.items())
        ),
    ]
    return {
        "type": "object",
        "required": ["subtotal"],
        "properties": {
            "country": {
                "type": "string",
                "enum": sorted(known_countries()),
                "description": "ISO 3166-1 code; default: edge country header, Accept-Language region, shop country",
            },
            "province": {"type": "string", "pattern": f"^{PROVINCE_SHAPE}$", "description": "CA or US-CA"},
            "postcode": {
                "type": "string",
                "maxLength": 10,
                "description": "in the shape the country uses; empty: none",
            },
            "subtotal": {
                "type": "string",
                "pattern": _whole_then(max(by_decimals)),
                "description": "cart subtotal as a plain decimal, with no more decimals than the currency has",
            },
            "weight_g": {"type": "integer", "minimum": 0, "maximum": MAX_WEIGHT_G, "description": "cart weight"},
            "item_count": {"type": "integer", "minimum": 1, "maximum": MAX_ITEMS, "description": "items in the cart"},
            "currency": {
                "type": "string",
                "pattern": "^[A-Z]{3}$",
                "enum": sorted(known_currencies()),
                "description": "ISO 4217 code; default: the shop's; one the shop does not sell in is answered in the "
                "shop's currency, with currency_message saying so",
            },
            "items": {
                "type": "string",
                "pattern": f"^{ITEMS_SHAPE}$",
                "description": "the products on the page or in the cart, product[:variant[:quantity[:grams each]]] "
                "comma-separated: they choose the delivery profiles (product-specific rates)",
            },
            "rate": {
                "type": "string",
                "pattern": f"^{RATE_SHAPE}$",
                "description": "Shopify only: the storefront's rate from the shop currency to `currency` "
                "(Shopify.currency.rate), used when the shop states no fixed rate for it",
            },
        },
        "allOf": [{"anyOf": postcode_cases}, {"anyOf": currency_cases}],
    }
