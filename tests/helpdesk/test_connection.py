"""The merchant connects one helpdesk in the admin: its credentials are stored encrypted (the raw Redis value is not
the key) and shown back only as their last characters; "send test ticket" reports the ticket or the helpdesk's own
error; bad input is a 400 naming the field and stores nothing. Ticket references follow the person's export and
erasure."""

from __future__ import annotations

from typing import Any

import pytest
from redis.asyncio import Redis
from starlette.datastructures import Secret

from plugin.app import build_job_handlers, build_services
from plugin.devstore.helpdesks import HelpdeskStandIns
from plugin.email.transport import SmtpMailer
from plugin.helpdesk.connection import connection_key, load_connection
from plugin.privacy.registry import personal_data_stores
from plugin.privacy.subjects import DataSubject
from plugin.services import Services
from plugin.settings import Settings
from plugin.storage import as_optional_text
from tests.helpdesk.conftest import ADMIN, API_KEY, CHATWOOT_TOKEN, CONNECT, KINDS, TOKEN, AppClient, stand_in
from tests.helpdesk.test_handoff import SHOPPER, ask, connect
from tests.journey.conftest import run_jobs
from tests.journey.support import SHOP, MemoryPlatform

pytestmark = pytest.mark.anyio

SECRETS = {"zendesk": TOKEN, "gorgias": API_KEY, "chatwoot": CHATWOOT_TOKEN}
SECRET_FIELD = {"zendesk": "api_token", "gorgias": "api_key", "chatwoot": "api_access_token"}


@pytest.mark.parametrize("kind", KINDS)
async def test_credentials_are_encrypted_at_rest_and_never_shown_in_full(
    shop: tuple[Services, MemoryPlatform], app_client: AppClient, kind: str
) -> None:
    services, _ = shop
    document = await connect(app_client, kind)
    raw = {
        k.decode() if isinstance(k, bytes) else k: v
        for k, v in (await services.redis.hgetall(connection_key(services, SHOP))).items()
    }
    stored = b"".join(v if isinstance(v, bytes) else str(v).encode() for v in raw.values())
    assert SECRETS[kind].encode() not in stored and raw["secrets"]
    shown = document["connection"]["secrets"][SECRET_FIELD[kind]]
    assert shown.endswith(SECRETS[kind][-4:]) and SECRETS[kind] not in str(document)
    async with app_client() as client:
        again = await client.get("/admin/help/helpdesk", headers=ADMIN)
    assert SECRETS[kind] not in again.text and again.json()["connection"]["kind"] == kind
    # Changing an account field without pasting the secret again keeps it.
    changed = {**CONNECT[kind], SECRET_FIELD[kind]: None}
    async with app_client() as client:
        assert (await client.put("/admin/help/helpdesk", json=changed, headers=ADMIN)).status_code == 200
        assert (await client.post("/admin/help/helpdesk/test", headers=ADMIN)).json()["ok"] is True


@pytest.mark.parametrize("kind", KINDS)
async def test_the_test_ticket_reports_the_ticket_or_the_helpdesks_error(
    shop: tuple[Services, MemoryPlatform], standins: HelpdeskStandIns, app_client: AppClient, kind: str
) -> None:
    await connect(app_client, kind)
    async with app_client() as client:
        answer = await client.post("/admin/help/helpdesk/test", headers=ADMIN)
    assert answer.status_code == 200 and answer.json()["ok"] is True
    (ticket,) = stand_in(standins, kind).tickets.values()
    assert str(ticket["id"]) == answer.json()["ticket_id"]
    await connect(app_client, kind, **{SECRET_FIELD[kind]: "revoked-credential-000"})
    async with app_client() as client:
        refused = await client.post("/admin/help/helpdesk/test", headers=ADMIN)
        document = (await client.get("/admin/help/helpdesk", headers=ADMIN)).json()
    assert refused.status_code == 409 and refused.json()["ok"] is False
    assert "401" in refused.json()["error"] and kind.title() in refused.json()["error"]
    assert document["connection"]["last_test"]["error"] == refused.json()["error"]


async def test_no_helpdesk_no_test_ticket(shop: tuple[Services, MemoryPlatform], app_client: AppClient) -> None:
    async with app_client() as client:
        answer = await client.post("/admin/help/helpdesk/test", headers=ADMIN)
    assert answer.status_code == 409 and "connect a helpdesk" in answer.json()["error"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "freshdesk"}, "kind"),
        ({**CONNECT["zendesk"], "subdomain": "not a domain!"}, "subdomain"),
        ({**CONNECT["zendesk"], "email": "agent"}, "email"),
        ({**CONNECT["zendesk"], "api_token": ""}, "api_token"),
        ({**CONNECT["zendesk"], "subdomain": "shop.zendesk.com"}, "subdomain"),
        ({**CONNECT["gorgias"], "api_key": "has spaces in it"}, "api_key"),
        ({**CONNECT["chatwoot"], "base_url": "http://chat.shop.test"}, "base_url"),
        ({**CONNECT["chatwoot"], "account_id": "seven"}, "account_id"),
    ],
    ids=[
        "unknown-kind",
        "bad-subdomain",
        "bad-email",
        "empty-token",
        "whole-host",
        "spaced-key",
        "plain-http",
        "bad-account",
    ],
)
async def test_bad_connection_input_is_400_naming_the_field_and_stores_nothing(
    shop: tuple[Services, MemoryPlatform], app_client: AppClient, body: dict[str, Any], field: str
) -> None:
    services, _ = shop
    async with app_client() as client:
        answer = await client.put("/admin/help/helpdesk", json=body, headers=ADMIN)
    assert answer.status_code == 400 and answer.json()["field"] == field
    assert await services.redis.exists(connection_key(services, SHOP)) == 0


async def test_a_secret_left_out_with_none_stored_is_409_and_stores_nothing(
    shop: tuple[Services, MemoryPlatform], app_client: AppClient
) -> None:
    services, _ = shop
    body = {key: value for key, value in CONNECT["gorgias"].items() if key != "api_key"}
    async with app_client() as client:
        answer = await client.put("/admin/help/helpdesk", json=body, headers=ADMIN)
    assert answer.status_code == 409 and answer.json()["field"] == "api_key"
    assert await services.redis.exists(connection_key(services, SHOP)) == 0


async def test_ticket_references_are_exported_and_erased_with_the_person(
    shop: tuple[Services, MemoryPlatform], standins: HelpdeskStandIns, app_client: AppClient, smtp_url: str
) -> None:
    services, _ = shop
    await connect(app_client, "zendesk")
    stored = await ask(services)
    await run_jobs(services, build_job_handlers(SmtpMailer(smtp_url)))
    (store,) = [found for found in personal_data_stores() if found.name == "helpdesk_tickets"]
    person = DataSubject(email=SHOPPER)
    (exported,) = await store.export(services, SHOP, person)
    assert exported["request"] == stored.id and exported["ticket_id"] == str(next(iter(standins.zendesk.tickets)))
    assert await store.export(services, SHOP, DataSubject(email="someone.else@example.org")) == []
    assert await store.erase(services, SHOP, person) == 1
    assert await store.export(services, SHOP, person) == []


async def test_after_a_key_rotation_the_credentials_still_open_and_are_sealed_again(
    shop: tuple[Services, MemoryPlatform], app_client: AppClient, settings: Settings, redis: Redis
) -> None:
    services, _ = shop
    await connect(app_client, "zendesk")
    old = as_optional_text(await services.redis.hget(connection_key(services, SHOP), "secrets"))
    rotated = settings.with_overrides(secret_key=Secret("n" * 40), secret_key_previous=settings.secret_key)
    after = build_services(rotated, redis, services.http)
    connection = await load_connection(after, SHOP)
    assert connection is not None and connection.secrets["api_token"] == TOKEN
    resealed = as_optional_text(await services.redis.hget(connection_key(services, SHOP), "secrets"))
    assert resealed is not None and resealed != old and not after.cipher.needs_rotation(resealed)
    forgotten = build_services(settings.with_overrides(secret_key=Secret("x" * 40)), redis, services.http)
    assert await load_connection(forgotten, SHOP) is None  # the merchant is asked to connect again, no error
