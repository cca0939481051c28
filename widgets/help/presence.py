"""The human path every prompt shows: how to reach a person, whether someone is there now, and an honest reply time
(measured replies when there are enough, else the merchant's stated time, else no promise). Times are the shop's,
named (widgets.help.opening), like the hours beside them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from plugin.platform import ShopFacts
from widgets.help.hours import BusinessHours, add_business_time
from widgets.help.opening import opening_words, shop_clock, shop_time
from widgets.help.settings import Channel, HelpSettings, closure_note
from widgets.help.wording import HelpWording

_NOT_DIGITS = re.compile(r"[^0-9]")


@dataclass(frozen=True)
class ChannelView:
    kind: str
    href: str
    label: str
    detail: str  # the address or number itself, so it can be copied or dialled by hand


@dataclass(frozen=True)
class HumanPath:
    online: bool | None  # None: the shop states no hours
    status: str  # the sentence about availability and reply time
    closure: str | None  # the merchant's note about a closure in effect today
    week: str | None  # "Hours (Berlin time): Mon–Fri 9:00–17:00"
    channels: tuple[ChannelView, ...]
    reply: str  # the sentence after a message is sent, with {email} left to fill


def channel_view(channel: Channel, words: HelpWording) -> ChannelView:
    label = channel.label.get(words.locale) or next(iter(channel.label.values()), None) or words.t(channel.kind)
    digits = _NOT_DIGITS.sub("", channel.value)
    plus = "+" if channel.value.strip().startswith("+") else ""
    href = {
        "email": f"mailto:{channel.value}",
        "phone": f"tel:{plus}{digits}",
        "sms": f"sms:{plus}{digits}",
        "whatsapp": f"https://wa.me/{digits}",
        "chat": channel.value,
    }[channel.kind]
    return ChannelView(channel.kind, href, label, channel.value)


def contact_channels(settings: HelpSettings, facts: ShopFacts) -> tuple[Channel, ...]:
    """The merchant's channels; without any, the shop's contact email, so a person is always reachable."""
    if settings.channels:
        return settings.channels
    return (Channel("email", facts.email),) if facts.email else ()


def _states_hours(hours: BusinessHours | None) -> BusinessHours | None:
    return hours if hours is not None and hours.has_any_hours() else None


def human_path(
    settings: HelpSettings,
    facts: ShopFacts,
    words: HelpWording,
    now: datetime,
    typical: timedelta | None,
) -> HumanPath:
    channels = tuple(channel_view(channel, words) for channel in contact_channels(settings, facts))
    asap = words.t("sent_asap", email="{email}")
    hours = _states_hours(settings.hours)
    if hours is None:
        if typical is None:
            return HumanPath(None, words.t("asap"), None, None, channels, asap)
        duration = words.duration(typical)
        reply = words.t("sent_within", email="{email}", duration=duration)
        return HumanPath(None, words.t("typical", duration=duration), None, None, channels, reply)

    said = opening_words(hours, words, now)
    state = said.state
    closure = None if state.closure is None else closure_note(state.closure, words.locale)

    def path(online: bool, status: str, reply: str) -> HumanPath:
        return HumanPath(online, status, closure, said.week, channels, reply)

    if not state.open:
        if said.back is None:
            return path(False, words.t("offline_unknown"), asap)
        when = said.back
        return path(False, words.t("offline", when=when), words.t("sent_back", email="{email}", when=when))
    expected = None if typical is None else add_business_time(hours, now, typical)
    if typical is None or expected is None or state.closes_at is None:
        return path(True, words.t("online_plain"), asap)
    if expected <= state.closes_at:
        duration = words.duration(typical)
        return path(
            True, words.t("online", duration=duration), words.t("sent_within", email="{email}", duration=duration)
        )
    # Open now, but the typical reply time runs past closing: say when the answer really comes.
    when = shop_time(hours, words, expected, now)
    status = words.t("online_until", close=shop_clock(hours, words, state.closes_at), when=when)
    return path(True, status, words.t("sent_by", email="{email}", when=when))
