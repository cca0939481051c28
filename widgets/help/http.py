"""The help prompt's storefront endpoints (mounted under `/storefront/{platform}/{shop}` and `/proxy`): the rules
the script evaluates, the prompt fragment it fetches when one fires, the help request form, and the prompt's own
outcome events."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

from starlette.responses import HTMLResponse, JSONResponse, Response

from plugin.content_security import INERT_POLICY
from plugin.json_body import JsonBodyError, parse_json_object
from plugin.openapi import Body, QueryParam, documented
from widgets.estimator.destination import resolve_destination
from widgets.estimator.engine import EstimateInputError, parse_estimate_request
from widgets.help.answers import build_answers, pick_entries
from widgets.help.handoff import schedule_hand_off
from widgets.help.presence import human_path
from widgets.help.requests import (
    HelpRequestError,
    help_request_schema,
    measured_reply_time,
    parse_help_request,
    store_request,
)
from widgets.help.rules import PAGE_TYPES, Rule, client_rule
from widgets.help.settings import HelpSettings, default_help_settings, load_help_settings
from widgets.help.wording import HelpWording
from widgets.holdout import BUCKET_SCHEMA, TREATMENT, BucketError, variant_for
from widgets.i18n import Wording, choose_locale, language_of, language_region, money_locale
from widgets.rate_limit import over_limit, pseudonym
from widgets.shop_context import ShopUnavailable, StorefrontShop
from widgets.storefront import VARIANT_HEADER, StorefrontCall, error

MAX_REQUEST_BYTES = 16_384
REQUESTS_PER_ADDRESS = (5, 600)  # per shop and shopper address: 5 in 10 minutes
REQUESTS_PER_SHOP = (200, 3600)  # per shop, whoever sends them: a ceiling on abuse
NO_STORE = {"Cache-Control": "no-store"}


@dataclass(frozen=True)
class HelpContext:
    shop: StorefrontShop
    settings: HelpSettings


async def load_help(call: StorefrontCall) -> HelpContext:
    shop = await call.storefront_shop()
    defaults = default_help_settings(call.services.settings.manifest.widgets)
    found = call.services
    settings = await load_help_settings(found.redis, found.keys, call.shop, defaults, shop.facts.timezone)
    return HelpContext(shop, settings)


def _words(context: HelpContext, requested: str | None) -> HelpWording:
    widget = context.shop.settings
    locale = choose_locale(widget.locale, requested, context.shop.facts.locale, widget.fallback_locale)
    return HelpWording(Wording(locale, context.shop.facts))


async def typical_reply(call: StorefrontCall, settings: HelpSettings) -> timedelta | None:
    measured, _ = await measured_reply_time(call.services, call.shop)
    if measured is not None:
        return measured
    return None if settings.reply_minutes is None else timedelta(minutes=settings.reply_minutes)


@documented(
    "Help prompt rules for the storefront script: triggers, pages, audience and frequency caps, in order",
    {200: "{variant, caps: {session, days, dismiss}, rules: [{id, on, ...}]}", 400: "bad bucket", 404: "unknown shop"},
    tag="storefront",
    query=(
        QueryParam("locale", "the storefront language"),
        QueryParam("country", "the shopper's country (default: edge header, Accept-Language, shop country)"),
        QueryParam("bucket", "the visitor's holdout bucket, 0-99", schema=BUCKET_SCHEMA),
    ),
)
async def help_rules(call: StorefrontCall) -> Response:
    try:
        context = await load_help(call)
    except ShopUnavailable as exc:
        return error(exc.status, exc.reason)
    query = call.request.query_params
    try:
        variant = variant_for(query.get("bucket"), context.shop.settings.holdout_percent)
    except BucketError as exc:
        return error(400, str(exc), "bucket")
    settings = context.settings
    if not settings.enabled:
        return JSONResponse({"variant": "off", "rules": []}, headers={"Cache-Control": "private, max-age=60"})
    country = resolve_destination({"country": query.get("country", "")}, call.request.headers, context.shop.facts)
    language = language_of(query.get("locale"))
    rules = [
        client_rule(rule) for rule in settings.rules if rule.enabled and rule.audience.admits(country.country, language)
    ]
    caps = settings.caps
    body = {
        "variant": variant,
        "caps": {"session": caps.per_session, "days": caps.every_days, "dismiss": caps.dismiss_days},
        "rules": rules,
    }
    return JSONResponse(body, headers={"Cache-Control": "private, max-age=60", "Vary": "Accept-Language"})


async def _shipping_data(
    call: StorefrontCall, context: HelpContext, query: dict[str, str]
) -> tuple[dict[str, Any] | None, str, Decimal] | None:
    """The estimator's own (cached) answer for the shopper's destination and cart; None when it cannot be asked."""
    destination = resolve_destination(query, call.request.headers, context.shop.facts).country
    currency = context.shop.facts.currency
    asked = {**query, "country": destination, "subtotal": query.get("subtotal") or "0"}
    for attempt in (asked, {"country": destination, "subtotal": "0"}):  # a bad postcode still gets the country
        try:
            request = parse_estimate_request(attempt, shop_currency=currency)
            data = await call.runtime.estimates.estimate(call.services, context.shop, request, call.now())
        except EstimateInputError:
            continue
        return data, destination, request.subtotal
    return None


def _localized(texts: Mapping[str, str], locale: str) -> str:
    return texts.get(locale) or next(iter(texts.values()))


def _prompt_text(rule: Rule | None, words: HelpWording) -> str:
    if rule is not None and rule.prompt.text:
        return _localized(rule.prompt.text, words.locale)
    return words.prompt_for(None if rule is None else rule.trigger.type)


@documented(
    "The help prompt as an HTML fragment: answers, the human path (channels, availability, reply time) and the form",
    {200: "HTML", 400: "bad parameter", 404: "unknown shop, or help is off"},
    tag="storefront",
    query=(
        QueryParam("rule", "the rule that fired"),
        QueryParam("page", "page type: " + ", ".join(PAGE_TYPES)),
        QueryParam("locale", "the storefront language"),
        QueryParam("bucket", "the visitor's holdout bucket, 0-99", schema=BUCKET_SCHEMA),
        QueryParam("country", "destination for the shipping answer"),
        QueryParam("postcode", "postal code for the shipping answer"),
        QueryParam("subtotal", "cart subtotal for the shipping answer"),
    ),
)
async def help_prompt(call: StorefrontCall) -> Response:
    try:
        context = await load_help(call)
    except ShopUnavailable as exc:
        return error(exc.status, exc.reason)
    query = dict(call.request.query_params)
    try:
        variant = variant_for(query.get("bucket"), context.shop.settings.holdout_percent)
    except BucketError as exc:
        return error(400, str(exc), "bucket")
    if not context.settings.enabled:
        return error(404, "help prompts are turned off for this shop")
    page = query.get("page") if query.get("page") in PAGE_TYPES else None
    rule = next((rule for rule in context.settings.rules if rule.id == query.get("rule")), None)
    headers = {
        **NO_STORE,
        VARIANT_HEADER: variant,
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": INERT_POLICY,
    }
    if variant != TREATMENT:
        return HTMLResponse("", headers=headers)
    words = _words(context, query.get("locale"))
    entries = pick_entries(context.settings, rule, page)
    shipping = await _shipping_data(call, context, query) if any(e.source == "shipping" for e in entries) else None
    if shipping is None:
        entries = [entry for entry in entries if entry.source != "shipping"]
    elif (data := shipping[0]) is not None:
        # The estimate is in the shopper's currency (widgets.estimator.presentment): its amounts are written in it.
        shown_by = money_locale(words.locale, language_region(query.get("locale")))
        base = replace(words.base, currency=data.get("currency"), decimals=data.get("decimals"), money_locale=shown_by)
        words = HelpWording(base)
    answers = build_answers(entries, context.shop, words, shipping or (None, "", Decimal(0)))
    now = call.now()
    typical = await typical_reply(call, context.settings)
    path = human_path(context.settings, context.shop.facts, words, now, typical)
    html = call.render(
        "widgets/help.html",
        t=words.t,
        variant=variant,
        rule_id=rule.id if rule else "",
        text=_prompt_text(rule, words),
        answers=answers,
        actions=[(_localized(a.label, words.locale), a.url) for a in (rule.prompt.actions if rule else ())],
        path=path,
        open_form=path.online is False,
        cart_option=call.shop.platform == "shopify",
        locale=words.locale,
    )
    return HTMLResponse(html, headers=headers)


async def read_body(call: StorefrontCall, limit: int) -> bytes | None:
    declared = call.request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    body = b""
    async for chunk in call.request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return body


async def rate_limited(call: StorefrontCall, name: str, window: tuple[int, int], who: str) -> int | None:
    secret = (call.services.settings.secret_keys() or ["upfront"])[0]
    key = call.services.keys.shop(call.shop, "ratelimit", name, pseudonym(secret, who))
    limit, seconds = window
    return await over_limit(call.services.redis, key, limit=limit, window_s=seconds, now=call.now().timestamp())


@documented(
    "A help request from the prompt's form: stored sealed, forwarded to the shop's support address (Reply-To: the "
    "shopper) and marked as an open issue on them",
    {
        201: "{id, message}",
        400: "the first bad field and why (a filled hidden field marks a bot)",
        404: "unknown shop, or help is off",
        413: "body too large",
        429: "too many requests from this address or for this shop (Retry-After)",
    },
    tag="storefront",
    request_body=Body(
        '{"email", "question", "page", "cart_consent", "cart": {lines, total, currency}, "rule", "locale", '
        '"website": ""}',
        schema=help_request_schema(),
    ),
)
async def help_request(call: StorefrontCall) -> Response:
    try:
        context = await load_help(call)
    except ShopUnavailable as exc:
        return error(exc.status, exc.reason)
    if not context.settings.enabled:
        return error(404, "help requests are turned off for this shop")
    body = await read_body(call, MAX_REQUEST_BYTES)
    if body is None:
        return error(413, f"a help request must be at most {MAX_REQUEST_BYTES} bytes")
    try:
        data = parse_json_object(body, max_bytes=MAX_REQUEST_BYTES)
    except JsonBodyError as exc:
        return error(exc.status, exc.reason)
    requested = data.get("locale") if isinstance(data.get("locale"), str) else None
    words = _words(context, requested)
    for name, window, who in (
        ("help-address", REQUESTS_PER_ADDRESS, call.client_ip()),
        ("help-shop", REQUESTS_PER_SHOP, "shop"),
    ):
        retry = await rate_limited(call, name, window, who)
        if retry is not None:
            return error(429, words.t("too_many"), headers={"Retry-After": str(retry)})
    try:
        request = parse_help_request(data)
    except HelpRequestError as exc:
        return error(400, exc.reason, exc.field)
    now = call.now()
    retention = context.settings.retention_days
    stored = await store_request(call.services, call.shop, request, now=now, retention_days=retention)
    await schedule_hand_off(call.services, call.shop, stored)
    typical = await typical_reply(call, context.settings)
    path = human_path(context.settings, context.shop.facts, words, now, typical)
    answer = {"id": stored.id, "message": path.reply.replace("{email}", stored.email)}
    return JSONResponse(answer, status_code=201, headers=NO_STORE)
