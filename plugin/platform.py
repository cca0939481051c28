"""The one interface between the app and a commerce platform. Webhooks and widgets use only this; the
concrete adapters (plugin.shopify, plugin.bigcommerce) are wired in by the composition root."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

from plugin.events import PlatformEvent
from plugin.keys import ShopRef


class WebhookRejected(Exception):
    """A delivery that must not be accepted: `status` is the HTTP answer (401 forged, 400 malformed)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class ShopFacts:
    """What the widgets need to know about a shop, whatever its platform."""

    shop: ShopRef
    name: str
    currency: str
    timezone: str
    country: str
    money_format: str = "{{amount}}"
    locale: str = "en"
    email: str | None = None
    domains: tuple[str, ...] = ()
    ship_to_countries: tuple[str, ...] = ()
    # Payment facts as the platform states them. `payment_methods`: names the platform lists (BigCommerce
    # GET /v2/payments/methods, live gateways only). `digital_wallets`: Shopify PaymentSettings.supportedDigitalWallets
    # (DigitalWallet enum values, e.g. APPLE_PAY); None where the platform has no such field.
    payment_methods: tuple[str, ...] = ()
    digital_wallets: tuple[str, ...] | None = None
    # Return facts: the published refund policy (Shopify ShopPolicy REFUND_POLICY url and body as plain text).
    # No platform has a return-window field: widgets.badges.sources reads the window from this text and from the
    # merchant's confirmation.
    refund_policy_url: str | None = None
    refund_policy_text: str | None = None
    shipping_policy_url: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OrderLine:
    title: str
    quantity: int
    sku: str | None = None
    product_id: str | None = None
    variant_id: str | None = None  # with the product, it chooses the delivery profile (Shopify product-specific rates)


@dataclass(frozen=True)
class Shipment:
    id: str
    status: str  # internal: pending, in_transit, out_for_delivery, delivered, failed, cancelled
    carrier: str | None = None
    tracking_number: str | None = None
    tracking_url: str | None = None
    updated_at: datetime | None = None
    shipped_at: datetime | None = None  # when the shipment was created (fulfilled), as the platform says
    delivered_at: datetime | None = None  # when the carrier delivered it, only where the platform reports it


@dataclass(frozen=True)
class Destination:
    """Where an order ships to, as far as delivery windows need it (no name, street or phone)."""

    country: str  # ISO 3166-1 alpha-2
    province: str | None = None  # the platform's province/state code
    postcode: str | None = None


@dataclass(frozen=True)
class Order:
    """The internal order model both adapters map into."""

    shop: ShopRef
    id: str
    name: str
    created_at: datetime
    updated_at: datetime
    currency: str
    total: Decimal
    status: str  # internal: open, cancelled, fulfilled, partially_fulfilled
    customer_id: str | None = None
    email: str | None = None
    first_name: str | None = None
    locale: str | None = None
    email_marketing_consent: str | None = None  # subscribed / not_subscribed / pending / unsubscribed / ...
    lines: tuple[OrderLine, ...] = ()
    shipments: tuple[Shipment, ...] = ()
    note_attributes: Mapping[str, str] = field(default_factory=dict)
    cart_id: str | None = None  # the storefront cart it was placed from (BigCommerce), when the platform says
    destination: Destination | None = None  # the shipping address's country/province/postcode; None: not shipped
    shipping_method: str | None = None  # the chosen shipping line's title, as the checkout named the method
    # SMS (plugin.sms): the order's contact phone as the checkout took it, and the customer's SMS marketing state on
    # the platform (Shopify CustomerSmsMarketingState, lower-cased). Neither alone is a choice of service texts.
    phone: str | None = None
    sms_marketing_consent: str | None = None


@dataclass(frozen=True)
class ShipmentChange:
    """What a fulfillment delivery says about one shipment of an order, without the rest of the order.
    `complete`: the whole shipment (carrier, tracking) rather than only its new status; `quantity`: the items it
    carries, when the delivery says."""

    order_id: str
    shipment: Shipment
    complete: bool
    quantity: int | None = None


@runtime_checkable
class PayloadOrders(Protocol):
    """An adapter whose order deliveries carry the order itself (Shopify): the delivered state can be used
    instead of a fetch, once the platform confirms the order belongs to the shop (the shop header is unsigned)."""

    max_confirm_batch: int  # the most order ids one `confirm_orders` call may carry

    def state_from_payload(self, event: PlatformEvent) -> Order | ShipmentChange | None:
        """The delivered state when the payload is complete enough to use; None to fetch instead."""
        ...

    async def confirm_orders(self, shop: ShopRef, order_ids: Sequence[str]) -> set[str]:
        """Which of `order_ids` the platform answers for `shop`: at most `max_confirm_batch` ids per call."""
        ...


class Platform(Protocol):
    """What every adapter offers. Methods that call the platform raise `plugin.errors.PlatformError`."""

    name: str

    def webhook_topics(self) -> tuple[str, ...]:
        """Platform topic names this app subscribes to (from app.toml)."""
        ...

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> PlatformEvent | None:
        """Verify the raw delivery and normalize it; None for a topic we do not handle. Raises WebhookRejected.
        `headers` are by lowercase name, as ASGI delivers them."""
        ...

    async def on_verified(self, event: PlatformEvent) -> None:
        """What cannot wait for the worker, done before the event is queued: if it fails, the delivery is not
        acknowledged and the platform's retry brings both again."""
        ...

    async def installation_revoked(self, shop: ShopRef) -> bool:
        """Whether the platform confirms the app is no longer installed in `shop`: it refuses the shop's token
        (401). False while the token works. A webhook alone never uninstalls: its claim is checked here first."""
        ...

    async def fetch_shop_facts(self, shop: ShopRef) -> ShopFacts: ...

    async def fetch_order(self, shop: ShopRef, order_id: str) -> Order: ...

    async def list_recent_orders(self, shop: ShopRef, since: datetime) -> list[Order]: ...

    async def ensure_installation(self, shop: ShopRef) -> list[str]:
        """Check webhooks and storefront script/app embed; repair what is missing; return what was repaired."""
        ...
