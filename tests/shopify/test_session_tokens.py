"""Embedded admin requests: a bad session token gets 401 plus the header that makes App Bridge retry."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest

from plugin.devstore.shopify import DEMO_SHOP, ShopifyEmulator
from tests.conftest import SHOPIFY_API_KEY, AppClientFactory

pytestmark = pytest.mark.anyio


def forged(**changes: object) -> str:
    now = int(time.time())
    claims = {
        "iss": f"https://{DEMO_SHOP}/admin",
        "dest": f"https://{DEMO_SHOP}",
        "aud": SHOPIFY_API_KEY,
        "sub": "1",
        "exp": now + 60,
        "nbf": now,
        "iat": now,
        "jti": "j",
        "sid": "s",
    }
    claims.update(changes)
    secret = str(claims.pop("secret", "a-secret-that-is-not-the-apps-secret"))
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, secret, algorithm="HS256")


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param(None, id="missing"),
        pytest.param("Basic abc", id="not-bearer"),
        pytest.param("Bearer not.a.jwt", id="garbage"),
        pytest.param(lambda e: "Bearer " + forged(), id="forged"),
        pytest.param(lambda e: "Bearer " + e.session_token(lifetime=-30), id="expired"),
        pytest.param(lambda e: "Bearer " + e.session_token(aud="another-app"), id="other-audience"),
        pytest.param(
            lambda e: "Bearer " + e.session_token(iss="https://evil.example/admin", dest="https://evil.example"),
            id="not-myshopify",
        ),
        pytest.param(lambda e: "Bearer " + e.session_token(dest="https://other.myshopify.com"), id="iss-dest-differ"),
        pytest.param(lambda e: "Bearer " + e.session_token(exp=None), id="no-expiry"),
    ],
)
async def test_bad_session_tokens_get_401_with_the_retry_header(
    app_client: AppClientFactory, emulator: ShopifyEmulator, emulator_http: httpx.AsyncClient, authorization: object
) -> None:
    value = authorization(emulator) if callable(authorization) else authorization
    headers = {} if value is None else {"Authorization": str(value)}
    async with app_client(http=emulator_http) as app:
        answer = await app.get("/admin/api/session", headers=headers)
    assert answer.status_code == 401
    assert answer.headers["x-shopify-retry-invalid-session-request"] == "1"
    assert emulator.grants == []


async def test_none_algorithm_is_refused(
    app_client: AppClientFactory, emulator: ShopifyEmulator, emulator_http: httpx.AsyncClient
) -> None:
    claims = {"iss": f"https://{DEMO_SHOP}/admin", "dest": f"https://{DEMO_SHOP}", "aud": SHOPIFY_API_KEY}
    unsigned = jwt.encode(claims, "", algorithm="none")
    async with app_client(http=emulator_http) as app:
        answer = await app.get("/admin/api/session", headers={"Authorization": f"Bearer {unsigned}"})
    assert answer.status_code == 401
