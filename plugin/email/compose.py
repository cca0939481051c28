"""From an order to a ready email: what the message shows (MessageContent), its signed links, and the MIME message
with the headers mail providers expect (stable Message-ID per (order, stage); RFC 8058 one-click unsubscribe on
marketing messages only)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from urllib.parse import quote, urlsplit

from babel.dates import format_date, format_skeleton
from babel.numbers import format_currency

from plugin.email.journey_settings import JourneySettings
from plugin.email.links import LinkClaims, link_url, make_token
from plugin.email.render import MessageContent, RenderedMessage
from plugin.email.stages import Stage, is_marketing
from plugin.keys import ShopRef
from plugin.order_status.token import status_url
from plugin.platform import Order, Shipment, ShopFacts
from plugin.services import Services
from plugin.settings import Settings

UNSUBSCRIBE_PATH = "/email/unsubscribe"
PREFERENCES_PATH = "/email/preferences"
ANSWER_PATH = "/email/answer"


@dataclass(frozen=True)
class MessageLinks:
    unsubscribe: str | None = None
    preferences: str | None = None
    answers: tuple[tuple[int, str], ...] = ()
    status: str | None = None  # the order-status page, in every service message instead of the carrier's page


@dataclass(frozen=True)
class DelayNotice:
    """A delay notice's facts, formatted for the customer's locale (see MessageContent)."""

    cause: str
    quiet_days: int | None = None
    promised_window: str | None = None
    expected_by: str | None = None


def delay_notice_for(fields: Mapping[str, str], locale: str) -> DelayNotice | None:
    """The facts a delay notice's message record carries (webhooks.journey.delays), formatted; None for a message
    without a cause (one scheduled before notices had causes)."""
    cause = fields.get("cause")
    if not cause:
        return None
    promised = fields.get("promised") or ""
    first, _, last = promised.partition("/")
    try:
        window = format_window(date.fromisoformat(first), date.fromisoformat(last), locale) if last else None
        expected = fields.get("expected")
        expected_by = (
            format_window(date.fromisoformat(expected), date.fromisoformat(expected), locale) if expected else None
        )
        quiet = int(fields["quiet_days"]) if fields.get("quiet_days") else None
    except ValueError:
        return DelayNotice(cause)
    return DelayNotice(cause, quiet, window, expected_by)


def format_money(amount: Decimal, currency: str, locale: str) -> str:
    try:
        return str(format_currency(amount, currency, locale=locale))
    except (ValueError, KeyError):
        return f"{amount} {currency}"


def _short_date(day: date, locale: str) -> str:
    # English keeps "Thu 5 Nov" (CLDR's en is American: "Thu, Nov 5"); every other locale its CLDR order.
    if locale == "en":
        return str(format_date(day, format="EEE d MMM", locale="en"))
    return str(format_skeleton("MMMEd", day, locale=locale))


def format_window(earliest: date, latest: date, locale: str) -> str:
    first = _short_date(earliest, locale)
    return first if earliest == latest else f"{first} – {_short_date(latest, locale)}"


def current_shipment(order: Order) -> Shipment | None:
    """The shipment a message talks about: the most recently updated one that is not cancelled."""
    live = [shipment for shipment in order.shipments if shipment.status != "cancelled"]
    return max(live, key=lambda s: s.updated_at or datetime.min.replace(tzinfo=UTC), default=None)


def message_links(
    services: Services,
    shop: ShopRef,
    *,
    subject: str,
    ref: str,
    locale: str,
    customer_id: str | None,
    email: str | None,
    stage: Stage,
    feedback_kind: str,
    order_id: str | None = None,
) -> MessageLinks:
    """Signed links of a message: a service message links to its order's status page (with `order_id`); a
    marketing message carries unsubscribe, preferences and answer links."""
    if not is_marketing(stage):
        return MessageLinks(
            status=status_url(services, shop, order_id, via=f"{stage.value}.email") if order_id else None
        )
    claims = LinkClaims(shop=shop, subject=subject, locale=locale, message=ref, customer_id=customer_id, email=email)
    answers: tuple[tuple[int, str], ...] = ()
    if stage is Stage.FEEDBACK and feedback_kind in ("csat", "nps"):
        scale = range(1, 6) if feedback_kind == "csat" else range(0, 11)
        answers = tuple(
            (
                score,
                link_url(
                    services,
                    ANSWER_PATH,
                    make_token(
                        services,
                        "answer",
                        LinkClaims(
                            shop=shop, subject=subject, locale=locale, message=ref, kind=feedback_kind, score=score
                        ),
                    ),
                ),
            )
            for score in scale
        )
    return MessageLinks(
        unsubscribe=link_url(services, UNSUBSCRIBE_PATH, make_token(services, "unsubscribe", claims)),
        preferences=link_url(services, PREFERENCES_PATH, make_token(services, "preferences", claims)),
        answers=answers,
    )


def content_for_order(
    order: Order,
    *,
    stage: Stage,
    locale: str,
    facts: ShopFacts | None,
    settings: JourneySettings,
    links: MessageLinks,
    delivery_window: str | None = None,
    open_issue: bool = False,
    delivery_problem: bool = False,
    delay: DelayNotice | None = None,
) -> MessageContent:
    shipment = current_shipment(order)
    return MessageContent(
        stage=stage,
        locale=locale,
        shop_name=facts.name if facts else order.shop.id,
        order_name=order.name,
        order_total=format_money(order.total, order.currency, locale),
        first_name=order.first_name,
        lines=tuple((line.title, line.quantity) for line in order.lines),
        carrier=shipment.carrier if shipment else None,
        tracking_number=shipment.tracking_number if shipment else None,
        tracking_url=shipment.tracking_url if shipment else None,
        delivery_window=delivery_window,
        help_url=settings.help_url,
        help_email=facts.email if facts else None,
        open_issue=open_issue,
        delivery_problem=delivery_problem,
        delay_cause=delay.cause if delay else None,
        quiet_days=delay.quiet_days if delay else None,
        promised_window=delay.promised_window if delay else None,
        expected_by=delay.expected_by if delay else None,
        feedback_kind=settings.feedback_kind,
        answer_links=links.answers,
        review_url=settings.review_url or settings.shop_url,
        shop_url=settings.shop_url or (f"https://{facts.domains[0]}" if facts and facts.domains else None),
        unsubscribe_url=links.unsubscribe,
        preferences_url=links.preferences,
        status_url=links.status,
    )


def message_id(settings: Settings, ref: str) -> str:
    """Stable per (order, stage): the same message keeps its id through retries, so receivers can dedupe it."""
    host = urlsplit(settings.app_url).hostname or "upfront.invalid"
    return f"<{ref}@{host}>"


def build_email(
    settings: Settings,
    *,
    shop_name: str,
    to: str,
    rendered: RenderedMessage,
    message_id: str | None,
    marketing: bool,
    unsubscribe_url: str | None = None,
    unsubscribe_mailto: str | None = None,
    reply_to: str | None = None,
    now: datetime | None = None,
) -> EmailMessage:
    sender_name, sender_address = parseaddr(settings.mail_from)
    message = EmailMessage()
    # The shop is the sender people recognise (the "same sender" of a soft opt-in); the address is ours.
    message["From"] = formataddr((shop_name or sender_name, sender_address))
    message["To"] = to
    if reply_to:
        message["Reply-To"] = reply_to
    message["Subject"] = rendered.subject
    message["Date"] = format_datetime(now or datetime.now(UTC))
    message["Message-ID"] = message_id or make_msgid(domain=urlsplit(settings.app_url).hostname)
    if marketing:
        if not unsubscribe_url:
            raise ValueError("a marketing message needs an unsubscribe link")
        targets = [f"<{unsubscribe_url}>"]
        mailbox = unsubscribe_mailto or sender_address
        if mailbox:
            targets.append(f"<mailto:{mailbox}?subject={quote('unsubscribe')}>")
        message["List-Unsubscribe"] = ", ".join(targets)
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    else:
        message["Auto-Submitted"] = "auto-generated"
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    return message
