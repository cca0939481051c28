"""The order-status page answers what customers ask about an order, from the order's own progress and the shop's
stated facts, and is one click from a person: "where is my order", "can I change the address", "how do I return",
each with an "ask" link that opens the message form filled in, whose request carries the order.

Through the whole app with the Shopify dev store (documented webhook payloads, the worker, real SMTP), and the
decisions themselves for every stage an order can be in."""

from __future__ import annotations

import html as markup
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import httpx
import pytest

from plugin.app import build_job_handlers
from plugin.devstore.shopify import ShopifyEmulator
from plugin.email.journey_settings import JourneySettings, save_journey_settings
from plugin.email.wording import wording
from plugin.keys import ShopRef
from plugin.order_status.answers import order_answers, prefilled_question
from plugin.order_status.view import Progress, ShipmentView, progress
from plugin.services import Services
from plugin.shopify.sync import sync_shipping_zones, sync_shop_facts
from tests.conftest import APP_URL, AppClientFactory
from tests.journey.conftest import drain_events, run_jobs
from tests.order_status.support import new_order, send, ship_two_parcels
from tests.smtp import Inbox
from widgets.help.answers import ReturnsFacts
from widgets.help.requests import list_requests

pytestmark = pytest.mark.anyio
FORM = {"content-type": "application/x-www-form-urlencoded", "origin": APP_URL}
EN = wording("en").status


def _answers(html: str) -> dict[str, str]:
    """Each answer's text (tags stripped, whitespace folded), by its id."""
    found = re.findall(r'<details class="answer" data-answer="(\w+)"[^>]*>(.*?)</details>', html, re.S)
    return {key: " ".join(markup.unescape(re.sub(r"<[^>]+>", " ", body)).split()) for key, body in found}


def _token(html: str) -> str:
    found = re.search(r'name="f" value="([^"]+)"', html)
    assert found
    return found.group(1)


async def _page_of_new_order(
    services: Services, shop: ShopRef, emulator: ShopifyEmulator, client: httpx.AsyncClient, inbox: Inbox
) -> tuple[dict[str, object], str]:
    await sync_shop_facts(services, shop, {})
    await sync_shipping_zones(services, shop, {})
    await save_journey_settings(services, shop, JourneySettings(quiet_hours=None))
    node = new_order(datetime.now(UTC) - timedelta(hours=3))
    emulator.orders.append(node)
    await send(client, emulator, "orders/create", node)
    await drain_events(services)
    await run_jobs(services, build_job_handlers())
    [confirmation] = inbox.to("customer1@example.com")
    body = str(confirmation.get_body(("html",)).get_content())  # type: ignore[union-attr]
    [link] = [url for url in re.findall(r'href="([^"]+)"', body) if url.startswith(f"{APP_URL}/o/")]
    return node, link.replace("&amp;", "&").removeprefix(APP_URL).split("?")[0]


async def test_a_new_orders_page_answers_from_its_progress_and_one_click_files_the_question_with_the_order(
    services: Services,
    installed: ShopRef,
    emulator: ShopifyEmulator,
    emulator_http: httpx.AsyncClient,
    app_client: AppClientFactory,
    inbox: Inbox,
) -> None:
    async with app_client(http=emulator_http) as client:
        node, path = await _page_of_new_order(services, installed, emulator, client, inbox)
        page = await client.get(path)
        answers = _answers(page.text)
        assert list(answers) == ["where", "address", "return"]
        # Not shipped yet: where it is, the window the page expects, and the address may still change.
        assert EN["a_where_preparing"] in answers["where"]
        expected = re.search(r"<dd data-expected>([^<]+)</dd>", page.text)
        assert expected and EN["a_where_expected"].format(window=expected.group(1).strip()) in answers["where"]
        assert answers["address"].startswith(f"{EN['q_address']} {EN['a_address_open']}")
        # Returns: the window the shop's return rules state (as its money-back badge states it), and its policy.
        assert answers["return"].startswith(f"{EN['q_return']} You can return items within 30 days.")
        assert re.search(r'<a href="https://[^"]+" rel="noopener noreferrer" target="_blank">Refund policy', page.text)
        # One click to a person: the form opens filled in with the question and the order's name.
        ask = re.search(r'href="([^"]+)" data-ask="address"', page.text)
        assert ask and ask.group(1) == f"{path}?ask=address#form-h"
        opened = await client.get(f"{path}?ask=address")
        question = EN["prefill_address"].format(order=node["name"])
        assert f">{markup.escape(question)}</textarea>" in opened.text
        assert '<details class="answer" data-answer="address" open>' in opened.text
        text = f"{question} Hauptstraße 5, 10117 Berlin"
        sent = await client.post(
            f"{path}/message",
            headers=FORM,
            content=f"f={quote(_token(opened.text))}&email=customer1%40example.com&question={quote(text)}",
        )
        assert sent.status_code == 200, sent.text
        [request] = await list_requests(services, installed, status="open", limit=5)
        assert request.question == text
        assert request.order == {"id": node["legacyResourceId"], "name": node["name"], "source": "status_page"}
        # An unknown `ask` is ignored: the plain page, the form empty.
        plain = await client.get(f"{path}?ask=<script>")
        assert plain.status_code == 200 and "></textarea>" in plain.text and " open>" not in plain.text
        # Once it has shipped, the address can no longer change; the carrier's page is where to redirect it.
        ship_two_parcels(node, datetime.now(UTC) - timedelta(hours=1))
        await send(client, emulator, "orders/updated", node)
        await drain_events(services)
        shipped = _answers((await client.get(path)).text)
    assert EN["a_where_problem"] in shipped["where"]  # one of the two parcels was reported failed
    assert EN["a_address_shipped"] in shipped["address"] and EN["carrier_link"] in shipped["address"]


def _view(carrier: str | None, url: str | None = None) -> ShipmentView:
    return ShipmentView(1, "in_transit", False, carrier, "123", url, ())


def _progress(rank: int, *, cancelled: bool = False, exception: str | None = None) -> Progress:
    return Progress(rank, cancelled, exception, ())


def _answer_lines(shown: Progress, **given: object) -> dict[str, tuple[str, ...]]:
    options: dict[str, object] = {
        "late": False,
        "expected": "Thu 10 – Mon 14 Dec",
        "delivered": None,
        "shipments": (),
        "returns": None,
        "returns_link_label": "Refund policy",
        "words": EN,
    }
    options.update(given)
    return {answer.id: answer.lines for answer in order_answers(shown=shown, **options)}  # type: ignore[arg-type]


def test_each_stage_answers_what_is_true_then_and_nothing_more() -> None:
    window = EN["a_where_expected"].format(window="Thu 10 – Mon 14 Dec")
    confirmed = _answer_lines(_progress(1))
    assert confirmed["where"] == (EN["a_where_preparing"], window)
    assert confirmed["address"] == (EN["a_address_open"],)
    assert confirmed["return"] == (EN["a_return_ask"],)  # no return facts: ask, never an invented window
    on_its_way = _answer_lines(_progress(2), shipments=(_view("DHL"), _view("UPS"), _view(None)))
    assert on_its_way["where"] == (EN["a_where_on_its_way_with"].format(carrier="DHL / UPS"), window)
    assert on_its_way["address"] == (EN["a_address_shipped"],)
    late = _answer_lines(_progress(3, exception="late"), expected=None)
    assert late["where"] == (EN["a_where_out"], EN["a_where_late"])
    delivered = _answer_lines(_progress(4), delivered="Tue 8 Dec")
    assert delivered["where"] == (EN["a_where_delivered"].format(date="Tue 8 Dec"),)
    assert "address" not in delivered  # nothing left to redirect
    assert _answer_lines(_progress(0, cancelled=True)) == {}
    # A French date ends in its abbreviation's period: the sentence takes no second one.
    french = wording("fr").status
    [said] = _answer_lines(_progress(4), delivered="jeu. 3 déc.", words=french)["where"]
    assert "le jeu. 3 déc. Si vous" in said and ".." not in said
    assert _answer_lines(_progress(1), expected="lun. 7 déc. – mer. 9 déc.", words=french)["where"][1].endswith("déc.")
    stated = ReturnsFacts(("You can return items within 30 days.", "Returns are free."), "https://shop.example/r")
    [with_facts] = [
        answer
        for answer in order_answers(
            shown=_progress(4),
            late=False,
            expected=None,
            delivered=None,
            shipments=(),
            returns=stated,
            returns_link_label="Refund policy",
            words=EN,
        )
        if answer.id == "return"
    ]
    assert with_facts.lines == stated.lines and with_facts.link_url == "https://shop.example/r"


def test_the_platforms_progress_drives_the_stage_and_questions_are_filled_in_the_customers_language() -> None:
    unfulfilled = {"id": "1", "status": "open", "shipments": [], "created_at": "2026-12-01T10:00:00+00:00"}
    assert progress(unfulfilled, None).rank == 1
    german = wording("de").status
    assert (
        prefilled_question("return", "#1001", german) == "Ich möchte Artikel aus der Bestellung #1001 zurückschicken:"
    )
    assert prefilled_question("nonsense", "#1001", german) == ""
