"""Hostile JSON bodies at every route that takes a body: nested 10,000 deep, huge, not UTF-8, duplicate keys, not
an object. Each is answered with a 4xx (never a 5xx) and changes nothing in Redis.

The routes come from `/openapi.json`, so a new route that accepts a body is attacked without editing this file.
Each is tried signed in (a Shopify session token, signed webhook deliveries, a signed app-proxy query) and not.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from plugin.bigcommerce.webhook_auth import standard_signature
from plugin.devstore.bigcommerce import DEMO_STORE_HASH
from plugin.helpdesk.connection import parse_connection, save_connection
from plugin.middleware.body_limit import LARGE_LIMIT
from plugin.services import Services
from plugin.storage import as_text
from plugin.tracking.aftership import sign as aftership_sign
from plugin.tracking.connection import connect as connect_tracking
from plugin.tracking.model import Credentials
from plugin.tracking.webhook_url import webhook_token
from tests.admin.conftest import (
    SHOP_A,
    AdminClients,
    admin,
    admin_clock,
    devstore_http,
    services,
    stores,
    test_env,
)
from tests.conftest import BIGCOMMERCE_SECRET, SHOPIFY_SECRET
from widgets.help.requests import HelpRequestInput, store_request

__all__ = ["admin", "admin_clock", "devstore_http", "services", "stores", "test_env"]  # fixtures used here
pytestmark = [pytest.mark.anyio, pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")]

TRACKING_SECRET = "shop-a-aftership-webhook-secret"
HOSTILE: dict[str, bytes] = {
    "nested arrays 10000 deep": b"[" * 10_000 + b"]" * 10_000,
    "nested objects 10000 deep": b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
    "nested 200 deep": b"[" * 200 + b"]" * 200,  # small enough for every route's size limit
    "huge": b'{"a": "' + b"x" * (LARGE_LIMIT + 1) + b'"}',
    "not utf-8": b'{"email": "caf\xe9@x.example", "question": "\xff\xfe"}',
    "duplicate keys": b'{"events": [], "events": [{"widget": "estimate"}], "settings": 1, "settings": 2}',
    "not an object": b'[{"widget": "estimate", "variant": "treatment", "type": "impression"}]',
}
# What the parser says for each; a JSON route that reaches it must give this reason (a 413 for "huge").
REASONS = {
    "nested arrays 10000 deep": "nests deeper than 32 levels",
    "nested objects 10000 deep": "nests deeper than 32 levels",
    "nested 200 deep": "nests deeper than 32 levels",
    "not utf-8": "not UTF-8",
    "duplicate keys": "appears twice",
    "not an object": "must be a JSON object",
}
# Kept for every request, refused or not, by design: rate-limit counters (a flood is limited whatever it sends)
# and the staff member a session token signs in.
BOOKKEEPING = (":ratelimit:", ":admin:staff_seen:", "}:users")


async def redis_state(services: Services) -> dict[str, Any]:
    found: dict[str, Any] = {}
    async for key in services.redis.scan_iter(match=f"{services.keys.prefix}:*", count=1000):
        name = as_text(key)
        if not any(part in name for part in BOOKKEEPING):
            found[name] = await services.redis.dump(key)
    return found


def shopify_delivery(body: bytes) -> dict[str, str]:
    signature = base64.b64encode(hmac.new(SHOPIFY_SECRET.encode(), body, hashlib.sha256).digest()).decode()
    return {
        "X-Shopify-Hmac-Sha256": signature,
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Shop-Domain": SHOP_A.id,
        "X-Shopify-Event-Id": str(uuid.uuid4()),
        "X-Shopify-Triggered-At": datetime.now(UTC).isoformat(),
    }


def bigcommerce_delivery(body: bytes) -> dict[str, str]:
    delivery_id, stamp = str(uuid.uuid4()), str(int(time.time()))
    return {
        "webhook-id": delivery_id,
        "webhook-timestamp": stamp,
        "webhook-signature": standard_signature(BIGCOMMERCE_SECRET, delivery_id, stamp, body),
    }


def signed_in(admin: AdminClients, path: str, body: bytes) -> tuple[dict[str, str], str]:
    """(headers, query string) that get this route past its authentication, so the body reaches the parser."""
    if path == "/webhooks/shopify":
        return shopify_delivery(body), ""
    if path == "/webhooks/bigcommerce":
        return bigcommerce_delivery(body), ""
    if path == "/tracking/aftership/{token}":
        return {"aftership-hmac-sha256": aftership_sign(TRACKING_SECRET, body)}, ""
    if path.startswith("/proxy/"):
        return {}, "?" + admin.emulators.shopify.proxy_query(SHOP_A.id)
    return admin.shopify(SHOP_A), ""


@pytest.mark.parametrize("hostile", list(HOSTILE), ids=list(HOSTILE))
async def test_every_body_route_refuses_hostile_json_and_writes_nothing(admin: AdminClients, hostile: str) -> None:
    client, services = admin.http, admin.services
    question = HelpRequestInput(email="shopper@x.example", question="Where is my parcel?")
    help_request = await store_request(services, SHOP_A, question, now=datetime.now(UTC), retention_days=90)
    # A connected helpdesk, so its status webhook URL (shop and token in the path) reaches the parser.
    desk = {"kind": "chatwoot", "base_url": "https://chat.a.example", "account_id": "1", "inbox_id": "1"}
    hook = parse_connection(SHOP_A, {**desk, "api_access_token": "chatwoot-token"}, None)
    await save_connection(services, SHOP_A, hook)
    document = (await client.get("/openapi.json")).json()
    routes = [
        (method.upper(), path, operation.get("requestBody", {}))
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if method in ("post", "put", "patch")
    ]
    # The form posts (email links) document their urlencoded bodies; every other body is JSON.
    json_routes = {path for _, path, content in routes if content and "application/json" in content["content"]}
    assert len(json_routes) >= 15, routes
    body = HOSTILE[hostile]
    await connect_tracking(services, SHOP_A, Credentials("shop-a-aftership-key", TRACKING_SECRET))
    before = await redis_state(services)
    reached: list[str] = []
    for method, template, _ in [route for route in routes if route[2]]:
        bigcommerce_only = template.endswith("/cart-variant")
        platform, shop = ("bigcommerce", DEMO_STORE_HASH) if bigcommerce_only else ("shopify", SHOP_A.id)
        url = template.replace("{platform}", platform).replace("{shop}", shop).replace("{request_id}", help_request.id)
        if template.startswith("/helpdesk/"):
            url = url.replace("{kind}", "chatwoot").replace("{shop_id}", shop).replace("{token}", hook.webhook_token)
        url = url.replace("{token}", webhook_token(services, SHOP_A))
        for authenticated in (False, True):
            headers, query = signed_in(admin, template, body) if authenticated else ({}, "")
            answer = await client.request(
                method, url + query, content=body, headers={"Content-Type": "application/json", **headers}
            )
            where = f"{method} {template} ({'signed in' if authenticated else 'anonymous'}): {answer.text[:200]}"
            assert 400 <= answer.status_code < 500, where
            if authenticated and template in json_routes:
                if answer.status_code == 413:  # over this route's own limit: refused unread
                    assert len(body) > 512, where
                    continue
                assert answer.status_code == 400 and REASONS[hostile] in answer.text, where
                reached.append(template)
            assert body[:40].decode("latin-1") not in answer.text, f"the answer quotes the body: {where}"
    if len(body) <= 512:  # the smallest route limit (cart variants): every JSON route read and refused it
        assert set(reached) == json_routes, "every JSON route was reached signed in"
    assert await redis_state(services) == before, "a refused body wrote nothing"
    for method, template, _ in [route for route in routes if not route[2]]:
        # A route documented without a body (shipping sync) ignores one and acts: it just must not fail.
        answer = await client.request(method, template, content=body, headers=admin.shopify(SHOP_A))
        assert answer.status_code < 500, f"{method} {template}: {answer.text[:200]}"


async def test_a_bigcommerce_delivery_with_a_guessed_secret_header_is_parsed_first_and_refused(
    admin: AdminClients,
) -> None:
    """That path reads the store from the body before it can check the secret: the parser meets anyone's input."""
    answer = await admin.http.post(
        "/webhooks/bigcommerce", content=HOSTILE["nested arrays 10000 deep"], headers={"X-Upfront-Webhook-Secret": "a"}
    )
    assert answer.status_code == 400
    assert json.loads(answer.text) == {"error": "the JSON nests deeper than 32 levels"}
