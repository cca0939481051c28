"""Ship dates and delivery windows from business days, holidays, closures, cutoff and transit times."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

_ONE_DAY = timedelta(days=1)


_SUPPORTED = holidays.list_supported_countries()  # country code -> its subdivision codes


@lru_cache(maxsize=128)
def public_holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    """Public holidays of a country in one year: of the subdivision when the `holidays` package knows it, else the
    national ones; none for a country it does not know."""
    if country not in _SUPPORTED:
        return frozenset()
    subdiv = subdivision if subdivision in _SUPPORTED[country] else None
    return frozenset(holidays.country_holidays(country, subdiv=subdiv, years=year))


class ShippingCalendar:
    """Which days parcels move (Mon-Fri minus origin public holidays) and which days the shop ships
    (those minus the merchant's closures). Holidays are loaded per year on first use and kept."""

    __slots__ = ("country", "subdivision", "timezone", "closures", "_holidays")

    def __init__(
        self,
        country: str,
        timezone: str,
        *,
        subdivision: str | None = None,
        closures: Iterable[date] = (),
    ) -> None:
        self.country = country
        self.subdivision = subdivision
        self.timezone = ZoneInfo(timezone)
        self.closures = frozenset(closures)
        self._holidays: dict[int, frozenset[date]] = {}

    def holidays(self, year: int) -> frozenset[date]:
        found = self._holidays.get(year)
        if found is None:
            found = self._holidays[year] = public_holidays(self.country, self.subdivision, year)
        return found

    def is_business_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.holidays(day.year)

    def is_shipping_day(self, day: date) -> bool:
        return self.is_business_day(day) and day not in self.closures

    def next_shipping_day(self, day: date) -> date:
        """The first shipping day strictly after `day`."""
        day += _ONE_DAY
        while not self.is_shipping_day(day):
            day += _ONE_DAY
        return day

    def add_business_days(self, start: date, days: int) -> date:
        """Carriers move parcels on business days: the shop's own closures do not stop them."""
        day = start
        for _ in range(days):
            day += _ONE_DAY
            while not self.is_business_day(day):
                day += _ONE_DAY
        return day

    def business_days_between(self, start: date, end: date) -> int:
        """Business days after `start` up to and including `end`: the inverse of `add_business_days`, so a
        parcel shipped on `start` and delivered on `end` took this many days of transit."""
        days, day = 0, start
        while day < end:
            day += _ONE_DAY
            if self.is_business_day(day):
                days += 1
        return days


@dataclass(frozen=True, slots=True)
class Dispatch:
    ship_date: date
    order_within: timedelta | None  # set only while an order placed now still ships today


def plan_dispatch(calendar: ShippingCalendar, now: datetime, *, processing_days: int, cutoff: time | None) -> Dispatch:
    """When an order placed at `now` leaves the shop. `now` must be timezone-aware; it is never read here."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    local = now.astimezone(calendar.timezone)
    today = local.date()
    deadline = None if cutoff is None else datetime.combine(today, cutoff, tzinfo=calendar.timezone)
    accepted_today = calendar.is_shipping_day(today) and (deadline is None or local < deadline)
    first_day = today if accepted_today else calendar.next_shipping_day(today)
    ship_date = first_day
    for _ in range(processing_days):
        ship_date = calendar.next_shipping_day(ship_date)
    order_within = None
    if accepted_today and processing_days == 0 and deadline is not None:
        # Subtract in UTC: aware datetimes sharing a tzinfo subtract wall-clock time, wrong across DST.
        order_within = deadline.astimezone(UTC) - now.astimezone(UTC)
    return Dispatch(ship_date, order_within)


def delivery_window(calendar: ShippingCalendar, ship_date: date, transit_days: tuple[int, int]) -> tuple[date, date]:
    return (
        calendar.add_business_days(ship_date, transit_days[0]),
        calendar.add_business_days(ship_date, transit_days[1]),
    )
