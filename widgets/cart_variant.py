"""A BigCommerce cart's holdout variant, sent by the storefront script with analytics consent, so the order placed
from that cart can be counted in its group (BigCommerce carts carry no attributes). Only the cart id and the
variant are kept, for 30 days; no visitor id, address or cart content."""

from __future__ import annotations

import re

from starlette.responses import Response

from plugin.admin.conversions import save_cart_variant
from plugin.json_body import JsonBodyError, parse_json_object
from plugin.openapi import documented
from widgets.holdout import VARIANTS
from widgets.rate_limit import over_limit, pseudonym
from widgets.shop_context import ShopUnavailable
from widgets.storefront import StorefrontCall, error

MAX_BODY_BYTES = 512
REQUESTS_PER_WINDOW = 10  # a shopper has one cart at a time; more is a script gone wrong, or abuse
WINDOW_SECONDS = 60
CONSENT = "analytics"
CART_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")  # BigCommerce cart ids are UUIDs


class CartVariantInputError(ValueError):
    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.field = field


def parse_cart_variant(body: bytes) -> tuple[bool, str, str]:
    """(analytics consent declared, cart id, variant). JSON sent as text/plain: sendBeacon's CORS-safe type."""
    try:
        data = parse_json_object(body, max_bytes=MAX_BODY_BYTES)
    except JsonBodyError as exc:
        raise CartVariantInputError(exc.reason) from None
    cart_id, variant = data.get("cart_id"), data.get("variant")
    if not isinstance(cart_id, str) or not CART_ID.match(cart_id):
        raise CartVariantInputError("cart_id must be a cart id: letters, digits and '-', at most 64", "cart_id")
    if variant not in VARIANTS:
        raise CartVariantInputError(f"variant must be one of {', '.join(VARIANTS)}", "variant")
    return data.get("consent") == CONSENT, cart_id, variant


async def _body(call: StorefrontCall) -> bytes | None:
    """The request body, or None when it is larger than MAX_BODY_BYTES."""
    declared = call.request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return None
    body = b""
    async for chunk in call.request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            return None
    return body


@documented(
    "A BigCommerce cart's holdout variant, sent by the storefront script only with analytics consent",
    {
        204: "kept (the first variant sent for a cart stays)",
        400: "malformed (field and reason)",
        403: "no analytics consent declared, or a foreign origin",
        404: "unknown shop, or not a BigCommerce store",
        413: "body too large",
        429: "rate limited (Retry-After)",
    },
    tag="storefront",
    request_body='{"consent": "analytics", "cart_id": "<cart uuid>", "variant": "treatment"|"control"} (text/plain)',
)
async def cart_variant_endpoint(call: StorefrontCall) -> Response:
    if call.shop.platform != "bigcommerce":
        return error(404, "cart variants are for BigCommerce stores (Shopify carts carry the variant themselves)")
    try:
        await call.storefront_shop()
    except ShopUnavailable as exc:
        return error(exc.status, exc.reason)
    secret = (call.services.settings.secret_keys() or ["upfront"])[0]
    limit_key = call.services.keys.shop(call.shop, "ratelimit", "cart-variant", pseudonym(secret, call.client_ip()))
    retry = await over_limit(
        call.services.redis, limit_key, limit=REQUESTS_PER_WINDOW, window_s=WINDOW_SECONDS, now=call.now().timestamp()
    )
    if retry is not None:
        return error(429, "too many cart variants; try again later", headers={"Retry-After": str(retry)})
    body = await _body(call)
    if body is None:
        return error(413, f"the body must be at most {MAX_BODY_BYTES} bytes")
    try:
        consented, cart_id, variant = parse_cart_variant(body)
    except CartVariantInputError as exc:
        return error(400, str(exc), exc.field)
    if not consented:
        return error(403, 'analytics consent is required ("consent": "analytics"); nothing was kept', "consent")
    await save_cart_variant(call.services.redis, call.services.keys, call.shop, cart_id, variant)
    return Response(status_code=204, headers={"Cache-Control": "no-store"})
