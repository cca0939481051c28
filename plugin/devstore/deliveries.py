"""`POST /devstore/trigger`: the running dev store changes its own data (a fresh order, its shipment, its
delivery), then delivers the matching signed webhook to the app, as the platform would. `upfront webhook trigger`
calls it; only `upfront dev` mounts it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import anyio
import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from plugin.devstore import fresh_orders
from plugin.devstore.admin_entry import bigcommerce_admin_path, shopify_admin_path
from plugin.devstore.bigcommerce import DEMO_STORE_HASH, BigCommerceEmulator
from plugin.devstore.fresh_orders import FreshDelivery, NoOrderYet
from plugin.devstore.shopify import DEMO_SHOP, ShopifyEmulator
from plugin.email.records import load_message, message_ref
from plugin.email.stages import Stage
from plugin.json_body import JsonBodyError, parse_json_object
from plugin.keys import ShopRef
from plugin.services import Services, services
from plugin.shopify.domains import normalize_shop_domain

TRIGGER_PATH = "/devstore/trigger"
MAX_BODY = 4096
CREATE_TOPICS = frozenset({"orders/create", "store/order/created"})
JOURNEY_WAIT_SECONDS = 15.0  # the worker handles an event in milliseconds; this only bounds a stuck worker


def _fresh(
    shopify: ShopifyEmulator,
    bigcommerce: BigCommerceEmulator,
    platform: str,
    topic: str,
    shop: str,
    body: dict[str, str],
    sequence: int,
) -> FreshDelivery | None:
    """The change a topic makes in the dev store's data; None for topics sent as a canned sample."""
    now = datetime.now(UTC)
    if platform == "shopify":
        if topic == "orders/create":
            return fresh_orders.shopify_order_created(shopify, shop, sequence, now)
        if topic in ("fulfillments/create", "fulfillments/update"):
            default = "in_transit" if topic == "fulfillments/create" else ""
            status = body.get("shipment_status") or default
            if not status:
                raise ValueError("fulfillments/update needs a shipment_status (out_for_delivery, delivered, ...)")
            return fresh_orders.shopify_fulfillment(shopify, shop, status, now)
        return None
    if topic == "store/order/created":
        return fresh_orders.bigcommerce_order_created(bigcommerce, shop, sequence, now)
    if topic == "store/shipment/created":
        return fresh_orders.bigcommerce_shipment_created(bigcommerce, shop, now)
    if topic == "store/order/statusUpdated":
        return fresh_orders.bigcommerce_status_updated(bigcommerce, shop, body.get("status") or "completed", now)
    return None


async def _journey_settled(svc: Services, shop: ShopRef, order_id: str, stage: Stage) -> str | None:
    """Wait until the worker has dealt with this stage's message (sent, skipped or deferred); its state, or None
    when it has not within the bound."""
    ref = message_ref(svc, shop, order_id, stage)
    with anyio.move_on_after(JOURNEY_WAIT_SECONDS):
        while True:
            record = await load_message(svc, shop, ref)
            if record is not None and record.state not in ("scheduled", "sending"):
                return record.state + (f" ({record.get('reason')})" if record.get("reason") else "")
            if record is not None and record.get("deferred_for"):
                return f"deferred ({record.get('deferred_for')})"
            await anyio.sleep(0.05)
    return None


def trigger_routes(shopify: ShopifyEmulator, bigcommerce: BigCommerceEmulator) -> list[BaseRoute]:
    async def trigger(request: Request) -> Response:
        try:
            body = parse_json_object(await request.body(), max_bytes=MAX_BODY)
        except JsonBodyError as exc:
            return JSONResponse({"error": exc.reason}, status_code=exc.status)
        if not isinstance(body.get("topic"), str):
            return JSONResponse({"error": 'the body must be JSON like {"topic": "orders/create"}'}, status_code=400)
        fields = {str(k): str(v) for k, v in body.items() if isinstance(v, str)}
        topic = fields["topic"]
        platform = fields.get("platform") or ("bigcommerce" if topic.startswith("store/") else "shopify")
        if platform not in ("shopify", "bigcommerce"):
            return JSONResponse({"error": "platform must be shopify or bigcommerce"}, status_code=400)
        shop = fields.get("shop") or (DEMO_SHOP if platform == "shopify" else DEMO_STORE_HASH)
        if platform == "shopify" and normalize_shop_domain(shop) != shop:
            return JSONResponse({"error": "shop must be a lowercase *.myshopify.com domain"}, status_code=400)
        if platform == "bigcommerce" and shop not in bigcommerce.stores:
            return JSONResponse({"error": f"the dev store has no BigCommerce store {shop[:40]!r}"}, status_code=404)
        svc = services(request)
        sequence = -1
        if topic in CREATE_TOPICS:
            # Order numbers outlive a restart, as the app's data does: a new order never reuses an old one's id.
            sequence = int(await svc.redis.incr(svc.keys.shop(ShopRef(platform, shop), "devstore", "orders"))) - 1
        try:
            fresh = _fresh(shopify, bigcommerce, platform, topic, shop, fields, sequence)
            if platform == "shopify" and topic == "app/uninstalled":
                # The merchant uninstalls in the dev store: its tokens are revoked first, as Shopify does, so
                # the app's confirmation of the uninstall finds the token dead.
                headers, content = shopify.uninstall_app(shop)
            elif platform == "shopify":
                headers, content = shopify.webhook(topic, shop, payload=fresh.payload if fresh else None)
            else:
                data = fresh.payload if fresh else None
                headers, content = bigcommerce.webhook_delivery(topic, shop, data=data)
        except NoOrderYet as exc:
            return JSONResponse({"error": str(exc)}, status_code=409)
        except (KeyError, ValueError) as exc:
            return JSONResponse({"error": str(exc)[:200]}, status_code=400)
        target = f"{svc.settings.app_url}/webhooks/{platform}"
        try:
            response = await svc.http.post(target, headers=headers, content=content)
        except httpx.TransportError as exc:
            return JSONResponse({"error": f"could not reach {target} ({type(exc).__name__})"}, status_code=502)
        handled = None
        if fresh is not None and fresh.stage is not None and response.is_success:
            # The next step must find this one done, or the app would see only the latest state (and rightly email
            # only that): wait until the worker has sent (or skipped, or deferred) this stage's message.
            state = await _journey_settled(svc, ShopRef(platform, shop), fresh.order_id, fresh.stage)
            handled = f"{fresh.stage.value} email {state or 'not handled within 15 s (see the dev log)'}"
        admin = shopify_admin_path(shop, "emails") if platform == "shopify" else bigcommerce_admin_path(shop)
        return JSONResponse(
            {
                "platform": platform,
                "shop": shop,
                "topic": topic,
                "order": fresh.order_name if fresh else None,
                "fresh": fresh is not None,
                "webhook": target,
                "status": response.status_code,
                "answer": response.text[:200],
                "journey": handled,
                "outbox": svc.settings.app_url + admin,
            },
            status_code=200 if response.is_success else 502,
        )

    return [Route(TRIGGER_PATH, trigger, methods=["POST"])]
