"""The estimator page's delivery times: per zone and method, the transit days the storefront promises and where
they come from (merchant, learned with its sample size, or the default for the destination class), and per zone
the measured share of deliveries that arrived within the promised window, with its sample size."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from plugin.admin.formats import format_number
from plugin.admin.language import t, tn
from plugin.rates import Zone
from plugin.services import Services
from widgets.estimator.learning import MIN_SAMPLES, WINDOW_DAYS, MethodTransit, OnTime, transit_report
from widgets.estimator.transit import DEFAULT_TRANSIT_DAYS, TransitSource, TransitTimes, destination_class
from widgets.shop_context import StorefrontShop


@dataclass(frozen=True)
class MethodRow:
    method: str
    days: str  # "1–5", or "1–5 / 3–8" when the zone's countries fall in different destination classes
    source: str  # in words: "your numbers", "learned from 42 deliveries", "default (domestic)"
    measured: str  # what the deliveries showed so far, with their count, even below the threshold


@dataclass(frozen=True)
class ZoneRow:
    name: str
    methods: tuple[MethodRow, ...]
    on_time: str  # "94% on time (n = 1,203)", or why there is no figure


def _days(days: tuple[int, int]) -> str:
    return str(days[0]) if days[0] == days[1] else f"{days[0]}–{days[1]}"


def on_time_words(on_time: OnTime | None) -> str:
    if on_time is None or on_time.percent is None:
        return t("delivery_on_time_none")
    return t("delivery_on_time", percent=format_number(on_time.percent), samples=format_number(on_time.samples))


def _classes(kinds: list[str]) -> str:
    """Destination classes in words: "domestic and international"."""
    names = [t(f"delivery_class_{kind}") for kind in kinds]
    return (
        names[0]
        if len(names) == 1
        else t("delivery_and", first=t("common_list_separator").join(names[:-1]), last=names[-1])
    )


def _zone_countries(zone: Zone) -> list[tuple[str, str | None]]:
    """One (country, province) per region; the rest of the world counts as international."""
    return [(region.country, region.provinces[0] if region.provinces else None) for region in zone.regions]


def _method_row(
    transit: TransitTimes, zone: Zone, name: str, stated: tuple[int, int] | None, seen: MethodTransit | None
) -> MethodRow:
    places = _zone_countries(zone) or [("", None)]  # "" never matches the origin: international
    found = {transit.days(zone.id, name, stated, country, province) for country, province in places}
    days = " / ".join(sorted({_days(d) for d, _ in found}))
    sources = {source for _, source in found}
    if TransitSource.MERCHANT in sources:
        source = t("delivery_source_merchant")
    elif TransitSource.LEARNED in sources:
        used = transit.learned[(zone.id, name)]  # the storefront's last recomputation
        source = tn("delivery_source_learned", used.samples, samples=format_number(used.samples))
    else:
        setup = transit.setup
        kinds = sorted(
            {destination_class(setup.origin_country, setup.origin_subdivision, c, p).value for c, p in places}
        )
        source = t("delivery_source_default", classes=_classes(kinds))
    if seen is None:
        measured = t("delivery_measured_none")
    else:
        key = "delivery_measured" if seen.learned else "delivery_measured_so_far"
        samples, minimum = format_number(seen.samples), format_number(MIN_SAMPLES)
        measured = tn(key, seen.days[1], days=_days(seen.days), samples=samples, minimum=minimum)
    return MethodRow(name, days, source, measured)


async def delivery_times(services: Services, shop: StorefrontShop, now: datetime) -> list[ZoneRow]:
    """Measured live from the samples (the storefront uses the last recomputation, at most minutes older)."""
    if shop.setup is None:
        return []
    report = await transit_report(services, shop.shop, now)
    seen = {(m.zone_id, m.method): m for m in report.methods}
    transit = TransitTimes(shop.setup, shop.learned_transit)
    # The general profile's zones, then each product-specific profile's, named with it ("Fragile goods: Germany"):
    # their products are promised, and measured, by their own zones.
    zones = [(zone.name, zone) for zone in shop.setup.zones]
    zones += [(f"{profile.name}: {zone.name}", zone) for profile in shop.setup.profiles for zone in profile.zones]
    return [
        ZoneRow(
            name,
            tuple(
                _method_row(transit, zone, method.name, method.transit_days, seen.get((zone.id, method.name)))
                for method in zone.methods
            ),
            on_time_words(report.on_time_by_zone.get(zone.id)),
        )
        for name, zone in zones
    ]


def defaults_note() -> str:
    """How windows are made without the merchant's numbers or enough deliveries, in the admin's language."""
    defaults = t("common_list_separator").join(
        t("delivery_default_days", kind=t(f"delivery_class_{kind.value}"), days=_days(days))
        for kind, days in DEFAULT_TRANSIT_DAYS.items()
    )
    return t("delivery_defaults_note", defaults=defaults, window=format_number(WINDOW_DAYS))
