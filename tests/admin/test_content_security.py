"""The admin's Content-Security-Policy: the shell runs only its own nonced script and App Bridge, nothing else;
every other admin answer, opened directly, runs nothing."""

from __future__ import annotations

import re

import pytest

from tests.admin.conftest import SHOP_A, AdminClients
from tests.csp import directives, runs_nothing

pytestmark = pytest.mark.anyio

APP_BRIDGE = "https://cdn.shopify.com/shopifycloud/app-bridge.js"
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
PAGES = (
    "/admin/",
    "/admin/dashboard",
    "/admin/estimator",
    "/admin/badges",
    "/admin/help",
    "/admin/emails",
    "/admin/privacy",
    "/admin/health",
)


def _nonce_of(policy: dict[str, list[str]]) -> str:
    nonces = [source for source in policy["script-src"] if source.startswith("'nonce-")]
    assert len(nonces) == 1, policy["script-src"]
    return nonces[0][len("'nonce-") : -1]


@pytest.mark.parametrize("path", PAGES)
async def test_a_shopify_admin_page_runs_only_its_nonced_script_and_app_bridge(admin: AdminClients, path: str) -> None:
    admin.http.cookies.clear()
    page = await admin.http.get(path, params={"shop": SHOP_A.id, "host": "abc", "embedded": "1"})
    assert page.status_code == 200
    policy = directives(page.headers["content-security-policy"])
    nonce = _nonce_of(policy)
    assert policy["script-src"] == ["'self'", f"'nonce-{nonce}'", APP_BRIDGE]
    assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"] and policy["form-action"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["https://admin.shopify.com", "http://devstore.test"]
    for attributes in SCRIPT_TAG.findall(page.text):
        assert f'nonce="{nonce}"' in attributes or f'src="{APP_BRIDGE}"' in attributes, attributes
    assert not re.search(r"\son[a-z]+=", page.text), "no inline event handlers: the policy would block them"


async def test_every_response_gets_its_own_nonce(admin: AdminClients) -> None:
    admin.http.cookies.clear()
    first, second = [await admin.http.get("/admin/", params={"shop": SHOP_A.id}) for _ in range(2)]
    nonces = {_nonce_of(directives(page.headers["content-security-policy"])) for page in (first, second)}
    assert len(nonces) == 2 and all(len(nonce) >= 22 for nonce in nonces)


async def test_the_bigcommerce_admin_page_loads_no_app_bridge_and_is_framed_only_by_the_control_panel(
    admin: AdminClients,
) -> None:
    await admin.open_bigcommerce()
    page = await admin.http.get("/admin/health")
    policy = directives(page.headers["content-security-policy"])
    assert policy["script-src"] == ["'self'", f"'nonce-{_nonce_of(policy)}'"]
    assert policy["frame-ancestors"] == ["'self'", "https://*.bigcommerce.com", "https://*.mybigcommerce.com"]
    assert APP_BRIDGE not in page.text


async def test_admin_api_answers_and_missing_pages_run_nothing_when_opened_directly(admin: AdminClients) -> None:
    admin.http.cookies.clear()
    answers = [
        await admin.http.get("/admin/api/fragments/health", headers=admin.shopify()),
        await admin.http.get("/admin/api/fragments/home"),  # no session: 401
        await admin.http.get("/admin/nonsense"),
        await admin.http.get("/admin/api/session", headers=admin.shopify()),
    ]
    assert [answer.status_code for answer in answers] == [200, 401, 404, 200]
    for answer in answers:
        assert runs_nothing(answer.headers["content-security-policy"]), answer.request.url


async def test_the_bigcommerce_callback_pages_allow_no_script(admin: AdminClients) -> None:
    refused = await admin.http.get("/bigcommerce/load", params={"signed_payload_jwt": "not-a-jwt"})
    assert refused.status_code >= 400
    policy = directives(refused.headers["content-security-policy"])
    assert policy["default-src"] == ["'none'"] and "script-src" not in policy
