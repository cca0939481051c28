"""The dev store's ways into each demo shop's admin, offline: a stand-in for the Shopify admin that frames the
embedded app and, in place of App Bridge (Shopify's CDN script), hands it session tokens minted here with the dev
client secret; and a fresh BigCommerce load link. Only `upfront dev` mounts these routes (see DevStore.routes).
"""

from __future__ import annotations

import json
from html import escape
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from plugin.admin.dev import DevAdmin
from plugin.admin.web import PAGES
from plugin.devstore.bigcommerce import BigCommerceEmulator
from plugin.devstore.shopify import ShopifyEmulator, admin_host
from plugin.shopify.domains import normalize_shop_domain

APP_BRIDGE_PATH = "/devstore/app-bridge.js"
NO_STORE = {"Cache-Control": "no-store"}

# What the admin shell uses of App Bridge: `shopify.idToken()`. The token comes from the dev store (same origin).
_APP_BRIDGE_STANDIN = """\
/* Upfront dev store: a stand-in for Shopify App Bridge (shopify.idToken only), never served in production. */
(function () {
  "use strict";
  var shop = new URLSearchParams(location.search).get("shop") || "";
  window.shopify = {
    idToken: function () {
      return fetch("/devstore/shopify/" + encodeURIComponent(shop) + "/admin/session-token",
        { method: "POST", cache: "no-store" }).then(function (response) {
        if (!response.ok) throw new Error("The dev store did not issue a session token (" + response.status + ").");
        return response.text();
      });
    }
  };
})();
"""


def shopify_admin_path(shop: str, page: str = "home") -> str:
    query = "" if page == "home" else "?" + urlencode({"page": page})
    return f"/devstore/shopify/{shop}/admin{query}"


def bigcommerce_admin_path(store_hash: str) -> str:
    return f"/devstore/bigcommerce/{store_hash}/admin"


def dev_admin(shopify_shop: str, store_hash: str) -> DevAdmin:
    return DevAdmin(
        app_bridge_src=APP_BRIDGE_PATH,
        switch={"shopify": bigcommerce_admin_path(store_hash), "bigcommerce": shopify_admin_path(shopify_shop)},
    )


def admin_entry_routes(shopify: ShopifyEmulator, bigcommerce: BigCommerceEmulator) -> list[BaseRoute]:
    pages = set(PAGES)

    async def app_bridge(request: Request) -> Response:
        return Response(_APP_BRIDGE_STANDIN, media_type="text/javascript", headers=NO_STORE)

    async def shopify_admin(request: Request) -> Response:
        shop = normalize_shop_domain(request.path_params["shop"])
        page = request.query_params.get("page", "home")
        if shop is None or page not in pages:
            return PlainTextResponse("unknown shop or page", status_code=404)
        path = "/admin/" if page == "home" else f"/admin/{page}"
        # Shopify names the staff member's admin language in `locale`; `?locale=de` here plays a German user.
        locale = request.query_params.get("locale", "en")
        src = f"{path}?{urlencode({'shop': shop, 'host': admin_host(shop), 'embedded': '1', 'locale': locale})}"
        title = f"{shop} · Shopify admin (dev store stand-in)"
        html = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>html,body{{margin:0;height:100%}}body{{display:flex;flex-direction:column;font:14px/1.4 system-ui,sans-serif}}
header{{background:#1a1a1a;color:#e3e3e3;padding:.5rem 1rem}}header a{{color:#fff}}
iframe{{flex:1;border:0;width:100%}}</style></head>
<body><header title="The dev store's stand-in for the Shopify admin: it mints App Bridge's session tokens locally">
<strong>{escape(shop)}</strong> · Shopify admin (dev stand-in)</header>
<iframe src="{escape(src)}" title="Upfront"></iframe></body></html>"""
        return HTMLResponse(html, headers=NO_STORE)

    async def session_token(request: Request) -> Response:
        shop = normalize_shop_domain(request.path_params["shop"])
        if shop is None:
            return PlainTextResponse("not a myshopify.com shop domain", status_code=404)
        return PlainTextResponse(shopify.session_token(shop), headers=NO_STORE)

    async def bigcommerce_admin(request: Request) -> Response:
        store_hash = request.path_params["store_hash"]
        if store_hash not in bigcommerce.stores:
            return PlainTextResponse(f"no dev store {json.dumps(store_hash[:40])}", status_code=404)
        # What the control panel does when a merchant opens the app: a freshly signed load request.
        # The signed user carries their control-panel language: `?locale=de-DE` here plays a German user.
        owner = bigcommerce.stores[store_hash].owner
        user = {**owner, "locale": request.query_params.get("locale", owner.get("locale", "en-US"))}
        jwt = bigcommerce.signed_payload_jwt(store_hash, user=user)
        return RedirectResponse(f"/bigcommerce/load?{urlencode({'signed_payload_jwt': jwt})}", headers=NO_STORE)

    return [
        Route(APP_BRIDGE_PATH, app_bridge, methods=["GET"]),
        Route("/devstore/shopify/{shop}/admin", shopify_admin, methods=["GET"]),
        Route("/devstore/shopify/{shop}/admin/session-token", session_token, methods=["POST"]),
        Route("/devstore/bigcommerce/{store_hash}/admin", bigcommerce_admin, methods=["GET"]),
    ]
