"""The Helpdesk section of the Help prompts page, driven through its own forms against the Zendesk stand-in served
over loopback: connecting shows the helpdesk with its secret masked, "Send test ticket" files a ticket and the page
reports it, and a refused test shows the helpdesk's own error; the inbox says where each request was filed, in the
admin's language."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from plugin.admin.language import LOCALE_HEADER
from plugin.app import build_job_handlers
from plugin.devstore.helpdesks import HelpdeskStandIns
from tests.admin.conftest import SHOP_A, AdminClients
from tests.admin.test_help_pages import FRAGMENT, form_with, page, row, submit
from tests.devstores import DEVSTORE, DevStores
from tests.helpdesk.conftest import AGENT, TOKEN, standin_origin, standins
from tests.journey.conftest import run_jobs
from widgets.help.handoff import schedule_hand_off
from widgets.help.requests import HelpRequestInput, store_request

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


async def test_the_inbox_says_where_a_request_was_filed_in_the_admins_language(
    admin: AdminClients, standins: HelpdeskStandIns
) -> None:
    connect = form_with(await page(admin), "api_token", **{"data-action": HELPDESK, "data-method": "PUT"})
    assert (await submit(admin, connect.fill(subdomain="shop", email=AGENT, api_token=TOKEN))).status_code == 200
    stored = await store_request(
        admin.services, SHOP_A, HelpRequestInput(email="ada@example.com", question="Gift wrap?"), now=datetime.now(UTC),
        retention_days=90,
    )  # fmt: skip
    await schedule_hand_off(admin.services, SHOP_A, stored)

    filing = await admin.http.get(FRAGMENT, headers={**admin.shopify(), LOCALE_HEADER: "de"})
    assert " · wird in Zendesk angelegt" in row(filing.text, "data-request", stored.id)
    await run_jobs(admin.services, build_job_handlers())
    (ticket_id,) = standins.zendesk.tickets
    filed = await admin.http.get(FRAGMENT, headers={**admin.shopify(), LOCALE_HEADER: "de"})
    assert f" · in Zendesk als Ticket #{ticket_id} angelegt" in row(filed.text, "data-request", stored.id)
    assert f" · filed in Zendesk as ticket #{ticket_id}" in row(await page(admin), "data-request", stored.id)
