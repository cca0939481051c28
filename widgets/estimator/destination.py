"""Where the shopper wants to know about: the country they chose, else what their request says about them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from plugin.accept_language import accept_language
from plugin.platform import ShopFacts
from widgets.estimator.engine import known_countries

# Edge and CDN headers carrying the visitor's country; only a default, the shopper can always change it.
COUNTRY_HEADERS = ("cf-ipcountry", "cloudfront-viewer-country", "x-vercel-ip-country", "x-country-code")
DESTINATION_HEADERS = (*COUNTRY_HEADERS, "accept-language")


@dataclass(frozen=True)
class Destination:
    country: str
    source: str  # query, header, accept-language or shop


def accept_language_countries(header: str) -> list[str]:
    """Region subtags of Accept-Language in preference order: "de-AT,de;q=0.9,en-GB;q=0.8" -> ["AT", "GB"]."""
    regions = []
    for tag in accept_language(header):
        pieces = tag.replace("_", "-").split("-")
        region = next((p.upper() for p in pieces[1:] if len(p) == 2 and p.isalpha()), None)
        if region:
            regions.append(region)
    return regions


def resolve_destination(query: Mapping[str, str], headers: Mapping[str, str], facts: ShopFacts) -> Destination:
    """The shopper's country: asked for, else the edge's geolocation header, else their browser's language
    region, else the shop's own country."""
    if (query.get("country") or "").strip():
        return Destination(query["country"].strip().upper(), "query")
    countries = known_countries()
    for name in COUNTRY_HEADERS:
        value = (headers.get(name) or "").strip().upper()
        if value in countries:
            return Destination(value, "header")
    for region in accept_language_countries(headers.get("accept-language", "")):
        if region in countries:
            return Destination(region, "accept-language")
    return Destination(facts.country.upper(), "shop")
