"""The composition root: concrete pieces are wired together here and nowhere else."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import datetime
from functools import partial
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Route

from plugin import events, health
from plugin.admin.conversions import with_order_conversions
from plugin.admin.dev import DevAdmin
from plugin.admin.routes import admin_mount
from plugin.bigcommerce import callbacks as bigcommerce_callbacks
from plugin.bigcommerce import jobs as bigcommerce_jobs
from plugin.bigcommerce.adapter import BigCommercePlatform
from plugin.catalogs import load_catalogs
from plugin.content_security import AdminContentSecurity
from plugin.crypto import Cipher
from plugin.email.mailer import ConfiguredMailer
from plugin.email.routes import email_routes
from plugin.email.transport import Mailer
from plugin.helpdesk.webhooks import helpdesk_webhook_routes
from plugin.http_errors import EXCEPTION_HANDLERS
from plugin.jobs import JobHandler
from plugin.keys import Keys, ShopRef
from plugin.middleware.body_limit import BodyLimitMiddleware
from plugin.middleware.hot_routes import HotRoutes, hot_routes
from plugin.middleware.methods import AllowedMethods
from plugin.middleware.request_id import RequestIdMiddleware
from plugin.openapi import build_document, openapi_json
from plugin.order_status.routes import order_status_routes
from plugin.partitions import DEFAULT_PARTITIONS, Layout, load_layout_if_reachable, valid_count
from plugin.platform import Platform
from plugin.privacy.erasure import redact_shop
from plugin.privacy.export_notice import export_notice_jobs
from plugin.services import Services
from plugin.settings import Settings
from plugin.shopify import sync as shopify_sync
from plugin.shopify.adapter import ShopifyPlatform
from plugin.shopify.proxy import proxy_context, proxy_mount, proxy_routes
from plugin.shopify.routes import shopify_routes
from plugin.shops import ShopRegistry
from plugin.sms.routes import sms_routes
from plugin.sms.send import sms_job_handlers
from plugin.storage import RedisStore, open_redis
from plugin.tracking.webhook_url import PATH as AFTERSHIP_WEBHOOK_PATH
from webhooks import stats as queue_stats
from webhooks.handlers.lifecycle import app_uninstalled
from webhooks.handlers.privacy import customer_data_request, customer_erasure, shop_redact
from webhooks.handlers.shop import shop_updated
from webhooks.handlers.tracking import follow_shipments, tracking_job_handlers, tracking_updated
from webhooks.journey.advance import refresh_and_advance
from webhooks.journey.send import journey_job_handlers
from webhooks.ownership import owned_orders_only
from webhooks.receive import webhook_endpoint
from webhooks.reconcile import RESYNC_JOB, reconcile_shop
from webhooks.registry import EventHandler, EventRegistry, handled_event_types
from webhooks.tracking_receive import aftership_webhook
from widgets.estimator.learning import learning_job_handlers
from widgets.help.forward import help_job_handlers
from widgets.help.handoff import helpdesk_job_handlers
from widgets.routes import CORS_PREFIX, hot_storefront_routes, proxy_widget_routes, widget_routes
from widgets.storefront import utc_now

ORDER_EVENTS = (
    events.ORDER_CREATED,
    events.ORDER_UPDATED,
    events.ORDER_CANCELLED,
    events.ORDER_STATUS_UPDATED,
    events.FULFILLMENT_CREATED,
    events.FULFILLMENT_UPDATED,
    events.FULFILLMENT_EVENT_CREATED,
    events.SHIPMENT_CREATED,
    events.SHIPMENT_UPDATED,
)

HTTP_TIMEOUT = httpx.Timeout(10.0, connect=5.0)


def app_version() -> str:
    try:
        return version("upfront")
    except PackageNotFoundError:
        return "0.0.0"


def outbound_client() -> httpx.AsyncClient:
    """The one HTTP client for calls to platforms and SMTP-less integrations; shared, pooled."""
    return httpx.AsyncClient(timeout=HTTP_TIMEOUT, headers={"User-Agent": f"Upfront/{app_version()}"})


def build_routes(clock: Callable[[], datetime] = utc_now) -> list[BaseRoute]:
    """`clock` is "now" for the admin's pages (what shoppers are told right now depends on the shop's hours)."""
    return [
        *health.routes,
        *queue_stats.routes,
        Route("/openapi.json", openapi_json, methods=["GET"]),
        *bigcommerce_callbacks.routes(webhook_receiver=webhook_endpoint("bigcommerce")),
        *shopify_routes(webhook_endpoint("shopify")),
        admin_mount(clock=clock),  # after /admin/api/session: a mount never falls through to later routes
        *widget_routes(),
        *email_routes(),
        *sms_routes(),
        *order_status_routes(),
        proxy_mount([*proxy_routes, *proxy_widget_routes(lambda request: proxy_context(request).shop)]),
        Route(AFTERSHIP_WEBHOOK_PATH, aftership_webhook, methods=["POST"]),
        *helpdesk_webhook_routes(),
    ]


def build_job_handlers(mailer: Mailer | None = None) -> dict[str, JobHandler]:
    """Every scheduled job the worker knows, by name. `mailer`: this worker's SMTP connection (or dev outbox)."""
    sender = mailer or ConfiguredMailer()
    handlers: dict[str, JobHandler] = {
        **journey_job_handlers(sender),
        **help_job_handlers(sender),
        **export_notice_jobs(sender),
        "events.reconcile": reconcile_shop,
        **bigcommerce_jobs.job_handlers(erase_shop=redact_shop),
        **shopify_sync.JOB_HANDLERS,
        **learning_job_handlers(),
        **tracking_job_handlers(),
        **sms_job_handlers(),
        **helpdesk_job_handlers(),
    }
    handlers[RESYNC_JOB] = partial(_resync_shop, handlers)
    return handlers


# Re-syncing a shop (facts, shipping rates, installation) means running its adapter's own install-time jobs.
RESYNC_JOBS = {"shopify": shopify_sync.POST_INSTALL_JOBS, "bigcommerce": (bigcommerce_jobs.REPAIR,)}


async def _resync_shop(
    handlers: Mapping[str, JobHandler], services: Services, shop: ShopRef, args: Mapping[str, Any]
) -> None:
    for name in RESYNC_JOBS[shop.platform]:
        await handlers[name](services, shop, args)


def build_event_handlers() -> EventRegistry:
    """Internal event type -> handler. Adapters subscribe only to platform topics that map to these."""
    registry: dict[str, EventHandler] = {
        # Order events act only on orders the platform confirms are the shop's (webhooks.ownership).
        **dict.fromkeys(ORDER_EVENTS, owned_orders_only(refresh_and_advance)),
        events.ORDER_CREATED: owned_orders_only(with_order_conversions(refresh_and_advance)),  # per holdout variant
        events.APP_UNINSTALLED: app_uninstalled,
        events.SHOP_UPDATED: shop_updated,
        events.CUSTOMER_DATA_REQUEST: customer_data_request,
        events.CUSTOMER_REDACT: customer_erasure,
        events.CUSTOMER_DELETED: customer_erasure,
        events.SHOP_REDACT: shop_redact,
    }
    # Connected shops follow each new tracking number; the provider's updates then advance the journey.
    registry = {
        kind: follow_shipments(handler) if kind in ORDER_EVENTS else handler for kind, handler in registry.items()
    }
    registry[events.TRACKING_UPDATED] = tracking_updated
    return registry


def handled_events() -> frozenset[str]:
    """The event types with a handler: adapters subscribe only to platform topics that map to these."""
    return handled_event_types(build_event_handlers())


def build_platforms(settings: Settings, http: httpx.AsyncClient, shops: ShopRegistry) -> dict[str, Platform]:
    handled = handled_events()
    return {
        "bigcommerce": BigCommercePlatform(settings, http, shops, handled_events=handled),
        "shopify": ShopifyPlatform(settings, http, shops, handled_events=handled),
    }


def build_services(settings: Settings, redis: RedisStore, http: httpx.AsyncClient) -> Services:
    # An invalid count is reported by `upfront check`; until fixed the default applies.
    count = settings.event_partitions if valid_count(settings.event_partitions) else DEFAULT_PARTITIONS
    keys = Keys(settings.key_prefix, Layout(count))
    cipher = Cipher(settings.secret_keys() or ["insecure-development-key"], purpose="at-rest")
    shops = ShopRegistry(redis, keys, cipher)
    return Services(
        settings=settings,
        redis=redis,
        http=http,
        keys=keys,
        cipher=cipher,
        shops=shops,
        platforms=build_platforms(settings, http, shops),
    )


# A request allocates a few hundred short-lived objects; at the default threshold (700) the youngest
# generation was collected every few requests. Measured under load: about +7% webhook throughput.
YOUNG_GENERATION_THRESHOLD = 10_000
_collector_tuned = False


def _tune_collector() -> None:
    """Once per process, after the first startup: move everything alive (modules, templates, tables: hundreds
    of thousands of objects that live as long as the process) out of the cycle collector's sight, so its full
    collections under load stop rescanning them (measured: p99 webhook latency 51 ms -> 15 ms), and collect
    the youngest generation less often."""
    global _collector_tuned
    if not _collector_tuned:
        gc.freeze()
        _, older, oldest = gc.get_threshold()
        gc.set_threshold(YOUNG_GENERATION_THRESHOLD, older, oldest)
        _collector_tuned = True


def create_app(
    settings: Settings,
    *,
    redis: RedisStore | None = None,
    http: httpx.AsyncClient | None = None,
    extra_routes: Sequence[BaseRoute] = (),
    dev_admin: DevAdmin | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> Starlette:
    """Build the ASGI app. A caller that passes `redis` or `http` owns them; otherwise the lifespan opens them.
    `extra_routes` (the dev store in `upfront dev`) are served but not part of the documented API; `dev_admin`
    (only `upfront dev` passes one) puts the offline App Bridge stand-in and the demo shop switch in the admin;
    `clock` (tests pin it) is the admin pages' "now"."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Services]]:
        async with AsyncExitStack() as stack:
            store = redis if redis is not None else await stack.enter_async_context(open_redis(settings))
            client = http if http is not None else await stack.enter_async_context(outbound_client())
            built = build_services(settings, store, client)
            await load_layout_if_reachable(store, built.keys)
            listening = asyncio.create_task(built.shop_changes.run(), name="shop-change-feed")
            stack.push_async_callback(built.shop_changes.stop, listening)
            _tune_collector()
            yield {"services": built}

    load_catalogs()  # a broken translation fails here, at startup
    routes = build_routes(clock)
    hot = [
        *hot_routes(routes, "POST", "/webhooks/shopify", "/webhooks/bigcommerce"),
        *hot_storefront_routes(routes),
    ]
    served = [*routes, *extra_routes]
    middleware = [
        Middleware(RequestIdMiddleware),
        Middleware(BodyLimitMiddleware),
        Middleware(HotRoutes, routes=hot),
        Middleware(AdminContentSecurity),  # after the hot routes: none of them is under /admin
        # Inside the hot dispatch: hot reads and webhook POSTs never pay for the method table.
        Middleware(AllowedMethods, routes=served, preflight_prefixes=[CORS_PREFIX]),
    ]
    app = Starlette(routes=served, middleware=middleware, exception_handlers=EXCEPTION_HANDLERS, lifespan=lifespan)
    app.state.dev_admin = dev_admin
    app.state.openapi = build_document(routes, title=settings.manifest.name, version=app_version())
    return app
