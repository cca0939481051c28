"""Business-hours arithmetic in the shop's timezone: open now, next opening, reply-by times. Pure: `now` is an argument.

Opening hours are wall-clock times per weekday; they become instants on each date, so a DST change moves nothing a
merchant set (9:00 stays 9:00). A time the clocks skip (02:30 on the spring-forward Sunday) is read as the instant
after the gap; a time that happens twice (the autumn Sunday) as its first occurrence. Holidays and closures close
whole days, by the shop's local date.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from widgets.estimator.delivery import public_holidays as country_public_holidays

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SEARCH_DAYS = 400  # a closure longer than a year means "no known opening"
_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Interval:
    start: time
    end: time | None  # None: until midnight ("24:00")


@dataclass(frozen=True)
class Closure:
    first: date
    last: date
    notes: tuple[tuple[str, str], ...] = ()  # (language, the merchant's note), shown while it is in effect

    def covers(self, day: date) -> bool:
        return self.first <= day <= self.last


@dataclass(frozen=True)
class BusinessHours:
    timezone: str
    weekly: tuple[tuple[Interval, ...], ...]  # seven entries, Monday first
    holidays: frozenset[date] = frozenset()
    closures: tuple[Closure, ...] = ()
    public_holidays: str | None = None  # "DE" or "DE-BE": that calendar's public holidays are closed too
    zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.weekly) != 7:
            raise ValueError("weekly hours need seven days, Monday first")
        object.__setattr__(self, "zone", ZoneInfo(self.timezone))

    def closure_on(self, day: date) -> Closure | None:
        return next((closure for closure in self.closures if closure.covers(day)), None)

    def closed_on(self, day: date) -> bool:
        if day in self.holidays or self.closure_on(day) is not None:
            return True
        return self.public_holidays is not None and day in public_holidays(self.public_holidays, day.year)

    def intervals_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's opening intervals as UTC instants (empty when closed or when DST swallowed them)."""
        if self.closed_on(day):
            return []
        found = []
        for interval in self.weekly[day.weekday()]:
            start = _instant(day, interval.start, self.zone)
            if interval.end is None:
                end = _instant(day + _DAY, time(0), self.zone)
            else:
                end = _instant(day, interval.end, self.zone)
            if end > start:
                found.append((start, end))
        return found

    def has_any_hours(self) -> bool:
        return any(self.weekly)


def public_holidays(calendar: str, year: int) -> frozenset[date]:
    """`calendar` is "DE" or "DE-BE": the same holidays the shipping calendar uses."""
    country, _, subdivision = calendar.partition("-")
    return country_public_holidays(country, subdivision or None, year)


def _instant(day: date, wall: time, zone: ZoneInfo) -> datetime:
    # The round trip through UTC turns a skipped wall time into the real instant after the gap.
    return datetime.combine(day, wall, tzinfo=zone).astimezone(UTC)


def _aware(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("business-hours arithmetic needs an aware datetime")
    return now.astimezone(UTC)


def periods_from(hours: BusinessHours, now: datetime, days: int = SEARCH_DAYS) -> Iterator[tuple[datetime, datetime]]:
    """Open periods that end after `now`, in order, the current one clipped to start at `now`; back-to-back
    intervals (17:00-24:00 then 00:00-02:00) are one period."""
    moment = _aware(now)
    first = moment.astimezone(hours.zone).date() - _DAY
    pending: tuple[datetime, datetime] | None = None
    for offset in range(days + 2):
        for start, end in hours.intervals_on(first + timedelta(days=offset)):
            if end <= moment:
                continue
            start = max(start, moment)
            if pending is not None and start <= pending[1]:
                pending = (pending[0], max(pending[1], end))
                continue
            if pending is not None:
                yield pending
            pending = (start, end)
    if pending is not None:
        yield pending


@dataclass(frozen=True)
class Availability:
    open: bool
    closes_at: datetime | None  # when open: the end of the current period
    next_open: datetime | None  # when closed: the next opening (None: none known within a year)
    closure: Closure | None  # a merchant closure covering today, shown with its note


def availability(hours: BusinessHours, now: datetime) -> Availability:
    moment = _aware(now)
    closure = hours.closure_on(moment.astimezone(hours.zone).date())
    period = next(periods_from(hours, moment), None)
    if period is None:
        return Availability(False, None, None, closure)
    start, end = period
    if start <= moment:
        return Availability(True, end, None, closure)
    return Availability(False, None, start, closure)


def is_open(hours: BusinessHours, now: datetime) -> bool:
    return availability(hours, now).open


def next_opening(hours: BusinessHours, now: datetime) -> datetime | None:
    """`now` when open, else the start of the next open period."""
    period = next(periods_from(hours, now), None)
    return None if period is None else period[0]


def add_business_time(hours: BusinessHours, start: datetime, duration: timedelta) -> datetime | None:
    """The instant when `duration` of open time has passed since `start` (None: not within the search horizon)."""
    left = duration
    for period_start, period_end in periods_from(hours, start):
        if period_end - period_start >= left:
            return period_start + left
        left -= period_end - period_start
    return None


def business_time_between(hours: BusinessHours, start: datetime, end: datetime) -> timedelta:
    """Open time between two instants: a reply at 9:05 to a message sent at 22:00 took five minutes."""
    total = timedelta(0)
    finish = _aware(end)
    days = max(0, (finish - _aware(start)).days + 2)
    for period_start, period_end in periods_from(hours, start, days=min(days, SEARCH_DAYS)):
        if period_start >= finish:
            break
        total += min(period_end, finish) - period_start
    return total
