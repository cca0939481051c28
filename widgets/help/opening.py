"""When the shop can be reached, said one way everywhere: the support badge and the help prompt both word the
merchant's hours through here, always in the shop's own timezone and always naming it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from widgets.help.hours import Availability, BusinessHours, availability
from widgets.help.wording import HelpWording


@dataclass(frozen=True)
class OpeningWords:
    state: Availability
    week: str  # "Hours (Berlin time): Mon–Fri 9:00–17:00; Sat 10:00–14:00"
    back: str | None  # while closed: "tomorrow at 9:00 (Berlin time)"; None while open or with no opening known


def shop_time(hours: BusinessHours, words: HelpWording, moment: datetime, now: datetime) -> str:
    """ "tomorrow at 9:00 (Berlin time)": the shop's clock and the shop's today, so it reads the same as the week's
    hours next to it, whichever timezone the shopper is in."""
    return f"{words.when(moment, now, hours.zone)} ({words.zone_name(hours.timezone)})"


def shop_clock(hours: BusinessHours, words: HelpWording, moment: datetime) -> str:
    """ "17:00 (Berlin time)" """
    return f"{words.clock(moment.astimezone(hours.zone))} ({words.zone_name(hours.timezone)})"


def opening_words(hours: BusinessHours, words: HelpWording, now: datetime) -> OpeningWords:
    state = availability(hours, now)
    week = words.t("hours", zone=words.zone_name(hours.timezone), summary=words.week(hours))
    back = None if state.open or state.next_open is None else shop_time(hours, words, state.next_open, now)
    return OpeningWords(state, week, back)
