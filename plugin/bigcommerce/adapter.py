"""`BigCommercePlatform`: the `plugin.platform.Platform` implementation for BigCommerce stores."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import anyio
import httpx

from plugin.bigcommerce.installation import InstallTarget, ensure_installation
from plugin.bigcommerce.mapping import order_from_bigcommerce
from plugin.bigcommerce.rest import BigCommerceRest, RetryPolicy, Sleep, StoreApi
from plugin.bigcommerce.store_sync import read_store_facts
from plugin.bigcommerce.topics import SCOPE_EVENTS, event_from_delivery
from plugin.bigcommerce.webhook_auth import authenticate_delivery
from plugin.errors import AuthError, NotFoundError, PermanentError
from plugin.events import PlatformEvent
from plugin.keys import ShopRef
from plugin.platform import Order, ShopFacts, WebhookRejected
from plugin.settings import Settings
from plugin.shops import ShopRegistry
from plugin.subscriptions import subscribed_topics


class BigCommercePlatform:
    name = "bigcommerce"

    def __init__(
        self,
        settings: Settings,
        http: httpx.AsyncClient,
        shops: ShopRegistry,
        *,
        sleep: Sleep = anyio.sleep,
        clock: Callable[[], float] = time.time,
        retry: RetryPolicy | None = None,
        handled_events: frozenset[str] | None = None,
    ) -> None:
        self.settings = settings
        self.handled_events = handled_events
        self.shops = shops
        self.clock = clock
        self.rest = BigCommerceRest(http, settings.bigcommerce_api_origin, sleep=sleep, policy=retry)

    @property
    def client_secret(self) -> str | None:
        secret = self.settings.bigcommerce_client_secret
        return None if secret is None else str(secret)

    def install_target(self) -> InstallTarget:
        if self.client_secret is None:
            raise PermanentError("BIGCOMMERCE_CLIENT_SECRET is not set")
        return InstallTarget.from_settings(self.settings, self.client_secret, self.webhook_topics())

    def webhook_topics(self) -> tuple[str, ...]:
        """The scopes declared in app.toml whose events the app handles (the hooks post-install creates)."""
        declared = self.settings.manifest.bigcommerce.webhook_scopes
        return subscribed_topics(declared, SCOPE_EVENTS, self.handled_events)

    async def on_verified(self, event: PlatformEvent) -> None:
        """Nothing to do before queueing: the signed uninstall callback acts at once; the `store/app/uninstalled`
        webhook is confirmed in the worker (`installation_revoked`)."""

    async def installation_revoked(self, shop: ShopRef) -> bool:
        """BigCommerce revokes the store's token on uninstall: True when `GET /v2/store` refuses it."""
        try:
            await (await self.api(shop)).get("/v2/store")
        except NotFoundError:  # the store is gone
            return True
        except AuthError as refused:
            if refused.status == 403:  # a scope problem says nothing about the install: left to a person
                raise
            return True  # 401: the token is revoked (or none is stored)
        return False

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> PlatformEvent | None:
        if self.client_secret is None:
            raise WebhookRejected(401, "BigCommerce client secret is not configured")
        now = self.clock()
        payload = authenticate_delivery(headers, body, client_secret=self.client_secret, now=now)
        return event_from_delivery(headers, payload, received_at=now)

    async def api(self, shop: ShopRef) -> StoreApi:
        if shop.platform != self.name:
            raise ValueError(f"{shop.tag} is not a BigCommerce store")
        token = await self.shops.load_token(shop)
        if token is None:
            raise AuthError(f"no access token for {shop.tag}: the store must install the app again")
        return self.rest.store(shop.id, token.access_token)

    async def fetch_shop_facts(self, shop: ShopRef) -> ShopFacts:
        return await read_store_facts(await self.api(shop), shop)

    async def _complete_order(self, api: StoreApi, shop: ShopRef, order: Mapping[str, Any]) -> Order:
        order_id = int(order["id"])
        shipments = await api.v2_list(f"/v2/orders/{order_id}/shipments")
        products = await api.v2_list(f"/v2/orders/{order_id}/products")
        addresses = await api.v2_list(f"/v2/orders/{order_id}/shipping_addresses")  # the confirmation's window
        consent: Mapping[str, Any] | None = None
        customer_id = order.get("customer_id")
        if isinstance(customer_id, int) and customer_id > 0:
            try:
                found = await api.get(f"/v3/customers/{customer_id}/consent")
            except NotFoundError:
                found = None  # the customer was deleted since: consent unknown
            consent = found if isinstance(found, dict) else None
        try:
            return order_from_bigcommerce(
                shop, order, shipments=shipments, products=products, consent=consent, shipping_addresses=addresses
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise PermanentError(f"order {order_id} of {shop.tag} cannot be read: {exc}") from exc

    async def fetch_order(self, shop: ShopRef, order_id: str) -> Order:
        if not order_id.isdigit():
            raise NotFoundError(f"{order_id!r} is not a BigCommerce order id")
        api = await self.api(shop)
        order = await api.get(f"/v2/orders/{int(order_id)}")
        if not isinstance(order, dict) or order.get("id") is None:
            raise NotFoundError(f"order {order_id} of {shop.tag} not found")
        return await self._complete_order(api, shop, order)

    async def list_recent_orders(self, shop: ShopRef, since: datetime) -> list[Order]:
        """Orders modified since `since`, oldest change first (for reconciling missed webhooks)."""
        api = await self.api(shop)
        modified_since = (since if since.tzinfo else since.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
        orders = await api.v2_list(
            "/v2/orders", {"min_date_modified": modified_since, "sort": "date_modified:asc"}, limit=50
        )
        return [await self._complete_order(api, shop, order) for order in orders if order.get("id") is not None]

    async def ensure_installation(self, shop: ShopRef) -> list[str]:
        return await ensure_installation(await self.api(shop), self.install_target())
