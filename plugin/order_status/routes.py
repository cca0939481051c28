"""The order-status page's HTTP surface: `GET /o/{token}` shows the page, `POST /o/{token}/message` files a help
request with the order attached, `POST /o/{token}/preferences` records email choices in the consent ledger.

The page token names the order; every form also carries a form token the page issued (bound to the same order, one
day), and a cross-site Origin is refused, so another site cannot post in the customer's name. A tampered, foreign
or expired link gets a 403 page; an order no longer kept a 404 page; a bad form a 400 page. None changes anything.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from plugin.content_security import status_page_policy
from plugin.email.eligibility import preference_state
from plugin.email.links import LinkError
from plugin.email.wording import pick_locale, wording
from plugin.errors import NotFoundError, PlatformError
from plugin.keys import ShopRef
from plugin.openapi import FORM, HTML, Body, QueryParam, documented
from plugin.order_status import metrics
from plugin.order_status.answers import ASKS, prefilled_question
from plugin.order_status.branding import Branding, load_branding
from plugin.order_status.page import (
    PREFERENCE_PURPOSES,
    FormState,
    build_page,
    load_state,
    render_message_page,
    render_page,
)
from plugin.order_status.token import PAGE_PATH, OrderClaims, check_form_token, form_token, read_page_token
from plugin.platform import ShopFacts
from plugin.privacy.consent import record_consent
from plugin.privacy.subjects import DataSubject
from plugin.services import Services, services
from plugin.shop_data import load_facts
from plugin.shop_days import shop_today
from plugin.sms.config import load_sms_config
from plugin.sms.consent import record_sms_choice
from widgets.help.forward import schedule_forward
from widgets.help.requests import HelpRequestError, parse_help_request, store_request
from widgets.help.settings import HelpSettings, default_help_settings, load_help_settings
from widgets.rate_limit import over_limit, pseudonym

log = logging.getLogger(__name__)
MAX_PHONE = 40  # a number as people type it, spaces and all

MAX_FORM_BYTES = 16 * 1024
MESSAGES_PER_ADDRESS = (5, 600)  # per shop and sender address: 5 in 10 minutes, as the storefront form
MESSAGES_PER_SHOP = (200, 3600)
PAGES_VERSION = "status-page-v1"
REFUSED = "tampered, foreign or expired link: nothing shown or changed"
GONE = "the order is no longer kept (past the retention period, erased, or the shop left)"


def _headers(branding: Branding | None) -> dict[str, str]:
    return {
        "Cache-Control": "no-store",
        # The URL is the key to the page: never sent elsewhere (carrier links, the logo). Same-origin only, so the
        # browser's form posts still carry a real Origin (with no-referrer it would send "null").
        "Referrer-Policy": "same-origin",
        "X-Content-Type-Options": "nosniff",
        "X-Robots-Tag": "noindex",
        "Content-Security-Policy": status_page_policy(branding.logo_origin if branding else None),
    }


def _locale(request: Request, facts: ShopFacts | None = None) -> str:
    asked = request.headers.get("accept-language", "").split(",")[0].split(";")[0]
    return pick_locale(asked, facts.locale if facts else None)


def _refused(request: Request, exc: LinkError) -> HTMLResponse:
    log.info("order-status link refused", extra={"expired": exc.expired})
    pages = wording(_locale(request)).pages
    html = render_message_page(_locale(request), pages["invalid_title"], pages["invalid_text"])
    return HTMLResponse(html, status_code=403, headers=_headers(None))


@dataclass(frozen=True)
class _Loaded:
    """Everything a request for one order's page needs, once its token holds and the order is still kept."""

    services: Services
    claims: OrderClaims
    facts: ShopFacts
    state: dict[str, object]
    branding: Branding

    @property
    def shop(self) -> ShopRef:
        return self.claims.shop


async def _load(request: Request) -> _Loaded | HTMLResponse:
    svc = services(request)
    try:
        claims = read_page_token(svc, str(request.path_params.get("token", "")))
    except LinkError as exc:
        return _refused(request, exc)
    facts = await load_facts(svc.redis, svc.keys, claims.shop) if await svc.shops.is_active(claims.shop) else None
    state = await load_state(svc, claims.shop, claims.order_id) if facts is not None else None
    if facts is None or state is None or str(state.get("id")) != claims.order_id:
        locale = _locale(request, facts)
        status = wording(locale).status
        name = facts.name if facts else ""
        html = render_message_page(
            locale, status["gone_title"], status["gone_text"].format(shop=name or "the shop"), name
        )
        return HTMLResponse(html, status_code=404, headers=_headers(None))
    return _Loaded(svc, claims, facts, state, await load_branding(svc, claims.shop))


async def _help_settings(loaded: _Loaded) -> HelpSettings:
    svc = loaded.services
    defaults = default_help_settings(svc.settings.manifest.widgets)
    return await load_help_settings(svc.redis, svc.keys, loaded.shop, defaults, loaded.facts.timezone)


async def _page(
    request: Request,
    loaded: _Loaded,
    *,
    form: FormState | None = None,
    status_code: int = 200,
    preferences_saved: bool = False,
    texts_notice: str | None = None,
    texts_error: bool = False,
    asked: str | None = None,
) -> HTMLResponse:
    svc = loaded.services
    fresh = form_token(svc, loaded.claims)
    model = await build_page(
        svc,
        facts=loaded.facts,
        branding=loaded.branding,
        help_settings=await _help_settings(loaded),
        state=loaded.state,
        locale=_locale(request, loaded.facts),
        action=f"{PAGE_PATH}{request.path_params['token']}",
        form=replace(form, token=fresh) if form else FormState(fresh),
        now=datetime.now(UTC),
        preferences_saved=preferences_saved,
        texts_notice=texts_notice,
        texts_error=texts_error,
        asked=asked,
    )
    return HTMLResponse(render_page(model), status_code=status_code, headers=_headers(loaded.branding))


async def _form(request: Request) -> dict[str, str] | None:
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return None
    try:
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        return None


def _same_origin(request: Request, svc: Services) -> bool:
    """A form post from another site is refused; browsers send Origin with every form POST."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    app = urlsplit(svc.settings.app_url)
    return origin == f"{app.scheme}://{app.netloc}"


async def _posted(request: Request) -> tuple[_Loaded, dict[str, str]] | HTMLResponse:
    """A form posted to the page: its order loaded and its form checked, or the page that refuses it."""
    loaded = await _load(request)
    if isinstance(loaded, HTMLResponse):
        return loaded
    form = await _checked_form(request, loaded)
    return form if isinstance(form, HTMLResponse) else (loaded, form)


async def _checked_form(request: Request, loaded: _Loaded) -> dict[str, str] | HTMLResponse:
    """The posted form, once it is ours (form token of this order, same origin); else the page with a 400/403."""
    form = await _form(request)
    status = wording(_locale(request, loaded.facts)).status
    if form is None:
        return await _page(request, loaded, form=FormState("", error=status["form_bad_question"]), status_code=400)
    if not _same_origin(request, loaded.services):
        return _refused(request, LinkError("cross-site form post"))
    try:
        check_form_token(loaded.services, loaded.claims, form.get("f", ""))
    except LinkError:
        keep = FormState("", form.get("email", "")[:254], form.get("question", "")[:2000], status["form_expired"])
        return await _page(request, loaded, form=keep, status_code=400)
    return form


@documented(
    "The order-status page of one order (signed link from the service emails)",
    {200: "the page", 403: REFUSED, 404: GONE},
    tag="status",
    media=HTML,
    errors=HTML,
    query=(
        QueryParam(
            "via",
            "the message whose link was followed, <stage>.<channel> (counted; any other value is ignored)",
            schema={"type": "string"},
        ),
        QueryParam(
            "ask",
            "an answer's one-click way to a person: the message form opens filled in with this question "
            "(any other value is ignored)",
            schema={"type": "string"},
        ),
    ),
)
async def status_page(request: Request) -> Response:
    loaded = await _load(request)
    if isinstance(loaded, HTMLResponse):
        return loaded
    ask = request.query_params.get("ask")
    if ask in ASKS:  # the same visit, one click on: not counted again
        status = wording(_locale(request, loaded.facts)).status
        order_name = str(loaded.state.get("name") or loaded.claims.order_id)
        form = FormState("", question=prefilled_question(ask, order_name, status))
        return await _page(request, loaded, form=form, asked=ask)
    if request.method == "HEAD":  # a link checker's or mail scanner's probe, not a customer's visit
        return await _page(request, loaded)
    today = shop_today(loaded.facts.timezone, datetime.now(UTC))
    await metrics.count(loaded.services, loaded.shop, "visits", today)
    if (via := metrics.parse_via(request.query_params.get("via"))) is not None:
        await metrics.count_click(loaded.services, loaded.shop, *via, today)
    return await _page(request, loaded)


async def _rate_limited(request: Request, loaded: _Loaded) -> int | None:
    svc = loaded.services
    secret = (svc.settings.secret_keys() or ["upfront"])[0]
    who = request.client.host if request.client else "unknown"
    for name, (limit, seconds), caller in (
        ("status-message-address", MESSAGES_PER_ADDRESS, who),
        ("status-message-shop", MESSAGES_PER_SHOP, "shop"),
    ):
        key = svc.keys.shop(loaded.shop, "ratelimit", name, pseudonym(secret, caller))
        retry = await over_limit(svc.redis, key, limit=limit, window_s=seconds, now=datetime.now(UTC).timestamp())
        if retry is not None:
            return retry
    return None


@documented(
    "Send the shop a message about this order: filed as a help request with the order attached (admin inbox, "
    "forwarded to the support address)",
    {
        200: "sent: the page says so",
        400: "bad email or message, or the form expired: the page with the reason, nothing filed",
        403: REFUSED + ", or a cross-site post",
        404: GONE,
        429: "too many messages from this address or for this shop",
    },
    tag="status",
    request_body=Body(
        "f=<form token>&email=...&question=...&website= (hidden; filled marks a bot)",
        FORM,
        {
            "type": "object",
            "required": ["f", "email", "question"],
            "properties": {
                "f": {"type": "string", "minLength": 1},
                "email": {"type": "string", "maxLength": 254},
                "question": {"type": "string", "maxLength": 2000},
                "website": {"type": "string", "maxLength": 0},
            },
        },
    ),
    media=HTML,
    errors=HTML,
)
async def send_message(request: Request) -> Response:
    posted = await _posted(request)
    if isinstance(posted, HTMLResponse):
        return posted
    loaded, form = posted
    locale = _locale(request, loaded.facts)
    status = wording(locale).status
    kept = FormState("", form.get("email", "")[:254], form.get("question", "")[:2000])
    try:
        asked = parse_help_request(
            {
                "email": form.get("email", ""),
                "question": form.get("question", ""),
                "page": PAGE_PATH.rstrip("/"),  # never the token: the inbox shows the order instead
                "locale": locale,
                "website": form.get("website", ""),
            }
        )
    except HelpRequestError as exc:
        reason = status["form_bad_email"] if exc.field == "email" else status["form_bad_question"]
        return await _page(request, loaded, form=replace(kept, error=reason), status_code=400)
    retry = await _rate_limited(request, loaded)
    if retry is not None:
        response = await _page(request, loaded, form=replace(kept, error=status["too_many"]), status_code=429)
        response.headers["Retry-After"] = str(retry)
        return response
    svc, now = loaded.services, datetime.now(UTC)
    order_name = str(loaded.state.get("name") or loaded.claims.order_id)
    attached = {"id": loaded.claims.order_id, "name": order_name, "source": "status_page"}
    settings = await _help_settings(loaded)
    stored = await store_request(
        svc, loaded.shop, replace(asked, order=attached), now=now, retention_days=settings.retention_days
    )
    await schedule_forward(svc, loaded.shop, stored.id)
    await metrics.count(svc, loaded.shop, "help", shop_today(loaded.facts.timezone, now))
    log.info("help request from the order-status page", extra={"shop": loaded.shop.tag, "request": stored.id})
    sent = status["form_sent"].format(order=order_name, shop=loaded.facts.name)
    return await _page(request, loaded, form=FormState("", sent=sent))


@documented(
    "Save email preferences from the order-status page; each change goes to the consent ledger",
    {200: "saved", 400: "a guest order (no customer to record for) or the form expired", 403: REFUSED, 404: GONE},
    tag="status",
    request_body=Body(
        "f=<form token>&review_survey=1&marketing_email=1: a purpose left out is withdrawn",
        FORM,
        {
            "type": "object",
            "required": ["f"],
            "properties": {
                "f": {"type": "string", "minLength": 1},
                **{purpose: {"type": "string", "enum": ["1"]} for purpose in PREFERENCE_PURPOSES},
            },
        },
    ),
    media=HTML,
    errors=HTML,
)
async def save_preferences(request: Request) -> Response:
    posted = await _posted(request)
    if isinstance(posted, HTMLResponse):
        return posted
    loaded, form = posted
    customer = loaded.state.get("customer_id")
    if not customer:
        return await _page(request, loaded, status_code=400)
    svc, locale = loaded.services, _locale(request, loaded.facts)
    pages = wording(locale).pages
    person = DataSubject(customer_id=str(customer))
    current = await preference_state(svc, loaded.shop, person)
    shown = ", ".join(pages[f"purpose_{purpose}"] for purpose in PREFERENCE_PURPOSES)
    for purpose in PREFERENCE_PURPOSES:
        wanted = form.get(purpose) == "1"
        if wanted == current[purpose]:
            continue
        await record_consent(
            svc,
            loaded.shop,
            purpose=purpose,
            granted=wanted,
            source="email_link",
            channel="email",
            text=pages["consent_text"].format(purposes=shown),
            text_version=f"{PAGES_VERSION}:{locale}",
            opt_in_level="single_opt_in" if wanted else "unknown",
            customer_id=person.customer_id,
        )
    return await _page(request, loaded, preferences_saved=True)


@documented(
    "Choose (or stop) service texts about orders from the order-status page; recorded in the consent ledger",
    {
        200: "saved",
        400: "the shop sends no texts, the number is not a phone number, or the form expired",
        503: "a guest order the platform cannot look up right now (try again)",
        403: REFUSED,
        404: GONE,
    },
    tag="status",
    request_body=Body(
        "f=<form token>&phone=+49 151 2345678&texts=1: texts left out stops them",
        FORM,
        {
            "type": "object",
            "required": ["f", "phone"],
            "properties": {
                "f": {"type": "string", "minLength": 1},
                "phone": {"type": "string", "minLength": 1, "maxLength": MAX_PHONE},
                "texts": {"type": "string", "enum": ["1"]},
            },
        },
    ),
    media=HTML,
    errors=HTML,
)
async def save_texts(request: Request) -> Response:
    posted = await _posted(request)
    if isinstance(posted, HTMLResponse):
        return posted
    loaded, form = posted
    svc, shop = loaded.services, loaded.shop
    status = wording(_locale(request, loaded.facts)).status
    if not (await load_sms_config(svc, shop)).enabled:
        return await _page(request, loaded, status_code=400, texts_notice=status["texts_off"], texts_error=True)
    customer_id, email = loaded.state.get("customer_id"), None
    if not customer_id:  # a guest: the order keeps no email, the platform's order names it
        try:
            order = await svc.platforms[shop.platform].fetch_order(shop, loaded.claims.order_id)
        except (NotFoundError, PlatformError):
            return await _page(
                request, loaded, status_code=503, texts_notice=status["texts_unavailable"], texts_error=True
            )
        email = order.email
    destination = loaded.state.get("destination")
    country = destination.get("country") if isinstance(destination, dict) else None
    wanted = form.get("texts") == "1"
    try:
        await record_sms_choice(
            svc,
            shop,
            phone=form.get("phone", "")[:MAX_PHONE],
            wants_updates=wanted,
            customer_id=str(customer_id) if customer_id else None,
            email=email,
            default_country=str(country or loaded.facts.country),
        )
    except ValueError:
        return await _page(request, loaded, status_code=400, texts_notice=status["texts_bad_phone"], texts_error=True)
    notice = status["texts_on"] if wanted else status["texts_stopped"]
    return await _page(request, loaded, texts_notice=notice)


def order_status_routes() -> list[BaseRoute]:
    return [
        Route("/o/{token}", status_page, methods=["GET"]),
        Route("/o/{token}/message", send_message, methods=["POST"]),
        Route("/o/{token}/preferences", save_preferences, methods=["POST"]),
        Route("/o/{token}/texts", save_texts, methods=["POST"]),
    ]
