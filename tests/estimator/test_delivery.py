"""Ship dates and delivery windows respect cutoff, weekends, public holidays, closures and the year end."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from widgets.estimator.delivery import ShippingCalendar, delivery_window, plan_dispatch

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
US = ShippingCalendar("US", "America/New_York")
DE = ShippingCalendar("DE", "Europe/Berlin")
DE_CLOSED_BETWEEN_YEARS = ShippingCalendar(
    "DE", "Europe/Berlin", closures=[date(2026, 12, d) for d in (28, 29, 30, 31)]
)
CUTOFF = time(14, 0)


@pytest.mark.parametrize(
    ("calendar", "now", "processing_days", "ship_date", "order_within"),
    [
        (
            US,
            datetime(2026, 11, 24, 11, 46, 30, tzinfo=NEW_YORK),
            0,
            date(2026, 11, 24),
            timedelta(hours=2, minutes=13, seconds=30),
        ),
        (
            US,
            datetime(2026, 11, 24, 16, 46, 30, tzinfo=UTC),
            0,
            date(2026, 11, 24),
            timedelta(hours=2, minutes=13, seconds=30),
        ),
        (US, datetime(2026, 11, 24, 14, 0, tzinfo=NEW_YORK), 0, date(2026, 11, 25), None),
        (US, datetime(2026, 11, 25, 15, 0, tzinfo=NEW_YORK), 0, date(2026, 11, 27), None),
        (US, datetime(2026, 11, 26, 9, 0, tzinfo=NEW_YORK), 0, date(2026, 11, 27), None),
        (US, datetime(2026, 11, 28, 9, 0, tzinfo=NEW_YORK), 0, date(2026, 11, 30), None),
        (US, datetime(2026, 11, 27, 16, 0, tzinfo=NEW_YORK), 0, date(2026, 11, 30), None),
        (US, datetime(2026, 6, 1, 10, 0, tzinfo=NEW_YORK), 2, date(2026, 6, 3), None),
        (US, datetime(2026, 6, 5, 15, 0, tzinfo=NEW_YORK), 1, date(2026, 6, 9), None),
        (DE, datetime(2026, 12, 23, 15, 0, tzinfo=BERLIN), 0, date(2026, 12, 24), None),
        (DE, datetime(2026, 12, 24, 15, 0, tzinfo=BERLIN), 0, date(2026, 12, 28), None),
        (DE, datetime(2026, 12, 31, 15, 0, tzinfo=BERLIN), 0, date(2027, 1, 4), None),
        (DE_CLOSED_BETWEEN_YEARS, datetime(2026, 12, 24, 15, 0, tzinfo=BERLIN), 0, date(2027, 1, 4), None),
        (DE_CLOSED_BETWEEN_YEARS, datetime(2026, 12, 23, 9, 0, tzinfo=BERLIN), 2, date(2027, 1, 4), None),
    ],
    ids=[
        "before-cutoff-ships-today-with-countdown",
        "utc-clock-gives-the-same-countdown",
        "at-cutoff-ships-next-day",
        "after-cutoff-skips-thanksgiving",
        "ordered-on-thanksgiving",
        "ordered-on-saturday",
        "friday-after-cutoff-ships-monday",
        "two-processing-days",
        "one-processing-day-over-the-weekend",
        "de-christmas-eve-is-a-working-day",
        "de-christmas-and-weekend",
        "year-end-rolls-over-new-year-holiday",
        "merchant-closure-between-the-years",
        "processing-resumes-after-closure",
    ],
)
def test_ship_date(
    calendar: ShippingCalendar,
    now: datetime,
    processing_days: int,
    ship_date: date,
    order_within: timedelta | None,
) -> None:
    dispatch = plan_dispatch(calendar, now, processing_days=processing_days, cutoff=CUTOFF)
    assert (dispatch.ship_date, dispatch.order_within) == (ship_date, order_within)


def test_no_cutoff_means_orders_all_day_ship_today_without_a_countdown() -> None:
    dispatch = plan_dispatch(US, datetime(2026, 6, 1, 23, 0, tzinfo=NEW_YORK), processing_days=0, cutoff=None)
    assert (dispatch.ship_date, dispatch.order_within) == (date(2026, 6, 1), None)


def test_countdown_only_when_the_order_still_ships_today() -> None:
    before_cutoff = datetime(2026, 6, 1, 10, 0, tzinfo=NEW_YORK)
    assert plan_dispatch(US, before_cutoff, processing_days=1, cutoff=CUTOFF).order_within is None


def test_countdown_is_real_time_across_a_dst_change() -> None:
    # Israel moves clocks forward on Friday 27 March 2026 at 02:00, a shipping day in a Mon-Fri calendar.
    jerusalem = ZoneInfo("Asia/Jerusalem")
    calendar = ShippingCalendar("IL", "Asia/Jerusalem")
    dispatch = plan_dispatch(calendar, datetime(2026, 3, 27, 1, 30, tzinfo=jerusalem), processing_days=0, cutoff=CUTOFF)
    assert dispatch.order_within == timedelta(hours=11, minutes=30)  # the wall clock shows 12 h 30 min


def test_now_must_carry_a_timezone() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        plan_dispatch(US, datetime(2026, 6, 1, 10, 0), processing_days=0, cutoff=CUTOFF)


@pytest.mark.parametrize(
    ("calendar", "ship_date", "transit", "window"),
    [
        (US, date(2026, 11, 24), (2, 4), (date(2026, 11, 27), date(2026, 12, 1))),
        (US, date(2026, 7, 2), (1, 1), (date(2026, 7, 6), date(2026, 7, 6))),
        (DE, date(2026, 12, 23), (1, 2), (date(2026, 12, 24), date(2026, 12, 28))),
        (DE, date(2026, 12, 31), (0, 1), (date(2026, 12, 31), date(2027, 1, 4))),
        (DE_CLOSED_BETWEEN_YEARS, date(2026, 12, 24), (1, 2), (date(2026, 12, 28), date(2026, 12, 29))),
    ],
    ids=[
        "us-thanksgiving-in-transit",
        "us-independence-day-observed-friday",
        "de-christmas-in-transit",
        "de-same-day-and-new-year",
        "shop-closures-do-not-stop-carriers",
    ],
)
def test_delivery_window_counts_business_days(
    calendar: ShippingCalendar, ship_date: date, transit: tuple[int, int], window: tuple[date, date]
) -> None:
    assert delivery_window(calendar, ship_date, transit) == window


def test_subdivision_holidays_apply_to_the_origin_state_only() -> None:
    cesar_chavez_day = date(2026, 3, 31)
    assert not ShippingCalendar("US", "America/Los_Angeles", subdivision="CA").is_business_day(cesar_chavez_day)
    assert US.is_business_day(cesar_chavez_day)


def test_unknown_subdivision_falls_back_to_national_holidays() -> None:
    calendar = ShippingCalendar("US", "America/New_York", subdivision="XX")
    assert not calendar.is_business_day(date(2026, 11, 26))
