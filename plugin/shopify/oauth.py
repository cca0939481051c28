"""Shopify's token endpoint: code grant, session-token exchange, refresh and legacy-token migration."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from plugin.errors import AuthError, PermanentError
from plugin.keys import ShopRef
from plugin.shopify.domains import shop_origin
from plugin.shopify.failures import error_for_response, error_for_transport
from plugin.shops import StoredToken

TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"
ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token"
OFFLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:offline-access-token"


class TokenEndpoint:
    """`POST {origin}/admin/oauth/access_token`; every grant asks for an expiring offline token."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        origin_template: str,
        client_id: str,
        client_secret: str | None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.http = http
        self.origin_template = origin_template
        self.client_id = client_id
        self.client_secret = client_secret
        self.clock = clock

    async def exchange_code(self, shop: ShopRef, code: str) -> StoredToken:
        return await self._grant(shop, {"code": code, "expiring": "1"})

    async def exchange_session_token(self, shop: ShopRef, session_token: str) -> StoredToken:
        return await self._grant(shop, self._exchange(session_token, ID_TOKEN_TYPE))

    async def migrate_legacy(self, shop: ShopRef, legacy_token: str) -> StoredToken:
        """Swap a non-expiring offline token for an expiring pair (Shopify's documented migration: a token
        exchange whose subject is the old offline token). Retrying with the same old token is safe."""
        return await self._grant(shop, self._exchange(legacy_token, OFFLINE_TOKEN_TYPE))

    async def refresh(self, shop: ShopRef, refresh_token: str) -> StoredToken:
        """Spends `refresh_token` (single use): the caller must store the answer before anyone else refreshes."""
        return await self._grant(shop, {"grant_type": "refresh_token", "refresh_token": refresh_token})

    @staticmethod
    def _exchange(subject_token: str, subject_type: str) -> dict[str, str]:
        return {
            "grant_type": TOKEN_EXCHANGE_GRANT,
            "subject_token": subject_token,
            "subject_token_type": subject_type,
            "requested_token_type": OFFLINE_TOKEN_TYPE,
            "expiring": "1",
        }

    async def _grant(self, shop: ShopRef, grant: dict[str, str]) -> StoredToken:
        if not self.client_secret:
            raise AuthError("SHOPIFY_API_SECRET is not set")
        body = {"client_id": self.client_id, "client_secret": self.client_secret, **grant}
        url = f"{shop_origin(self.origin_template, shop)}/admin/oauth/access_token"
        try:
            response = await self.http.post(url, json=body, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise error_for_transport(exc, "token request") from exc
        if response.status_code in (400, 401, 403):
            # An unknown/used code, refresh token or session token: only the merchant can fix it.
            raise AuthError(f"Shopify refused the token grant ({response.status_code})", status=response.status_code)
        if response.is_error:
            raise error_for_response(response, "token request")
        return self._stored(response)

    def _stored(self, response: httpx.Response) -> StoredToken:
        try:
            answer: dict[str, Any] = response.json()
            access_token = str(answer["access_token"])
        except (ValueError, KeyError, TypeError) as exc:
            raise PermanentError("Shopify token answer is not the documented JSON") from exc
        now = self.clock()

        def at(key: str) -> float | None:
            seconds = answer.get(key)
            return now + float(seconds) if isinstance(seconds, int | float) else None

        refresh = answer.get("refresh_token")
        return StoredToken(
            access_token=access_token,
            scope=str(answer.get("scope", "")),
            expires_at=at("expires_in"),
            refresh_token=str(refresh) if refresh else None,
            refresh_expires_at=at("refresh_token_expires_in"),
        )
