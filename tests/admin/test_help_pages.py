"""The Help prompts page, driven through its own forms: the inbox shows the signed-in shop's questions (open first)
and resolves them; hours, channels, rules and FAQ saved from the page reach the storefront; a refused value names
a field the page has an input for; merchant and shopper text is shown as text.

The forms are read from the rendered page and turned into JSON the way the admin shell's script does (`payload` in
templates/admin/shell.html): dotted names, `data-type`, hidden `data-type=json` sections (`data-from` a JSON data
block), `data-compact`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest

from plugin.keys import ShopRef
from tests.admin.conftest import SHOP_A, SHOP_B, AdminClients
from widgets.help.requests import HelpRequestInput, StoredRequest, store_request

pytestmark = pytest.mark.anyio

FRAGMENT = "/admin/api/fragments/help"
SETTINGS = "/admin/api/help/settings"
MISSING = object()  # what the shell's `undefined` is: left out of the JSON object
CART = {"lines": [{"title": "Canvas tote", "quantity": 2, "price": "24.90"}], "total": "49.80", "currency": "EUR"}


# --- the page's forms, as the shell's script reads them --------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str  # the element's type: text, hidden, checkbox, select, textarea, ...
    data_type: str
    value: str
    checked: bool = False
    data_from: str | None = None  # the id of the JSON data block that holds the value


@dataclass
class Form:
    attrs: dict[str, str]
    blocks: dict[str, str]  # the page's JSON data blocks by id
    fields: list[Field] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [item.name for item in self.fields]

    def fill(self, **values: str | bool) -> Form:
        """Type into the form's fields: keyword `name__with__dots` for `name.with.dots` (booleans tick boxes)."""
        for key, value in values.items():
            name = key.replace("__", ".")
            found = [item for item in self.fields if item.name == name]
            assert found, f"no field {name} in {self.names}"
            for item in found:
                if isinstance(value, bool):
                    item.checked = value
                else:
                    item.value = value
        return self

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for item in self.fields:
            if item.data_type == "list":
                raise AssertionError("list fields are not used on this page")
            if item.kind == "radio" and not item.checked:
                continue
            _assign(data, item.name, _typed(item, self.blocks))
        found: dict[str, Any] = _compact(data) if "data-compact" in self.attrs else _drop_missing(data)
        return found


def _typed(item: Field, blocks: dict[str, str]) -> Any:
    if item.data_type == "bool":
        return item.checked
    if item.data_type == "int":
        return None if not item.value.strip() else int(item.value)
    if item.data_type == "nullable":
        return None if not item.value.strip() else item.value
    if item.data_type == "optional":
        return MISSING if not item.value.strip() else item.value
    if item.data_type == "json":
        return json.loads(blocks[item.data_from] if item.data_from else item.value)
    return item.value


def _assign(target: Any, path: str, value: Any) -> None:
    keys = path.split(".")
    last = keys.pop()
    for position, key in enumerate(keys):
        following = keys[position + 1] if position + 1 < len(keys) else last
        if _get(target, key) is None:
            _put(target, key, [] if following.isdigit() else {})
        target = _get(target, key)
    _put(target, last, value)


def _get(target: Any, key: str) -> Any:
    if isinstance(target, list):
        return target[int(key)] if int(key) < len(target) else None
    return target.get(key)


def _put(target: Any, key: str, value: Any) -> None:
    if isinstance(target, list):
        target.extend([None] * (int(key) + 1 - len(target)))  # a hole, as in a JavaScript array
        target[int(key)] = value
    else:
        target[key] = value


def _empty(value: Any) -> bool:
    return isinstance(value, dict | list) and not value


def _compact(value: Any) -> Any:
    if isinstance(value, list):
        items = [_compact(item) for item in value]
        return [item for item in items if item is not None and item is not MISSING and not _empty(item)]
    if isinstance(value, dict):
        entries = {key: _compact(item) for key, item in value.items() if item is not MISSING}
        return {key: item for key, item in entries.items() if not (isinstance(item, dict) and not item)}
    return value


def _drop_missing(value: Any) -> Any:
    if isinstance(value, list):
        return [None if item is MISSING else _drop_missing(item) for item in value]
    if isinstance(value, dict):
        return {key: _drop_missing(item) for key, item in value.items() if item is not MISSING}
    return value


class FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.blocks: dict[str, str] = {}
        self.block: str | None = None
        self.current: Form | None = None
        self.select: Field | None = None
        self.textarea: Field | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.current = Form(found, self.blocks)
            self.forms.append(self.current)
        elif tag == "script" and found.get("type") == "application/json":
            self.block = found["id"]
            self.blocks[self.block] = ""
        elif self.current is None or "name" not in found:
            if tag == "option" and self.select is not None and ("selected" in found or not self.select.value):
                self.select.value = found.get("value", "")
        elif tag == "input" and found.get("type") not in ("submit", "button"):
            kind = found.get("type", "text")
            data_type, value, source = found.get("data-type", "text"), found.get("value", ""), found.get("data-from")
            self.current.fields.append(Field(found["name"], kind, data_type, value, "checked" in found, source))
        elif tag == "select":
            self.select = Field(found["name"], "select", found.get("data-type", "text"), "")
            self.current.fields.append(self.select)
        elif tag == "textarea":
            self.textarea = Field(found["name"], "textarea", found.get("data-type", "text"), "")
            self.current.fields.append(self.textarea)

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.textarea.value += data
        if self.block is not None:
            self.blocks[self.block] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "script":
            self.block = None


def forms(html: str) -> list[Form]:
    reader = FormReader()
    reader.feed(html)
    return reader.forms


def form_with(html: str, name: str | None, **attrs: str) -> Form:
    """The one form that has a field called `name` (if given) and the given attributes."""
    found = [
        form
        for form in forms(html)
        if (name is None or name in form.names) and all(form.attrs.get(key) == value for key, value in attrs.items())
    ]
    assert len(found) == 1, (name, attrs, [form.names for form in found])
    return found[0]


async def submit(admin: AdminClients, form: Form, shop: ShopRef = SHOP_A) -> Any:
    return await admin.http.request(
        form.attrs.get("data-method", "POST"),
        form.attrs["data-action"],
        content=json.dumps(form.payload()),
        headers={**admin.shopify(shop), "Content-Type": "application/json"},
    )


async def page(admin: AdminClients, shop: ShopRef = SHOP_A) -> str:
    response = await admin.http.get(FRAGMENT, headers=admin.shopify(shop))
    assert response.status_code == 200, response.text[:500]
    assert response.headers["cache-control"] == "no-store"
    return response.text


async def ask(admin: AdminClients, shop: ShopRef, question: str, *, minutes_ago: int, **extra: Any) -> StoredRequest:
    request = HelpRequestInput(email=extra.pop("email", "ada@example.com"), question=question, **extra)
    now = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    return await store_request(admin.services, shop, request, now=now, retention_days=90)


def row(html: str, attribute: str, value: str) -> str:
    return html.split(f'{attribute}="{value}"')[1].split("</li>")[0]


# --- the inbox ---------------------------------------------------------------------------------------------


async def test_the_inbox_shows_only_the_shops_own_questions_open_first_and_resolves_them(
    admin: AdminClients,
) -> None:
    older = await ask(admin, SHOP_A, "Does the tote fit a laptop?", minutes_ago=90, page="/products/canvas-tote")
    newer = await ask(admin, SHOP_A, "Can you ship by Friday?", minutes_ago=10, email="bo@example.com", cart=CART)
    await ask(admin, SHOP_B, "BRAVO-ONLY question", minutes_ago=5, email="someone@bravo.example")
    before = await page(admin)

    assert "BRAVO-ONLY" not in before and "someone@bravo.example" not in before
    assert before.index(f'data-request="{newer.id}"') < before.index(f'data-request="{older.id}"')  # newest first
    first = row(before, "data-request", newer.id)
    assert "bo@example.com" in first and "Can you ship by Friday?" in first and 'data-status="open"' in first
    assert "Cart: 2 × Canvas tote; total 49.80 EUR" in first
    assert "<code>/products/canvas-tote</code>" in row(before, "data-request", older.id)
    assert '<span class="pill warn" data-figure="open">2 open</span>' in before

    resolve = form_with(before, None, **{"data-action": f"/admin/api/help/requests/{newer.id}/resolve"})
    resolved = await submit(admin, resolve)
    after = await page(admin)

    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    assert after.index(f'data-request="{older.id}"') < after.index(f'data-request="{newer.id}"')  # open first
    assert 'data-status="resolved"' in row(after, "data-request", newer.id)
    assert f"/admin/api/help/requests/{newer.id}/resolve" not in after
    assert f"/admin/api/help/requests/{older.id}/resolve" in after
    assert "1 open" in after
    listed = await admin.http.get("/admin/api/help/requests", params={"status": "all"}, headers=admin.shopify())
    assert {item["id"]: item["status"] for item in listed.json()["requests"]} == {
        newer.id: "resolved",
        older.id: "open",
    }
    bravo = await admin.http.get("/admin/api/help/requests", headers=admin.shopify(SHOP_B))
    assert [item["status"] for item in bravo.json()["requests"]] == ["open"]  # B's own inbox is untouched


async def test_an_empty_inbox_says_how_many_rules_are_live(admin: AdminClients) -> None:
    html = await page(admin)
    assert "No questions yet — prompts are live on 3 rules." in html
    turned_off = await submit(admin, form_with(html, "enabled"))
    assert turned_off.status_code == 200 and turned_off.json()["settings"]["enabled"] is False
    assert "prompts are not live" in await page(admin)


# --- saving from the page reaches the storefront --------------------------------------------------------------


async def storefront(admin: AdminClients, path: str, **params: str) -> Any:
    response = await admin.http.get(f"/storefront/shopify/{SHOP_A.id}/help/{path}", params=params)
    assert response.status_code == 200, response.text[:300]
    return response


async def test_hours_and_channels_saved_from_the_page_reach_the_storefront_prompt(admin: AdminClients) -> None:
    html = await page(admin)
    assert 'data-figure="timezone">Europe/Berlin<' in html
    hours = form_with(html, "hours.weekly.mon.0.0", **{"data-done": "Hours saved."})
    weekdays = {f"hours__weekly__{day}__0__{edge}": time for day in ("mon", "tue", "wed", "thu", "fri")
                for edge, time in ((0, "08:00"), (1, "18:00"))}  # fmt: skip
    hours.fill(**weekdays, hours__weekly__sat__0__0="", hours__weekly__sat__0__1="", hours__public_holidays="")
    hours.fill(hours__weekly__wed__1__0="19:00", hours__weekly__wed__1__1="24:00")
    saved = await submit(admin, hours)
    assert saved.status_code == 200, saved.text
    stored = saved.json()["settings"]["hours"]
    assert stored["weekly"]["mon"] == [["08:00", "18:00"]] and stored["weekly"]["sat"] == []
    assert stored["weekly"]["wed"] == [["08:00", "18:00"], ["19:00", "24:00"]]
    assert stored["public_holidays"] is None and stored["closures"][0]["from"] == "2026-12-24"  # kept

    html = await page(admin)
    channels = form_with(html, "channels.0.value", **{"data-done": "Channels saved."})
    changed = await submit(admin, channels.fill(channels__1__value="+49 30 7654321"))
    added = await submit(
        admin,
        form_with(await page(admin), "channels.3.value").fill(
            channels__3__kind="chat", channels__3__value="https://chat.example/upfront-demo"
        ),
    )
    html = await page(admin)
    removed = await submit(admin, form_with(html, "channels", id="channel-remove-2"))  # the WhatsApp number
    assert [response.status_code for response in (changed, added, removed)] == [200, 200, 200]
    assert [(c["kind"], c["value"]) for c in removed.json()["settings"]["channels"]] == [
        ("email", "hello@upfront-demo.example"),
        ("phone", "+49 30 7654321"),
        ("chat", "https://chat.example/upfront-demo"),
    ]

    closure = form_with(await page(admin), "hours.closures.1.from")
    closure.fill(hours__closures__1__from="2027-01-02", hours__closures__1__to="2027-01-03")
    assert (await submit(admin, closure)).status_code == 200  # no note: none is sent
    prompt = (await storefront(admin, "prompt", page="product", locale="en")).text
    week = "Mon–Tue 8:00–18:00; Wed 8:00–18:00, 19:00–24:00; Thu–Fri 8:00–18:00"
    assert week in prompt and "Sat" not in prompt
    assert "tel:+49307654321" in prompt and "https://chat.example/upfront-demo" in prompt
    assert "wa.me" not in prompt
    html = await page(admin)
    assert "2027-01-02 to 2027-01-03" in html and week in html
    christmas = await submit(admin, form_with(html, "hours.closures.0"))
    assert [(c["from"], c["to"]) for c in christmas.json()["settings"]["hours"]["closures"]] == [
        ("2027-01-02", "2027-01-03")
    ]
    assert christmas.json()["settings"]["hours"]["weekly"]["wed"][1] == ["19:00", "24:00"]


async def test_rules_saved_from_the_page_reach_the_storefronts_rules(admin: AdminClients) -> None:
    html = await page(admin)
    rule = form_with(html, "rules.2.trigger.seconds")
    rule.fill(rules__2__trigger__seconds="20", rules__2__prompt__text__en="Stuck on sizing? Ask us.")
    edited = await submit(admin, rule)
    toggled = await submit(admin, form_with(await page(admin), "rules", id="rule-toggle-1"))  # exit intent off
    html = await page(admin)
    preset = form_with(html, "rules.3.trigger.above", **{"data-preset": "shipping-above"})
    added = await submit(admin, preset.fill(rules__3__trigger__above="12.50"))
    idle = form_with(await page(admin), "rules.4.trigger.seconds", **{"data-preset": "idle-product"})
    added_idle = await submit(admin, idle)
    assert [r.status_code for r in (edited, toggled, added, added_idle)] == [200, 200, 200, 200], added.text

    rules = (await storefront(admin, "rules", country="DE")).json()["rules"]
    assert rules == [
        {"id": "not-shipped", "on": "shipping_estimate", "unshipped": True},
        {"id": "hesitating", "on": "idle", "s": 20, "pages": ["product", "cart"]},
        {"id": "shipping-above", "on": "shipping_estimate", "above": "12.50", "pages": ["product", "cart"]},
        {"id": "idle-product", "on": "idle", "s": 45, "pages": ["product"]},
    ]
    prompt = (await storefront(admin, "prompt", rule="hesitating", page="product", locale="en")).text
    assert "Stuck on sizing? Ask us." in prompt
    html = await page(admin)
    assert 'data-rule="leaving" data-enabled="false"' in html
    assert "Shipping estimate: the cheapest shipping costs more than" in html
    removed = await submit(admin, form_with(html, "rules", id="rule-remove-1"))
    assert [r["id"] for r in removed.json()["settings"]["rules"]] == [
        "not-shipped",
        "hesitating",
        "shipping-above",
        "idle-product",
    ]


async def test_faq_saved_from_the_page_reaches_the_prompt_and_store_answers_stay_read_only(
    admin: AdminClients,
) -> None:
    html = await page(admin)
    facts = html.split('id="faq-facts-h"')[1].split('id="faq-own-h"')[0]
    assert "How much is shipping, and when will my order arrive?" in facts and "30 days" in facts
    assert "<input" not in facts and "<textarea" not in facts  # read-only: from the store's facts
    own = form_with(html, "faq.2.question.en")
    assert "faq.0.question.en" not in own.names  # the sourced entries have nothing to edit
    edited = await submit(admin, own.fill(faq__2__answer__en="Hand wash at 30 °C.\nDry flat."))
    add = form_with(await page(admin), "faq.3.id")
    added = await submit(
        admin, add.fill(faq__3__question__en="Do you gift wrap?", faq__3__answer__en="Yes, for 3 € at checkout.")
    )
    assert edited.status_code == 200 and added.status_code == 200, added.text
    faq = added.json()["settings"]["faq"]
    assert [entry["id"] for entry in faq] == ["shipping", "returns", "care", "question"]
    assert faq[2]["answer"] == {"en": "Hand wash at 30 °C.\nDry flat.", "de": faq[2]["answer"]["de"]}
    assert faq[2]["pages"] == ["product"]  # what the page does not edit is kept

    prompt = (await storefront(admin, "prompt", page="product", locale="en")).text
    assert "Hand wash at 30 °C." in prompt
    offered = {
        "rules": [{**rule, "prompt": {"faq": ["care", "returns"]}} for rule in added.json()["settings"]["rules"]]
    }
    assert (await admin.http.put(SETTINGS, json=offered, headers=admin.shopify())).status_code == 200
    removed = await submit(admin, form_with(await page(admin), "faq", id="faq-remove-2"))
    assert removed.status_code == 200, removed.text
    assert [entry["id"] for entry in removed.json()["settings"]["faq"]] == ["shipping", "returns", "question"]
    assert {tuple(rule["prompt"]["faq"]) for rule in removed.json()["settings"]["rules"]} == {("returns",)}


# --- refusals and escaping -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("form_field", "values", "field", "reason"),
    [
        ("hours.weekly.mon.0.0", {"hours__weekly__mon__0__0": "25:00"}, "hours.weekly.mon.0", "is not a time like"),
        ("hours.weekly.mon.0.0", {"hours__weekly__mon__0__1": "08:00"}, "hours.weekly.mon.0", "must close after"),
        ("channels.0.value", {"channels__1__value": "call me"}, "channels.1.value", "is not a phone number"),
        ("rules.2.trigger.seconds", {"rules__2__trigger__seconds": "0"}, "rules.2.trigger.seconds", "between 1"),
        ("rules.0.trigger.above", {"rules__0__trigger__above": "lots"}, "rules.0.trigger.above", "is not an amount"),
        ("faq.2.question.en", {"faq__2__question__en": " "}, "faq.2.question.en", "must not be empty"),
        ("support_email", {"support_email": "help at shop"}, "support_email", "is not an email address"),
    ],
    ids=["hour", "closing-before-opening", "channel", "rule-seconds", "rule-amount", "faq", "support-email"],
)
async def test_a_refused_value_names_a_field_the_page_can_mark(
    admin: AdminClients, form_field: str, values: dict[str, str], field: str, reason: str
) -> None:
    html = await page(admin)
    form = form_with(html, form_field, **({"data-done": "Hours saved."} if form_field.startswith("hours") else {}))
    refused = await submit(admin, form.fill(**values))
    assert refused.status_code == 400 and refused.json()["field"] == field and reason in refused.json()["error"]
    # The shell marks the input named exactly so, or the first whose name starts with it (an interval's opening).
    assert any(name == field or name.startswith(field + ".") for name in form.names)
    assert await page(admin) == html  # nothing was saved


async def test_merchant_and_shopper_text_is_shown_as_text(admin: AdminClients) -> None:
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    html = await page(admin)
    await submit(admin, form_with(html, "faq.2.question.en").fill(faq__2__question__en=f"Care {attack}"))
    await submit(admin, form_with(html, "rules.1.prompt.text.en").fill(rules__1__prompt__text__en=f"Wait {attack}"))
    await ask(admin, SHOP_A, f"Question {attack}", minutes_ago=1, page=f"/pages/{attack}", cart={
        "lines": [{"title": attack, "quantity": 1, "price": None}], "total": None, "currency": None,
    })  # fmt: skip
    html = await page(admin)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert html.count("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") >= 4  # question, page, cart, field values
    faq_block = html.split('<script type="application/json" id="help-faq">')[1].split("</script>")[0]
    assert "\\u003cscript\\u003e" in faq_block and "<" not in faq_block  # the sections' JSON, too
    assert html.count("<script") == html.count('<script type="application/json"') == 4
