"""Find the shipping zone for a destination: postcode beats province beats country beats rest of world."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import IntEnum

from plugin.rates import Zone


class MatchLevel(IntEnum):
    """Higher is more specific; the most specific match wins, then the earlier zone."""

    REST_OF_WORLD = 1
    PROVINCE_UNSPECIFIED = 2  # a province-limited zone, chosen because the shopper gave no province
    COUNTRY = 3
    PROVINCE = 4
    POSTCODE_PATTERN = 5
    POSTCODE = 6

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class ZoneMatch:
    zone: Zone
    level: MatchLevel


def normalize_postcode(postcode: str) -> str:
    """Uppercase with single spaces: the space separates a UK outward code ("AB12") from its inward code."""
    return " ".join(postcode.upper().split())


def _compact(postcode: str) -> str:
    return postcode.replace(" ", "")


def normalize_province(country: str, province: str) -> str:
    """Accept both "CA" and ISO 3166-2 "US-CA"; Shopify uses either form depending on the country."""
    code = province.strip().upper()
    prefix = country.upper() + "-"
    return code[len(prefix) :] if code.startswith(prefix) else code


_LEADING = re.compile(r"([A-Z]*)(\d+)")

PostcodeTest = Callable[[str], bool]


def compile_postcode_pattern(pattern: str) -> PostcodeTest | None:
    """A test for a range ("2000-2999", "AB10-AB15") or wildcard ("SW1A*") pattern; None for a plain postcode.

    The test takes a normalized postcode. Ranges compare the leading letters exactly and the digit run that
    follows numerically, within the part before any space: "SW1-SW9" takes "SW1A 1AA" but not "SW10 1AA",
    "AB10-AB15" takes "AB12 3CD", and "2000-2999" takes "2000" but not "20000".
    """
    pattern = _compact(normalize_postcode(pattern))
    if "*" in pattern:
        regex = re.compile(".*".join(re.escape(part) for part in pattern.split("*")))
        return lambda postcode: regex.fullmatch(_compact(postcode)) is not None
    low, dash, high = pattern.partition("-")
    low_parts, high_parts = _LEADING.fullmatch(low), _LEADING.fullmatch(high)
    if not dash or low_parts is None or high_parts is None or low_parts[1] != high_parts[1]:
        return None
    letters, low_number, high_number = low_parts[1], int(low_parts[2]), int(high_parts[2])
    min_len, max_len = len(low_parts[2]), len(high_parts[2])

    def in_range(postcode: str) -> bool:
        found = _LEADING.match(postcode.partition(" ")[0])
        return (
            found is not None
            and found[1] == letters
            and min_len <= len(found[2]) <= max_len
            and low_number <= int(found[2]) <= high_number
        )

    return in_range


@dataclass(frozen=True, slots=True)
class _PatternRule:
    zone_index: int
    test: PostcodeTest


class ZoneIndex:
    """Built once per setup, so a lookup is a few dict probes instead of a scan over every zone."""

    __slots__ = ("_zones", "_postcodes", "_patterns", "_provinces", "_partial", "_countries", "_rest_of_world")

    def __init__(self, zones: Sequence[Zone]) -> None:
        self._zones = tuple(zones)
        self._postcodes: dict[tuple[str, str], int] = {}
        self._patterns: dict[str, list[_PatternRule]] = {}
        self._provinces: dict[tuple[str, str], int] = {}
        self._partial: dict[str, int] = {}
        self._countries: dict[str, int] = {}
        self._rest_of_world: int | None = None
        for index, zone in enumerate(self._zones):
            if zone.rest_of_world and self._rest_of_world is None:
                self._rest_of_world = index
            for region in zone.regions:
                country = region.country.upper()
                if region.postcodes:
                    self._add_postcodes(index, country, region.postcodes)
                elif region.provinces:
                    for province in region.provinces:
                        self._provinces.setdefault((country, normalize_province(country, province)), index)
                    self._partial.setdefault(country, index)
                else:
                    self._countries.setdefault(country, index)

    def _add_postcodes(self, index: int, country: str, patterns: Sequence[str]) -> None:
        for pattern in patterns:
            test = compile_postcode_pattern(pattern)
            if test is None:
                self._postcodes.setdefault((country, _compact(normalize_postcode(pattern))), index)
            else:
                self._patterns.setdefault(country, []).append(_PatternRule(index, test))

    def match(self, country: str, province: str | None = None, postcode: str | None = None) -> ZoneMatch | None:
        country = country.upper()
        if postcode:
            found = self._match_postcode(country, normalize_postcode(postcode))
            if found is not None:
                return found
        if province:
            index = self._provinces.get((country, normalize_province(country, province)))
            if index is not None:
                return ZoneMatch(self._zones[index], MatchLevel.PROVINCE)
        index = self._countries.get(country)
        if index is not None:
            return ZoneMatch(self._zones[index], MatchLevel.COUNTRY)
        if not province:
            index = self._partial.get(country)
            if index is not None:
                return ZoneMatch(self._zones[index], MatchLevel.PROVINCE_UNSPECIFIED)
        if self._rest_of_world is not None:
            return ZoneMatch(self._zones[self._rest_of_world], MatchLevel.REST_OF_WORLD)
        return None

    def _match_postcode(self, country: str, postcode: str) -> ZoneMatch | None:
        # ZIP+4 and similar suffixes ("90210-1234") still match a zone listing "90210".
        compact = _compact(postcode)
        for candidate in dict.fromkeys((compact, compact.split("-")[0])):
            index = self._postcodes.get((country, candidate))
            if index is not None:
                return ZoneMatch(self._zones[index], MatchLevel.POSTCODE)
        for rule in self._patterns.get(country, ()):
            if rule.test(postcode):
                return ZoneMatch(self._zones[rule.zone_index], MatchLevel.POSTCODE_PATTERN)
        return None
