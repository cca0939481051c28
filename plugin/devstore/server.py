"""The dev store inside `upfront dev`: both emulators mounted on the app's own server, demo shops installed."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import httpx
from starlette.routing import BaseRoute, Mount

from plugin.admin.dev import DevAdmin
from plugin.devstore.admin_entry import admin_entry_routes, bigcommerce_admin_path, dev_admin, shopify_admin_path
from plugin.devstore.aftership import AfterShipEmulator, checkpoint_routes, create_aftership_emulator
from plugin.devstore.bigcommerce import DEMO_STORE_HASH, BigCommerceEmulator, create_bigcommerce_emulator
from plugin.devstore.deliveries import trigger_routes
from plugin.devstore.helpdesks import HelpdeskStandIns
from plugin.devstore.shopify import DEMO_SHOP, ShopifyEmulator, create_shopify_emulator
from plugin.devstore.storefront import PRODUCTS, seed_demo_journey, seed_demo_shop, storefront_routes
from plugin.devstore.twilio import TwilioEmulator
from plugin.keys import ShopRef
from plugin.services import Services
from plugin.services import services as request_services
from plugin.shopify.adapter import shopify_platform
from plugin.shopify.sync import schedule_post_install
from plugin.shops import StoredToken
from plugin.tracking.connection import connect as connect_tracking
from plugin.tracking.model import Credentials
from plugin.tracking.webhook_url import webhook_url

log = logging.getLogger(__name__)

SHOPIFY_MOUNT = "/devstore/shopify"
BIGCOMMERCE_MOUNT = "/devstore/bigcommerce"
STOREFRONT_MOUNT = "/devstore"
BIGCOMMERCE_STOREFRONT_MOUNT = BIGCOMMERCE_MOUNT + "/storefront"
AFTERSHIP_MOUNT = "/devstore/aftership"
TWILIO_MOUNT = "/devstore/twilio"
ZENDESK_MOUNT = "/devstore/zendesk"
GORGIAS_MOUNT = "/devstore/gorgias"
CHATWOOT_MOUNT = "/devstore/chatwoot"


def devstore_environment(base_url: str) -> dict[str, str]:
    """Where the adapters must call so that they reach the emulators instead of the platforms."""
    api_origin, login_origin = BigCommerceEmulator.origins(base_url + BIGCOMMERCE_MOUNT)
    return {
        "UPFRONT_SHOPIFY_ORIGIN": base_url + SHOPIFY_MOUNT + "/{shop}",
        "UPFRONT_BIGCOMMERCE_API_ORIGIN": api_origin,
        "UPFRONT_BIGCOMMERCE_LOGIN_ORIGIN": login_origin,
        "UPFRONT_AFTERSHIP_API_ORIGIN": base_url + AFTERSHIP_MOUNT,
        "UPFRONT_TWILIO_API_ORIGIN": base_url + TWILIO_MOUNT,
        # One stand-in per helpdesk, whatever account the merchant connects.
        "UPFRONT_ZENDESK_ORIGIN": base_url + ZENDESK_MOUNT,
        "UPFRONT_GORGIAS_ORIGIN": base_url + GORGIAS_MOUNT,
        "UPFRONT_CHATWOOT_ORIGIN": base_url + CHATWOOT_MOUNT,
    }


@dataclass(frozen=True)
class DevStore:
    shopify: ShopifyEmulator
    bigcommerce: BigCommerceEmulator
    aftership: AfterShipEmulator = field(default_factory=create_aftership_emulator)
    twilio: TwilioEmulator = field(default_factory=TwilioEmulator)
    helpdesks: HelpdeskStandIns = field(default_factory=HelpdeskStandIns)

    @classmethod
    def create(cls, services: Services) -> DevStore:
        settings = services.settings
        return cls(
            shopify=create_shopify_emulator(
                str(settings.shopify_api_secret), settings.shopify_api_key, settings.app_url
            ),
            bigcommerce=create_bigcommerce_emulator(
                settings.bigcommerce_client_id,
                str(settings.bigcommerce_client_secret),
                settings.app_url,
                allow_loopback_http=True,
            ),
            twilio=TwilioEmulator(http=services.http),  # the demo account: plugin.devstore.twilio.DEMO_ACCOUNT_SID
        )

    def routes(self) -> list[BaseRoute]:
        # Order matters: Starlette does not fall through from one mount to the next, so /devstore comes last.
        # Each storefront's header links to the other platform's demo storefront.
        shopify_store = storefront_routes(switch=("BigCommerce", BIGCOMMERCE_STOREFRONT_MOUNT + "/"))
        bigcommerce_store = storefront_routes(
            shop=DEMO_STORE_HASH,
            platform="bigcommerce",
            country="US",
            switch=("Shopify", STOREFRONT_MOUNT + "/"),
        )
        return [
            *admin_entry_routes(self.shopify, self.bigcommerce),
            *trigger_routes(self.shopify, self.bigcommerce),
            *checkpoint_routes(self.aftership, lambda request: request_services(request).http),
            Mount(AFTERSHIP_MOUNT, app=self.aftership),
            Mount(SHOPIFY_MOUNT, app=self.shopify),
            Mount(BIGCOMMERCE_STOREFRONT_MOUNT, routes=bigcommerce_store),
            Mount(BIGCOMMERCE_MOUNT, app=self.bigcommerce),
            Mount(TWILIO_MOUNT, app=self.twilio.app()),
            Mount(ZENDESK_MOUNT, app=self.helpdesks.zendesk.app()),
            Mount(GORGIAS_MOUNT, app=self.helpdesks.gorgias.app()),
            Mount(CHATWOOT_MOUNT, app=self.helpdesks.chatwoot.app()),
            Mount(STOREFRONT_MOUNT, routes=shopify_store),
        ]

    @staticmethod
    def dev_admin() -> DevAdmin:
        return dev_admin(DEMO_SHOP, DEMO_STORE_HASH)

    @staticmethod
    def demo_pages(base_url: str) -> list[str]:
        product = next(iter(PRODUCTS))
        return [f"{base_url}{STOREFRONT_MOUNT}/products/{product}", f"{base_url}{STOREFRONT_MOUNT}/cart"]

    @staticmethod
    def admin_url(base_url: str, page: str = "home") -> str:
        """The Shopify demo shop's admin, in the dev store's stand-in for the Shopify admin (works offline)."""
        return base_url + shopify_admin_path(DEMO_SHOP, page)

    @staticmethod
    def other_shop_urls(base_url: str) -> tuple[str, str]:
        """(storefront, admin) of the BigCommerce demo store, the other platform's demo shop."""
        return base_url + BIGCOMMERCE_STOREFRONT_MOUNT + "/", base_url + bigcommerce_admin_path(DEMO_STORE_HASH)

    async def connect_demo_tracking(self, services: Services, shop: ShopRef) -> None:
        """Each demo shop has its own account at the AfterShip stand-in, connected as the admin's form would (the
        merchant can disconnect it there to see stages come from the platform alone)."""
        account = self.aftership.add_account(
            f"dev-aftership-key-{shop.platform}", f"dev-aftership-secret-{shop.platform}"
        )
        account.webhook_url = webhook_url(services, shop)
        await connect_tracking(services, shop, Credentials(account.api_key, account.webhook_secret))

    async def install_demo_shops(self, services: Services, http: httpx.AsyncClient) -> list[str]:
        """Install both demo shops the way the platforms do it, over HTTP against the running app."""
        done: list[str] = []
        shop = ShopRef("shopify", DEMO_SHOP)
        # A new dev store has issued no tokens: one kept from an earlier run would be refused. Store it as spent
        # (expired, nothing to refresh it with), so the demo shop exchanges a session token again, as a real
        # embedded app does when its token is dead.
        if await services.shops.load_token(shop) is not None:
            await services.shops.replace_token(shop, StoredToken(access_token="", scope="", expires_at=0.0))
        # Shopify's managed install: the embedded admin's session token is exchanged for an offline token.
        await shopify_platform(services).tokens.ensure_from_session_token(shop, self.shopify.session_token(DEMO_SHOP))
        await schedule_post_install(services.redis, services.keys, shop)
        done.append(f"Shopify {DEMO_SHOP}")
        response = await http.get(
            services.settings.app_url + "/bigcommerce/auth", params=self.bigcommerce.authorize(DEMO_STORE_HASH)
        )
        if response.is_success:
            done.append(f"BigCommerce store {DEMO_STORE_HASH}")
        else:
            log.warning("demo BigCommerce install failed", extra={"status": response.status_code})
        # The demo storefront pages need widget settings and facts at once, before the sync jobs have run.
        await seed_demo_shop(services, DEMO_SHOP)
        for demo in (shop, ShopRef("bigcommerce", DEMO_STORE_HASH)):
            await seed_demo_journey(services, demo)
            await self.connect_demo_tracking(services, demo)
        return done
