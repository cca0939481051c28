"""The Shopify half of the dev store emulator: OAuth, the token endpoint and Admin GraphQL on Shopify's wire
format for a demo shop kept in memory, plus helpers that sign requests the way Shopify does.

Mount it anywhere and point `UPFRONT_SHOPIFY_ORIGIN` at `http://<host>/<mount>/{shop}`: the adapter cannot
tell it from Shopify. GraphQL answers are canned per root field (shop, order(s), nodes, deliveryProfiles,
deliveryProfile, currentAppInstallation), not computed from the query's selection; connections page by `first`
and `after`. Webhook bodies render the demo shop's current
first order in the REST shape Shopify documents for each topic.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import anyio
import jwt
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from plugin.devstore.shopify_demo import DEMO_SHOP, demo_graphql_data, demo_orders, sample_webhook_payload

__all__ = ["DEMO_SHOP", "ShopifyEmulator", "admin_host", "create_shopify_emulator"]

ACCESS_TOKEN_SECONDS = 3600
REFRESH_TOKEN_SECONDS = 90 * 24 * 3600
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token"
OFFLINE_TOKEN = "urn:shopify:params:oauth:token-type:offline-access-token"
# Root fields in the order they are recognized; the `nodes` root by its `ids` argument (connections have `nodes`).
_QUERY_COSTS = {
    "nodes": 1,  # per id asked, as each returned object costs a point
    "deliveryProfiles": 80,
    "deliveryProfile": 30,
    "orders": 60,
    "order": 20,
    "currentAppInstallation": 2,
    "shop": 10,
}
_ROOT_PATTERNS = {"nodes": r"\bnodes\s*\(\s*ids\s*:", "deliveryProfile": r"\bdeliveryProfile\s*\("}
NODES_MAX_IDS = 250  # Admin GraphQL refuses input arrays longer than this


# --- signing, written from Shopify's documented rules (independently of the adapter's verification) -------


def _hex(secret: str, message: str) -> str:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def sign_install(secret: str, params: dict[str, str]) -> str:
    """Query string with `hmac` for plain (non-array) parameters, as Shopify builds install/OAuth redirects."""

    def escape(text: str, key: bool) -> str:
        text = text.replace("%", "%25").replace("&", "%26")
        return text.replace("=", "%3D") if key else text

    message = "&".join(f"{escape(k, True)}={escape(params[k], False)}" for k in sorted(params))
    return urlencode({**params, "hmac": _hex(secret, message)})


def sign_proxy(secret: str, pairs: Sequence[tuple[str, str]]) -> str:
    """Query string with `signature`, as Shopify's app proxy forwards storefront requests."""
    grouped: dict[str, list[str]] = {}
    for key, value in pairs:
        grouped.setdefault(key, []).append(value)
    message = "".join(f"{key}={','.join(grouped[key])}" for key in sorted(grouped))
    return urlencode([*pairs, ("signature", _hex(secret, message))])


def sign_webhook(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


@dataclass
class _Grant:
    shop: str
    expires_at: float | None
    used: bool = False


class ShopifyEmulator:
    """An ASGI app standing in for `https://{shop}`; its attributes let tests inspect and steer it."""

    def __init__(self, secret: str, api_key: str, app_url: str, *, clock: Callable[[], float] = time.time) -> None:
        self.secret = secret
        self.api_key = api_key
        self.app_url = app_url.rstrip("/")
        self.clock = clock
        self.codes: dict[str, _Grant] = {}
        self.access_tokens: dict[str, _Grant] = {}
        self.refresh_tokens: dict[str, _Grant] = {}
        self.legacy_tokens: dict[str, _Grant] = {}
        self.grants: list[str] = []  # grant types answered with a token, in order
        self.graphql_calls = 0
        self.graphql_roots: Counter[str] = Counter()  # answered calls by root field (nodes, order, ...)
        self.orders = demo_orders()  # the demo shop's orders; tests may add more
        # Orders of other shops on the same platform: real to Shopify, never answered to the demo shop's token.
        self.other_shops_orders: dict[str, list[dict[str, Any]]] = {}
        self.bucket_available: float | None = None  # reported on successful answers; None: nearly full
        self.token_latency = 0.0  # seconds the token endpoint takes, to make concurrent refreshes overlap
        self._throttle_next = 0
        self._throttle_retry_after: float | None = None
        self._app = Starlette(
            routes=[
                Route("/{shop}/admin/oauth/authorize", self.authorize, methods=["GET"]),
                Route("/{shop}/admin/oauth/access_token", self.access_token, methods=["POST"]),
                Route("/{shop}/admin/api/{version}/graphql.json", self.graphql, methods=["POST"]),
                Route("/{shop}/admin/apps/{api_key}", self.embedded_admin, methods=["GET"]),
                Route("/{shop}/admin/apps/{api_key}/uninstall", self.uninstall, methods=["POST"]),
            ]
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._app(scope, receive, send)

    # --- steering and signed requests for tests and `upfront dev` -------------------------------------------

    def throttle(self, times: int, *, retry_after: float | None = None) -> None:
        """Answer the next `times` GraphQL calls with THROTTLED (optionally with a Retry-After header)."""
        self._throttle_next, self._throttle_retry_after = times, retry_after

    def uninstall_app(self, shop: str = DEMO_SHOP) -> tuple[dict[str, str], bytes]:
        """The merchant removes the app: Shopify revokes every token of the shop at once (the Admin API answers
        401, a refresh is refused), then sends `app/uninstalled`. Returns that delivery, for the caller to post."""
        for grants in (self.access_tokens, self.refresh_tokens, self.legacy_tokens):
            for grant in grants.values():
                if grant.shop == shop:
                    grant.used = True
        return self.webhook("app/uninstalled", shop)

    def issue_legacy_token(self, shop: str = DEMO_SHOP) -> str:
        """A non-expiring offline token, as apps held before expiring tokens (to exercise the migration)."""
        token = "shpat_legacy_" + secrets.token_hex(12)
        self.legacy_tokens[token] = _Grant(shop, None)
        self.access_tokens[token] = _Grant(shop, None)
        return token

    def session_token(self, shop: str = DEMO_SHOP, *, user_id: str = "42", lifetime: int = 60, **claims: Any) -> str:
        now = int(self.clock())
        payload = {
            "iss": f"https://{shop}/admin",
            "dest": f"https://{shop}",
            "aud": self.api_key,
            "sub": user_id,
            "exp": now + lifetime,
            "nbf": now,
            "iat": now,
            "jti": str(uuid.uuid4()),
            "sid": secrets.token_hex(16),
            **claims,
        }
        # A claim given as None is left out (to forge tokens that lack it).
        return jwt.encode({k: v for k, v in payload.items() if v is not None}, self.secret, algorithm="HS256")

    def install_query(self, shop: str = DEMO_SHOP, *, timestamp: int | None = None, **extra: str) -> str:
        stamp = str(int(self.clock()) if timestamp is None else timestamp)
        return sign_install(self.secret, {"shop": shop, "timestamp": stamp, **extra})

    def proxy_query(
        self,
        shop: str = DEMO_SHOP,
        *,
        customer_id: str = "",
        timestamp: int | None = None,
        extra: Sequence[tuple[str, str]] = (),
    ) -> str:
        stamp = str(int(self.clock()) if timestamp is None else timestamp)
        pairs = [
            ("shop", shop),
            ("logged_in_customer_id", customer_id),
            ("path_prefix", "/apps/upfront"),
            ("timestamp", stamp),
            *extra,
        ]
        return sign_proxy(self.secret, pairs)

    def webhook(
        self,
        topic: str,
        shop: str = DEMO_SHOP,
        *,
        payload: dict[str, Any] | None = None,
        event_id: str | None = None,
        lowercase_headers: bool = False,
        secret: str | None = None,
    ) -> tuple[dict[str, str], bytes]:
        """A signed delivery `(headers, body)` with a realistic sample payload for `topic`."""
        body = json.dumps(payload if payload is not None else sample_webhook_payload(topic, shop, self.orders)).encode()
        prefix = "shopify-" if lowercase_headers else "X-Shopify-"
        values = {
            "Hmac-Sha256": sign_webhook(secret or self.secret, body),
            "Topic": topic,
            "Shop-Domain": shop,
            "API-Version": "2026-10",
            "Webhook-Id": str(uuid.uuid4()),
            "Event-Id": event_id or str(uuid.uuid4()),
            "Triggered-At": datetime.fromtimestamp(self.clock(), UTC).isoformat(timespec="microseconds")[:-6] + "Z",
        }
        headers = {(prefix + name).lower() if lowercase_headers else prefix + name: v for name, v in values.items()}
        return {**headers, "Content-Type": "application/json"}, body

    # --- Shopify's endpoints --------------------------------------------------------------------------------

    async def authorize(self, request: Request) -> Response:
        """Auto-approves: back to the app's callback with a code, signed like Shopify's redirect."""
        shop, query = request.path_params["shop"], request.query_params
        redirect_uri = query.get("redirect_uri", "")
        if query.get("client_id") != self.api_key or not redirect_uri.startswith(self.app_url + "/"):
            return JSONResponse({"error": "invalid_request", "error_description": "unknown client or redirect"}, 400)
        code = secrets.token_hex(16)
        self.codes[code] = _Grant(shop, self.clock() + 60)
        signed = self.install_query(shop, code=code, state=query.get("state", ""), host=admin_host(shop))
        return RedirectResponse(f"{redirect_uri}?{signed}", status_code=302)

    async def access_token(self, request: Request) -> Response:
        shop = request.path_params["shop"]
        if self.token_latency:
            await anyio.sleep(self.token_latency)
        if request.headers.get("content-type", "").startswith("application/json"):
            body = {str(k): str(v) for k, v in (await request.json()).items()}
        else:
            body = {k: str(v) for k, v in (await request.form()).items()}
        if body.get("client_id") != self.api_key or body.get("client_secret") != self.secret:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        grant = body.get("grant_type", "authorization_code")
        if grant == "authorization_code" or "code" in body:
            valid = self._spend(self.codes, body.get("code", ""), shop)
        elif grant == "refresh_token":
            valid = self._spend(self.refresh_tokens, body.get("refresh_token", ""), shop)
        elif grant == TOKEN_EXCHANGE and body.get("subject_token_type") == ID_TOKEN:
            valid = self._valid_session_token(body.get("subject_token", ""), shop)
        elif grant == TOKEN_EXCHANGE and body.get("subject_token_type") == OFFLINE_TOKEN:
            legacy = self.legacy_tokens.get(body.get("subject_token", ""))
            valid = legacy is not None and legacy.shop == shop
            if valid:  # after the migration the old token no longer opens the API
                self.access_tokens[body["subject_token"]].used = True
        else:
            valid = False
        if not valid:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        self.grants.append(grant)
        # A refresh token exists only for an expiring token, and refreshing it yields another expiring pair.
        return JSONResponse(self._issue(shop, expiring=body.get("expiring") == "1" or grant == "refresh_token"))

    def _spend(self, store: dict[str, _Grant], key: str, shop: str) -> bool:
        found = store.get(key)
        if found is None or found.used or found.shop != shop:
            return False
        if found.expires_at is not None and found.expires_at < self.clock():
            return False
        found.used = True
        return True

    def _valid_session_token(self, token: str, shop: str) -> bool:
        try:
            claims = jwt.decode(token, self.secret, algorithms=["HS256"], audience=self.api_key, leeway=10)
        except jwt.PyJWTError:
            return False
        return bool(claims.get("dest") == f"https://{shop}")

    def _issue(self, shop: str, *, expiring: bool) -> dict[str, Any]:
        access = "shpat_" + secrets.token_hex(16)
        now = self.clock()
        answer: dict[str, Any] = {"access_token": access, "scope": "read_orders,read_shipping,read_legal_policies"}
        if not expiring:
            self.access_tokens[access] = _Grant(shop, None)
            return answer
        refresh = "shprt_" + secrets.token_hex(16)
        self.access_tokens[access] = _Grant(shop, now + ACCESS_TOKEN_SECONDS)
        self.refresh_tokens[refresh] = _Grant(shop, now + REFRESH_TOKEN_SECONDS)
        return {
            **answer,
            "expires_in": ACCESS_TOKEN_SECONDS,
            "refresh_token": refresh,
            "refresh_token_expires_in": REFRESH_TOKEN_SECONDS,
        }

    async def graphql(self, request: Request) -> Response:
        shop = request.path_params["shop"]
        grant = self.access_tokens.get(request.headers.get("x-shopify-access-token", ""))
        expired = grant is not None and grant.expires_at is not None and grant.expires_at < self.clock()
        if grant is None or grant.shop != shop or expired or grant.used:
            return JSONResponse({"errors": "[API] Invalid API key or access token"}, status_code=401)
        if shop != DEMO_SHOP:
            return JSONResponse({"errors": "Not Found"}, status_code=404)
        self.graphql_calls += 1
        request_body = await request.json()
        query, variables = str(request_body.get("query", "")), request_body.get("variables") or {}
        root = next(
            (field for field in _QUERY_COSTS if re.search(_ROOT_PATTERNS.get(field, rf"\b{field}\b"), query)), "shop"
        )
        cost = _QUERY_COSTS[root] * (max(1, len(variables.get("ids") or ())) if root == "nodes" else 1)
        if root == "nodes" and len(variables.get("ids") or ()) > NODES_MAX_IDS:
            size = len(variables["ids"])
            message = f"The input array size of {size} is greater than the maximum allowed of {NODES_MAX_IDS}."
            return JSONResponse({"errors": [{"message": message, "extensions": {"code": "MAX_INPUT_SIZE_EXCEEDED"}}]})
        if self._throttle_next > 0:
            self._throttle_next -= 1
            headers = {} if self._throttle_retry_after is None else {"Retry-After": str(self._throttle_retry_after)}
            throttled = {
                "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
                "extensions": {"cost": _cost(cost, available=cost / 2, actual=None)},
            }
            return JSONResponse(throttled, headers=headers)
        self.graphql_roots[root] += 1
        data = demo_graphql_data(root, variables, self.orders)
        available = 2000 - cost if self.bucket_available is None else self.bucket_available
        return JSONResponse({"data": data, "extensions": {"cost": _cost(cost, available=available, actual=cost)}})

    async def uninstall(self, request: Request) -> Response:
        """The merchant's "Uninstall" button (dev store only; not a Shopify API): revokes the shop's tokens and
        answers with the signed `app/uninstalled` delivery Shopify would now send, for the caller to post."""
        if request.path_params["api_key"] != self.api_key:
            return JSONResponse({"errors": "Not Found"}, status_code=404)
        headers, body = self.uninstall_app(request.path_params["shop"])
        return JSONResponse({"headers": headers, "body": body.decode()})

    async def embedded_admin(self, request: Request) -> Response:
        """The Shopify admin around an embedded app, reduced to the iframe."""
        shop = request.path_params["shop"]
        query = urlencode({"shop": shop, "host": admin_host(shop), "embedded": "1"})
        return HTMLResponse(f'<!doctype html><iframe src="{self.app_url}/admin/?{query}" title="Upfront"></iframe>')


def admin_host(shop: str) -> str:
    """The `host` parameter Shopify adds to embedded app URLs: the shop's admin, base64url without padding."""
    return base64.urlsafe_b64encode(f"{shop}/admin".encode()).decode().rstrip("=")


def _cost(requested: float, *, available: float, actual: float | None) -> dict[str, Any]:
    return {
        "requestedQueryCost": requested,
        "actualQueryCost": actual,
        "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": available, "restoreRate": 100.0},
    }


def create_shopify_emulator(
    secret: str, api_key: str, app_url: str, *, clock: Callable[[], float] = time.time
) -> ShopifyEmulator:
    return ShopifyEmulator(secret, api_key, app_url, clock=clock)
