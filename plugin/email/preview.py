"""For the admin panel: preview a stage with a sample order (merchant texts included, problems listed), and send a
test message to an address the merchant gives. Neither touches any customer's data or journey."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from plugin.email.compose import DelayNotice, MessageLinks, build_email, content_for_order, format_window
from plugin.email.journey_settings import JourneySettings, TemplateOverride, load_journey_settings
from plugin.email.mailer import mailer_from_settings
from plugin.email.render import RenderedMessage, render_message
from plugin.email.stages import Stage, is_marketing
from plugin.email.transport import Mailer, OutgoingMessage
from plugin.email.wording import pick_locale
from plugin.keys import ShopRef
from plugin.platform import Order, OrderLine, Shipment, ShopFacts
from plugin.services import Services
from plugin.shop_data import load_facts
from widgets.estimator.delivery import ShippingCalendar

SAMPLE_LINK = "https://example.invalid/sample-link"


@dataclass(frozen=True)
class Preview:
    stage: Stage
    locale: str
    subject: str
    html: str
    text: str
    problems: tuple[str, ...]  # merchant texts that fell back to the default, and why


def sample_order(shop: ShopRef, currency: str = "EUR", now: datetime | None = None) -> Order:
    moment = now or datetime.now(UTC)
    return Order(
        shop=shop,
        id="sample",
        name="#1001",
        created_at=moment - timedelta(days=2),
        updated_at=moment,
        currency=currency,
        total=Decimal("42.50"),
        status="open",
        email="customer@example.com",
        first_name="Alex",
        locale="en",
        lines=(OrderLine("Canvas tote", 1, "TOTE-1"), OrderLine("Trail mug", 2, "MUG-2")),
        shipments=(
            Shipment(
                "1",
                "in_transit",
                "DHL",
                "00340434161094042557",
                "https://tracking.example/00340434161094042557",
                moment,
            ),
        ),
    )


def _sample_links(stage: Stage, kind: str) -> MessageLinks:
    if not is_marketing(stage):
        return MessageLinks(status=SAMPLE_LINK)  # real service messages link to the order-status page
    scale = range(1, 6) if kind == "csat" else range(0, 11) if kind == "nps" else range(0)
    return MessageLinks(SAMPLE_LINK, SAMPLE_LINK, tuple((score, SAMPLE_LINK) for score in scale))


def render_sample(
    stage: Stage,
    locale: str,
    settings: JourneySettings,
    facts: ShopFacts | None,
    shop: ShopRef,
    override: TemplateOverride | None = None,
    *,
    today: date | None = None,
) -> RenderedMessage:
    order = sample_order(shop, facts.currency if facts else "EUR")
    today = today or date.today()
    # Sample dates fall on days parcels move, as real ones do: a preview saying "by Sunday" reads as a promise.
    calendar = ShippingCalendar(facts.country if facts else "", facts.timezone if facts else "UTC")
    content = content_for_order(
        order,
        stage=stage,
        locale=locale,
        facts=facts,
        settings=settings,
        links=_sample_links(stage, settings.feedback_kind),
        delivery_window=format_window(
            calendar.add_business_days(today, 2), calendar.add_business_days(today, 4), locale
        )
        if stage is Stage.CONFIRMED
        else None,
        delivery_problem=stage is Stage.DELAYED,
        # A sample cause, so the merchant sees the sentence their text is shown with (webhooks.journey.delays).
        delay=_sample_delay(calendar.add_business_days(today, 3), locale) if stage is Stage.DELAYED else None,
    )
    return render_message(content, override if override is not None else settings.override(stage, locale))


def _sample_delay(expected: date, locale: str) -> DelayNotice:
    return DelayNotice("stalled", quiet_days=6, expected_by=format_window(expected, expected, locale))


async def preview_message(
    services: Services,
    shop: ShopRef,
    stage: Stage,
    locale: str | None = None,
    *,
    override: TemplateOverride | None = None,
) -> Preview:
    """The stage as a customer would see it, with the sample order; `override` previews unsaved merchant texts."""
    facts = await load_facts(services.redis, services.keys, shop)
    settings = await load_journey_settings(services, shop)
    chosen = pick_locale(locale, facts.locale if facts else None)
    rendered = render_sample(stage, chosen, settings, facts, shop, override)
    return Preview(stage, chosen, rendered.subject, rendered.html, rendered.text, rendered.problems)


async def send_test_message(
    services: Services, shop: ShopRef, stage: Stage, to: str, *, mailer: Mailer | None = None, locale: str | None = None
) -> Preview:
    """Send the preview to `to` (marked as a test in the subject) through `mailer`, else through a mailer opened
    for this one message (SMTP, or the dev outbox). Raises ValueError for a bad address, DeliveryError on failure."""
    if "@" not in to or any(char in to for char in "\r\n,;<>"):
        raise ValueError("a test message needs one plain email address")
    preview = await preview_message(services, shop, stage, locale)
    facts = await load_facts(services.redis, services.keys, shop)
    rendered = RenderedMessage(f"[Test] {preview.subject}", preview.html, preview.text, preview.problems)
    email = build_email(
        services.settings,
        shop_name=facts.name if facts else shop.id,
        to=to,
        rendered=rendered,
        message_id=None,
        marketing=is_marketing(stage),
        unsubscribe_url=SAMPLE_LINK if is_marketing(stage) else None,
        reply_to=facts.email if facts else None,
    )
    reference = "test-" + secrets.token_hex(8)
    chosen = mailer or mailer_from_settings(services.settings)
    try:
        await chosen.deliver(services, OutgoingMessage(shop, email, (to,), reference, "test"))
    finally:
        if mailer is None:
            await chosen.aclose()
    return preview
