"""Help requests from the storefront form: validation, sealed storage with a retention TTL, the admin's list and
resolve, and measured reply times.

Keys (all under the shop's hash tag, family ``help``):

    help:request:<id>     hash: created_at, status, subject (pseudonymous key), rule, forward, resolved_at,
                          topic (what the question is about, `plugin.insights.topics`), and `sealed`: the
                          shopper's email, question, page, (only with consent) cart and the order it is about
                          (sent from the order-status page: id, name, source), encrypted and bound to
                          this key. Expires after the shop's retention period.
    help:requests         sorted set of "<id>:<subject key>" by creation time: the list's index, no personal data
    help:reply_times      the last business-time durations from request to reply, in seconds (no personal data)
"""

from __future__ import annotations

import json
import re
import secrets
import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from redis.typing import EncodableT, FieldT

from plugin.email.context import mark_open_issue, resolve_issue
from plugin.insights.store import Source, record_mention
from plugin.insights.topics import Topic, classify
from plugin.json_schema import WHITESPACE, whole_number
from plugin.keys import ShopRef
from plugin.privacy.sealing import seal, unseal
from plugin.privacy.subjects import DataSubject, resolve_subject
from plugin.services import Services
from plugin.storage import as_text
from widgets.help.hours import BusinessHours, business_time_between
from widgets.help.validation import EMAIL, email_pattern

FAMILY = "help"
ISSUE_KIND = "help_request"
MAX_QUESTION = 2000
MAX_PAGE = 300
MAX_CART_LINES = 50
REPLY_SAMPLES_KEPT = 50
MIN_REPLY_SAMPLES = 5
_ID = re.compile(r"^[0-9a-f]{16}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_AMOUNT = re.compile(r"^\d{1,9}(\.\d{1,4})?$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_RULE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_ORDER = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class HelpRequestError(ValueError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class HelpRequestInput:
    email: str
    question: str
    page: str | None = None  # the path the shopper was on, never the query string
    cart: Mapping[str, Any] | None = None  # {"lines": [{title, quantity, price}], "total", "currency"}
    rule: str | None = None
    locale: str | None = None
    # The order the request is about: {id, name, source}. "status_page": set by its signed order-status page
    # (plugin.order_status); "shopper": an id the shopper's form named, checked against their email before use.
    order: Mapping[str, str] | None = None


def _line_text(value: object, field: str, most: int) -> str:
    if not isinstance(value, str):
        raise HelpRequestError(field, "must be text")
    cleaned = _CONTROL.sub("", value).strip()
    if len(cleaned) > most:
        raise HelpRequestError(field, f"must be at most {most} characters")
    return cleaned


def _cart(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise HelpRequestError("cart", "must be an object with lines")
    lines = value.get("lines")
    if not isinstance(lines, list) or len(lines) > MAX_CART_LINES:
        raise HelpRequestError("cart.lines", f"must be a list of at most {MAX_CART_LINES} lines")
    found = []
    for position, line in enumerate(lines):
        at = f"cart.lines.{position}"
        if not isinstance(line, dict):
            raise HelpRequestError(at, "must be an object")
        quantity = whole_number(line.get("quantity"))
        if quantity is None or not 1 <= quantity <= 9999:
            raise HelpRequestError(at + ".quantity", "must be a whole number from 1 to 9999")
        price = line.get("price")
        if price is not None and (not isinstance(price, str) or not _AMOUNT.match(price)):
            raise HelpRequestError(at + ".price", 'must be an amount like "24.90"')
        title = _line_text(line.get("title"), at + ".title", 200) or "?"
        found.append({"title": " ".join(title.split()), "quantity": quantity, "price": price})
    total, currency = value.get("total"), value.get("currency")
    if total is not None and (not isinstance(total, str) or not _AMOUNT.match(total)):
        raise HelpRequestError("cart.total", 'must be an amount like "78.00"')
    if currency is not None and (not isinstance(currency, str) or not _CURRENCY.match(currency)):
        raise HelpRequestError("cart.currency", "must be a currency code like EUR")
    return {"lines": found, "total": total, "currency": currency}


# EMAIL once `_line_text` has dropped control characters: the address part must have none to drop.
_EMAIL_CLEAN = email_pattern(r"\x00-\x1f\x7f")
# What `_line_text` leaves something of: a character that is neither a control character nor whitespace.
_SOMETHING = rf"[^{WHITESPACE}\x00-\x08\x0b-\x1f\x7f]"


def help_request_schema() -> dict[str, Any]:
    """What `parse_help_request` accepts, for /openapi.json; other keys are ignored."""
    amount = {"anyOf": [{"type": "string", "pattern": _AMOUNT.pattern}, {"type": "null"}]}
    line = {
        "type": "object",
        "required": ["quantity", "title"],
        "properties": {
            "quantity": {"type": "integer", "minimum": 1, "maximum": 9999},
            "price": amount,
            "title": {"type": "string", "maxLength": 200},
        },
    }
    cart = {
        "type": "object",
        "required": ["lines"],
        "properties": {
            "lines": {"type": "array", "items": line, "maxItems": MAX_CART_LINES},
            "total": amount,
            "currency": {"anyOf": [{"type": "string", "pattern": _CURRENCY.pattern}, {"type": "null"}]},
        },
    }
    return {
        "type": "object",
        "required": ["email", "question"],
        "properties": {
            "email": {"type": "string", "maxLength": 254, "pattern": _EMAIL_CLEAN},
            "question": {"type": "string", "maxLength": MAX_QUESTION, "pattern": _SOMETHING},
            "page": {"anyOf": [{"type": "string", "maxLength": MAX_PAGE, "pattern": "^/"}, {"type": "null"}]},
            "cart_consent": {"type": "boolean"},
            "cart": {"anyOf": [cart, {"type": "null"}]},
            "rule": {"anyOf": [{"type": "string", "pattern": _RULE.pattern}, {"type": "null"}]},
            "locale": {"anyOf": [{"type": "string", "maxLength": 20}, {"type": "null"}]},
            "order": {"anyOf": [{"type": "string", "pattern": _ORDER.pattern}, {"type": "null"}]},
            # hidden from people: anything but an empty value marks a bot
            "website": {"enum": ["", None, False, 0, [], {}]},
        },
        # the cart is sent only when the shopper ticked the box
        "if": {"required": ["cart"], "properties": {"cart": {"type": "object"}}},
        "then": {"required": ["cart_consent"], "properties": {"cart_consent": {"const": True}}},
    }


def parse_help_request(data: object) -> HelpRequestInput:
    """The form's JSON, or HelpRequestError naming the first bad field. Bots fill the hidden `website` field."""
    if not isinstance(data, dict):
        raise HelpRequestError("body", "must be a JSON object")
    if data.get("website"):
        raise HelpRequestError("website", "must be left empty (it is hidden from people; filled, it marks a bot)")
    email = _line_text(data.get("email", ""), "email", 254)
    if not email:
        raise HelpRequestError("email", "is required, so we can reply")
    if not EMAIL.match(email):
        raise HelpRequestError("email", "is not an email address")
    question = _line_text(data.get("question", ""), "question", MAX_QUESTION)
    if not question:
        raise HelpRequestError("question", "is required")
    page = data.get("page")
    if page is not None:
        page = _line_text(page, "page", MAX_PAGE).split("?", 1)[0].split("#", 1)[0]
        if not page.startswith("/"):
            raise HelpRequestError("page", "must be the page's path, starting with /")
    consent = data.get("cart_consent", False)
    if not isinstance(consent, bool):
        raise HelpRequestError("cart_consent", "must be true or false")
    cart = None
    if data.get("cart") is not None:
        if not consent:
            raise HelpRequestError("cart", "cart contents are sent only when the shopper ticks the box (cart_consent)")
        cart = _cart(data["cart"])
    rule = data.get("rule")
    if rule is not None and (not isinstance(rule, str) or not _RULE.match(rule)):
        raise HelpRequestError("rule", "is not a rule id")
    locale = data.get("locale")
    if locale is not None and (not isinstance(locale, str) or len(locale) > 20):
        raise HelpRequestError("locale", "must be a language tag like en")
    order = data.get("order")
    if order is not None and (not isinstance(order, str) or not _ORDER.match(order)):
        raise HelpRequestError("order", "must be an order id")
    named = None if order is None else {"id": order, "source": "shopper"}
    return HelpRequestInput(email, question, page or None, cart, rule, locale, named)


# --- storage ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredRequest:
    id: str
    created_at: datetime
    status: str  # open or resolved
    subject: str
    rule: str | None
    forward: str  # pending, sent, no_address, failed: <reason>
    email: str
    question: str
    page: str | None
    cart: Mapping[str, Any] | None
    locale: str | None
    resolved_at: datetime | None = None
    topic: Topic = Topic.OTHER
    order: Mapping[str, str] | None = None

    def to_admin(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "created_at": self.created_at.isoformat(),
            "status": self.status,
            "resolved_at": None if self.resolved_at is None else self.resolved_at.isoformat(),
            "rule": self.rule,
            "forward": self.forward,
            "email": self.email,
            "question": self.question,
            "page": self.page,
            "cart": None if self.cart is None else dict(self.cart),
            "locale": self.locale,
            "topic": self.topic.value,
            "order": None if self.order is None else dict(self.order),
        }


def request_key(services: Services, shop: ShopRef, request_id: str) -> str:
    return services.keys.shop(shop, FAMILY, "request", request_id)


def index_key(services: Services, shop: ShopRef) -> str:
    return services.keys.shop(shop, FAMILY, "requests")


def reply_times_key(services: Services, shop: ShopRef) -> str:
    return services.keys.shop(shop, FAMILY, "reply_times")


def valid_id(request_id: str) -> bool:
    return bool(_ID.match(request_id))


async def store_request(
    services: Services, shop: ShopRef, request: HelpRequestInput, *, now: datetime, retention_days: int
) -> StoredRequest:
    """Seal and keep the request, and mark it an open issue on the person so post-purchase mail acknowledges it."""
    subject = await resolve_subject(services, shop, DataSubject(email=request.email))
    request_id = secrets.token_hex(8)
    personal = {
        "email": request.email,
        "question": request.question,
        "page": request.page,
        "cart": None if request.cart is None else dict(request.cart),
        "locale": request.locale,
        "order": None if request.order is None else dict(request.order),
    }
    sealed = seal(services, json.dumps(personal, separators=(",", ":")), shop, FAMILY, "request", request_id)
    topic = classify(request.question).topic
    fields: dict[FieldT, EncodableT] = {
        "created_at": now.astimezone(UTC).isoformat(),
        "status": "open",
        "subject": subject,
        "rule": request.rule or "",
        "forward": "pending",
        "topic": topic.value,
        "sealed": sealed,
    }
    key = request_key(services, shop, request_id)
    async with services.redis.pipeline(transaction=True) as pipe:
        pipe.hset(key, mapping=fields)
        pipe.expire(key, retention_days * 86400)
        pipe.zadd(index_key(services, shop), {f"{request_id}:{subject}": now.timestamp()})
        await pipe.execute()
    await mark_open_issue(services, shop, subject, ISSUE_KIND, reference=request_id)
    await record_mention(
        services, shop, source=Source.HELP_REQUEST, topic=topic, subject=subject, ref=request_id, at=now
    )
    return StoredRequest(
        request_id, now, "open", subject, request.rule, "pending", request.email, request.question, request.page,
        request.cart, request.locale, topic=topic, order=request.order,
    )  # fmt: skip


def _parse(services: Services, shop: ShopRef, request_id: str, raw: Mapping[str, str]) -> StoredRequest:
    personal = json.loads(unseal(services, raw["sealed"], shop, FAMILY, "request", request_id))
    resolved = raw.get("resolved_at")
    return StoredRequest(
        id=request_id,
        created_at=datetime.fromisoformat(raw["created_at"]),
        status=raw.get("status", "open"),
        subject=raw.get("subject", ""),
        rule=raw.get("rule") or None,
        forward=raw.get("forward", "pending"),
        email=personal["email"],
        question=personal["question"],
        page=personal.get("page"),
        cart=personal.get("cart"),
        locale=personal.get("locale"),
        resolved_at=datetime.fromisoformat(resolved) if resolved else None,
        topic=_topic(raw.get("topic")),
        order=personal.get("order"),
    )


def _topic(value: str | None) -> Topic:
    # Requests stored before topics were tagged have none.
    return Topic(value) if value is not None and value in Topic.__members__.values() else Topic.OTHER


async def load_request(services: Services, shop: ShopRef, request_id: str) -> StoredRequest | None:
    if not valid_id(request_id):
        return None
    raw = {
        as_text(k): as_text(v)
        for k, v in (await services.redis.hgetall(request_key(services, shop, request_id))).items()
    }
    return _parse(services, shop, request_id, raw) if "sealed" in raw else None


async def set_forward_state(services: Services, shop: ShopRef, request_id: str, state: str) -> None:
    key = request_key(services, shop, request_id)
    if await services.redis.exists(key):
        await services.redis.hset(key, "forward", state[:200])


async def index_entries(services: Services, shop: ShopRef) -> list[tuple[str, str]]:
    """(request id, subject key) of every indexed request, newest first."""
    members: Any = await services.redis.zrevrange(index_key(services, shop), 0, -1)
    found = []
    for member in members:
        request_id, _, subject = as_text(member).partition(":")
        found.append((request_id, subject))
    return found


async def _still_open(services: Services, shop: ShopRef, subject: str, except_id: str) -> bool:
    for request_id, owner in await index_entries(services, shop):
        if owner == subject and request_id != except_id:
            status = await services.redis.hget(request_key(services, shop, request_id), "status")
            if status is not None and as_text(status) == "open":
                return True
    return False


async def forget_index_entry(services: Services, shop: ShopRef, request_id: str, subject: str) -> None:
    """Drop an expired or erased request from the index, and close the person's open issue if it was the last."""
    await services.redis.zrem(index_key(services, shop), f"{request_id}:{subject}")
    if not await _still_open(services, shop, subject, request_id):
        await resolve_issue(services, shop, subject, ISSUE_KIND)


async def list_requests(services: Services, shop: ShopRef, *, status: str | None, limit: int) -> list[StoredRequest]:
    """Newest first; requests past their retention are dropped from the index as they are found."""
    found: list[StoredRequest] = []
    for request_id, subject in await index_entries(services, shop):
        stored = await load_request(services, shop, request_id)
        if stored is None:
            await forget_index_entry(services, shop, request_id, subject)
            continue
        if status is None or stored.status == status:
            found.append(stored)
            if len(found) >= limit:
                break
    return found


async def resolve_request(
    services: Services,
    shop: ShopRef,
    request_id: str,
    *,
    replied_at: datetime,
    hours: BusinessHours | None,
    measure: bool = True,
) -> StoredRequest | None:
    """Mark it answered; its reply time (in business time when hours are known) joins the measured sample, unless
    `measure` is False (a helpdesk closing its ticket says when it was solved, not when it was first answered)."""
    stored = await load_request(services, shop, request_id)
    if stored is None or stored.status == "resolved":
        return stored
    replied_at = max(replied_at, stored.created_at)
    key = request_key(services, shop, request_id)
    await services.redis.hset(key, mapping={"status": "resolved", "resolved_at": replied_at.isoformat()})
    took = (
        replied_at - stored.created_at if hours is None else business_time_between(hours, stored.created_at, replied_at)
    )
    if measure:
        async with services.redis.pipeline(transaction=True) as pipe:
            pipe.lpush(reply_times_key(services, shop), int(took.total_seconds()))
            pipe.ltrim(reply_times_key(services, shop), 0, REPLY_SAMPLES_KEPT - 1)
            await pipe.execute()
    if not await _still_open(services, shop, stored.subject, request_id):
        await resolve_issue(services, shop, stored.subject, ISSUE_KIND)
    return await load_request(services, shop, request_id)


async def measured_reply_time(services: Services, shop: ShopRef) -> tuple[timedelta | None, int]:
    """The median of recent reply times once there are enough to mean something, and the sample size."""
    samples = [int(as_text(value)) for value in await services.redis.lrange(reply_times_key(services, shop), 0, -1)]
    if len(samples) < MIN_REPLY_SAMPLES:
        return None, len(samples)
    return timedelta(seconds=statistics.median(samples)), len(samples)
