"""Writes the pinned schema.org vocabulary subset the structured data tests validate against.

Source: the official schema.org release file `data/releases/30.0/schemaorg-current-https.jsonld` from the
schemaorg/schemaorg repository. Run: `python tests/structured_data/make_vocabulary.py PATH_TO_THAT_FILE`.
The subset keeps every class reachable from SEED_TYPES (with all their ancestors), every property whose domain
names one of them, and the members of the enumerations the app and themes emit.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

RELEASE = "30.0"
OUT = Path(__file__).with_name("schemaorg_subset.json")
# What Upfront emits, and what themes put on product and store pages around it.
SEED_TYPES = (
    "Product",
    "ProductGroup",
    "Offer",
    "AggregateOffer",
    "OfferShippingDetails",
    "DefinedRegion",
    "PostalCodeRangeSpecification",
    "ShippingDeliveryTime",
    "QuantitativeValue",
    "MonetaryAmount",
    "OpeningHoursSpecification",
    "MerchantReturnPolicy",
    "Organization",
    "OnlineStore",
    "Brand",
    "ImageObject",
    "AggregateRating",
    "Review",
    "Rating",
    "Person",
    "PriceSpecification",
    "UnitPriceSpecification",
    "PropertyValue",
    "WebPage",
    "WebSite",
    "BreadcrumbList",
    "ListItem",
    "Country",
)
ENUMERATIONS = (
    "MerchantReturnEnumeration",
    "ReturnFeesEnumeration",
    "ReturnMethodEnumeration",
    "DayOfWeek",
    "ItemAvailability",
    "OfferItemCondition",
)


def _ids(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [str(item["@id"]).removeprefix("schema:") for item in items if str(item["@id"]).startswith("schema:")]


def subset(graph: list[dict[str, Any]]) -> dict[str, Any]:
    nodes = {str(n["@id"]).removeprefix("schema:"): n for n in graph if str(n["@id"]).startswith("schema:")}
    classes = {name for name, n in nodes.items() if "rdfs:Class" in _ids_or_types(n)}
    parents = {name: _ids(nodes[name].get("rdfs:subClassOf")) for name in classes}
    kept: set[str] = set()
    todo = [*SEED_TYPES, *ENUMERATIONS]
    while todo:
        name = todo.pop()
        if name in kept or name not in classes:
            continue
        kept.add(name)
        todo.extend(parents[name])
    properties: dict[str, Any] = {}
    for name, node in nodes.items():
        if "rdf:Property" not in _ids_or_types(node):
            continue
        domains = [d for d in _ids(node.get("schema:domainIncludes")) if d in kept]
        if domains:
            properties[name] = {"domains": sorted(domains), "ranges": sorted(_ids(node.get("schema:rangeIncludes")))}
    members = {
        enum: sorted(name for name, n in nodes.items() if enum in _ids_or_types(n, prefix="schema:"))
        for enum in ENUMERATIONS
    }
    return {
        "source": f"schemaorg/schemaorg data/releases/{RELEASE}/schemaorg-current-https.jsonld",
        "types": {name: sorted(parents[name]) for name in sorted(kept)},
        "properties": dict(sorted(properties.items())),
        "enumerations": members,
    }


def _ids_or_types(node: dict[str, Any], prefix: str = "") -> list[str]:
    types = node.get("@type", [])
    found = [str(t) for t in (types if isinstance(types, list) else [types])]
    return [t.removeprefix(prefix) for t in found] if prefix else found


def main(path: str) -> None:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    OUT.write_text(json.dumps(subset(data["@graph"]), indent=1, sort_keys=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1])
