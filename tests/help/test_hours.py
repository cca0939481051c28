"""Business-hours arithmetic: open now, next opening, reply-by and reply-took times, across timezones, both DST
changes, holidays and closures; and how those times are said to a shopper."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from plugin.keys import ShopRef
from plugin.platform import ShopFacts
from widgets.help.hours import (
    BusinessHours,
    Closure,
    Interval,
    add_business_time,
    availability,
    business_time_between,
    is_open,
    next_opening,
)
from widgets.help.wording import HelpWording
from widgets.i18n import Wording

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
NINE_TO_FIVE = (Interval(time(9), time(17)),)


Week = tuple[tuple[Interval, ...], ...]


def week(weekdays: tuple[Interval, ...] = NINE_TO_FIVE, **days: tuple[Interval, ...]) -> Week:
    names = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    return tuple(days.get(name, weekdays if position < 5 else ()) for position, name in enumerate(names))


def at(zone: ZoneInfo, year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=zone)


def local(moment: datetime | None, zone: ZoneInfo) -> tuple[int, int, int, int, int] | None:
    if moment is None:
        return None
    found = moment.astimezone(zone)
    return found.year, found.month, found.day, found.hour, found.minute


BERLIN_OFFICE = BusinessHours("Europe/Berlin", week())
NEW_YORK_OFFICE = BusinessHours("America/New_York", week())


@pytest.mark.parametrize(
    ("now", "opens"),
    [
        (at(BERLIN, 2026, 11, 17, 10, 0), (2026, 11, 17, 10, 0)),  # Tuesday morning: open now
        (at(BERLIN, 2026, 11, 17, 8, 59), (2026, 11, 17, 9, 0)),
        (at(BERLIN, 2026, 11, 17, 17, 0), (2026, 11, 18, 9, 0)),  # closing time is closed
        (at(BERLIN, 2026, 11, 20, 21, 0), (2026, 11, 23, 9, 0)),  # Friday night: Monday
        (at(NEW_YORK, 2026, 11, 17, 4, 0), (2026, 11, 17, 9, 0)),  # 10:00 in Berlin is before dawn in New York
    ],
    ids=["open", "a-minute-before", "at-closing", "weekend", "new-york-morning"],
)
def test_next_opening_is_in_the_shops_own_timezone(now: datetime, opens: tuple[int, ...]) -> None:
    office = NEW_YORK_OFFICE if now.tzinfo is NEW_YORK else BERLIN_OFFICE
    assert local(next_opening(office, now), office.zone) == opens


def test_the_same_instant_is_open_in_berlin_and_closed_in_new_york() -> None:
    instant = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)  # 10:00 Berlin, 04:00 New York
    assert is_open(BERLIN_OFFICE, instant)
    assert not is_open(NEW_YORK_OFFICE, instant)
    assert local(availability(BERLIN_OFFICE, instant).closes_at, BERLIN) == (2026, 11, 17, 17, 0)


def test_berlin_opening_hours_stay_at_nine_across_both_dst_changes() -> None:
    # The last Sundays of March and October 2026 are the 29th and the 25th.
    before_spring = next_opening(BERLIN_OFFICE, at(BERLIN, 2026, 3, 27, 18, 0))
    after_autumn = next_opening(BERLIN_OFFICE, at(BERLIN, 2026, 10, 23, 18, 0))
    assert local(before_spring, BERLIN) == (2026, 3, 30, 9, 0)
    assert before_spring is not None and before_spring.astimezone(UTC).hour == 7  # CEST, UTC+2
    assert local(after_autumn, BERLIN) == (2026, 10, 26, 9, 0)
    assert after_autumn is not None and after_autumn.astimezone(UTC).hour == 8  # CET, UTC+1


def test_a_sunday_night_shift_is_an_hour_shorter_in_spring_and_longer_in_autumn() -> None:
    night = BusinessHours("Europe/Berlin", week((), sun=(Interval(time(1), time(5)),)))
    spring = business_time_between(night, at(BERLIN, 2026, 3, 29, 0, 0), at(BERLIN, 2026, 3, 29, 6, 0))
    autumn = business_time_between(night, at(BERLIN, 2026, 10, 25, 0, 0), at(BERLIN, 2026, 10, 25, 6, 0))
    usual = business_time_between(night, at(BERLIN, 2026, 11, 1, 0, 0), at(BERLIN, 2026, 11, 1, 6, 0))
    assert (spring, usual, autumn) == (timedelta(hours=3), timedelta(hours=4), timedelta(hours=5))


def test_an_opening_inside_the_skipped_hour_starts_when_the_clocks_resume() -> None:
    skipped = BusinessHours("Europe/Berlin", week((), sun=(Interval(time(2, 30), time(4)),)))
    opens = next_opening(skipped, at(BERLIN, 2026, 3, 28, 12, 0))
    assert local(opens, BERLIN) == (2026, 3, 29, 3, 30)  # 02:30 CET does not exist: the instant after the gap
    swallowed = BusinessHours("Europe/Berlin", week((), sun=(Interval(time(2), time(3)),)))
    assert local(next_opening(swallowed, at(BERLIN, 2026, 3, 28, 12, 0)), BERLIN) == (2026, 4, 5, 2, 0)


def test_new_york_dst_moves_utc_but_not_the_shops_hours() -> None:
    # 2026: clocks go forward on 8 March and back on 1 November.
    friday = at(NEW_YORK, 2026, 3, 6, 16, 0)
    monday = at(NEW_YORK, 2026, 3, 9, 10, 0)
    assert business_time_between(NEW_YORK_OFFICE, friday, monday) == timedelta(hours=2)
    reply_by = add_business_time(NEW_YORK_OFFICE, friday, timedelta(hours=3))
    assert local(reply_by, NEW_YORK) == (2026, 3, 9, 11, 0)
    assert reply_by is not None and reply_by.astimezone(UTC).hour == 15  # EDT, UTC-4
    autumn = next_opening(NEW_YORK_OFFICE, at(NEW_YORK, 2026, 10, 30, 18, 0))
    assert autumn is not None and autumn.astimezone(UTC).hour == 14  # EST, UTC-5


def test_holidays_public_holidays_and_closures_close_whole_days() -> None:
    office = BusinessHours(
        "Europe/Berlin",
        week(),
        holidays=frozenset({date(2026, 11, 18)}),
        closures=(Closure(date(2026, 12, 24), date(2026, 12, 31), (("en", "Closed for the holidays"),)),),
        public_holidays="DE-BE",
    )
    assert local(next_opening(office, at(BERLIN, 2026, 11, 17, 18, 0)), BERLIN) == (2026, 11, 19, 9, 0)
    # Closed 24-31 December, 1 January is New Year's Day, then a weekend: Monday 4 January.
    state = availability(office, at(BERLIN, 2026, 12, 28, 11, 0))
    assert not state.open and state.closure is not None and dict(state.closure.notes)["en"] == "Closed for the holidays"
    assert local(state.next_open, BERLIN) == (2027, 1, 4, 9, 0)
    # 8 March is a public holiday in Berlin only (International Women's Day, a Monday in 2027).
    assert local(next_opening(office, at(BERLIN, 2027, 3, 5, 18, 0)), BERLIN) == (2027, 3, 9, 9, 0)
    national = BusinessHours("Europe/Berlin", week(), public_holidays="DE")
    assert local(next_opening(national, at(BERLIN, 2027, 3, 5, 18, 0)), BERLIN) == (2027, 3, 8, 9, 0)


def test_reply_time_counts_only_open_time_and_skips_closures() -> None:
    office = BusinessHours("Europe/Berlin", week(), closures=(Closure(date(2026, 11, 23), date(2026, 11, 24)),))
    sent = at(BERLIN, 2026, 11, 20, 16, 0)  # Friday, an hour before closing
    assert local(add_business_time(office, sent, timedelta(hours=3)), BERLIN) == (2026, 11, 25, 11, 0)
    answered = at(BERLIN, 2026, 11, 25, 9, 30)
    assert business_time_between(office, sent, answered) == timedelta(hours=1, minutes=30)


def test_back_to_back_intervals_are_one_period_across_midnight() -> None:
    late = BusinessHours(
        "Europe/Berlin",
        week((), mon=(Interval(time(17), None),), tue=(Interval(time(0), time(2)),)),
    )
    state = availability(late, at(BERLIN, 2026, 11, 16, 23, 0))
    assert state.open and local(state.closes_at, BERLIN) == (2026, 11, 17, 2, 0)


def test_no_hours_at_all_means_no_known_opening() -> None:
    closed = BusinessHours("Europe/Berlin", week(()))
    assert next_opening(closed, at(BERLIN, 2026, 11, 17, 10, 0)) is None
    assert add_business_time(closed, at(BERLIN, 2026, 11, 17, 10, 0), timedelta(minutes=1)) is None
    with pytest.raises(ValueError, match="aware"):
        next_opening(BERLIN_OFFICE, datetime(2026, 11, 17, 10, 0))


def words(locale: str) -> HelpWording:
    facts = ShopFacts(ShopRef("shopify", "x.myshopify.com"), "X", "EUR", "Europe/Berlin", "DE")
    return HelpWording(Wording(locale, facts))


@pytest.mark.parametrize(
    ("locale", "now", "viewer", "said"),
    [
        ("en", at(BERLIN, 2026, 11, 17, 21, 0), BERLIN, "tomorrow at 9:00"),
        ("en", at(BERLIN, 2026, 11, 17, 8, 0), BERLIN, "today at 9:00"),
        ("en", at(BERLIN, 2026, 11, 20, 21, 0), BERLIN, "on Monday at 9:00"),
        ("en", at(BERLIN, 2026, 12, 23, 18, 0), BERLIN, "on 4 January at 9:00"),
        ("en", at(BERLIN, 2026, 11, 17, 21, 0), NEW_YORK, "tomorrow at 3:00"),  # the clock of the zone asked for
        ("de", at(BERLIN, 2026, 11, 20, 21, 0), BERLIN, "am Montag um 9:00 Uhr"),
    ],
    ids=["tomorrow", "today", "monday", "after-a-closure", "in-the-shoppers-timezone", "german"],
)
def test_the_next_reply_time_is_said_plainly_in_the_zone_asked_for(
    locale: str, now: datetime, viewer: ZoneInfo, said: str
) -> None:
    office = BusinessHours("Europe/Berlin", week(), closures=(Closure(date(2026, 12, 24), date(2027, 1, 3)),))
    opens = next_opening(office, now)
    assert opens is not None
    assert words(locale).when(opens, now, viewer) == said


def test_durations_round_up_and_the_week_reads_like_a_sign() -> None:
    english = words("en")
    assert english.duration(timedelta(minutes=7)) == "10 minutes"
    assert english.duration(timedelta(minutes=61)) == "2 hours"
    assert english.duration(timedelta(hours=60)) == "3 days"
    office = BusinessHours("Europe/Berlin", week(sat=(Interval(time(10), time(14)),)))
    assert english.week(office) == "Mon–Fri 9:00–17:00; Sat 10:00–14:00"
    assert words("de").week(office) == "Mo.–Fr. 9:00–17:00; Sa. 10:00–14:00"
