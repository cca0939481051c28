"""The dev store's storefront: a demo product page and cart rendering the app embed the way the Shopify theme
extension does, the same pages without the app (`?app=off`) or without the theme's slots (`?slots=off`, so the
script places its own), and Shopify's app proxy emulated on loopback.

Mount it (the lead does, in `upfront dev`) with `Mount("/devstore", routes=storefront_routes(...))`:

    shop      the shop whose widgets the pages show (default: the Shopify demo shop)
    platform  "shopify": the embed's data attributes and `/devstore/apps/upfront/...`, signed like Shopify's app
              proxy and forwarded in-process to `/proxy/...` (needs SHOPIFY_API_SECRET, which `upfront dev` sets);
              "bigcommerce": the script from `{api_base}/static/upfront.js?platform=bigcommerce&shop=...`, talking
              to `/storefront/bigcommerce/{shop}/...` directly
    api_base  the app's origin for the BigCommerce variant ("" = the same origin as the pages)

`seed_demo_shop(services)` writes the demo shop's facts, shipping setup, widget and help settings through
plugin.shop_data when they are missing, so the widgets have something true to say before any platform sync.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from plugin.currencies import currencies_from_shopify, with_currencies
from plugin.devstore.bigcommerce import demo_currencies
from plugin.devstore.shopify import sign_proxy
from plugin.devstore.shopify_demo import DEMO_PRODUCT_IDS, DEMO_SHOP, STOREFRONT_RATES, demo_graphql_data
from plugin.email.journey_settings import JourneySettings, save_journey_settings
from plugin.email.journey_settings import settings_key as journey_settings_key
from plugin.keys import ShopRef
from plugin.openapi import Operation, documented
from plugin.rates import ShippingSetup
from plugin.services import Services, services
from plugin.settings import PACKAGE_ROOT
from plugin.shop_data import load_facts, load_shipping_setup, save_facts, save_shipping_setup
from plugin.shopify.delivery_profiles import shipping_from_profiles
from plugin.shopify.shop_queries import shop_facts_from
from plugin.shops import StoredToken
from plugin.storage import as_optional_text
from widgets.assets import script_url
from widgets.estimator.money import format_money, format_shop_money, minor_units
from widgets.estimator.presentment import PLATFORM, SHOP, STOREFRONT, Presentment
from widgets.help.settings import default_help_settings, help_settings_key, save_help_settings
from widgets.settings import default_settings, save_widget_settings, settings_key

TEMPLATE_DIRS = (PACKAGE_ROOT.parent / "templates", PACKAGE_ROOT / "_bundled" / "templates")
PROXY_PREFIX = "/apps/upfront"
CART_COOKIE = "devstore_cart"
ATTRIBUTES_COOKIE = "devstore_cart_attributes"
# Each demo shop's currency and money format, as its platform states them (the BigCommerce demo store is in USD).
MONEY_FORMATS = {"EUR": "{{amount_with_comma_separator}} €", "USD": "${{amount}}"}
PLATFORM_CURRENCIES = {"shopify": "EUR", "bigcommerce": "USD"}
# Where each demo shop ships from and how its prices read: EU prices include VAT, US prices are before sales tax.
PLATFORM_ORIGINS = {"shopify": "Berlin", "bigcommerce": "New York"}
PRICE_NOTES = {"EUR": "incl. VAT", "USD": "plus tax"}


@dataclass(frozen=True)
class DemoProduct:
    handle: str
    title: str
    price: Decimal
    weight_g: int
    description: str
    hue: int  # the placeholder picture's colour


PRODUCTS = {
    product.handle: product
    for product in (
        DemoProduct(
            "canvas-tote",
            "Canvas tote",
            Decimal("24.90"),
            400,
            "A sturdy tote in undyed organic canvas, with an inner pocket and reinforced handles. Holds a week's "
            "groceries or a laptop and a jumper.",
            32,
        ),
        DemoProduct(
            "merino-scarf",
            "Merino scarf",
            Decimal("39.00"),
            180,
            "Fine merino knitted in a rib that keeps its shape. Soft enough to wear against the skin all winter.",
            205,
        ),
        DemoProduct(
            "enamel-mug",
            "Enamel camping mug",
            Decimal("14.50"),
            250,
            "Steel mug with a chip-resistant enamel coat and a rolled rim. Goes on the stove and in the dishwasher.",
            160,
        ),
    )
}

DEMO_WIDGET_SETTINGS: dict[str, Any] = {
    "estimator": {
        "processing_days": 0,
        "cutoff": "14:00",
        "default_transit_days": [2, 4],
        "method_transit_days": {"Express": [1, 1], "International": [4, 8]},
    },
    "badges": {
        "placements": ["product", "cart", "footer"],
        # The demo merchant's own confirmation, as a merchant would tick it on the badges page: returns are free
        # (the refund policy does not say who pays). Payment methods are only what Shopify's payment settings list.
        "free_returns_confirmed": True,
        "support_hours": "Mon–Fri 9:00–17:00",
    },
}

# Help prompts: a person is reachable by email, phone and WhatsApp on weekdays and Saturday mornings (Berlin time);
# the answers to shipping and returns come from the facts above, never from hand-written copy.
DEMO_HELP_SETTINGS: dict[str, Any] = {
    "reply_minutes": 120,
    "channels": [
        {"kind": "email", "value": "hello@upfront-demo.example"},
        {"kind": "phone", "value": "+49 30 1234567"},
        {"kind": "whatsapp", "value": "+49 151 2345678"},
    ],
    "hours": {
        "weekly": {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
        | {"sat": [["10:00", "14:00"]]},
        "public_holidays": "DE-BE",
        "closures": [
            {
                "from": "2026-12-24",
                "to": "2026-12-26",
                "note": {"en": "We're closed for Christmas.", "de": "Wir haben über Weihnachten geschlossen."},
            }
        ],
    },
    "faq": [
        {"id": "shipping", "source": "shipping"},
        {"id": "returns", "source": "returns"},
        {
            "id": "care",
            "question": {"en": "How do I care for it?", "de": "Wie pflege ich es?"},
            "answer": {
                "en": "Wash the tote and the scarf at 30 °C and dry them flat. The mug goes in the dishwasher.",
                "de": "Tasche und Schal bei 30 °C waschen und liegend trocknen. Der Becher darf in die Spülmaschine.",
            },
            "pages": ["product"],
        },
    ],
    "rules": [
        {"id": "not-shipped", "trigger": {"type": "shipping_estimate", "not_shipped": True}},
        {"id": "leaving", "trigger": {"type": "exit_intent"}, "where": {"pages": ["product", "cart"]}},
        {"id": "hesitating", "trigger": {"type": "idle", "seconds": 45}, "where": {"pages": ["product", "cart"]}},
    ],
}


def demo_shipping_setup(country: str, timezone: str, currency: str) -> ShippingSetup:
    """The demo shop's emulated delivery profiles, mapped by the sync's own code."""
    profiles = demo_graphql_data("deliveryProfiles", {"profiles": 250})["deliveryProfiles"]["nodes"]
    items = {
        str(p["id"]): (demo_graphql_data("deliveryProfile", {"id": p["id"], "items": 250})["deliveryProfile"] or {})
        .get("profileItems", {})
        .get("nodes", [])
        for p in profiles
    }
    shipping = shipping_from_profiles(profiles, items)
    return ShippingSetup(
        origin_country=country,
        timezone=timezone,
        currency=currency,
        zones=shipping.zones,
        profiles=shipping.profiles,
        pickups=shipping.pickups,
        default_location_ids=shipping.default_location_ids,
    )


async def seed_demo_shop(services: Services, shop_id: str = DEMO_SHOP, *, install: bool = False) -> ShopRef:
    """Facts, shipping setup and widget settings for the demo shop, each only if missing. `install` also
    registers the shop as installed with a placeholder token (tests, or a dev run without the OAuth flow)."""
    shop = ShopRef("shopify", shop_id)
    if install and not await services.shops.is_active(shop):
        await services.shops.save_token(shop, StoredToken(access_token="devstore-placeholder", scope=""))
    facts = await load_facts(services.redis, services.keys, shop)
    if facts is None:
        answer = demo_graphql_data("shop", {})
        facts = shop_facts_from(answer, shop)  # the sync's own mapping of the API answer
        facts = replace(facts, extra=with_currencies(facts.extra, currencies_from_shopify(answer)))
        await save_facts(services.redis, services.keys, facts)
    if await load_shipping_setup(services.redis, services.keys, shop) is None:
        setup = demo_shipping_setup(facts.country, facts.timezone, facts.currency)
        await save_shipping_setup(services.redis, services.keys, shop, setup)
    if as_optional_text(await services.redis.get(settings_key(services.keys, shop))) is None:
        defaults = default_settings(services.settings.manifest.widgets)
        await save_widget_settings(services.redis, services.keys, shop, DEMO_WIDGET_SETTINGS, defaults)
    if as_optional_text(await services.redis.get(help_settings_key(services.keys, shop))) is None:
        help_defaults = default_help_settings(services.settings.manifest.widgets)
        await save_help_settings(services.redis, services.keys, shop, DEMO_HELP_SETTINGS, help_defaults, facts.timezone)
    return shop


async def seed_demo_journey(services: Services, shop: ShopRef) -> None:
    """The demo shop's email settings, if none are saved: no quiet hours, so a newcomer trying the journey in the
    evening sees the shipping emails at once (the merchant can turn quiet hours on in the admin)."""
    if as_optional_text(await services.redis.get(journey_settings_key(services, shop))) is None:
        await save_journey_settings(services, shop, JourneySettings(quiet_hours=None))


# --- the cart, kept in cookies like a theme's session cart ---------------------------------------------------


def _read_cart(request: Request) -> dict[str, int]:
    cart: dict[str, int] = {}
    for part in request.cookies.get(CART_COOKIE, "").split("."):
        handle, _, quantity = part.partition("_")
        if handle in PRODUCTS and quantity.isdigit() and int(quantity) > 0:
            cart[handle] = min(int(quantity), 99)
    return cart


def _cart_cookie(cart: dict[str, int]) -> str:
    return ".".join(f"{handle}_{quantity}" for handle, quantity in cart.items())


def _read_attributes(request: Request) -> dict[str, str]:
    try:
        data = json.loads(base64.urlsafe_b64decode(request.cookies.get(ATTRIBUTES_COOKIE, "") or "e30="))
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


@dataclass(frozen=True)
class CartLine:
    product: DemoProduct
    quantity: int

    @property
    def total(self) -> Decimal:
        return self.product.price * self.quantity


def _lines(cart: dict[str, int]) -> list[CartLine]:
    return [CartLine(PRODUCTS[handle], quantity) for handle, quantity in cart.items()]


def _cart_item(line: CartLine, price_cents: int) -> dict[str, Any]:
    """A cart.js line as Shopify's Ajax API has it (ids of the demo shop's products, the price in the shopper's
    currency in cents, weight in grams)."""
    product_id, variant_id = DEMO_PRODUCT_IDS[line.product.handle]
    return {
        "id": int(variant_id),
        "product_id": int(product_id),
        "variant_id": int(variant_id),
        "handle": line.product.handle,
        "quantity": line.quantity,
        "price": price_cents,
        "grams": line.product.weight_g,
    }


def items_param(lines: list[CartLine]) -> str:
    """The estimate's `items`: product:variant:quantity:grams per line, as the storefront script sends them."""
    return ",".join(
        ":".join((*DEMO_PRODUCT_IDS[line.product.handle], str(line.quantity), str(line.product.weight_g)))
        for line in lines
    )


# --- pages -------------------------------------------------------------------------------------------------


CURRENCY_COOKIE = "cart_currency"  # the cookie Shopify keeps the shopper's currency in


def storefront_currencies(platform: str) -> dict[str, Presentment]:
    """The currencies the demo storefront offers, each with the rate and precision the platform converts its
    prices with: Shopify's storefront rates, or the BigCommerce store's own /v2/currencies rows."""
    if platform == "shopify":
        return {
            code: Presentment(code, code, Decimal(rate), minor_units(code), STOREFRONT if code != "EUR" else SHOP)
            for code, rate in STOREFRONT_RATES.items()
        }
    return {
        str(row["currency_code"]): Presentment(
            str(row["currency_code"]),
            str(row["currency_code"]),
            Decimal(str(row["currency_exchange_rate"])),
            int(row["decimal_places"]),
            SHOP if row["is_default"] else PLATFORM,
        )
        for row in demo_currencies()
        if row["enabled"]
    }


def _currency_ids() -> dict[str, str]:
    return {str(row["id"]): str(row["currency_code"]) for row in demo_currencies()}


@dataclass(frozen=True)
class ShopperCurrency:
    """The currency a storefront request shows prices in, and how the platform converts them."""

    presentment: Presentment
    shop_format: str

    @property
    def code(self) -> str:
        return self.presentment.currency

    def convert(self, amount: Decimal) -> Decimal:
        return self.presentment.convert(amount)

    def money(self, amount: Decimal) -> str:
        """A shop-currency amount as the storefront shows it in this currency."""
        return self.shown(self.convert(amount))

    def shown(self, converted: Decimal) -> str:
        """An amount already in this currency, as the storefront writes it."""
        if not self.presentment.converts:
            return format_shop_money(converted, self.shop_format)
        return format_money(converted, self.code, "en", self.presentment.decimals)


@dataclass(frozen=True)
class StorefrontConfig:
    shop: str
    platform: str
    api_base: str
    country: str
    locale: str
    clock: Callable[[], float]
    currency: str = "EUR"

    @property
    def ships_from(self) -> str:
        return PLATFORM_ORIGINS[self.platform]

    @property
    def price_note(self) -> str:
        return PRICE_NOTES[self.currency]

    def shopper_currency(self, request: Request) -> tuple[ShopperCurrency, str | None]:
        """The request's currency and, when the shopper just switched (Shopify `?currency=`, BigCommerce
        `?setCurrencyId=`), the code to keep in the cookie."""
        offered = storefront_currencies(self.platform)
        asked = request.query_params.get("currency", "").upper()
        if self.platform == "bigcommerce":
            asked = _currency_ids().get(request.query_params.get("setCurrencyId", ""), "")
        kept = request.cookies.get(CURRENCY_COOKIE, "")
        code = asked if asked in offered else kept if kept in offered else self.currency
        chosen = ShopperCurrency(offered[code], MONEY_FORMATS[self.currency])
        return chosen, (code if asked in offered else None)


def theme_product_markup(config: StorefrontConfig, product: DemoProduct, url: str) -> dict[str, Any]:
    """The Product JSON-LD a theme prints on its product page (the app never writes it): on Shopify the shape
    `{{ product | structured_data }}` documents for a product without variants (its offer nested, both with
    `@id`), on BigCommerce here an `@graph` whose offer is a node of its own, referenced by `@id`."""
    path = urlsplit(url).path
    offer = {
        "@id": f"{path}#offer",
        "@type": "Offer",
        "availability": "http://schema.org/InStock",
        "price": format(product.price, "f"),
        "priceCurrency": config.currency,
        "url": url,
    }
    if config.platform == "shopify":
        return {
            "@context": "http://schema.org/",
            "@id": f"{path}#product",
            "@type": "Product",
            "category": "",
            "description": product.description,
            "name": product.title,
            "offers": offer,
            "url": url,
        }
    product_node = {
        "@type": "Product",
        "@id": f"{url}#product",
        "name": product.title,
        "description": product.description,
        "offers": {"@id": f"{url}#offer"},
    }
    return {"@context": "https://schema.org", "@graph": [product_node, {**offer, "@id": f"{url}#offer"}]}


def _environment() -> Environment:
    found = [str(path) for path in TEMPLATE_DIRS if path.is_dir()]
    return Environment(loader=FileSystemLoader(found), autoescape=True, undefined=StrictUndefined)


def storefront_routes(
    *,
    shop: str = DEMO_SHOP,
    platform: str = "shopify",
    api_base: str = "",
    country: str = "DE",
    locale: str = "en",
    clock: Callable[[], float] = time.time,
    switch: tuple[str, str] | None = None,
) -> list[BaseRoute]:
    """`switch`: (platform name, URL) of the other platform's demo storefront, linked from the page header.
    The demo shops sell in their platform's currency (Shopify EUR, BigCommerce USD)."""
    if platform not in ("shopify", "bigcommerce"):
        raise ValueError(f"unknown platform {platform!r}")
    currency = PLATFORM_CURRENCIES[platform]
    config = StorefrontConfig(shop, platform, api_base.rstrip("/"), country, locale, clock, currency)
    templates = _environment()

    def page(request: Request, template: str, **context: Any) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        cart = _read_cart(request)
        shopper, switched = config.shopper_currency(request)
        app_on = request.query_params.get("app") != "off"
        html = templates.get_template(template).render(
            root=root,
            app_on=app_on,
            # ?slots=off: the app embed without the theme's app blocks, so the script must place its own slot.
            slots_on=app_on and request.query_params.get("slots") != "off",
            app_query="" if app_on else "?app=off",
            config=config,
            proxy=root + PROXY_PREFIX,
            script_src=script_url(),
            bigcommerce_src=f"{config.api_base}/static/upfront.js?platform=bigcommerce&shop={quote(config.shop)}",
            cart_count=sum(cart.values()),
            money=shopper.money,
            shopper=shopper,
            currency_choices=sorted(storefront_currencies(config.platform)),
            currency_ids={code: row_id for row_id, code in _currency_ids().items()},
            switch=switch,
            **context,
        )
        response = HTMLResponse(html, headers={"Cache-Control": "no-store"})
        if switched is not None:
            response.set_cookie(CURRENCY_COOKIE, switched, samesite="lax")
        return response

    @documented("Demo storefront: product list", {200: "HTML"}, tag="devstore")
    async def index(request: Request) -> Response:
        return page(request, "widgets/devstore/index.html", products=list(PRODUCTS.values()))

    @documented("Demo storefront: a product page", {200: "HTML", 404: "no such product"}, tag="devstore")
    async def product_page(request: Request) -> Response:
        product = PRODUCTS.get(request.path_params["handle"])
        if product is None:
            return HTMLResponse("<h1>Not found</h1>", status_code=404)
        lines = _lines(_read_cart(request))
        shopper, _ = config.shopper_currency(request)
        # Prices are converted one by one, as the platform converts each product price, then added up.
        subtotal = sum((shopper.convert(line.product.price) * line.quantity for line in lines), Decimal(0))
        subtotal += shopper.convert(product.price)
        weight = sum(line.product.weight_g * line.quantity for line in lines) + product.weight_g
        items = sum(line.quantity for line in lines) + 1
        return page(
            request,
            "widgets/devstore/product.html",
            product=product,
            product_markup=theme_product_markup(config, product, str(request.url.replace(query=""))),
            estimate_subtotal=format(subtotal, "f"),
            estimate_weight=weight,
            estimate_items=items,
            estimate_lines=items_param([*lines, CartLine(product, 1)]),
            embed_items=items_param([CartLine(product, 1)]),  # as the app embed names the page's product
        )

    @documented("Demo storefront: the cart", {200: "HTML"}, tag="devstore")
    async def cart_page(request: Request) -> Response:
        lines = _lines(_read_cart(request))
        shopper, _ = config.shopper_currency(request)
        return page(
            request,
            "widgets/devstore/cart.html",
            lines=lines,
            subtotal=sum((line.total for line in lines), Decimal(0)),
            shopper_subtotal=sum((shopper.convert(line.product.price) * line.quantity for line in lines), Decimal(0)),
            weight=sum(line.product.weight_g * line.quantity for line in lines),
            items=sum(line.quantity for line in lines),
            estimate_lines=items_param(lines),
        )

    @documented("Demo storefront: add to cart (form post)", {303: "to the cart"}, tag="devstore")
    async def cart_add(request: Request) -> Response:
        # A theme's add-to-cart form is urlencoded; parsed here without a multipart dependency.
        form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
        handle = form.get("id", "")
        quantity = form.get("quantity", "1")
        cart = _read_cart(request)
        if handle in PRODUCTS:
            cart[handle] = min(cart.get(handle, 0) + (int(quantity) if quantity.isdigit() else 1), 99)
        suffix = "" if request.query_params.get("app") != "off" else "?app=off"
        response = RedirectResponse(request.scope.get("root_path", "") + "/cart" + suffix, status_code=303)
        response.set_cookie(CART_COOKIE, _cart_cookie(cart), httponly=True, samesite="lax")
        return response

    def cart_json(request: Request, attributes: dict[str, str]) -> dict[str, Any]:
        lines = _lines(_read_cart(request))
        shopper, _ = config.shopper_currency(request)
        # Like Shopify's cart.js: in the shopper's (presentment) currency, amounts in hundredths.
        total = sum((shopper.convert(line.product.price) * line.quantity for line in lines), Decimal(0))
        return {
            "token": "devstore",
            "currency": shopper.code,
            "item_count": sum(line.quantity for line in lines),
            "total_price": int(total * 100),
            "total_weight": sum(line.product.weight_g * line.quantity for line in lines),
            "attributes": attributes,
            "items": [_cart_item(line, int(shopper.convert(line.product.price) * 100)) for line in lines],
        }

    @documented("Demo storefront: Shopify's cart.js", {200: "the cart as JSON"}, tag="devstore")
    async def cart_js(request: Request) -> Response:
        return JSONResponse(cart_json(request, _read_attributes(request)))

    @documented("Demo storefront: Shopify's cart/update.js", {200: "the cart", 400: "bad JSON"}, tag="devstore")
    async def cart_update_js(request: Request) -> Response:
        try:
            body = json.loads(await request.body())
        except ValueError:
            return JSONResponse({"error": "body must be JSON"}, status_code=400)
        attributes = _read_attributes(request)
        if isinstance(body, dict) and isinstance(body.get("attributes"), dict):
            attributes.update({str(k): str(v) for k, v in body["attributes"].items()})
        response = JSONResponse(cart_json(request, attributes))
        encoded = base64.urlsafe_b64encode(json.dumps(attributes).encode()).decode()
        response.set_cookie(ATTRIBUTES_COOKIE, encoded, httponly=True, samesite="lax")
        return response

    routes: list[BaseRoute] = [
        Route("/", index, methods=["GET"]),
        Route("/products/{handle}", product_page, methods=["GET"]),
        Route("/cart", cart_page, methods=["GET"]),
        Route("/cart/add", cart_add, methods=["POST"]),
        Route("/cart.js", cart_js, methods=["GET"]),
        Route("/cart/update.js", cart_update_js, methods=["POST"]),
    ]
    if platform == "shopify":
        routes.append(Route(PROXY_PREFIX + "/{path:path}", EmulatedAppProxy(config), methods=["GET", "POST"]))
    return routes


class EmulatedAppProxy:
    """Shopify's app proxy on loopback: `/devstore/apps/upfront/x?q` -> `/proxy/x?q&shop=&...&signature=`,
    signed with the app's Shopify secret and dispatched to the app in-process, as Shopify would forward it."""

    __openapi__ = Operation("Demo storefront: Shopify's app proxy, emulated", {200: "the app's answer"}, "devstore")

    def __init__(self, config: StorefrontConfig) -> None:
        self.config = config

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = services(Request(scope))
        secret = found.settings.shopify_api_secret
        if secret is None:
            await JSONResponse({"error": "SHOPIFY_API_SECRET is not set"}, status_code=503)(scope, receive, send)
            return
        reserved = {"shop", "logged_in_customer_id", "path_prefix", "timestamp", "signature"}
        pairs = [
            (key, value)
            for key, value in parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
            if key not in reserved
        ]
        pairs += [
            ("shop", self.config.shop),
            ("logged_in_customer_id", ""),
            ("path_prefix", PROXY_PREFIX),
            ("timestamp", str(int(self.config.clock()))),
        ]
        path = "/proxy/" + scope["path_params"]["path"]
        client = scope.get("client") or ("127.0.0.1", 0)
        headers = [(k, v) for k, v in scope["headers"] if k not in (b"x-forwarded-for", b"cookie", b"origin")]
        headers.append((b"x-forwarded-for", str(client[0]).encode()))
        forwarded = {
            **scope,
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": sign_proxy(str(secret), pairs).encode(),
            "headers": headers,
            "path_params": {},
        }
        await scope["app"](forwarded, receive, send)
