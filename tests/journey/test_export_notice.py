"""A Shopify data request: the export is made, and the merchant is told by email where to download it — with no
personal data about the customer in that email."""

from __future__ import annotations

import httpx
import pytest

from plugin.app import build_job_handlers
from plugin.devstore.shopify import ShopifyEmulator
from plugin.keys import ShopRef
from plugin.privacy.exports import list_exports
from plugin.services import Services
from plugin.shop_data import load_facts
from plugin.shopify.sync import sync_shop_facts
from tests.conftest import AppClientFactory
from tests.journey.conftest import Inbox, drain_events, run_jobs
from tests.shopify.conftest import EMULATOR_BASE, emulator, emulator_http, installed, services  # noqa: F401

pytestmark = pytest.mark.anyio


@pytest.fixture
def test_env(test_env: dict[str, str]) -> dict[str, str]:
    test_env["UPFRONT_SHOPIFY_ORIGIN"] = EMULATOR_BASE + "/{shop}"
    return test_env


async def test_a_data_request_emails_the_merchant_where_the_export_is(
    app_client: AppClientFactory,
    emulator: ShopifyEmulator,  # noqa: F811
    emulator_http: httpx.AsyncClient,  # noqa: F811
    services: Services,  # noqa: F811
    installed: ShopRef,  # noqa: F811
    inbox: Inbox,
) -> None:
    await sync_shop_facts(services, installed, {})
    facts = await load_facts(services.redis, services.keys, installed)
    assert facts is not None and facts.email
    headers, body = emulator.webhook("customers/data_request", installed.id)
    async with app_client(http=emulator_http) as client:
        assert (await client.post("/webhooks/shopify", headers=headers, content=body)).json() == {"status": "queued"}
    await drain_events(services)
    jobs = build_job_handlers()
    await run_jobs(services, jobs)
    await run_jobs(services, jobs)  # a redelivered request rewrites the same export; the notice is sent once

    [export] = await list_exports(services, installed)
    [notice] = inbox.to(facts.email)
    text = notice.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert export.export_id in text and "/admin/privacy" in text and "9999" in text  # Shopify's request id
    assert "john@example.com" not in text and "191167" not in text and "555-625-1199" not in text
