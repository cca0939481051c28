"""The emulator works under any prefix (as `upfront dev` mounts it), and the callbacks are in the OpenAPI document."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from plugin.devstore.bigcommerce import DEMO_STORE_HASH, create_bigcommerce_emulator
from tests.conftest import APP_URL, BIGCOMMERCE_CLIENT_ID, BIGCOMMERCE_SECRET, AppClientFactory

pytestmark = pytest.mark.anyio


async def test_emulator_serves_both_origins_under_a_prefix() -> None:
    emulator = create_bigcommerce_emulator(BIGCOMMERCE_CLIENT_ID, BIGCOMMERCE_SECRET, APP_URL)
    host = Starlette(routes=[Mount("/_dev/bigcommerce", app=emulator)])
    api_origin, login_origin = emulator.origins("http://localhost:8000/_dev/bigcommerce")
    params = emulator.authorize()
    form = {
        "client_id": BIGCOMMERCE_CLIENT_ID,
        "client_secret": BIGCOMMERCE_SECRET,
        "code": params["code"],
        "context": params["context"],
        "scope": params["scope"],
        "grant_type": "authorization_code",
        "redirect_uri": f"{APP_URL}/bigcommerce/auth",
    }
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=host)) as http:
        granted = await http.post(f"{login_origin}/oauth2/token", data=form)  # form-encoded works too
        token = granted.json()["access_token"]
        store = await http.get(f"{api_origin}/stores/{DEMO_STORE_HASH}/v2/store", headers={"X-Auth-Token": token})
        wrong_redirect = await http.post(
            f"{login_origin}/oauth2/token", data={**form, "redirect_uri": f"{APP_URL}/other"}
        )
    assert granted.status_code == 200 and granted.json()["context"] == f"stores/{DEMO_STORE_HASH}"
    assert store.status_code == 200 and store.json()["currency"] == "USD"
    assert int(store.headers["x-rate-limit-requests-left"]) < int(store.headers["x-rate-limit-requests-quota"])
    assert wrong_redirect.status_code == 400


async def test_callbacks_and_webhook_are_documented(app_client: AppClientFactory) -> None:
    async with app_client() as client:
        paths = (await client.get("/openapi.json")).json()["paths"]
    for path in ("/bigcommerce/auth", "/bigcommerce/load", "/bigcommerce/uninstall", "/bigcommerce/remove-user"):
        assert "get" in paths[path]
    assert "post" in paths["/webhooks/bigcommerce"]
