"""Checks JSON-LD against the pinned schema.org vocabulary (schemaorg_subset.json, see make_vocabulary.py) and
against the fields Google documents as required for merchant listings' shipping and return policies."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA = "https://schema.org/"
DATATYPES = {"Text", "URL", "Number", "Integer", "Float", "Boolean", "Date", "DateTime", "Time", "CssSelectorType"}


@cache
def vocabulary() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(Path(__file__).with_name("schemaorg_subset.json").read_text(encoding="utf-8"))
    return data


def ancestors(type_name: str) -> set[str]:
    types = vocabulary()["types"]
    found = {type_name}
    todo = list(types.get(type_name, ()))
    while todo:
        parent = todo.pop()
        if parent not in found:
            found.add(parent)
            todo.extend(types.get(parent, ()))
    return found


def schema_problems(node: Any, path: str = "$") -> list[str]:
    """Every @type must exist, every property must exist and be allowed on its node's type (or an ancestor), a
    nested node's type must be in the property's range, and an enumeration value must be one of its members."""
    problems: list[str] = []
    if isinstance(node, list):
        for index, item in enumerate(node):
            problems += schema_problems(item, f"{path}[{index}]")
        return problems
    if not isinstance(node, dict):
        return problems
    if "@graph" in node:
        return schema_problems(node["@graph"], f"{path}.@graph")
    declared = node.get("@type")
    if declared is None:
        return problems if set(node) <= {"@id", "@context"} else [f"{path}: a node without @type"]
    type_name = str(declared)
    if type_name not in vocabulary()["types"]:
        return [f"{path}: unknown type {type_name}"]
    lineage = ancestors(type_name)
    for name, value in node.items():
        if name.startswith("@"):
            continue
        where = f"{path}.{name}"
        spec = vocabulary()["properties"].get(name)
        if spec is None:
            problems.append(f"{where}: unknown property")
            continue
        if not lineage & set(spec["domains"]):
            problems.append(f"{where}: not a property of {type_name}")
            continue
        for item in value if isinstance(value, list) else [value]:
            problems += _value_problems(item, spec["ranges"], where)
    return problems


def _value_problems(value: Any, ranges: list[str], where: str) -> list[str]:
    if isinstance(value, dict) and set(value) == {"@id"}:
        return []  # a reference to a node described elsewhere in the graph
    if isinstance(value, dict) and "@type" in value:
        if not ancestors(str(value["@type"])) & set(ranges):
            return [f"{where}: {value['@type']} is not one of {ranges}"]
        return schema_problems(value, where)
    enumerations = vocabulary()["enumerations"]
    for range_name in ranges:
        if range_name in enumerations and isinstance(value, str) and value.startswith(SCHEMA):
            member = value.removeprefix(SCHEMA)
            return [] if member in enumerations[range_name] else [f"{where}: {member} is no {range_name}"]
    if isinstance(value, dict):
        return [f"{where}: a nested node without @type"]
    if not set(ranges) & DATATYPES and not any(r in enumerations for r in ranges):
        return [f"{where}: a literal where {ranges} is expected"]
    return []


# --- Google's documented requirements (merchant listings: shipping details; return policy) -------------------


def google_shipping_problems(details: dict[str, Any], offer_currency: str) -> list[str]:
    """OfferShippingDetails: shippingRate (value or maxValue, and currency = the offer's), shippingDestination
    with addressCountry, at most one deliveryTime whose handlingTime and transitTime give min and max days."""
    problems: list[str] = []
    rate = details.get("shippingRate") or {}
    if "value" not in rate and "maxValue" not in rate:
        problems.append("shippingRate needs value or maxValue")
    if rate.get("currency") != offer_currency:
        problems.append(f"shippingRate.currency {rate.get('currency')} is not the offer's {offer_currency}")
    destinations = details.get("shippingDestination")
    for region in destinations if isinstance(destinations, list) else [destinations]:
        if not isinstance(region, dict) or not region.get("addressCountry"):
            problems.append("every shippingDestination needs addressCountry")
        elif "addressRegion" in region and ("postalCode" in region or "postalCodeRange" in region):
            problems.append("addressRegion cannot be combined with postal codes")
    delivery = details.get("deliveryTime")
    if isinstance(delivery, list):
        problems.append("at most one deliveryTime")
    elif delivery is not None:
        for part in ("handlingTime", "transitTime"):
            value = delivery.get(part) or {}
            if not {"minValue", "maxValue"} <= set(value) or value.get("unitCode") != "DAY":
                problems.append(f"deliveryTime.{part} needs minValue, maxValue and unitCode DAY")
            elif not 0 <= value["minValue"] <= value["maxValue"]:
                problems.append(f"deliveryTime.{part} min must not exceed max")
    return problems


def google_return_policy_problems(policy: dict[str, Any]) -> list[str]:
    """MerchantReturnPolicy: applicableCountry (ISO 3166-1 alpha-2, at most 50) and returnPolicyCategory; a finite
    window needs merchantReturnDays; ReturnShippingFees needs returnShippingFeesAmount."""
    problems: list[str] = []
    countries = policy.get("applicableCountry")
    listed = countries if isinstance(countries, list) else [countries]
    if not countries or len(listed) > 50 or not all(isinstance(c, str) and len(c) == 2 for c in listed):
        problems.append("applicableCountry needs 1-50 two-letter country codes")
    category = policy.get("returnPolicyCategory")
    if category is None:
        problems.append("returnPolicyCategory is required")
    if category == SCHEMA + "MerchantReturnFiniteReturnWindow" and not isinstance(
        policy.get("merchantReturnDays"), int
    ):
        problems.append("a finite return window needs merchantReturnDays")
    if policy.get("returnFees") == SCHEMA + "ReturnShippingFees" and "returnShippingFeesAmount" not in policy:
        problems.append("ReturnShippingFees needs returnShippingFeesAmount")
    return problems
