"""The `/email/...` pages reached from signed links: RFC 8058 one-click unsubscribe (and its confirm page), the
preference center, and one-click CSAT/NPS answers with an optional comment.

A tampered, foreign or expired link gets a 403 page that says so, and nothing is changed (a malformed form: 400).
Consent changes go to the ledger at once (source email_link, with the text shown and its version).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from urllib.parse import parse_qsl, urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from plugin.email.context import hold_marketing
from plugin.email.eligibility import preference_state
from plugin.email.links import LinkClaims, LinkError, read_token
from plugin.email.records import load_message, note_unsubscribed
from plugin.email.surveys import ALERT_DELAY_SECONDS, add_comment, alert_job, is_detractor, record_answer
from plugin.email.unsubscribe_reasons import MAX_REASON, save_reason
from plugin.email.wording import pick_locale, template_dirs, wording
from plugin.jobs import schedule_job
from plugin.keys import ShopRef
from plugin.openapi import FORM, HTML, Body, QueryParam, documented
from plugin.privacy.consent import record_consent
from plugin.privacy.subjects import DataSubject
from plugin.services import Services, services
from plugin.shop_data import load_facts

log = logging.getLogger(__name__)

MAX_FORM_BYTES = 16 * 1024
PURPOSES = ("review_survey", "marketing_email")
PAGES_VERSION = "email-pages-v1"
TOKEN = QueryParam("t", "the signed token from the email", required=True, schema={"type": "string", "minLength": 1})
_TOKEN_FIELD = {"type": "string", "minLength": 1}
LINK_REFUSED = "tampered, foreign or expired link: nothing changed"
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the URL carries the token
    "X-Content-Type-Options": "nosniff",
    "X-Robots-Tag": "noindex",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
    ),
}


@dataclass(frozen=True)
class Form:
    action: str
    button: str
    hidden: Sequence[tuple[str, str]] = ()
    checkboxes: Sequence[tuple[str, str, bool]] = ()
    textarea: str = ""


@dataclass(frozen=True)
class Page:
    locale: str
    title: str
    paragraphs: Sequence[str] = ()
    shop_name: str = ""
    form: Form | None = None
    error: bool = False


@cache
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(template_dirs()), autoescape=True, undefined=StrictUndefined)


def _render(page: Page, status_code: int = 200) -> HTMLResponse:
    html = (
        _environment()
        .get_template("email/pages/page.html")
        .render(
            locale=page.locale,
            title=page.title,
            paragraphs=page.paragraphs,
            shop_name=page.shop_name,
            form=page.form,
            error=page.error,
        )
    )
    return HTMLResponse(html, status_code=status_code, headers=HEADERS)


def _invalid(request: Request, exc: LinkError | None = None, status: int = 403) -> HTMLResponse:
    """The "this link does not work" page: 403 for a link that grants nothing, 400 for a malformed form."""
    locale = pick_locale(request.headers.get("accept-language", "").split(",")[0])
    pages = wording(locale).pages
    if exc is not None:
        log.info("email link refused", extra={"path": request.url.path, "expired": exc.expired})
    return _render(Page(locale, pages["invalid_title"], [pages["invalid_text"]], error=True), status)


async def _form(request: Request) -> dict[str, str] | None:
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return None
    try:
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        return None


async def _claims(request: Request, purpose: str, token: str | None) -> LinkClaims | HTMLResponse:
    try:
        return read_token(services(request), purpose, token or "")
    except LinkError as exc:
        return _invalid(request, exc)


async def _shop_name(svc: Services, shop: ShopRef) -> str:
    facts = await load_facts(svc.redis, svc.keys, shop)
    return facts.name if facts else shop.id


def _person(claims: LinkClaims) -> DataSubject | None:
    person = DataSubject(claims.customer_id, claims.email)
    return person if person.identifiers() else None


# --- unsubscribe -----------------------------------------------------------------------------------------------


@documented(
    "Unsubscribe confirm page (signed link; changes nothing by itself)",
    {200: "a page with the one-click unsubscribe button", 403: LINK_REFUSED},
    tag="email",
    query=[TOKEN],
    media=HTML,
    errors=HTML,
)
async def unsubscribe_page(request: Request) -> Response:
    claims = await _claims(request, "unsubscribe", request.query_params.get("t"))
    if isinstance(claims, HTMLResponse):
        return claims
    pages = wording(pick_locale(claims.locale)).pages
    shop_name = await _shop_name(services(request), claims.shop)
    form = Form(
        action=f"/email/unsubscribe?{urlencode({'t': request.query_params['t']})}",
        button=pages["unsubscribe_button"],
        hidden=[("List-Unsubscribe", "One-Click")],
    )
    paragraphs = [pages["unsubscribe_confirm"].format(shop=shop_name)]
    return _render(Page(claims.locale, pages["unsubscribe_title"], paragraphs, shop_name, form))


@documented(
    "One-click unsubscribe from marketing email (RFC 8058 POST, body List-Unsubscribe=One-Click)",
    {200: "unsubscribed, recorded in the consent ledger", 400: "malformed form", 403: LINK_REFUSED},
    tag="email",
    query=[TOKEN],
    request_body=Body(
        "List-Unsubscribe=One-Click",
        FORM,
        {"type": "object", "properties": {"List-Unsubscribe": {"type": "string", "enum": ["One-Click"]}}},
    ),
    media=HTML,
    errors=HTML,
)
async def unsubscribe(request: Request) -> Response:
    form = await _form(request)
    if form is None:
        return _invalid(request, status=400)
    claims = await _claims(request, "unsubscribe", request.query_params.get("t") or form.get("t"))
    if isinstance(claims, HTMLResponse):
        return claims
    person = _person(claims)
    if person is None:
        return _invalid(request)
    svc = services(request)
    one_click = form.get("List-Unsubscribe") == "One-Click"
    pages = wording(pick_locale(claims.locale)).pages
    shop_name = await _shop_name(svc, claims.shop)
    text = "List-Unsubscribe one-click (RFC 8058)" if one_click else pages["unsubscribe_confirm"].format(shop=shop_name)
    for purpose in PURPOSES:
        await record_consent(
            svc,
            claims.shop,
            purpose=purpose,
            granted=False,
            source="email_link",
            channel="email",
            text=text,
            text_version="rfc8058" if one_click else f"{PAGES_VERSION}:{claims.locale}",
            customer_id=person.customer_id,
            email=person.email,
        )
    if claims.message:  # counted against the stage of the email whose link it was
        await note_unsubscribed(svc, claims.shop, claims.message, datetime.now(UTC).timestamp())
    log.info("unsubscribed by email link", extra={"shop": claims.shop.tag, "subject": claims.subject})
    paragraphs = [pages["unsubscribed_text"].format(shop=shop_name)]
    token = request.query_params.get("t") or form.get("t") or ""
    reason_form = Form(
        action="/email/unsubscribe/reason",
        button=pages["reason_button"],
        hidden=[("t", token)],
        textarea=pages["reason_label"],
    )
    return _render(Page(claims.locale, pages["unsubscribed_title"], paragraphs, shop_name, reason_form))


@documented(
    "Say why, after unsubscribing (optional; signed link): kept sealed and tagged by topic for the merchant",
    {200: "saved, or nothing to save", 400: "malformed form", 403: LINK_REFUSED},
    tag="email",
    request_body=Body(
        "t=<token>&reason=...",
        FORM,
        {
            "type": "object",
            "required": ["t"],
            "properties": {"t": _TOKEN_FIELD, "reason": {"type": "string", "maxLength": MAX_REASON}},
        },
    ),
    media=HTML,
    errors=HTML,
)
async def unsubscribe_reason(request: Request) -> Response:
    form = await _form(request)
    if form is None or len(form.get("reason", "")) > MAX_REASON:
        return _invalid(request, status=400)
    claims = await _claims(request, "unsubscribe", form.get("t"))
    if isinstance(claims, HTMLResponse):
        return claims
    svc = services(request)
    await save_reason(
        svc,
        claims.shop,
        subject=claims.subject,
        ref=claims.message or "link",
        reason=form.get("reason", ""),
        now=datetime.now(UTC),
    )
    pages = wording(pick_locale(claims.locale)).pages
    shop_name = await _shop_name(svc, claims.shop)
    return _render(Page(claims.locale, pages["unsubscribed_title"], [pages["reason_thanks"].format(shop=shop_name)]))


# --- preferences -----------------------------------------------------------------------------------------------


async def _preferences_page(svc: Services, claims: LinkClaims, token: str, *, saved: bool) -> HTMLResponse:
    pages = wording(pick_locale(claims.locale)).pages
    shop_name = await _shop_name(svc, claims.shop)
    person = _person(claims)
    state = await preference_state(svc, claims.shop, person) if person else dict.fromkeys(PURPOSES, False)
    form = Form(
        action="/email/preferences",
        button=pages["preferences_save"],
        hidden=[("t", token)],
        checkboxes=[(purpose, pages[f"purpose_{purpose}"], state[purpose]) for purpose in PURPOSES],
    )
    paragraphs = [pages["preferences_intro"].format(shop=shop_name)]
    if saved:
        paragraphs.append(pages["preferences_saved"])
    return _render(Page(claims.locale, pages["preferences_title"], paragraphs, shop_name, form))


@documented(
    "Email preference center (signed link): which marketing purposes the customer allows",
    {200: "the preferences form", 403: LINK_REFUSED},
    tag="email",
    query=[TOKEN],
    media=HTML,
    errors=HTML,
)
async def preferences_page(request: Request) -> Response:
    token = request.query_params.get("t") or ""
    claims = await _claims(request, "preferences", token)
    if isinstance(claims, HTMLResponse):
        return claims
    return await _preferences_page(services(request), claims, token, saved=False)


@documented(
    "Save email preferences per purpose; each change is recorded in the consent ledger",
    {200: "saved", 400: "malformed form", 403: LINK_REFUSED},
    tag="email",
    request_body=Body(
        "t=<token>&review_survey=1&marketing_email=1: a purpose left out is withdrawn",
        FORM,
        {
            "type": "object",
            "required": ["t"],
            "properties": {"t": _TOKEN_FIELD, **{purpose: {"type": "string", "enum": ["1"]} for purpose in PURPOSES}},
        },
    ),
    media=HTML,
    errors=HTML,
)
async def save_preferences(request: Request) -> Response:
    form = await _form(request)
    if form is None:
        return _invalid(request, status=400)
    token = form.get("t", "")
    claims = await _claims(request, "preferences", token)
    if isinstance(claims, HTMLResponse):
        return claims
    person = _person(claims)
    if person is None:
        return _invalid(request)
    svc = services(request)
    pages = wording(pick_locale(claims.locale)).pages
    current = await preference_state(svc, claims.shop, person)
    wanted = {purpose: form.get(purpose) == "1" for purpose in PURPOSES}
    shown = ", ".join(pages[f"purpose_{purpose}"] for purpose in PURPOSES)
    for purpose in PURPOSES:
        if wanted[purpose] == current[purpose]:
            continue
        await record_consent(
            svc,
            claims.shop,
            purpose=purpose,
            granted=wanted[purpose],
            source="email_link",
            channel="email",
            text=pages["consent_text"].format(purposes=shown),
            text_version=f"{PAGES_VERSION}:{claims.locale}",
            opt_in_level="single_opt_in" if wanted[purpose] else "unknown",
            customer_id=person.customer_id,
            email=person.email,
        )
    return await _preferences_page(svc, claims, token, saved=True)


# --- survey answers --------------------------------------------------------------------------------------------


@documented(
    "One-click CSAT (1-5) or NPS (0-10) answer from a signed link; a later click changes the answer",
    {200: "recorded, with an optional comment form", 403: LINK_REFUSED, 404: "the message asked about is gone"},
    tag="email",
    query=[TOKEN],
    media=HTML,
    errors=HTML,
)
async def answer(request: Request) -> Response:
    token = request.query_params.get("t") or ""
    claims = await _claims(request, "answer", token)
    if isinstance(claims, HTMLResponse):
        return claims
    svc = services(request)
    record = await load_message(svc, claims.shop, claims.message)
    if record is None:
        return _invalid(request, status=404)
    if claims.kind is None or claims.score is None:
        return _invalid(request)
    try:
        await record_answer(
            svc,
            claims.shop,
            subject=claims.subject,
            ref=claims.message,
            kind=claims.kind,
            score=claims.score,
            order_id=record.order_id,
            order_name=record.get("order_name"),
        )
    except ValueError:
        return _invalid(request)
    if is_detractor(claims.kind, claims.score):
        await hold_marketing(svc, claims.shop, claims.subject, "detractor")
        job = alert_job(claims.shop, claims.subject, claims.message)
        await schedule_job(svc.redis, svc.keys, job, delay_seconds=ALERT_DELAY_SECONDS)
    pages = wording(pick_locale(claims.locale)).pages
    form = Form(
        action="/email/answer", button=pages["comment_button"], hidden=[("t", token)], textarea=pages["comment_label"]
    )
    shop_name = await _shop_name(svc, claims.shop)
    return _render(Page(claims.locale, pages["answer_title"], [pages["answer_text"]], shop_name, form))


@documented(
    "Add an optional comment to a survey answer (signed link)",
    {200: "saved", 400: "malformed form", 403: LINK_REFUSED, 404: "no answer to comment on"},
    tag="email",
    request_body=Body(
        "t=<token>&comment=...",
        FORM,
        {"type": "object", "required": ["t"], "properties": {"t": _TOKEN_FIELD, "comment": {"type": "string"}}},
    ),
    media=HTML,
    errors=HTML,
)
async def answer_comment(request: Request) -> Response:
    form = await _form(request)
    if form is None:
        return _invalid(request, status=400)
    claims = await _claims(request, "answer", form.get("t"))
    if isinstance(claims, HTMLResponse):
        return claims
    svc = services(request)
    if not await add_comment(
        svc, claims.shop, subject=claims.subject, ref=claims.message, comment=form.get("comment", "")
    ):
        return _invalid(request, status=404)
    pages = wording(pick_locale(claims.locale)).pages
    shop_name = await _shop_name(svc, claims.shop)
    return _render(Page(claims.locale, pages["answer_title"], [pages["comment_thanks"]], shop_name))


def email_routes() -> list[BaseRoute]:
    return [
        Route("/email/unsubscribe", unsubscribe_page, methods=["GET"]),
        Route("/email/unsubscribe", unsubscribe, methods=["POST"]),
        Route("/email/unsubscribe/reason", unsubscribe_reason, methods=["POST"]),
        Route("/email/preferences", preferences_page, methods=["GET"]),
        Route("/email/preferences", save_preferences, methods=["POST"]),
        Route("/email/answer", answer, methods=["GET"]),
        Route("/email/answer", answer_comment, methods=["POST"]),
    ]
