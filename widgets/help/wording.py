"""What the help prompt says, in English and German: prompt texts, the human path's availability and reply times,
and the answers written from the shop's facts."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, get_day_names

from widgets.help.hours import BusinessHours, Interval
from widgets.i18n import Wording

_MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "prompt": "Can we help?",
        "prompt_exit_intent": "Before you go: any questions? We're happy to help.",
        "prompt_shipping_estimate": "Questions about shipping? Here is what we can tell you.",
        "prompt_policy_open": "Questions about shipping or returns?",
        "prompt_repeat_product": "Still deciding? We can help.",
        "label": "Help",
        "close": "Close",
        "answers": "Quick answers",
        "human": "Talk to a person",
        "online": "We're online now and typically reply within {duration}.",
        "online_plain": "We're online now.",
        "online_until": "We're online until {close}; we'll reply by {when}.",
        "offline": "We're offline right now. We're back {when} and will answer your message then.",
        "offline_unknown": "We're offline right now. We'll reply as soon as we're back.",
        "typical": "We typically reply within {duration}.",
        "asap": "We'll reply as soon as we can.",
        "hours": "Hours ({zone}): {summary}",
        "closed_all_week": "by message only",
        "email": "Email us",
        "phone": "Call us",
        "chat": "Chat with us",
        "whatsapp": "WhatsApp",
        "sms": "Text us",
        "write": "Write to us",
        "your_email": "Your email",
        "your_question": "Your question",
        "cart_consent": "Include my cart contents so you can help faster",
        "privacy": "We use your email only to answer this question.",
        "send": "Send",
        "sent_within": "Thanks! We'll reply to {email} within {duration}.",
        "sent_by": "Thanks! We'll reply to {email} by {when}.",
        "sent_back": "Thanks! We're back {when} and will reply to {email} then.",
        "sent_asap": "Thanks! We'll reply to {email} as soon as we can.",
        "minutes": "{count} minutes",
        "hour": "1 hour",
        "hours_count": "{count} hours",
        "day": "1 day",
        "days": "{count} days",
        "today": "today at {time}",
        "tomorrow": "tomorrow at {time}",
        "weekday": "on {day} at {time}",
        "date": "on {day} at {time}",
        "time": "{hour}:{minute:02d}",
        "zone": "{city} time",
        "faq_shipping": "How much is shipping, and when will my order arrive?",
        "faq_returns": "Can I return my order?",
        "ship_option": "{method} to {country}: {price}",
        "ship_delivery": "delivery {dates}",
        "ship_free_over": "Free shipping to {country} on orders over {amount}.",
        "ship_free_remaining": "Add {amount} more for free shipping.",
        "ship_free_reached": "Your order qualifies for free shipping.",
        "ship_none": "We don't ship to {country} yet.",
        "ship_checkout": "Shipping costs are calculated at checkout.",
        "returns_days": "You can return items within {days} days.",
        "returns_free": "Returns are free.",
        "returns_policy": "Refund policy",
        "too_many": "Too many messages from here. Please try again in a few minutes.",
    },
    "de": {
        "prompt": "Können wir helfen?",
        "prompt_exit_intent": "Bevor Sie gehen: Haben Sie Fragen? Wir helfen gern.",
        "prompt_shipping_estimate": "Fragen zum Versand? Das können wir Ihnen sagen.",
        "prompt_policy_open": "Fragen zu Versand oder Rückgabe?",
        "prompt_repeat_product": "Noch unentschlossen? Wir helfen gern.",
        "label": "Hilfe",
        "close": "Schließen",
        "answers": "Schnelle Antworten",
        "human": "Mit einem Menschen sprechen",
        "online": "Wir sind jetzt erreichbar und antworten meist innerhalb von {duration}.",
        "online_plain": "Wir sind jetzt erreichbar.",
        "online_until": "Wir sind bis {close} erreichbar und antworten bis {when}.",
        "offline": "Wir sind gerade nicht erreichbar. Wir sind {when} wieder da und beantworten dann Ihre Nachricht.",
        "offline_unknown": "Wir sind gerade nicht erreichbar. Wir antworten, sobald wir zurück sind.",
        "typical": "Wir antworten meist innerhalb von {duration}.",
        "asap": "Wir antworten so schnell wie möglich.",
        "hours": "Erreichbar ({zone}): {summary}",
        "closed_all_week": "nur per Nachricht",
        "email": "E-Mail schreiben",
        "phone": "Anrufen",
        "chat": "Chatten",
        "whatsapp": "WhatsApp",
        "sms": "SMS schreiben",
        "write": "Nachricht schreiben",
        "your_email": "Ihre E-Mail-Adresse",
        "your_question": "Ihre Frage",
        "cart_consent": "Meinen Warenkorb mitsenden, damit Sie schneller helfen können",
        "privacy": "Wir nutzen Ihre E-Mail-Adresse nur, um diese Frage zu beantworten.",
        "send": "Senden",
        "sent_within": "Danke! Wir antworten an {email} innerhalb von {duration}.",
        "sent_by": "Danke! Wir antworten an {email} bis {when}.",
        "sent_back": "Danke! Wir sind {when} wieder da und antworten dann an {email}.",
        "sent_asap": "Danke! Wir antworten an {email} so schnell wie möglich.",
        "minutes": "{count} Minuten",
        "hour": "1 Stunde",
        "hours_count": "{count} Stunden",
        "day": "1 Tag",
        "days": "{count} Tagen",
        "today": "heute um {time}",
        "tomorrow": "morgen um {time}",
        "weekday": "am {day} um {time}",
        "date": "am {day} um {time}",
        "time": "{hour}:{minute:02d} Uhr",
        "zone": "Zeit in {city}",
        "faq_shipping": "Was kostet der Versand und wann kommt meine Bestellung an?",
        "faq_returns": "Kann ich meine Bestellung zurückgeben?",
        "ship_option": "{method} nach {country}: {price}",
        "ship_delivery": "Lieferung {dates}",
        "ship_free_over": "Kostenloser Versand nach {country} ab {amount}.",
        "ship_free_remaining": "Noch {amount} bis zum kostenlosen Versand.",
        "ship_free_reached": "Ihre Bestellung wird kostenlos versendet.",
        "ship_none": "Wir liefern noch nicht nach {country}.",
        "ship_checkout": "Die Versandkosten werden an der Kasse berechnet.",
        "returns_days": "Sie können Artikel innerhalb von {days} Tagen zurückgeben.",
        "returns_free": "Die Rücksendung ist kostenlos.",
        "returns_policy": "Rückgaberichtlinie",
        "too_many": "Zu viele Nachrichten von hier. Bitte versuchen Sie es in ein paar Minuten erneut.",
    },
}


@dataclass(frozen=True)
class HelpWording:
    """Help texts in one language, with the shop's money, dates and country names from the widgets' Wording."""

    base: Wording

    @property
    def locale(self) -> str:
        return self.base.locale

    def t(self, key: str, **values: object) -> str:
        return _MESSAGES[self.locale][key].format(**values)

    def prompt_for(self, trigger: str | None) -> str:
        key = f"prompt_{trigger}"
        return self.t(key) if key in _MESSAGES[self.locale] else self.t("prompt")

    def duration(self, span: timedelta) -> str:
        """Rounded up, so a promise is never shorter than the time it stands for."""
        minutes = max(1, math.ceil(span.total_seconds() / 60))
        if minutes < 60:
            return self.t("minutes", count=max(5, math.ceil(minutes / 5) * 5))
        hours = math.ceil(minutes / 60)
        if hours <= 48:
            return self.t("hour") if hours == 1 else self.t("hours_count", count=hours)
        days = math.ceil(hours / 24)
        return self.t("days", count=days)

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
        pattern = "d MMMM" if self.locale == "en" else "d. MMMM"
        return self.t("date", day=format_date(local.date(), pattern, locale=self.locale), time=clock)

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
