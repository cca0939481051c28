"""Help requests hold a shopper's email, question and (with consent) cart: an access request exports them, an erasure
leaves no trace of the shopper anywhere in Redis (every key and value scanned, sealed ones opened), and the dev outbox
copy of the forwarded message goes with them."""

from __future__ import annotations

import pytest

from plugin.app import build_job_handlers
from plugin.email.outbox import OutboxMailer, list_outbox
from plugin.insights.store import InsightsExamplesStore, latest_examples
from plugin.insights.topics import TOPICS
from plugin.jobs import run_due_jobs
from plugin.keys import ShopRef
from plugin.privacy.erasure import erase_subject
from plugin.privacy.subjects import DataSubject
from plugin.services import Services
from tests.help.conftest import HelpClient, storefront
from tests.privacy.trace import Person, dump, hits
from widgets.help.privacy import HelpRequestStore
from widgets.help.requests import index_entries, index_key

pytestmark = pytest.mark.anyio

SHOPPER = "Ronja.Redact@example.net"
OTHER = "keep.me@example.net"


def body(email: str) -> dict[str, object]:
    cart = {"lines": [{"title": "Merino scarf", "quantity": 1, "price": "39.00"}], "total": "39.00", "currency": "EUR"}
    return {"email": email, "question": f"Question from {email}", "page": "/cart", "cart_consent": True, "cart": cart}


async def test_an_erased_shopper_leaves_no_trace_in_help_data(
    help_client: HelpClient, services: Services, shop: ShopRef
) -> None:
    async with help_client() as client:
        for email in (SHOPPER, SHOPPER.upper(), OTHER):
            assert (await client.post(storefront("/help/requests"), json=body(email))).status_code == 201
    await run_due_jobs(services, build_job_handlers(OutboxMailer()))  # no SMTP: forwarded into the dev outbox
    assert len(await list_outbox(services, shop)) == 3

    person = DataSubject(email=SHOPPER)
    exported = await HelpRequestStore().export(services, shop, person)
    assert sorted(record["email"] for record in exported) == [SHOPPER.upper(), SHOPPER]
    assert {record["cart"]["total"] for record in exported} == {"39.00"}

    before = hits(await dump(services.redis, services.cipher, services.keys.prefix), Person(None, SHOPPER, None))
    assert before, "the scanner must see the shopper before the erasure"

    result = await erase_subject(services, shop, person)
    assert result.counts["help_requests"] == 2

    found = await dump(services.redis, services.cipher, services.keys.prefix)
    assert found.unreadable == []
    assert hits(found, Person(None, SHOPPER, None)) == []
    assert hits(found, Person(None, SHOPPER.upper(), None)) == []
    # The other shopper's request, its forwarded copy and the index entry stay.
    assert hits(found, Person(None, OTHER, None))
    assert await services.redis.zcard(index_key(services, shop)) == 1
    assert [entry.headers["Reply-To"] for entry in await list_outbox(services, shop)] == [OTHER]
    assert await HelpRequestStore().export(services, shop, person) == []
    # The topic examples kept a reference to each request: only the other shopper's is left.
    examples = [example for topic in TOPICS for example in await latest_examples(services, shop, topic, 10)]
    assert [example.ref for example in examples] == [(await index_entries(services, shop))[0][0]]
    assert await InsightsExamplesStore().export(services, shop, person) == []


async def test_erasing_someone_without_requests_erases_nothing(
    help_client: HelpClient, services: Services, shop: ShopRef
) -> None:
    async with help_client() as client:
        await client.post(storefront("/help/requests"), json=body(OTHER))
    assert await HelpRequestStore().erase(services, shop, DataSubject(email="nobody@example.net")) == 0
    assert await HelpRequestStore().erase(services, shop, DataSubject(order_ids=("1",))) == 0
    assert await services.redis.zcard(index_key(services, shop)) == 1
