"""Twilio calls the app back: delivery status of each text, and customers' replies (STOP, START, HELP).

Both requests carry the shop in the query (``?shop=<platform>:<id>``: whose auth token signs them) and are
refused with 403, changing nothing, unless X-Twilio-Signature matches the full URL Twilio requested plus the
sorted POST parameters. Replies are answered with TwiML.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from plugin.email.wording import pick_locale
from plugin.keys import ShopRef
from plugin.openapi import FORM, TEXT, Body, QueryParam, documented
from plugin.services import Services, services
from plugin.shop_data import load_facts
from plugin.sms.config import SmsConfig, load_sms_config
from plugin.sms.consent import restart_texts, stop_texts
from plugin.sms.keywords import Keyword, keyword_of
from plugin.sms.phone import to_e164
from plugin.sms.records import count, record_status
from plugin.sms.send import INBOUND_PATH, STATUS_PATH
from plugin.sms.signature import valid_signature
from plugin.sms.wording import help_text

log = logging.getLogger(__name__)

TWIML = "text/xml"
SHOP = QueryParam("shop", "the shop whose Twilio account sends (platform:id)", required=True)
REFUSED = "signature missing or wrong, or the shop has no Twilio account connected: nothing changed"
_PARAMS = {"type": "object", "additionalProperties": {"type": "string"}}


def _twiml(message: str | None = None) -> Response:
    inner = f"<Message>{escape(message)}</Message>" if message else ""
    body = f'<?xml version="1.0" encoding="UTF-8"?><Response>{inner}</Response>'
    return Response(body, media_type=TWIML)


async def _verified(request: Request) -> tuple[Services, ShopRef, SmsConfig, dict[str, str]] | Response:
    """The shop, its settings and the form, when the request is Twilio's; else the refusal."""
    found = services(request)
    try:
        shop = ShopRef.parse(request.query_params.get("shop", ""))
    except ValueError:  # no such platform, or an id that cannot name a shop: nobody's token can have signed it
        return PlainTextResponse(REFUSED, status_code=403)
    if shop.platform not in found.platforms or not shop.id:
        return PlainTextResponse(REFUSED, status_code=403)
    config = await load_sms_config(found, shop)
    body = await request.body()
    params = parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    # The URL Twilio signed: the app's public origin (as configured; proxies may rewrite the host) + path + query.
    url = f"{found.settings.app_url}{request.url.path}?{request.url.query}"
    if not config.connected or not valid_signature(
        config.auth_token, url, params, request.headers.get("X-Twilio-Signature")
    ):
        log.warning("twilio request refused", extra={"shop": shop.tag, "path": request.url.path})
        return PlainTextResponse(REFUSED, status_code=403)
    return found, shop, config, dict(params)


@documented(
    "Twilio message status callback (X-Twilio-Signature verified): records delivered/failed per text",
    {
        204: "recorded (or about a text this app does not know)",
        400: "MessageSid or MessageStatus missing",
        403: REFUSED,
    },
    tag="sms",
    query=[SHOP],
    request_body=Body("MessageSid=SM...&MessageStatus=delivered&ErrorCode=...", FORM, _PARAMS),
    errors=TEXT,
)
async def status_callback(request: Request) -> Response:
    verified = await _verified(request)
    if isinstance(verified, Response):
        return verified
    found, shop, _, params = verified
    sid, status = params.get("MessageSid", ""), params.get("MessageStatus", "").lower()
    if not sid or not status:
        return PlainTextResponse("MessageSid and MessageStatus are required", status_code=400)
    await record_status(found, shop, sid, status, params.get("ErrorCode") or None)
    return Response(status_code=204)


@documented(
    "Twilio incoming message webhook (X-Twilio-Signature verified): STOP/START/HELP keywords, answered in TwiML",
    {200: "TwiML: the HELP answer, or an empty Response", 400: "From missing or not a phone number", 403: REFUSED},
    tag="sms",
    query=[SHOP],
    request_body=Body("From=+4915...&Body=STOP", FORM, _PARAMS),
    media=TWIML,
    errors=TEXT,
)
async def inbound_message(request: Request) -> Response:
    verified = await _verified(request)
    if isinstance(verified, Response):
        return verified
    found, shop, config, params = verified
    phone = to_e164(params.get("From"))
    if phone is None:
        return PlainTextResponse("From must be a phone number in E.164", status_code=400)
    matched = keyword_of(params.get("Body", ""))
    if matched is None:
        return _twiml()  # an ordinary reply: nothing to do here (the merchant's helpdesk may read the Twilio log)
    keyword, word = matched
    if keyword is Keyword.STOP:
        await stop_texts(found, shop, phone, word)
        await count(found, shop, "all", "unsubscribed")
        log.info("sms opt-out", extra={"shop": shop.tag})
        return _twiml()  # Twilio confirms the opt-out itself; nothing more may be sent to the number
    if keyword is Keyword.START:
        await restart_texts(found, shop, phone, word)
        return _twiml()
    facts = await load_facts(found.redis, found.keys, shop)
    name = facts.name if facts else shop.id
    # A keyword reply knows no order: the shop's own language (the number's country may speak several).
    locale = pick_locale(facts.locale if facts else None)
    return _twiml(help_text(shop=name, contact=facts.email if facts else None, custom=config.help_text, locale=locale))


def sms_routes() -> list[BaseRoute]:
    return [
        Route(STATUS_PATH, status_callback, methods=["POST"]),
        Route(INBOUND_PATH, inbound_message, methods=["POST"]),
    ]
