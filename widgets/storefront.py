"""The context every storefront endpoint gets, whichever way it was reached: its own `/storefront/{platform}/{shop}`
path (BigCommerce, the dev store) or the Shopify app proxy, which has already proven the shop."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse

from plugin.content_security import INERT_POLICY
from plugin.keys import ShopRef
from plugin.services import Services
from plugin.settings import PACKAGE_ROOT
from widgets.estimator.destination import DESTINATION_HEADERS
from widgets.estimator.rendered import RenderedEstimates
from widgets.estimator.service import EstimateService
from widgets.shop_context import CHECKED_SHOP, StorefrontShop, StorefrontShops, load_storefront_shop

TEMPLATE_DIRS = (PACKAGE_ROOT.parent / "templates", PACKAGE_ROOT / "_bundled" / "templates")
FRAGMENT_MAX_AGE = 60
VARIANT_HEADER = "X-Upfront-Variant"


def utc_now() -> datetime:
    return datetime.now(UTC)


def _environment() -> Environment:
    found = [str(path) for path in TEMPLATE_DIRS if Path(path).is_dir()]
    return Environment(loader=FileSystemLoader(found), autoescape=True, undefined=StrictUndefined)


@dataclass
class WidgetRuntime:
    """Shared by one mount's endpoints: the clock, the estimate cache and how to tell the shopper's address."""

    clock: Callable[[], datetime] = utc_now
    estimates: EstimateService = field(default_factory=EstimateService)
    rendered_estimates: RenderedEstimates = field(default_factory=lambda: RenderedEstimates(DESTINATION_HEADERS))
    shops: StorefrontShops = field(default_factory=StorefrontShops)
    behind_app_proxy: bool = False
    templates: Environment = field(default_factory=_environment)


@dataclass(frozen=True)
class StorefrontCall:
    services: Services
    shop: ShopRef
    request: Request
    runtime: WidgetRuntime

    def now(self) -> datetime:
        return self.runtime.clock()

    async def storefront_shop(self) -> StorefrontShop:
        """The shop, checked once per request (the CORS guard may have done it). Raises ShopUnavailable."""
        checked = self.request.scope.get(CHECKED_SHOP)
        if isinstance(checked, StorefrontShop) and checked.shop == self.shop:
            return checked
        return await load_storefront_shop(self.services, self.shop, self.runtime.shops)

    def client_ip(self) -> str:
        """The shopper's address. Behind the app proxy the connection is Shopify's, which forwards the
        shopper's address first in X-Forwarded-For; directly, only the connection itself is trusted."""
        if self.runtime.behind_app_proxy:
            forwarded = self.request.headers.get("x-forwarded-for", "").split(",")[0].strip()
            if forwarded:
                return forwarded
        return self.request.client.host if self.request.client else "unknown"

    def render(self, template: str, **context: Any) -> str:
        return self.runtime.templates.get_template(template).render(uid=secrets.token_hex(4), **context)


def error(status: int, reason: str, field: str | None = None, headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"error": reason} if field is None else {"error": reason, "field": field}
    return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store", **(headers or {})})


def fragment(html: str, variant: str) -> HTMLResponse:
    return HTMLResponse(
        html,
        headers={
            "Cache-Control": f"public, max-age={FRAGMENT_MAX_AGE}",
            VARIANT_HEADER: variant,
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": INERT_POLICY,
            "Vary": "Accept-Language",
        },
    )
