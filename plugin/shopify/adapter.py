"""`ShopifyPlatform`: the `Platform` interface for Shopify, assembled from the package's pieces."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import anyio
import httpx

from plugin.currencies import currencies_from_shopify, with_currencies
from plugin.errors import AuthError, NotFoundError, PermanentError
from plugin.events import PlatformEvent
from plugin.keys import ShopRef
from plugin.platform import Order, ShipmentChange, ShopFacts
from plugin.rates import DELIVERY_PROFILES_QUERY
from plugin.services import Services
from plugin.settings import Settings
from plugin.shopify import order_payloads
from plugin.shopify.delivery_profiles import PROFILE_ITEMS_QUERY, ShopifyShipping, shipping_from_profiles
from plugin.shopify.graphql import ShopifyGraphQL, Sleep
from plugin.shopify.oauth import TokenEndpoint
from plugin.shopify.order_queries import (
    NODES_MAX_IDS,
    ORDER_QUERY,
    ORDERS_OWNED_QUERY,
    RECENT_ORDERS_QUERY,
    order_from,
    order_gid,
    owned_order_ids,
)
from plugin.shopify.shop_queries import ACCESS_SCOPES_QUERY, SHOP_FACTS_QUERY, granted_scopes, shop_facts_from
from plugin.shopify.tokens import ShopifyTokens
from plugin.shopify.topics import compliance_topics, subscribed_webhook_topics
from plugin.shopify.webhooks import verify_shopify_webhook
from plugin.shops import ShopRegistry

log = logging.getLogger(__name__)

MAX_RECENT_ORDER_PAGES = 20
MAX_DELIVERY_PROFILE_PAGES = 50  # one profile a page: each carries zones x methods, the costly part
MAX_PROFILE_ITEM_PAGES = 40  # 25 products a page


def shopify_secrets(settings: Settings) -> list[str]:
    """The client secret, then the previous one while it rotates."""
    return [str(s) for s in (settings.shopify_api_secret, settings.shopify_api_secret_previous) if s is not None]


class ShopifyPlatform:
    name = "shopify"

    def __init__(
        self,
        settings: Settings,
        http: httpx.AsyncClient,
        shops: ShopRegistry,
        *,
        sleep: Sleep = anyio.sleep,
        clock: Callable[[], float] = time.time,
        handled_events: frozenset[str] | None = None,
    ) -> None:
        self.settings = settings
        self.shops = shops
        self.handled_events = handled_events
        self.secrets = shopify_secrets(settings)
        self.endpoint = TokenEndpoint(
            http,
            origin_template=settings.shopify_origin,
            client_id=settings.shopify_api_key,
            client_secret=self.secrets[0] if self.secrets else None,
            clock=clock,
        )
        self.tokens = ShopifyTokens(shops, self.endpoint, sleep=sleep, clock=clock)
        self.graphql = ShopifyGraphQL(
            http,
            self.tokens,
            origin_template=settings.shopify_origin,
            api_version=settings.manifest.shopify.api_version,
            sleep=sleep,
        )

    def webhook_topics(self) -> tuple[str, ...]:
        """Declared topics whose events the app handles, plus the mandatory compliance topics."""
        return subscribed_webhook_topics(self.settings, self.handled_events) + compliance_topics(self.settings)

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> PlatformEvent | None:
        return verify_shopify_webhook(headers, body, self.secrets)

    async def on_verified(self, event: PlatformEvent) -> None:
        """Nothing acts before queueing: the HMAC covers only the body, so an uninstall is confirmed with
        Shopify in the worker (`installation_revoked`) before anything stops."""

    async def installation_revoked(self, shop: ShopRef) -> bool:
        """Ask Shopify with the shop's token: True when it is refused (an uninstall revokes it at once), False
        when it still opens the Admin API (the app is installed). Raises RetryableError when Shopify cannot say."""
        try:
            await self._query(shop, ACCESS_SCOPES_QUERY)
        except (AuthError, NotFoundError):  # 401 for a revoked token (or none left to refresh), 404 for a closed shop
            return True
        return False

    async def _query(self, shop: ShopRef, query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return await self.graphql.execute(shop, query, variables)

    async def fetch_shop_facts(self, shop: ShopRef) -> ShopFacts:
        try:
            answer = await self._query(shop, SHOP_FACTS_QUERY)
            facts = shop_facts_from(answer, shop)
        except ValueError as exc:
            raise PermanentError(str(exc)) from exc
        # The presentment currencies (Markets), so the storefront can answer a shopper in theirs.
        return replace(facts, extra=with_currencies(facts.extra, currencies_from_shopify(answer)))

    async def fetch_order(self, shop: ShopRef, order_id: str) -> Order:
        data = await self._query(shop, ORDER_QUERY, {"id": order_gid(order_id)})
        if not data.get("order"):
            raise NotFoundError(f"order {order_id} not found")
        try:
            return order_from(data["order"], shop)
        except ValueError as exc:
            raise PermanentError(str(exc)) from exc

    async def list_recent_orders(self, shop: ShopRef, since: datetime) -> list[Order]:
        search = f"updated_at:>='{since.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}'"
        orders: list[Order] = []
        after: str | None = None
        for _ in range(MAX_RECENT_ORDER_PAGES):
            page = (await self._query(shop, RECENT_ORDERS_QUERY, {"query": search, "after": after}))["orders"]
            try:
                orders.extend(order_from(node, shop) for node in page.get("nodes") or ())
            except ValueError as exc:
                raise PermanentError(str(exc)) from exc
            info = page.get("pageInfo") or {}
            if not info.get("hasNextPage"):
                break
            after = info.get("endCursor")
        return orders

    async def fetch_shipping(self, shop: ShopRef) -> ShopifyShipping:
        """Every delivery profile, each product-specific one with the products and variants it covers. Page
        sizes keep each call's cost low (one profile a page); the GraphQL client waits for the bucket to refill."""
        profiles: list[Mapping[str, Any]] = []
        after: str | None = None
        for _ in range(MAX_DELIVERY_PROFILE_PAGES):
            variables = {"profiles": 1, "after": after}
            page = (await self._query(shop, DELIVERY_PROFILES_QUERY, variables))["deliveryProfiles"]
            profiles.extend(page.get("nodes") or ())
            info = page.get("pageInfo") or {}
            if not info.get("hasNextPage"):
                break
            after = info.get("endCursor")
        items = {
            str(profile["id"]): await self._profile_items(shop, str(profile["id"]))
            for profile in profiles
            if not profile.get("default") and profile.get("id")
        }
        return shipping_from_profiles(profiles, items)

    async def _profile_items(self, shop: ShopRef, profile_id: str) -> list[Mapping[str, Any]]:
        items: list[Mapping[str, Any]] = []
        after: str | None = None
        for _ in range(MAX_PROFILE_ITEM_PAGES):
            data = await self._query(shop, PROFILE_ITEMS_QUERY, {"id": profile_id, "after": after})
            page = (data.get("deliveryProfile") or {}).get("profileItems") or {}
            items.extend(page.get("nodes") or ())
            info = page.get("pageInfo") or {}
            if not info.get("hasNextPage"):
                break
            after = info.get("endCursor")
        return items

    async def missing_scopes(self, shop: ShopRef) -> list[str]:
        granted = granted_scopes(await self._query(shop, ACCESS_SCOPES_QUERY))
        # A write scope implies its read scope.
        granted |= {"read_" + scope[len("write_") :] for scope in granted if scope.startswith("write_")}
        return sorted(set(self.settings.manifest.shopify.scopes) - granted)

    async def ensure_installation(self, shop: ShopRef) -> list[str]:
        """Webhook subscriptions and the app embed are declared in shopify.app.toml and deployed by Shopify CLI,
        so nothing here can be repaired per shop; what can go missing is a scope the topics and queries need."""
        missing = await self.missing_scopes(shop)
        if missing:
            log.warning("shop has not granted scopes", extra={"shop": shop.tag, "missing": missing})
        return []

    # --- order deliveries as state (plugin.platform.PayloadOrders) ------------------------------------------

    max_confirm_batch = NODES_MAX_IDS

    def state_from_payload(self, event: PlatformEvent) -> Order | ShipmentChange | None:
        return order_payloads.state_from_payload(event.source_topic, event.payload, event.shop)

    async def confirm_orders(self, shop: ShopRef, order_ids: Sequence[str]) -> set[str]:
        if len(order_ids) > NODES_MAX_IDS:
            raise ValueError(f"at most {NODES_MAX_IDS} order ids per call")
        if not order_ids:
            return set()
        data = await self._query(shop, ORDERS_OWNED_QUERY, {"ids": [order_gid(order_id) for order_id in order_ids]})
        return owned_order_ids(data) & set(order_ids)


def shopify_platform(services: Services) -> ShopifyPlatform:
    """The wired Shopify adapter, typed: routes and jobs of this package need more than `Platform` offers."""
    platform = services.platforms.get("shopify")
    if not isinstance(platform, ShopifyPlatform):
        raise RuntimeError("the Shopify adapter is not configured in build_platforms")
    return platform
