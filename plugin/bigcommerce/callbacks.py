"""The BigCommerce callbacks (auth, load, uninstall, remove-user) and the routes that expose them."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable

from redis.exceptions import RedisError
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from plugin.admin.language import admin_locale, request_locale, t, tn
from plugin.bigcommerce.admin_session import issue_admin_session
from plugin.bigcommerce.jobs import install_state_key, schedule_post_install, schedule_repair, schedule_shop_redact
from plugin.bigcommerce.oauth import GrantRefused, LoginUnavailable, exchange_code
from plugin.bigcommerce.pages import ChecklistItem, message_page, panel_page
from plugin.bigcommerce.signed_payload import (
    SignedPayload,
    SignedPayloadError,
    StaffUser,
    shop_from_context,
    verify_signed_payload,
)
from plugin.bigcommerce.users import StoreUser, StoreUsers
from plugin.keys import ShopRef
from plugin.openapi import HTML, QueryParam, documented
from plugin.services import Services, services
from plugin.shop_data import load_facts
from plugin.shops import StoredToken
from plugin.storage import as_text

log = logging.getLogger(__name__)

Endpoint = Callable[[Request], Awaitable[Response]]

TAG = "bigcommerce"
_NON_EMPTY = {"type": "string", "minLength": 1}
_STORE_CONTEXT = "^stores/[a-z0-9]{1,32}$"  # what shop_from_context accepts
_SIGNED_PAYLOAD = QueryParam(
    "signed_payload_jwt", "JWT signed by BigCommerce with the app's client secret", True, schema=_NON_EMPTY
)


def speaks_admin_language(endpoint: Endpoint) -> Endpoint:
    """The callback's pages in the staff member's language: the browser's until the signed user names theirs (the
    panel then renders inside `admin_locale` with it)."""

    @functools.wraps(endpoint)
    async def localized(request: Request) -> Response:
        with admin_locale(request_locale(request)):
            return await endpoint(request)

    return localized


def _reopen() -> str:
    return t("bc_reopen")


def _not_configured() -> HTMLResponse:
    return message_page(503, t("bc_not_configured_title"), t("bc_not_configured"), _reopen())


def _unavailable() -> HTMLResponse:
    return message_page(503, t("bc_unavailable_title"), t("bc_unavailable"), _reopen())


async def _render_panel(svc: Services, shop: ShopRef, user: StoreUser, *, just_installed: bool) -> HTMLResponse:
    facts = await load_facts(svc.redis, svc.keys, shop)
    state = {as_text(k): as_text(v) for k, v in (await svc.redis.hgetall(install_state_key(svc.keys, shop))).items()}
    installed = "installation_checked_at" in state
    zones = state.get("shipping_zones", "0")
    synced = "shipping_synced_at" in state
    checklist = [
        ChecklistItem(t("bc_item_facts"), facts is not None, t("bc_item_facts_detail")),
        ChecklistItem(t("bc_item_webhooks"), installed, t("bc_item_webhooks_detail")),
        ChecklistItem(t("bc_item_script"), installed, t("bc_item_script_detail")),
        ChecklistItem(
            t("bc_item_zones"), synced, tn("bc_item_zones_copied", int(zones)) if synced else t("bc_item_zones_copying")
        ),
    ]
    return panel_page(
        store_name=facts.name if facts else shop.id,
        store_hash=shop.id,
        user_label=user.email or t("bc_user", id=user.id),
        checklist=checklist,
        just_installed=just_installed,
    )


@documented(
    "BigCommerce install callback: exchange the code, store the token, show the admin panel",
    {
        200: "admin panel (HTML)",
        400: "missing or malformed parameters",
        401: "BigCommerce refused the code (expired, used or never issued)",
        502: "BigCommerce's login service failed",
        503: "not configured or storage unavailable",
    },
    tag=TAG,
    query=[
        QueryParam("code", "single-use authorization code", True, schema=_NON_EMPTY),
        QueryParam("scope", "granted OAuth scopes", True, schema=_NON_EMPTY),
        QueryParam("context", "stores/{store hash}", True, schema={"type": "string", "pattern": _STORE_CONTEXT}),
        QueryParam("account_uuid", "the merchant's account"),
    ],
    media=HTML,
    errors=HTML,
)
async def auth_callback(request: Request) -> Response:
    svc = services(request)
    code, scope, context = (request.query_params.get(name, "") for name in ("code", "scope", "context"))
    if not (code and scope and context):
        return message_page(400, t("bc_install_not_started"), t("bc_link_incomplete"), t("bc_install_from_marketplace"))
    try:
        shop = shop_from_context(context)
    except ValueError:
        return message_page(400, t("bc_install_not_started"), t("bc_context_invalid"), _reopen())
    secret = svc.settings.bigcommerce_client_secret
    if secret is None:
        return _not_configured()
    try:
        grant = await exchange_code(
            svc.http, svc.settings, client_secret=str(secret), code=code, scope=scope, context=context
        )
    except GrantRefused:  # a credential refused, as a bad signature is: 401
        return message_page(401, t("bc_code_refused_title"), t("bc_code_refused"), t("bc_install_again"))
    except LoginUnavailable as exc:
        log.warning("bigcommerce install failed", extra={"store": shop.id, "reason": str(exc)})
        return message_page(502, t("bc_no_answer_title"), t("bc_no_answer"), _reopen())
    if grant.context != context:
        log.error("bigcommerce grant for another store", extra={"store": shop.id})
        return message_page(502, t("bc_install_failed_title"), t("bc_other_store"), _reopen())
    role = "owner" if grant.owner_id is None or grant.owner_id == grant.user.id else "staff"
    user = StoreUser(grant.user.id, grant.user.email, role)
    try:
        await svc.shops.save_token(shop, StoredToken(access_token=grant.access_token, scope=grant.scope))
        await StoreUsers(svc.redis, svc.keys, svc.cipher).record(shop, user)
        await schedule_post_install(svc.redis, svc.keys, shop)
        response = await _render_panel(svc, shop, user, just_installed=True)
    except RedisError:
        return _unavailable()
    log.info("bigcommerce store installed", extra={"store": shop.id})
    issue_admin_session(response, svc.settings, shop, user.id)
    return response


async def _verified(request: Request) -> SignedPayload | Response:
    svc = services(request)
    secret = svc.settings.bigcommerce_client_secret
    if secret is None:
        return _not_configured()
    try:
        return verify_signed_payload(
            request.query_params.get("signed_payload_jwt", ""),
            client_id=svc.settings.bigcommerce_client_id,
            client_secret=str(secret),
        )
    except SignedPayloadError as exc:
        log.info("bigcommerce callback refused", extra={"reason": str(exc), "path": request.url.path})
        return message_page(401, t("bc_unverified_title"), t("bc_unverified"), _reopen())


def _staff_user(payload: SignedPayload) -> StoreUser:
    user: StaffUser = payload.user
    return StoreUser(user.id, user.email, "owner" if payload.user_is_owner else "staff", user.locale)


@documented(
    "BigCommerce load callback: a staff user opens the app",
    {200: "admin panel (HTML)", 401: "signature invalid or expired", 403: "store not installed"},
    tag=TAG,
    query=[_SIGNED_PAYLOAD],
    media=HTML,
    errors=HTML,
)
async def load_callback(request: Request) -> Response:
    verified = await _verified(request)
    if not isinstance(verified, SignedPayload):
        return verified
    svc, shop = services(request), verified.shop
    try:
        if not await svc.shops.is_active(shop):
            return message_page(403, t("bc_not_installed_title"), t("bc_not_installed"), t("bc_reinstall"))
        user = _staff_user(verified)
        await StoreUsers(svc.redis, svc.keys, svc.cipher).record(shop, user)
        await schedule_repair(svc.redis, svc.keys, shop)
        with admin_locale(request_locale(request, user.locale)):  # the signed user's own language
            response = await _render_panel(svc, shop, user, just_installed=False)
    except RedisError:
        return _unavailable()
    issue_admin_session(response, svc.settings, shop, user.id, user.locale)
    return response


@documented(
    "BigCommerce uninstall callback: stop everything now, delete the store's data in 48 h",
    {200: "uninstalled", 401: "signature invalid or expired"},
    tag=TAG,
    query=[_SIGNED_PAYLOAD],
    media=HTML,
    errors=HTML,
)
async def uninstall_callback(request: Request) -> Response:
    verified = await _verified(request)
    if not isinstance(verified, SignedPayload):
        return verified
    svc, shop = services(request), verified.shop
    try:
        await svc.shops.mark_uninstalled(shop)
        uninstalled_at = await svc.redis.hget(svc.keys.shop(shop, "shop"), "uninstalled_at")
        await schedule_shop_redact(svc.redis, svc.keys, shop, as_text(uninstalled_at or "0"))
    except RedisError:
        return _unavailable()
    log.info("bigcommerce store uninstalled", extra={"store": shop.id})
    return message_page(200, t("bc_uninstalled_title"), t("bc_uninstalled"))


@documented(
    "BigCommerce remove-user callback: forget a staff user",
    {200: "user removed", 401: "signature invalid or expired"},
    tag=TAG,
    query=[_SIGNED_PAYLOAD],
    media=HTML,
    errors=HTML,
)
async def remove_user_callback(request: Request) -> Response:
    verified = await _verified(request)
    if not isinstance(verified, SignedPayload):
        return verified
    svc = services(request)
    try:
        await StoreUsers(svc.redis, svc.keys, svc.cipher).remove(verified.shop, verified.user.id)
    except RedisError:
        return _unavailable()
    return message_page(200, t("bc_user_removed_title"), t("bc_user_removed"))


def routes(*, webhook_receiver: Endpoint) -> list[BaseRoute]:
    """`webhook_receiver` comes from the composition root (webhooks.receive), so this package never imports it."""
    receiver = documented(
        "Every BigCommerce webhook scope: verified, deduplicated and queued",
        {200: "queued, duplicate or ignored", 400: "malformed delivery", 401: "forged or stale", 413: "too large"},
        tag=TAG,
        request_body="BigCommerce webhook payload {scope, store_id, data, hash, created_at, producer}",
    )(webhook_receiver)
    return [
        Route("/bigcommerce/auth", speaks_admin_language(auth_callback), methods=["GET"]),
        Route("/bigcommerce/load", speaks_admin_language(load_callback), methods=["GET"]),
        Route("/bigcommerce/uninstall", speaks_admin_language(uninstall_callback), methods=["GET"]),
        Route("/bigcommerce/remove-user", speaks_admin_language(remove_user_callback), methods=["GET"]),
        Route("/webhooks/bigcommerce", receiver, methods=["POST"]),
    ]
