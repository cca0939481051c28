"""Callbacks refuse what BigCommerce did not sign, and failed installs explain themselves with the right status."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import jwt
import pytest

from plugin.bigcommerce.signed_payload import SignedPayloadError, verify_signed_payload
from plugin.devstore.bigcommerce import DEMO_STORE_HASH, BigCommerceEmulator
from plugin.keys import ShopRef
from plugin.services import Services
from tests.bigcommerce.conftest import EMULATOR_BASE
from tests.conftest import BIGCOMMERCE_CLIENT_ID, BIGCOMMERCE_SECRET, AppClientFactory

pytestmark = pytest.mark.anyio

SHOP = ShopRef("bigcommerce", DEMO_STORE_HASH)
Mint = Callable[[BigCommerceEmulator], str]

BAD_TOKENS: dict[str, Mint] = {
    "forged": lambda emu: emu.signed_payload_jwt(secret="not-the-client-secret-" + "x" * 16),
    "expired": lambda emu: emu.signed_payload_jwt(issued_at=time.time() - 2 * 24 * 3600),
    "not-yet-valid": lambda emu: emu.signed_payload_jwt(issued_at=time.time() + 120),
    "wrong-audience": lambda emu: emu.signed_payload_jwt(audience="another-apps-client-id"),
    "wrong-issuer": lambda emu: emu.signed_payload_jwt(issuer="not-bc"),
    "alg-none": lambda emu: emu.signed_payload_jwt(algorithm="none"),
    "hs512": lambda emu: emu.signed_payload_jwt(algorithm="HS512"),
    "garbage": lambda emu: "not.a.jwt",
    "missing": lambda emu: "",
}


@pytest.mark.parametrize("path", ["/bigcommerce/load", "/bigcommerce/uninstall", "/bigcommerce/remove-user"])
@pytest.mark.parametrize("mint", BAD_TOKENS.values(), ids=BAD_TOKENS.keys())
async def test_unsigned_or_misdirected_callbacks_get_401_and_change_nothing(
    app_client: AppClientFactory,
    emulator: BigCommerceEmulator,
    emulator_http: httpx.AsyncClient,
    services: Services,
    path: str,
    mint: Mint,
) -> None:
    async with app_client(http=emulator_http) as client:
        assert (await client.get("/bigcommerce/auth", params=emulator.authorize())).status_code == 200
        response = await client.get(path, params={"signed_payload_jwt": mint(emulator)})
    assert response.status_code == 401
    assert "could not be verified" in response.text
    assert "set-cookie" not in response.headers
    assert await services.shops.is_active(SHOP)


def test_a_token_a_few_seconds_early_is_accepted(emulator: BigCommerceEmulator) -> None:
    # BigCommerce's clock may run ahead of ours: issued 8 s "in the future" is within the 10 s leeway.
    token = emulator.signed_payload_jwt(issued_at=time.time() + 8)
    payload = verify_signed_payload(token, client_id=BIGCOMMERCE_CLIENT_ID, client_secret=BIGCOMMERCE_SECRET)
    assert payload.shop == SHOP and payload.user_is_owner


def test_a_subject_that_is_not_a_store_is_refused() -> None:
    now = int(time.time())
    claims = {"aud": BIGCOMMERCE_CLIENT_ID, "iss": "bc", "sub": "stores/../x", "nbf": now, "exp": now + 60}
    token = jwt.encode({**claims, "user": {"id": 1}}, BIGCOMMERCE_SECRET, algorithm="HS256")
    with pytest.raises(SignedPayloadError):
        verify_signed_payload(token, client_id=BIGCOMMERCE_CLIENT_ID, client_secret=BIGCOMMERCE_SECRET)


@pytest.mark.parametrize(
    "params",
    [
        {"scope": "x", "context": "stores/demo123"},
        {"code": "abc", "context": "stores/demo123"},
        {"code": "abc", "scope": "x"},
        {"code": "abc", "scope": "x", "context": "stores/../../evil"},
    ],
    ids=["no-code", "no-scope", "no-context", "bad-context"],
)
async def test_auth_without_its_parameters_is_a_400_page(
    app_client: AppClientFactory, emulator_http: httpx.AsyncClient, params: dict[str, str]
) -> None:
    async with app_client(http=emulator_http) as client:
        response = await client.get("/bigcommerce/auth", params=params)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html") and "<h1>" in response.text


async def test_a_used_or_unknown_code_is_a_401_page_and_stores_nothing(
    app_client: AppClientFactory, emulator: BigCommerceEmulator, emulator_http: httpx.AsyncClient, services: Services
) -> None:
    params = emulator.authorize()
    async with app_client(http=emulator_http) as client:
        first = await client.get("/bigcommerce/auth", params=params)
        await services.shops.mark_uninstalled(SHOP)
        replayed = await client.get("/bigcommerce/auth", params=params)
        unknown = await client.get("/bigcommerce/auth", params={**params, "code": "never-issued"})
    assert first.status_code == 200
    assert replayed.status_code == 401 and "refused" in replayed.text
    assert unknown.status_code == 401
    assert await services.shops.load_token(SHOP) is None


@pytest.mark.allow_error_logs("bigcommerce token exchange failed")
@pytest.mark.parametrize(
    "failure",
    [
        lambda request: httpx.Response(503, text="maintenance"),
        lambda request: httpx.Response(200, text="<html>not json</html>"),
        lambda request: httpx.Response(401, json={"error": "invalid_client"}),
    ],
    ids=["login-5xx", "login-not-json", "client-refused"],
)
async def test_login_service_failures_are_a_502_page(
    app_client: AppClientFactory, failure: Callable[[httpx.Request], httpx.Response]
) -> None:
    broken = httpx.AsyncClient(transport=httpx.MockTransport(failure), base_url=EMULATOR_BASE)
    async with broken, app_client(http=broken) as client:
        response = await client.get(
            "/bigcommerce/auth", params={"code": "c", "scope": "s", "context": f"stores/{DEMO_STORE_HASH}"}
        )
    assert response.status_code == 502
    assert "BigCommerce did not answer" in response.text


async def test_unreachable_login_service_is_a_502_page(app_client: AppClientFactory) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    broken = httpx.AsyncClient(transport=httpx.MockTransport(refuse), base_url=EMULATOR_BASE)
    async with broken, app_client(http=broken) as client:
        response = await client.get(
            "/bigcommerce/auth", params={"code": "c", "scope": "s", "context": f"stores/{DEMO_STORE_HASH}"}
        )
    assert response.status_code == 502


async def test_html_is_escaped(
    app_client: AppClientFactory, emulator: BigCommerceEmulator, emulator_http: httpx.AsyncClient
) -> None:
    user = {"id": 99, "email": "<script>alert(1)</script>@x.example"}
    async with app_client(http=emulator_http) as client:
        response = await client.get("/bigcommerce/auth", params=emulator.authorize(user=user))
    assert response.status_code == 200
    assert "<script>alert(1)" not in response.text and "&lt;script&gt;" in response.text
