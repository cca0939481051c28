"""The words of service texts and keyword answers in the customer's language (the email catalog's `sms.*` keys):
short, one SMS segment where the language allows. "STOP" stays as it is in every language: it is the keyword
Twilio and the carriers act on."""

from __future__ import annotations

from plugin.catalogs import messages
from plugin.email.stages import Stage
from plugin.email.wording import DEFAULT_LOCALE

DOMAIN = "email"
TEXTED_STAGES = (Stage.CONFIRMED, Stage.SHIPPED, Stage.OUT_FOR_DELIVERY, Stage.DELIVERED, Stage.DELAYED)


def _text(key: str, locale: str) -> str:
    return messages(DOMAIN, locale).text(f"sms.{key}")


def stage_text(stage: Stage, *, shop: str, order: str, link: str | None = None, locale: str = DEFAULT_LOCALE) -> str:
    """The stage's words, the order-status page (where the parcels, the promise and a human are), the opt-out."""
    if stage not in TEXTED_STAGES:
        raise ValueError(f"no service text for the {stage.value} stage")
    parts = [_text(stage.value, locale).format(shop=shop, order=order), link, _text("opt_out", locale)]
    return " ".join(part for part in parts if part)


def help_text(*, shop: str, contact: str | None, custom: str, locale: str = DEFAULT_LOCALE) -> str:
    if custom:
        return custom
    if contact:
        return _text("help", locale).format(shop=shop, contact=contact)
    return _text("help_no_contact", locale).format(shop=shop)
