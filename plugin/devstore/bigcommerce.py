"""The BigCommerce half of the dev store emulator: an in-memory login service and REST API with a demo store.

Mount it anywhere; it serves two roots under its own prefix:

    {base}/login   stands in for https://login.bigcommerce.com  (POST /oauth2/token)
    {base}/api     stands in for https://api.bigcommerce.com    (/stores/{hash}/v2|v3/...)

`emulator.origins(base)` gives the values for UPFRONT_BIGCOMMERCE_API_ORIGIN and UPFRONT_BIGCOMMERCE_LOGIN_ORIGIN.
Helpers mint what BigCommerce would send the app: auth callback parameters, `signed_payload_jwt`s and webhook
deliveries (Standard Webhooks signed, plus the headers registered on the hook).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import jwt
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import Receive, Scope, Send

DEMO_STORE_HASH = "demo123"
LOGIN_PREFIX = "/login"
API_PREFIX = "/api"
AUTH_CALLBACK_PATH = "/bigcommerce/auth"
DEFAULT_SCOPE = (
    "store_v2_orders_read_only store_v2_content store_v2_information_read_only store_v2_customers_read_only "
    "store_payments_methods_read"
)
PAYMENT_METHODS_SCOPE = "store_payments_methods_read"  # the Payment Methods (v2) reference's OAuth scope
RATE_QUOTA = 450
RATE_WINDOW_MS = 30_000
MAX_SCRIPTS_PER_APP = 10
CONSENT_CATEGORIES = ("essential", "functional", "analytics", "targeting")
_ERROR_TYPE = "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes"

Handler = Callable[[Request, "EmulatedStore"], Awaitable[Response]]


def _rfc2822(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC))


def _parse_date(value: str) -> datetime | None:
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass
class EmulatedStore:
    """One store's state, as BigCommerce would hold it."""

    hash: str
    access_token: str
    info: dict[str, Any]
    owner: dict[str, Any]
    orders: dict[int, dict[str, Any]] = field(default_factory=dict)
    order_products: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    shipments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    zones: list[dict[str, Any]] = field(default_factory=list)
    zone_methods: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    payment_methods: list[dict[str, Any]] = field(default_factory=list)  # GET /v2/payments/methods rows
    granted_scope: str = DEFAULT_SCOPE  # what the merchant approved at install: the token can do no more
    consent: dict[int, dict[str, Any]] = field(default_factory=dict)
    hooks: list[dict[str, Any]] = field(default_factory=list)
    scripts: list[dict[str, Any]] = field(default_factory=list)
    currencies: list[dict[str, Any]] = field(default_factory=lambda: demo_currencies())
    window_started: float = 0.0
    window_used: int = 0


def _currency(row_id: int, code: str, rate: str, token: str, name: str, **more: Any) -> dict[str, Any]:
    """A row of GET /v2/currencies, with the fields and value types of the reference's example."""
    return {
        "id": row_id,
        "is_default": False,
        "last_updated": "2026-11-02T09:00:00.000Z",
        "country_iso2": more.pop("country_iso2", code[:2]),
        "currency_code": code,
        "currency_exchange_rate": rate,  # a string in the reference, "0.849"
        "auto_update": False,
        "token_location": "left",
        "token": token,
        "decimal_token": ".",
        "thousands_token": ",",
        "decimal_places": 2,
        "name": name,
        "is_transactional": True,
        "enabled": True,
        **more,
    }


def demo_currencies() -> list[dict[str, Any]]:
    """The demo store's currencies: USD (default), EUR and CAD at the store's own rates, JPY shown without
    decimals, and a disabled GBP the storefront does not offer."""
    return [
        _currency(1, "USD", "1.0000000000", "$", "US Dollar", is_default=True),
        _currency(2, "EUR", "0.9216", "€", "Euro", country_iso2="EU", token_location="right"),
        _currency(3, "CAD", "1.3702", "CA$", "Canadian Dollar"),
        _currency(4, "JPY", "149.5", "¥", "Japanese Yen", decimal_places=0, is_transactional=False),
        _currency(5, "GBP", "0.7890", "£", "Pound Sterling", enabled=False),
    ]


def _address(first: str, last: str, email: str, country: str, state: str, zip_code: str) -> dict[str, Any]:
    return {
        "first_name": first,
        "last_name": last,
        "company": "",
        "street_1": "1 Main Street",
        "street_2": "",
        "city": "Springfield",
        "state": state,
        "zip": zip_code,
        "country": {"US": "United States", "CA": "Canada"}.get(country, country),
        "country_iso2": country,
        "phone": "",
        "email": email,
    }


def demo_cart_id(store_hash: str, order_id: int) -> str:
    """A storefront cart id as BigCommerce gives one (a UUID), stable per demo order."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://store-{store_hash}.mybigcommerce.com/carts/{order_id}"))


def _order(
    store_hash: str,
    order_id: int,
    status: tuple[int, str],
    customer_id: int,
    billing: dict[str, Any],
    *,
    cart_id: str | None = None,
    **money: str,
) -> dict[str, Any]:
    created = datetime(2026, 11, 2, 15, 30, tzinfo=UTC) + timedelta(hours=order_id - 100)
    return {
        "id": order_id,
        # The storefront cart the order was placed from; "" when it was not (created in the control panel or API).
        "cart_id": demo_cart_id(store_hash, order_id) if cart_id is None else cart_id,
        "customer_id": customer_id,
        "date_created": _rfc2822(created),
        "date_modified": _rfc2822(created + timedelta(hours=2)),
        "date_shipped": "",
        "status_id": status[0],
        "status": status[1],
        "subtotal_ex_tax": money["subtotal"],
        "subtotal_inc_tax": money["subtotal"],
        "shipping_cost_inc_tax": money["shipping"],
        "total_ex_tax": money["total"],
        "total_inc_tax": money["total"],
        "items_total": int(money.get("items", "1")),
        "currency_code": "USD",
        "default_currency_code": "USD",
        "payment_method": "Credit Card",
        "customer_locale": "en",
        "billing_address": billing,
        "is_deleted": False,
        "products": {"url": f"https://api.bigcommerce.com/stores/{store_hash}/v2/orders/{order_id}/products"},
        "shipping_addresses": {
            "url": f"https://api.bigcommerce.com/stores/{store_hash}/v2/orders/{order_id}/shipping_addresses"
        },
    }


def _product(order_id: int, line_id: int, product_id: int, name: str, sku: str, quantity: int) -> dict[str, Any]:
    return {
        "id": line_id,
        "order_id": order_id,
        "product_id": product_id,
        "variant_id": product_id * 10,
        "name": name,
        "sku": sku,
        "quantity": quantity,
        "base_price": "24.0000",
        "weight": "1.5000",
    }


def _shipment(order_id: int, shipment_id: int, tracking: str, carrier: str, lines: list[int]) -> dict[str, Any]:
    return {
        "id": shipment_id,
        "order_id": order_id,
        "customer_id": 0,
        "order_address_id": order_id * 10,
        "date_created": _rfc2822(datetime(2026, 11, 3, 9, 0, tzinfo=UTC) + timedelta(hours=order_id - 100)),
        "tracking_number": tracking,
        "shipping_method": "Standard",
        "shipping_provider": carrier,
        "shipping_provider_display_name": carrier.upper(),
        "tracking_carrier": carrier,
        "tracking_link": f"https://tracking.example/{carrier}/{tracking}",
        "generated_tracking_link": "",
        "comments": "",
        "items": [{"order_product_id": line, "product_id": 0, "quantity": 1} for line in lines],
    }


def demo_store(store_hash: str = DEMO_STORE_HASH) -> EmulatedStore:
    """USD, US (flat + weight tiers, free over $75) and CA zones, three orders in different states."""
    owner = {"id": 24654, "username": "owner@demo.example", "email": "owner@demo.example"}
    store = EmulatedStore(
        hash=store_hash,
        access_token="bc-token-" + secrets.token_hex(16),
        owner=owner,
        info={
            "id": store_hash,
            "domain": "demo-store.example",
            "secure_url": "https://demo-store.example",
            "control_panel_base_url": f"https://store-{store_hash}.mybigcommerce.com",
            "status": "live",
            "name": "Upfront Demo Store",
            "first_name": "Dana",
            "last_name": "Demo",
            "address": "1 Main Street, Springfield",
            "country": "United States",
            "country_code": "US",
            "phone": "555-0100",
            "admin_email": owner["email"],
            "order_email": "orders@demo-store.example",
            "timezone": {"name": "America/New_York", "raw_offset": -18000, "dst_offset": -14400},
            "language": "en",
            "currency": "USD",
            "currency_symbol": "$",
            "decimal_separator": ".",
            "thousands_separator": ",",
            "decimal_places": 2,
            "currency_symbol_location": "left",
            "weight_units": "LBS",
            "dimension_units": "Inches",
            "plan_name": "Standard",
            "features": {"stencil_enabled": True},
        },
    )
    ada = _address("Ada", "Lovelace", "ada@customer.example", "US", "New York", "10001")
    guest = _address("Grace", "Hopper", "grace@guest.example", "US", "California", "94016")
    rene = _address("René", "Lévesque", "rene@customer.example", "CA", "Quebec", "H2X 1Y4")
    store.orders = {
        100: _order(
            store_hash,
            100,
            (11, "Awaiting Fulfillment"),
            7,
            ada,
            subtotal="48.00",
            shipping="5.99",
            total="53.99",
            items="2",
        ),
        101: _order(
            store_hash, 101, (2, "Shipped"), 0, guest, subtotal="96.00", shipping="0.00", total="96.00", items="4"
        ),
        102: _order(
            store_hash,
            102,
            (3, "Partially Shipped"),
            8,
            rene,
            cart_id="",  # phoned in, entered in the control panel: no storefront cart
            subtotal="72.00",
            shipping="12.00",
            total="84.00",
            items="3",
        ),
    }
    store.order_products = {
        100: [_product(100, 1, 77, "Canvas Tote", "TOTE-1", 2)],
        101: [_product(101, 2, 78, "Trail Mug", "MUG-2", 4)],
        102: [_product(102, 3, 77, "Canvas Tote", "TOTE-1", 1), _product(102, 4, 79, "Wool Scarf", "SCARF-3", 2)],
    }
    store.shipments = {
        101: [_shipment(101, 1, "1Z999AA10123456784", "ups", [2])],
        102: [_shipment(102, 2, "9400111899223856928499", "usps", [3])],
    }
    # Rows shaped as the Payment Methods (v2) reference's example ({code, name, test_mode}): one online gateway,
    # one offline method, and a gateway still in test mode, which takes no real payments.
    store.payment_methods = [
        {"code": "squarev2", "name": "Square", "test_mode": False},
        {"code": "cod", "name": "Cash on Delivery", "test_mode": False},
        {"code": "braintree", "name": "Braintree", "test_mode": True},
    ]
    store.consent = {
        7: {
            "allow": ["essential", "functional", "analytics", "targeting"],
            "deny": [],
            "updated_at": "2026-10-01T10:00:00Z",
        },
        8: {
            "allow": ["essential", "functional"],
            "deny": ["analytics", "targeting"],
            "updated_at": "2026-10-02T10:00:00Z",
        },
    }
    handling = {"fixed_surcharge": "0", "percentage_surcharge": "0", "display_separately": False}
    store.zones = [
        {
            "id": 1,
            "name": "United States",
            "type": "country",
            "locations": [{"id": 1, "country_iso2": "US"}],
            "free_shipping": {"enabled": True, "minimum_sub_total": "75.00", "exclude_fixed_shipping_products": False},
            "handling_fees": handling,
            "enabled": True,
        },
        {
            "id": 2,
            "name": "Canada",
            "type": "country",
            "locations": [{"id": 2, "country_iso2": "CA"}],
            "free_shipping": {"enabled": False, "minimum_sub_total": "0.00", "exclude_fixed_shipping_products": False},
            "handling_fees": {**handling, "fixed_surcharge": "2.00"},
            "enabled": True,
        },
        # The other zone types the API documents: a selection of states, and ZIP codes (zip zones list each code).
        {
            "id": 3,
            "name": "Alaska and Hawaii",
            "type": "state",
            "locations": [
                {"id": 3, "country_iso2": "US", "state_iso2": "AK"},
                {"id": 4, "country_iso2": "US", "state_iso2": "HI"},
            ],
            "free_shipping": {"enabled": False, "minimum_sub_total": "0.00", "exclude_fixed_shipping_products": False},
            "handling_fees": handling,
            "enabled": True,
        },
        {
            "id": 4,
            "name": "Manhattan",
            "type": "zip",
            "locations": [
                {"id": 5 + n, "zip": zip_code, "country_iso2": "US"}
                for n, zip_code in enumerate(("10001", "10002", "10003"))
            ],
            "free_shipping": {"enabled": False, "minimum_sub_total": "0.00", "exclude_fixed_shipping_products": False},
            "handling_fees": handling,
            "enabled": True,
        },
    ]
    store.zone_methods = {
        1: [
            {
                "id": 11,
                "name": "Standard",
                "type": "perorder",
                "settings": {"rate": 5.99},
                "enabled": True,
                "handling_fees": handling,
                "is_fallback": False,
            },
            {
                "id": 12,
                "name": "By weight",
                "type": "weight",
                "enabled": True,
                "handling_fees": handling,
                "is_fallback": False,
                "settings": {
                    "default_cost": 24.99,
                    "default_cost_type": "fixed_amount",
                    "range": [
                        {"lower_limit": 0, "upper_limit": 2, "shipping_cost": 4.99},
                        {"lower_limit": 2, "upper_limit": 10, "shipping_cost": 9.99},
                        {"lower_limit": 10, "upper_limit": 50, "shipping_cost": 19.99},
                    ],
                },
            },
        ],
        2: [
            {
                "id": 21,
                "name": "Canada Post",
                "type": "perorder",
                "settings": {"rate": 12.0},
                "enabled": True,
                "handling_fees": handling,
                "is_fallback": False,
            },
        ],
        3: [
            {
                "id": 31,
                "name": "Flat Rate per Item",
                "type": "peritem",
                "settings": {"rate": 8},
                "enabled": True,
                "handling_fees": handling,
                "is_fallback": False,
            },
            {
                "id": 32,
                "name": "UPS ready",
                "type": "upsready",
                "settings": {
                    "carrier_options": {
                        "delivery_services": ["2nd_Day_Air", "Standard"],
                        "packaging_type": "21",
                        "packing_method": "separate",
                        "include_package_value": True,
                        "destination_type": "residential",
                        "show_transit_time": True,
                    }
                },
                "enabled": True,
                "handling_fees": handling,
                "is_fallback": False,
            },
        ],
        4: [
            {
                "id": 41,
                "name": "Per Total or Free",
                "type": "total",
                "settings": {
                    "default_cost": 12,
                    "default_cost_type": "fixed_amount",
                    "range": [
                        {"lower_limit": 0, "upper_limit": 5, "shipping_cost": 5},
                        {"lower_limit": 5, "upper_limit": 10, "shipping_cost": 8},
                        {"lower_limit": 10, "upper_limit": 20, "shipping_cost": 10},
                        {"lower_limit": 20, "upper_limit": 49.99, "shipping_cost": 15},
                        {"lower_limit": 50, "upper_limit": 100000, "shipping_cost": 0},
                    ],
                },
                "enabled": True,
                "handling_fees": handling,
                "is_fallback": False,
            },
            {
                "id": 42,
                "name": "Free Shipping",
                "type": "freeshipping",
                "settings": {},
                "enabled": True,
                "handling_fees": handling,
                "is_fallback": False,
            },
        ],
    }
    return store


def _v2_error(status: int, message: str) -> JSONResponse:
    return JSONResponse([{"status": status, "message": message}], status_code=status)


def _v3_error(status: int, title: str, errors: Mapping[str, str] | None = None) -> JSONResponse:
    body = {"status": status, "title": title, "type": _ERROR_TYPE, "errors": dict(errors or {})}
    return JSONResponse(body, status_code=status)


def _v3_page(items: list[dict[str, Any]], request: Request) -> JSONResponse:
    page = max(1, int(request.query_params.get("page", "1") or 1))
    limit = max(1, min(250, int(request.query_params.get("limit", "50") or 50)))
    chunk = items[(page - 1) * limit : page * limit]
    total_pages = max(1, -(-len(items) // limit))
    pagination = {
        "total": len(items),
        "count": len(chunk),
        "per_page": limit,
        "current_page": page,
        "total_pages": total_pages,
    }
    return JSONResponse({"data": chunk, "meta": {"pagination": pagination}})


def _v2_page(rows: list[dict[str, Any]], request: Request) -> Response:
    page = max(1, int(request.query_params.get("page", "1") or 1))
    limit = max(1, min(250, int(request.query_params.get("limit", "50") or 50)))
    chunk = rows[(page - 1) * limit : page * limit]
    return JSONResponse(chunk) if chunk else Response(status_code=204)


def _https_443(url: object, *, allow_loopback_http: bool = False) -> bool:
    if not isinstance(url, str):
        return False
    parts = urlsplit(url)
    if allow_loopback_http and parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost"):
        return True
    return parts.scheme == "https" and bool(parts.hostname) and parts.port in (None, 443)


class BigCommerceEmulator:
    """An ASGI app plus the levers tests pull: throttling, failures, and minting what BigCommerce sends."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        app_url: str,
        *,
        stores: list[EmulatedStore] | None = None,
        clock: Callable[[], float] = time.time,
        allow_loopback_http: bool = False,
    ) -> None:
        # BigCommerce only accepts https on 443; `upfront dev` serves plain http on loopback, so it opts in.
        self.allow_loopback_http = allow_loopback_http
        self.client_id = client_id
        self.client_secret = client_secret
        self.app_url = app_url.rstrip("/")
        self.clock = clock
        self.stores = {store.hash: store for store in (stores if stores is not None else [demo_store()])}
        self.calls: list[tuple[str, str]] = []
        self._codes: dict[str, tuple[str, dict[str, Any], str]] = {}
        self._throttled = 0
        self._throttle_reset_ms = 0
        self._failures: list[int] = []
        api = [
            Route("/stores/{store_hash}/v2/store", self._api(self._store_info)),
            Route("/stores/{store_hash}/v2/orders", self._api(self._orders)),
            Route("/stores/{store_hash}/v2/orders/{order_id:int}", self._api(self._order)),
            Route("/stores/{store_hash}/v2/orders/{order_id:int}/shipments", self._api(self._order_shipments)),
            Route("/stores/{store_hash}/v2/orders/{order_id:int}/products", self._api(self._order_products)),
            Route("/stores/{store_hash}/v2/currencies", self._api(self._currencies)),
            Route(
                "/stores/{store_hash}/v2/orders/{order_id:int}/shipping_addresses",
                self._api(self._order_shipping_addresses),
            ),
            Route("/stores/{store_hash}/v2/shipping/zones", self._api(self._zones)),
            Route("/stores/{store_hash}/v2/payments/methods", self._api(self._payment_methods)),
            Route("/stores/{store_hash}/v2/shipping/zones/{zone_id:int}/methods", self._api(self._zone_methods)),
            Route("/stores/{store_hash}/v3/hooks", self._api(self._hooks), methods=["GET", "POST"]),
            Route("/stores/{store_hash}/v3/hooks/{hook_id:int}", self._api(self._hook), methods=["GET", "PUT"]),
            Route("/stores/{store_hash}/v3/content/scripts", self._api(self._scripts), methods=["GET", "POST"]),
            Route("/stores/{store_hash}/v3/content/scripts/{uuid}", self._api(self._script), methods=["GET", "PUT"]),
            Route("/stores/{store_hash}/v3/customers/{customer_id:int}/consent", self._api(self._consent)),
        ]
        self.app = Starlette(
            routes=[
                Mount(LOGIN_PREFIX, routes=[Route("/oauth2/token", self._token, methods=["POST"])]),
                Mount(API_PREFIX, routes=api),
            ]
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)

    @staticmethod
    def origins(base_url: str) -> tuple[str, str]:
        """(api origin, login origin) for an emulator reachable at `base_url` (its mount point)."""
        base = base_url.rstrip("/")
        return base + API_PREFIX, base + LOGIN_PREFIX

    def store(self, store_hash: str = DEMO_STORE_HASH) -> EmulatedStore:
        return self.stores[store_hash]

    # --- levers -----------------------------------------------------------------------------------------------

    def throttle_next(self, calls: int, *, reset_ms: int = 1500) -> None:
        """The next `calls` API calls answer 429 with `X-Rate-Limit-Time-Reset-Ms: reset_ms`."""
        self._throttled, self._throttle_reset_ms = calls, reset_ms

    def fail_next(self, calls: int, *, status: int = 503) -> None:
        """The next `calls` API calls answer `status` (a 5xx outage, say)."""
        self._failures = [status] * calls

    def uninstall_app(self, store_hash: str = DEMO_STORE_HASH) -> tuple[dict[str, str], bytes]:
        """The merchant uninstalls the app: BigCommerce revokes the store's token (the API answers 401 to it; a
        new install gets a new one), then sends `store/app/uninstalled`. Returns that delivery, to be posted."""
        delivery = self.webhook_delivery("store/app/uninstalled", store_hash)
        # The next install is granted a new token; the app's old one is refused from now on.
        self.stores[store_hash].access_token = "bc-token-" + secrets.token_hex(16)
        return delivery

    # --- what BigCommerce sends the app -----------------------------------------------------------------------

    def authorize(
        self, store_hash: str = DEMO_STORE_HASH, *, user: Mapping[str, Any] | None = None, scope: str = DEFAULT_SCOPE
    ) -> dict[str, str]:
        """Query parameters of the auth callback after a merchant approves the install (the code is single-use)."""
        store = self.stores[store_hash]
        code = secrets.token_urlsafe(24)
        self._codes[code] = (store_hash, dict(user or store.owner), scope)
        return {"code": code, "scope": scope, "context": f"stores/{store_hash}", "account_uuid": str(uuid.uuid4())}

    def signed_payload_jwt(
        self,
        store_hash: str = DEMO_STORE_HASH,
        *,
        user: Mapping[str, Any] | None = None,
        issued_at: float | None = None,
        lifetime_seconds: int = 24 * 3600,
        audience: str | None = None,
        issuer: str = "bc",
        secret: str | None = None,
        algorithm: str = "HS256",
    ) -> str:
        """A load / uninstall / remove-user `signed_payload_jwt`; every part can be bent to test refusals."""
        store = self.stores[store_hash]
        now = int(self.clock() if issued_at is None else issued_at)
        acting = dict(user or store.owner)
        claims = {
            "aud": audience if audience is not None else self.client_id,
            "iss": issuer,
            "iat": now,
            "nbf": now - 5,
            "exp": now - 5 + lifetime_seconds,
            "jti": str(uuid.uuid4()),
            "sub": f"stores/{store_hash}",
            "user": {"id": acting["id"], "email": acting.get("email"), "locale": acting.get("locale", "en-US")},
            "owner": {"id": store.owner["id"], "email": store.owner["email"]},
            "url": "/",
            "channel_id": None,
        }
        key = "" if algorithm == "none" else (secret if secret is not None else self.client_secret)
        return jwt.encode(claims, key, algorithm=algorithm)

    def webhook_delivery(
        self,
        scope: str,
        store_hash: str = DEMO_STORE_HASH,
        *,
        data: Mapping[str, Any] | None = None,
        signed: bool = True,
        timestamp: int | None = None,
        secret: str | None = None,
    ) -> tuple[dict[str, str], bytes]:
        """(headers, body) of one delivery, as BigCommerce posts it: the lightweight payload, the headers
        registered on the store's hook for `scope` (if any), and Standard Webhooks headers when `signed`."""
        now = int(self.clock() if timestamp is None else timestamp)
        payload = {
            "scope": scope,
            "store_id": str(int(hashlib.sha256(store_hash.encode()).hexdigest()[:7], 16)),
            "data": dict(data if data is not None else self._sample_data(scope)),
            "hash": hashlib.sha1(secrets.token_bytes(16)).hexdigest(),
            "created_at": now,
            "producer": f"stores/{store_hash}",
        }
        body = json.dumps(payload).encode()
        headers = {"content-type": "application/json"}
        for hook in self.stores[store_hash].hooks:
            if hook["scope"] == scope and hook["is_active"]:
                headers.update(hook["headers"])
        if signed:
            delivery_id = str(uuid.uuid4())
            key = (secret if secret is not None else self.client_secret).encode()
            digest = hmac.new(key, f"{delivery_id}.{now}.".encode() + body, hashlib.sha256).digest()
            headers.update(
                {
                    "webhook-id": delivery_id,
                    "webhook-timestamp": str(now),
                    "webhook-signature": "v1," + base64.b64encode(digest).decode(),
                }
            )
        return headers, body

    @staticmethod
    def _sample_data(scope: str) -> dict[str, Any]:
        if scope == "store/order/statusUpdated":
            return {"type": "order", "id": 100, "status": {"previous_status_id": 0, "new_status_id": 11}}
        if scope.startswith("store/order/"):
            return {"type": "order", "id": 100}
        if scope.startswith("store/shipment/"):
            return {"type": "shipment", "id": 2, "orderId": 102}
        if scope.startswith("store/customer/"):
            return {"type": "customer", "id": 7}
        return {"type": "store", "id": 1}

    # --- login origin -----------------------------------------------------------------------------------------

    async def _token(self, request: Request) -> Response:
        if request.headers.get("content-type", "").startswith("application/json"):
            try:
                form: dict[str, Any] = dict(json.loads(await request.body()))
            except (ValueError, TypeError):
                return JSONResponse({"error": "invalid_request"}, status_code=400)
        else:
            # urlencoded by hand: Starlette's form parser needs python-multipart, which the app does not ship
            form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
        if form.get("client_id") != self.client_id or not hmac.compare_digest(
            str(form.get("client_secret", "")).encode(), self.client_secret.encode()
        ):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        if form.get("grant_type") != "authorization_code":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        if form.get("redirect_uri") != self.app_url + AUTH_CALLBACK_PATH:
            return JSONResponse({"error": "invalid_grant", "error_description": "redirect_uri mismatch"}, 400)
        issued = self._codes.pop(str(form.get("code", "")), None)
        if issued is None:
            return JSONResponse({"error": "invalid_grant", "error_description": "unknown or used code"}, 400)
        store_hash, user, scope = issued
        if form.get("context") != f"stores/{store_hash}":
            return JSONResponse({"error": "invalid_grant", "error_description": "context mismatch"}, 400)
        store = self.stores[store_hash]
        store.granted_scope = scope
        return JSONResponse(
            {
                "access_token": store.access_token,
                "scope": scope,
                "user": {
                    "id": user["id"],
                    "username": user.get("username", user.get("email")),
                    "email": user.get("email"),
                },
                "owner": store.owner,
                "context": f"stores/{store_hash}",
                "account_uuid": str(uuid.uuid5(uuid.NAMESPACE_DNS, store_hash)),
            }
        )

    # --- API origin -------------------------------------------------------------------------------------------

    def _rate_headers(self, store: EmulatedStore) -> dict[str, str]:
        now_ms = self.clock() * 1000
        if now_ms - store.window_started >= RATE_WINDOW_MS:
            store.window_started, store.window_used = now_ms, 0
        store.window_used += 1
        reset = max(0, int(store.window_started + RATE_WINDOW_MS - now_ms))
        return {
            "X-Rate-Limit-Requests-Quota": str(RATE_QUOTA),
            "X-Rate-Limit-Requests-Left": str(max(0, RATE_QUOTA - store.window_used)),
            "X-Rate-Limit-Time-Window-Ms": str(RATE_WINDOW_MS),
            "X-Rate-Limit-Time-Reset-Ms": str(reset),
        }

    def _api(self, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            self.calls.append((request.method, request.url.path))
            if self._failures:
                return _v3_error(self._failures.pop(0), "Service unavailable")
            if self._throttled > 0:
                self._throttled -= 1
                throttled = _v3_error(429, "Too many requests")
                throttled.headers.update(
                    {"X-Rate-Limit-Requests-Left": "0", "X-Rate-Limit-Time-Reset-Ms": str(self._throttle_reset_ms)}
                )
                return throttled
            store = self.stores.get(request.path_params["store_hash"])
            if store is None:
                return _v3_error(404, "Store not found")
            if not hmac.compare_digest(request.headers.get("x-auth-token", "").encode(), store.access_token.encode()):
                return _v3_error(401, "You have not provided an access token or it is invalid")
            headers = self._rate_headers(store)
            response: Response
            if store.window_used > RATE_QUOTA:
                response = _v3_error(429, "Too many requests")
            else:
                response = await handler(request, store)
            response.headers.update(headers)
            return response

        return endpoint

    async def _store_info(self, request: Request, store: EmulatedStore) -> Response:
        return JSONResponse(store.info)

    async def _orders(self, request: Request, store: EmulatedStore) -> Response:
        rows = list(store.orders.values())
        since = request.query_params.get("min_date_modified")
        if since:
            threshold = _parse_date(since)
            if threshold is None:
                return _v2_error(400, "min_date_modified is not a date")
            rows = [row for row in rows if (_parse_date(row["date_modified"]) or threshold) >= threshold]
        if request.query_params.get("sort", "").startswith("date_modified"):
            rows.sort(key=lambda row: _parse_date(row["date_modified"]) or datetime.min.replace(tzinfo=UTC))
        return _v2_page(rows, request)

    async def _order(self, request: Request, store: EmulatedStore) -> Response:
        order = store.orders.get(request.path_params["order_id"])
        return JSONResponse(order) if order else _v2_error(404, "The requested resource was not found.")

    async def _order_shipments(self, request: Request, store: EmulatedStore) -> Response:
        order_id = request.path_params["order_id"]
        if order_id not in store.orders:
            return _v2_error(404, "The requested resource was not found.")
        return _v2_page(store.shipments.get(order_id, []), request)

    async def _order_products(self, request: Request, store: EmulatedStore) -> Response:
        order_id = request.path_params["order_id"]
        if order_id not in store.orders:
            return _v2_error(404, "The requested resource was not found.")
        return _v2_page(store.order_products.get(order_id, []), request)

    async def _currencies(self, request: Request, store: EmulatedStore) -> Response:
        return _v2_page(store.currencies, request)

    async def _order_shipping_addresses(self, request: Request, store: EmulatedStore) -> Response:
        """The order's one shipping address: the demo customer's own, shipped by the zone's first method."""
        order = store.orders.get(request.path_params["order_id"])
        if order is None:
            return _v2_error(404, "The requested resource was not found.")
        address = order["billing_address"]
        canada = address.get("country_iso2") == "CA"
        row = {
            "id": order["id"] * 10,
            "order_id": order["id"],
            **{key: value for key, value in address.items() if key != "email"},
            "items_total": order.get("items_total", 1),
            "items_shipped": 0,
            "shipping_method": "Canada Post" if canada else "Standard",
            "shipping_zone_id": 2 if canada else 1,
            "shipping_zone_name": "Canada" if canada else "United States",
        }
        return _v2_page([row], request)

    async def _zones(self, request: Request, store: EmulatedStore) -> Response:
        return JSONResponse(store.zones)

    async def _zone_methods(self, request: Request, store: EmulatedStore) -> Response:
        zone_id = request.path_params["zone_id"]
        if not any(zone["id"] == zone_id for zone in store.zones):
            return _v2_error(404, "The requested resource was not found.")
        return JSONResponse(store.zone_methods.get(zone_id, []))

    async def _payment_methods(self, request: Request, store: EmulatedStore) -> Response:
        if PAYMENT_METHODS_SCOPE not in store.granted_scope.split():
            return _v2_error(403, "You don't have a required scope to access the endpoint")
        return _v2_page(store.payment_methods, request)

    async def _consent(self, request: Request, store: EmulatedStore) -> Response:
        found = store.consent.get(request.path_params["customer_id"])
        return JSONResponse(found) if found else _v3_error(404, "Customer not found")

    async def _json_body(self, request: Request) -> dict[str, Any] | None:
        try:
            body = json.loads(await request.body())
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    def _hook_problems(self, body: Mapping[str, Any]) -> dict[str, str]:
        problems: dict[str, str] = {}
        if not isinstance(body.get("scope"), str) or not str(body["scope"]).startswith("store/"):
            problems["scope"] = "scope must be a webhook scope like store/order/created"
        if not _https_443(body.get("destination"), allow_loopback_http=self.allow_loopback_http):
            problems["destination"] = "destination must be an https URL on port 443"
        headers = body.get("headers", {})
        if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
            problems["headers"] = "headers must be an object of strings"
        if "is_active" in body and not isinstance(body["is_active"], bool):
            problems["is_active"] = "is_active must be a boolean"
        return problems

    async def _hooks(self, request: Request, store: EmulatedStore) -> Response:
        if request.method == "GET":
            return _v3_page(store.hooks, request)
        body = await self._json_body(request)
        if body is None:
            return _v3_error(400, "Body is not a JSON object")
        if problems := self._hook_problems(body):
            return _v3_error(422, "Invalid hook", problems)
        now = int(self.clock())
        hook = {
            "id": max((hook["id"] for hook in store.hooks), default=0) + 1,
            "client_id": self.client_id,
            "store_hash": store.hash,
            "scope": body["scope"],
            "destination": body["destination"],
            "is_active": body.get("is_active", True),
            "events_history_enabled": bool(body.get("events_history_enabled", False)),
            "headers": dict(body.get("headers") or {}),
            "created_at": now,
            "updated_at": now,
        }
        store.hooks.append(hook)
        return JSONResponse({"data": hook, "meta": {}})

    async def _hook(self, request: Request, store: EmulatedStore) -> Response:
        hook = next((hook for hook in store.hooks if hook["id"] == request.path_params["hook_id"]), None)
        if hook is None:
            return _v3_error(404, "Hook not found")
        if request.method == "PUT":
            body = await self._json_body(request)
            if body is None:
                return _v3_error(400, "Body is not a JSON object")
            if problems := self._hook_problems({**hook, **body}):
                return _v3_error(422, "Invalid hook", problems)
            hook.update({key: body[key] for key in ("scope", "destination", "is_active", "headers") if key in body})
            hook["updated_at"] = int(self.clock())
        return JSONResponse({"data": hook, "meta": {}})

    def _script_problems(self, body: Mapping[str, Any]) -> dict[str, str]:
        rules = {
            "kind": ("src", "script_tag"),
            "load_method": ("default", "async", "defer"),
            "location": ("head", "footer"),
            "visibility": ("storefront", "all_pages", "checkout", "order_confirmation"),
            "consent_category": CONSENT_CATEGORIES,
        }
        problems = {
            name: f"{name} must be one of {', '.join(allowed)}"
            for name, allowed in rules.items()
            if body.get(name) not in allowed
        }
        if not isinstance(body.get("name"), str) or not body["name"]:
            problems["name"] = "name is required"
        if body.get("kind") == "src" and not _https_443(body.get("src"), allow_loopback_http=self.allow_loopback_http):
            problems["src"] = "src must be an https URL"
        for entry in body.get("integrity_hashes") or ():
            if not (
                isinstance(entry, dict) and str(entry.get("hash", "")).startswith(("sha256-", "sha384-", "sha512-"))
            ):
                problems["integrity_hashes"] = "each entry must be {hash: 'sha384-...'}"
        return problems

    async def _scripts(self, request: Request, store: EmulatedStore) -> Response:
        if request.method == "GET":
            return _v3_page(store.scripts, request)
        body = await self._json_body(request)
        if body is None:
            return _v3_error(400, "Body is not a JSON object")
        if problems := self._script_problems(body):
            return _v3_error(422, "Invalid script", problems)
        if len(store.scripts) >= MAX_SCRIPTS_PER_APP:
            return _v3_error(422, "An app may create at most 10 scripts per store")
        stamp = datetime.fromtimestamp(self.clock(), UTC).isoformat()
        script = {
            **body,
            "uuid": str(uuid.uuid4()),
            "api_client_id": self.client_id,
            "auto_uninstall": bool(body.get("auto_uninstall", False)),
            "enabled": bool(body.get("enabled", True)),
            "integrity_hashes": list(body.get("integrity_hashes") or []),
            "date_created": stamp,
            "date_modified": stamp,
        }
        store.scripts.append(script)
        return JSONResponse({"data": script, "meta": {}})

    async def _script(self, request: Request, store: EmulatedStore) -> Response:
        script = next((script for script in store.scripts if script["uuid"] == request.path_params["uuid"]), None)
        if script is None:
            return _v3_error(404, "Script not found")
        if request.method == "PUT":
            body = await self._json_body(request)
            if body is None:
                return _v3_error(400, "Body is not a JSON object")
            merged = {**script, **body}
            if problems := self._script_problems(merged):
                return _v3_error(422, "Invalid script", problems)
            script.update(body)
            script["date_modified"] = datetime.fromtimestamp(self.clock(), UTC).isoformat()
        return JSONResponse({"data": script, "meta": {}})


def create_bigcommerce_emulator(
    client_id: str,
    client_secret: str,
    app_url: str,
    *,
    stores: list[EmulatedStore] | None = None,
    allow_loopback_http: bool = False,
) -> BigCommerceEmulator:
    """The emulator with the demo store (hash `demo123`) unless `stores` says otherwise."""
    return BigCommerceEmulator(
        client_id, client_secret, app_url, stores=stores, allow_loopback_http=allow_loopback_http
    )
