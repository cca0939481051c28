"""What the help prompt says, from the help catalog (plugin/locale): prompt texts, the human path's availability and
reply times, and the answers written from the shop's facts."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_skeleton, get_day_names

from plugin.catalogs import messages
from widgets.help.hours import BusinessHours, Interval
from widgets.i18n import Wording, said

DOMAIN = "help"


@dataclass(frozen=True)
class HelpWording:
    """Help texts in one language, with the shop's money, dates and country names from the widgets' Wording."""

    base: Wording

    @property
    def locale(self) -> str:
        return self.base.locale

    def t(self, key: str, **values: object) -> str:
        return said(self.locale, messages(DOMAIN, self.locale).text(key).format(**values))

    def plural(self, key: str, number: int, /, *, by: str = "count", **values: object) -> str:
        """A counted text in the form the locale's plural rule picks for `number`, which fills `{<by>}`."""
        return messages(DOMAIN, self.locale).plural(key, number).format(**{by: number}, **values)

    def prompt_for(self, trigger: str | None) -> str:
        key = f"prompt_{trigger}"
        return self.t(key) if key in messages(DOMAIN, self.locale) else self.t("prompt")

    def duration(self, span: timedelta) -> str:
        """Rounded up, so a promise is never shorter than the time it stands for."""
        minutes = max(1, math.ceil(span.total_seconds() / 60))
        if minutes < 60:
            return self.plural("duration_minutes", max(5, math.ceil(minutes / 5) * 5))
        hours = math.ceil(minutes / 60)
        if hours <= 48:
            return self.plural("duration_hours", hours)
        return self.plural("duration_days", math.ceil(hours / 24))

    def clock(self, moment: datetime) -> str:
        return self.t("time", hour=moment.hour, minute=moment.minute)

    def when(self, moment: datetime, now: datetime, zone: ZoneInfo) -> str:
        """ "tomorrow at 9:00", "on Monday at 9:00", in `zone` and relative to its today (widgets.help.opening
        names the zone)."""
        local, today = moment.astimezone(zone), now.astimezone(zone).date()
        days = (local.date() - today).days
        clock = self.clock(local)
        if days <= 0:
            return self.t("today", time=clock)
        if days == 1:
            return self.t("tomorrow", time=clock)
        if days < 7:
            return self.t("weekday", day=format_date(local.date(), "EEEE", locale=self.locale), time=clock)
        # English keeps "7 December" (CLDR's en is American: "December 7"); every other locale its own order.
        if self.locale == "en":
            day = str(format_date(local.date(), "d MMMM", locale="en"))
        else:
            day = str(format_skeleton("MMMMd", local.date(), locale=self.locale))
        return self.t("date", day=day, time=clock)

    def zone_name(self, timezone: str) -> str:
        return self.t("zone", city=timezone.rsplit("/", 1)[-1].replace("_", " "))

    def week(self, hours: BusinessHours) -> str:
        """ "Mon–Fri 9:00–17:00, Sat 10:00–14:00": consecutive days with the same hours grouped."""
        names = get_day_names("abbreviated", locale=self.locale)
        groups: list[tuple[int, int, tuple[Interval, ...]]] = []
        for weekday, intervals in enumerate(hours.weekly):
            if not intervals:
                continue
            if groups and groups[-1][1] == weekday - 1 and groups[-1][2] == intervals:
                groups[-1] = (groups[-1][0], weekday, intervals)
            else:
                groups.append((weekday, weekday, intervals))
        if not groups:
            return self.t("closed_all_week")
        parts = []
        for first, last, intervals in groups:
            days = str(names[first]) if first == last else f"{names[first]}–{names[last]}"
            spans = ", ".join(f"{_hm(interval.start)}–{_hm(interval.end)}" for interval in intervals)
            parts.append(f"{days} {spans}")
        return "; ".join(parts)


def _hm(value: time | None) -> str:
    return "24:00" if value is None else f"{value.hour}:{value.minute:02d}"
