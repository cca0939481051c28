"""The shop's calendar: which day it is where the shop is. Day counters and the dashboard's periods use the shop's
days, so a figure near midnight lands on the day the merchant lives in."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def shop_today(timezone: str | None, now: datetime) -> date:
    """The shop's calendar day at `now` (UTC's if the shop's zone is unknown)."""
    try:
        return now.astimezone(ZoneInfo(timezone or "UTC")).date()
    except (ZoneInfoNotFoundError, ValueError):
        return now.astimezone(UTC).date()
