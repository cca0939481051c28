"""One shop's admin session can never read or change another shop's data, on any admin route.

The routes are enumerated from the app itself: a new admin route without an attack case here fails the test. Each
case aims at shop B from a session of shop A (Shopify session token) or store C (BigCommerce cookie): B's name in
the query and body, B's export and dead-letter ids in the path and body. B's keys are dumped before and after,
and no response may contain anything only B's data holds."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from starlette.routing import Route

from plugin.admin.web import PAGES
from plugin.app import create_app
from plugin.email.journey_settings import journey_settings_from_dict, save_journey_settings
from plugin.email.problems import record_template_problem
from plugin.email.stages import Stage
from plugin.helpdesk.connection import parse_connection, save_connection
from plugin.keys import ShopRef
from plugin.openapi import iter_routes
from plugin.privacy.consent import record_consent
from plugin.privacy.export import export_subject
from plugin.privacy.subjects import DataSubject
from plugin.services import Services
from plugin.settings import Settings
from plugin.shop_data import load_facts, save_facts
from plugin.storage import as_text
from plugin.tracking.connection import connect as connect_tracking
from plugin.tracking.model import Credentials
from tests.admin.conftest import SHOP_A, SHOP_B, STORE_C, AdminClients
from tests.admin.support import (
    seed_answers,
    seed_dead_letter,
    seed_orders,
    seed_outcomes,
    seed_sent_messages,
    send_outbox_test,
)
from webhooks.stream import StreamKeys
from widgets.help.requests import HelpRequestInput, store_request
from widgets.settings import default_settings, save_widget_settings

pytestmark = pytest.mark.anyio

BRAVO_EMAIL = "person@bravo-customers.example"
# Strings only shop B's stored data contains; an attacker's request never sends them.
SECRETS = (
    "BRAVO-AFTERSHIP-KEY",
    "bravo-tracking-webhook-secret",
    "Bravo Secret Store",
    "BRAVO-HEADING",
    "BRAVO-HOURS",
    "BRAVO-CONSENT-TEXT",
    "BRAVO-SUBJECT",
    "BRAVO-PROBLEM",
    "BRAVO-ERROR",
    "BRAVO-QUESTION",
    "bravo-owner@",
    "77777",
)


@dataclass(frozen=True)
class Victim:
    shop: ShopRef
    export_id: str
    dead_letter_id: str
    help_request_id: str


async def fill_victim(services: Services) -> Victim:
    shop = SHOP_B
    await connect_tracking(services, shop, Credentials("BRAVO-AFTERSHIP-KEY-9876", "bravo-tracking-webhook-secret"))
    facts = await load_facts(services.redis, services.keys, shop)
    assert facts is not None
    await save_facts(
        services.redis, services.keys, replace(facts, name="Bravo Secret Store", email="bravo-owner@x.example")
    )
    defaults = default_settings(services.settings.manifest.widgets)
    await save_widget_settings(
        services.redis,
        services.keys,
        shop,
        {"estimator": {"heading": "BRAVO-HEADING"}, "badges": {"support_hours": "BRAVO-HOURS"}},
        defaults,
    )
    await record_consent(
        services,
        shop,
        purpose="marketing_email",
        granted=True,
        source="storefront_widget",
        channel="email",
        text="BRAVO-CONSENT-TEXT",
        text_version="bravo-1",
        email=BRAVO_EMAIL,
    )
    export = await export_subject(services, shop, DataSubject(email=BRAVO_EMAIL))
    settings = journey_settings_from_dict(
        {"stages": {"confirmed": {"overrides": {"en": {"subject": "BRAVO-SUBJECT {{ order.name }}"}}}}}
    )
    await save_journey_settings(services, shop, settings)
    await record_template_problem(services, shop, "shipped", "en", "BRAVO-PROBLEM")
    await send_outbox_test(services, shop, "bravo-owner@x.example")
    today = date.today()
    await seed_outcomes(services, shop, today, {("estimate", "treatment", "impression"): 77777})
    await seed_orders(services, shop, today, "treatment", 3, "bravo-order-")
    await seed_sent_messages(services, shop, {Stage.CONFIRMED: 2})
    await seed_answers(services, shop, "nps", [10] * 12)
    dead = await seed_dead_letter(services, shop, "bravo-delivery-1", "BRAVO-ERROR")
    question = HelpRequestInput(email=BRAVO_EMAIL, question="BRAVO-QUESTION: where is my parcel?")
    help_request = await store_request(services, shop, question, now=datetime.now(UTC), retention_days=90)
    bravo_desk = {"kind": "zendesk", "subdomain": "bravo", "email": "bravo-owner@x.example", "api_token": "BRAVO-TOKEN"}
    await save_connection(services, shop, parse_connection(shop, bravo_desk, None))
    return Victim(shop, export.export_id, dead, help_request.id)


async def snapshot(services: Services, victim: Victim) -> dict[str, Any]:
    """Every key of shop B (its serialized value), and B's entries in the shared event stores."""
    found: dict[str, Any] = {}
    async for key in services.redis.scan_iter(match=services.keys.shop_pattern(victim.shop), count=1000):
        if ":admin:staff_seen:" in key:
            continue
        found[as_text(key)] = await services.redis.dump(key)
    found["dead"] = []
    for keys in StreamKeys.every(services.keys):
        dead: Any = await services.redis.xrange(keys.dead)
        found["dead"] += [entry for entry in dead if entry[1]["shop"] == victim.shop.tag]
    return found


Attack = Callable[[Victim], list[dict[str, Any]]]  # request options: params, json, path substitutions


def _with_shop(victim: Victim, **extra: Any) -> dict[str, Any]:
    return {"shop": victim.shop.id, **extra}


CASES: dict[tuple[str, str], Attack] = {
    ("GET", "/admin/"): lambda v: [{"params": {"shop": v.shop.id}}],
    ("GET", "/admin/{page}"): lambda v: [{"path": {"page": page}, "params": {"shop": v.shop.id}} for page in PAGES],
    ("GET", "/admin/api/session"): lambda v: [{"params": {"shop": v.shop.id}}],
    ("GET", "/admin/api/fragments/home"): lambda v: [{"params": {"shop": v.shop.id}}],
    ("GET", "/admin/api/fragments/health"): lambda v: [{"params": {"shop": v.shop.id}}],
    ("GET", "/admin/api/fragments/at_risk"): lambda v: [{"params": {"shop": v.shop.id}}],
    ("GET", "/admin/api/fragments/tracking"): lambda v: [{"params": {"shop": v.shop.id}}],
    ("PUT", "/admin/api/tracking/connection"): lambda v: [
        {"json": _with_shop(v, api_key="attacker-key-1234", webhook_secret="attacker-secret-1")},
        {
            "json": {"api_key": "attacker-key-1234", "webhook_secret": "attacker-secret-1"},
            "params": {"shop": v.shop.id},
        },
    ],
    ("DELETE", "/admin/api/tracking/connection"): lambda v: [{"params": {"shop": v.shop.id}}, {"json": _with_shop(v)}],
    ("POST", "/admin/api/tracking/test"): lambda v: [{"params": {"shop": v.shop.id}}, {"json": _with_shop(v)}],
    ("POST", "/admin/api/queue/replay"): lambda v: [
        {"json": {"id": v.dead_letter_id}},
        {"json": {"ids": [v.dead_letter_id]}},
        {"json": {"shop": v.shop.tag}},
        {"json": {"all": True}},
    ],
    ("GET", "/admin/api/fragments/dashboard"): lambda v: [{"params": {"shop": v.shop.id, "days": "7"}}],
    ("GET", "/admin/api/dashboard"): lambda v: [{"params": {"shop": v.shop.id, "days": "30"}}],
    ("GET", "/admin/api/fragments/estimator"): lambda v: [{"params": {"shop": v.shop.id, "country": "DE"}}],
    ("GET", "/admin/api/estimator/preview"): lambda v: [{"params": {"shop": v.shop.id, "country": "DE"}}],
    ("GET", "/admin/api/fragments/badges"): lambda v: [{"params": {"shop": v.shop.id}}],
    ("GET", "/admin/api/fragments/help"): lambda v: [
        {"params": {"shop": v.shop.id}},
        {"params": {"shop": v.shop.id, "status": "all", "request": v.help_request_id}},
    ],
    ("GET", "/admin/api/widgets/settings"): lambda v: [{"params": {"shop": v.shop.id}}],
    ("PUT", "/admin/api/widgets/settings"): lambda v: [
        {"json": {"shop": v.shop.id, "estimator": {"heading": "changed"}}},
        {"json": {"estimator": {"heading": "changed by the attacker"}}, "params": {"shop": v.shop.id}},
    ],
    ("GET", "/admin/api/fragments/emails"): lambda v: [
        {"params": {"shop": v.shop.id, "stage": "confirmed", "text_locale": "en"}},
        {"params": {"shop": v.shop.id, "stage": "shipped", "text_locale": "en"}},
    ],
    ("PUT", "/admin/api/emails/settings"): lambda v: [
        {"json": _with_shop(v, stages={"confirmed": {"overrides": {"en": {"subject": "changed"}}}})}
    ],
    ("POST", "/admin/api/emails/preview"): lambda v: [{"json": _with_shop(v, stage="confirmed", locale="en")}],
    ("POST", "/admin/api/emails/test"): lambda v: [{"json": _with_shop(v, stage="confirmed", to="a@attacker.example")}],
    ("GET", "/admin/api/fragments/privacy"): lambda v: [{"params": {"shop": v.shop.id}}],
    ("POST", "/admin/api/privacy/lookup"): lambda v: [{"json": _with_shop(v, email=BRAVO_EMAIL)}],
    ("POST", "/admin/api/privacy/exports"): lambda v: [{"json": _with_shop(v, email=BRAVO_EMAIL)}],
    ("GET", "/admin/api/privacy/exports/{export_id}"): lambda v: [
        {"path": {"export_id": v.export_id}, "params": {"shop": v.shop.id}}
    ],
    ("POST", "/admin/api/shipping/sync"): lambda v: [
        {"json": _with_shop(v)},
        {"json": {}, "params": {"shop": v.shop.id}},
    ],
    ("GET", "/admin/api/help/settings"): lambda v: [{"params": {"shop": v.shop.id}}],
    ("PUT", "/admin/api/help/settings"): lambda v: [
        {"json": _with_shop(v, support_email="attacker@evil.example")},
        {"json": {"reply_minutes": 5}, "params": {"shop": v.shop.id}},
    ],
    ("GET", "/admin/api/help/requests"): lambda v: [
        {"params": {"shop": v.shop.id}},
        {"params": {"shop": v.shop.id, "status": "open"}},
    ],
    ("GET", "/admin/api/fragments/sms"): lambda v: [{"params": {"shop": v.shop.id}}],
    ("PUT", "/admin/api/sms/settings"): lambda v: [
        {"json": _with_shop(v, enabled=True, sender="ATTACKER")},
        {"json": {"help_text": "changed by the attacker"}, "params": {"shop": v.shop.id}},
    ],
    ("POST", "/admin/api/help/requests/{request_id}/resolve"): lambda v: [
        {"path": {"request_id": v.help_request_id}, "params": {"shop": v.shop.id}},
        {"path": {"request_id": v.help_request_id}, "json": {"shop": v.shop.id}},
    ],
    ("GET", "/admin/api/help/helpdesk"): lambda v: [{"params": {"shop": v.shop.id}}],
    ("PUT", "/admin/api/help/helpdesk"): lambda v: [
        {"json": _with_shop(v, kind="gorgias", domain="evil", email="a@attacker.example", api_key="attacker-key")},
    ],
    ("DELETE", "/admin/api/help/helpdesk"): lambda v: [{"params": {"shop": v.shop.id}}, {"json": _with_shop(v)}],
    ("POST", "/admin/api/help/helpdesk/test"): lambda v: [{"params": {"shop": v.shop.id}}, {"json": _with_shop(v)}],
    ("GET", "/admin/api/fragments/status"): lambda v: [{"params": {"shop": v.shop.id}}],
    ("PUT", "/admin/api/status-page/branding"): lambda v: [
        {"json": _with_shop(v, accent="#000000")},
        {"json": {"accent": "#000000"}, "params": {"shop": v.shop.id}},
    ],
    ("POST", "/admin/api/status-page/preview"): lambda v: [
        {"json": {"accent": "#000000"}, "params": {"shop": v.shop.id}}
    ],
}


def admin_routes(settings: Settings) -> set[tuple[str, str]]:
    found = set()
    for path, route in iter_routes(create_app(settings).routes):
        if path.startswith("/admin") and isinstance(route, Route):
            found |= {(method, path) for method in (route.methods or set()) - {"HEAD"}}
    return found


def test_every_admin_route_has_an_attack_case(settings: Settings) -> None:
    routes = admin_routes(settings)
    assert len(routes) >= 20
    assert sorted(routes - set(CASES)) == [], "add an attack case for each new admin route"
    assert sorted(set(CASES) - routes) == []


def _requests(victim: Victim) -> list[tuple[str, str, dict[str, Any]]]:
    planned = []
    for (method, path), attack in sorted(CASES.items()):
        for options in attack(victim):
            url = path
            for name, value in options.get("path", {}).items():
                url = url.replace("{" + name + "}", value)
            planned.append((method, url, options))
    return planned


async def _send(
    client: httpx.AsyncClient, method: str, url: str, options: dict[str, Any], headers: dict[str, str]
) -> httpx.Response:
    body = options.get("json")
    return await client.request(
        method,
        url,
        params=options.get("params"),
        content=None if body is None else json.dumps(body),
        headers={**headers, **({"Content-Type": "application/json"} if body is not None else {})},
    )


@pytest.mark.parametrize("attacker", ["shopify", "bigcommerce"])
async def test_a_session_of_one_shop_never_reads_or_changes_another_shops_data(
    admin: AdminClients, attacker: str
) -> None:
    victim = await fill_victim(admin.services)
    before = await snapshot(admin.services, victim)
    if attacker == "bigcommerce":
        await admin.open_bigcommerce()
    own_shop = SHOP_A if attacker == "shopify" else STORE_C
    statuses: dict[str, int] = {}
    for method, url, options in _requests(victim):
        headers = admin.shopify(SHOP_A) if attacker == "shopify" else {"X-Upfront-CSRF": admin.bigcommerce_csrf}
        response = await _send(admin.http, method, url, options, headers)
        label = f"{method} {url} {json.dumps(options.get('json'))}"
        statuses[label] = response.status_code
        assert response.status_code < 500, (label, response.text[:300])
        leaked = [secret for secret in SECRETS if secret in response.text]
        assert leaked == [], (label, leaked)
        assert victim.export_id not in response.text or "export_id" in options.get("path", {}), label
        if url == "/admin/api/session" and attacker == "shopify":
            assert response.json()["shop"] == own_shop.id
    assert await snapshot(admin.services, victim) == before
    jobs = [
        as_text(job)
        for partition in admin.services.keys.layout.partitions()
        async for job in admin.services.redis.scan_iter(match=admin.services.keys.jobs(partition, "*"))
    ]
    assert not [job for job in jobs if victim.shop.tag in job], "no work was scheduled for shop B"
    # The attacks aimed at B's ids found nothing; the ones on the session's own shop worked.
    export_url = f"GET /admin/api/privacy/exports/{victim.export_id} null"
    assert statuses[export_url] == 404
    assert statuses[f"POST /admin/api/queue/replay {json.dumps({'id': victim.dead_letter_id})}"] == 404
    assert statuses[f"POST /admin/api/queue/replay {json.dumps({'ids': [victim.dead_letter_id]})}"] == 404
    assert statuses["GET /admin/api/fragments/dashboard null"] == 200
    assert statuses["GET /admin/api/fragments/help null"] == 200  # the session's own inbox, not B's
    resolve_b = f"POST /admin/api/help/requests/{victim.help_request_id}/resolve null"
    assert statuses[resolve_b] == 404
    created = json.dumps({"shop": SHOP_B.id, "email": BRAVO_EMAIL})
    assert statuses[f"POST /admin/api/privacy/exports {created}"] == 201


async def test_without_a_session_every_admin_api_route_is_refused(admin: AdminClients) -> None:
    victim = await fill_victim(admin.services)
    before = await snapshot(admin.services, victim)
    admin.http.cookies.clear()  # the install callback signed this client in to store C
    for method, url, options in _requests(victim):
        response = await _send(admin.http, method, url, options, {})
        if url.startswith("/admin/api/"):
            assert response.status_code == 401, (method, url, response.status_code)
        else:  # the page shells: the same for everyone, no shop data
            assert response.status_code == 200 and not [s for s in SECRETS if s in response.text]
    assert await snapshot(admin.services, victim) == before


async def test_a_forged_or_foreign_session_token_is_refused_with_app_bridges_retry_header(
    admin: AdminClients,
) -> None:
    forged = admin.emulators.shopify.session_token(SHOP_A.id)[:-4] + "AAAA"
    foreign_app = admin.emulators.shopify.session_token(SHOP_A.id, aud="someone-elses-app")
    for token in (forged, foreign_app, "not-a-jwt"):
        response = await admin.http.get("/admin/api/fragments/home", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
        assert response.headers["X-Shopify-Retry-Invalid-Session-Request"] == "1"
