"""The Helpdesk section of the Help prompts page, driven through its own forms against the Zendesk stand-in served
over loopback: connecting shows the helpdesk with its secret masked, "Send test ticket" files a ticket and the page
reports it, and a refused test shows the helpdesk's own error."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from plugin.devstore.helpdesks import HelpdeskStandIns
from tests.admin.conftest import AdminClients
from tests.admin.test_help_pages import form_with, page, submit
from tests.devstores import DEVSTORE, DevStores
from tests.helpdesk.conftest import AGENT, TOKEN, standin_origin, standins

pytestmark = pytest.mark.anyio
__all__ = ["standin_origin", "standins"]  # the loopback stand-ins, shared with tests/helpdesk
HELPDESK = "/admin/api/help/helpdesk"


@pytest.fixture
async def devstore_http(stores: DevStores) -> AsyncIterator[httpx.AsyncClient]:
    """The platform emulators in-process, as for every admin test; anything else (the stand-ins on loopback) goes
    over the network."""
    both = Starlette(routes=[Mount("/shopify", app=stores.shopify), Mount("/bigcommerce", app=stores.bigcommerce)])
    mounts = {DEVSTORE: httpx.ASGITransport(app=both), "all://": httpx.AsyncHTTPTransport()}
    async with httpx.AsyncClient(mounts=mounts, base_url=DEVSTORE) as client:
        yield client


@pytest.fixture
def test_env(test_env: dict[str, str], standin_origin: str) -> dict[str, str]:
    test_env["UPFRONT_ZENDESK_ORIGIN"] = standin_origin + "/zendesk/{subdomain}"
    return test_env


async def test_connecting_zendesk_and_sending_a_test_ticket_from_the_page(
    admin: AdminClients, standins: HelpdeskStandIns
) -> None:
    before = await page(admin)
    assert 'data-figure="helpdesk">Email only' in before
    connect = form_with(before, "api_token", **{"data-action": HELPDESK, "data-method": "PUT"})
    connected = await submit(admin, connect.fill(subdomain="shop", email=AGENT, api_token=TOKEN))
    assert connected.status_code == 200, connected.text

    after = await page(admin)
    assert 'data-figure="helpdesk">Zendesk' in after and TOKEN not in after
    assert f"stored: ••••••••{TOKEN[-4:]} (empty keeps it)" in after
    assert "/helpdesk/zendesk/" in after  # the status webhook URL to paste into Zendesk
    test = form_with(after, None, **{"data-action": HELPDESK + "/test"})
    sent = await submit(admin, test)
    (ticket_id,) = standins.zendesk.tickets
    assert sent.status_code == 200 and sent.json()["ticket_id"] == str(ticket_id)
    assert f"sent, ticket #{ticket_id}" in await page(admin)

    wrong = form_with(await page(admin), "api_token", **{"data-action": HELPDESK, "data-method": "PUT"})
    assert (await submit(admin, wrong.fill(api_token="revoked-token-0000"))).status_code == 200
    refused = await submit(admin, form_with(await page(admin), None, **{"data-action": HELPDESK + "/test"}))
    assert refused.status_code == 409 and "Couldn't authenticate you" in refused.json()["error"]
    assert "<strong>failed</strong>: Zendesk: the helpdesk refused (401): Couldn" in await page(admin)
