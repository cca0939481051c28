"""What customers say, on the dashboard: help requests and survey comments counted by topic through the real
stores, shown with examples and the setting that addresses each topic; erasure takes a person's examples away."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from plugin.email.surveys import add_comment, record_answer
from plugin.privacy.erasure import erase_subject
from plugin.privacy.subjects import DataSubject
from tests.admin.conftest import SHOP_A, SHOP_B, AdminClients
from widgets.help.requests import HelpRequestInput, store_request

pytestmark = pytest.mark.anyio


async def ask(admin: AdminClients, email: str, question: str, days_ago: int = 0) -> None:
    moment = datetime.now(UTC) - timedelta(days=days_ago)
    await store_request(admin.services, SHOP_A, HelpRequestInput(email, question), now=moment, retention_days=90)


async def test_topics_are_counted_shown_with_examples_and_linked_to_their_setting(admin: AdminClients) -> None:
    await ask(admin, "ana@example.com", "How much is shipping to Canada?")
    await ask(admin, "ben@example.com", "Was kostet der Versand in die Schweiz?")
    await ask(admin, "cy@example.com", "Where is my order? I ordered two weeks ago.")
    await ask(admin, "dee@example.com", "Do you offer free shipping over $50?", days_ago=40)  # the period before
    await record_answer(
        admin.services, SHOP_A, subject="s1", ref="m1", kind="csat", score=2, order_id="1", order_name="#1"
    )
    assert await add_comment(admin.services, SHOP_A, subject="s1", ref="m1", comment="Delivery took three weeks.")
    # Editing the comment is the same mention: counted once.
    assert await add_comment(admin.services, SHOP_A, subject="s1", ref="m1", comment="It took three weeks!")

    data = (await admin.http.get("/admin/api/dashboard", params={"days": "30"}, headers=admin.shopify())).json()
    assert data["topics"] == {
        "total": 4,
        "topics": {
            "shipping_cost": {"count": 2, "previous_period": 1, "by_source": {"help request": 2}},
            "order_status": {"count": 1, "previous_period": 0, "by_source": {"help request": 1}},
            "delivery_time": {"count": 1, "previous_period": 0, "by_source": {"survey comment": 1}},
        },
    }
    assert "Canada" not in str(data), "shoppers' words stay out of the figures' JSON"

    page = (await admin.http.get("/admin/api/fragments/dashboard", headers=admin.shopify())).text
    section = page.split('data-section="topics"')[1].split("</section>")[0]
    rows = section.split("<tr data-topic=")[1:]
    assert [row.split('"')[1] for row in rows] == ["shipping_cost", "order_status", "delivery_time"]
    shipping = rows[0]
    assert "“Was kostet der Versand in die Schweiz?”" in shipping and "“How much is shipping to Canada?”" in shipping
    assert 'href="/admin/estimator"' in shipping and "free-shipping progress" in shipping
    assert "“It took three weeks!”" in rows[2] and "survey comment" in rows[2]

    other_shop = (await admin.http.get("/admin/api/dashboard", headers=admin.shopify(SHOP_B))).json()
    assert other_shop["topics"] == {"total": 0, "topics": {}}
    empty = (await admin.http.get("/admin/api/fragments/dashboard", headers=admin.shopify(SHOP_B))).text
    assert "No help requests or survey comments yet." in empty

    # Erased: the person's question leaves the examples; the count (no personal data) stays.
    await erase_subject(admin.services, SHOP_A, DataSubject(email="ana@example.com"))
    page = (await admin.http.get("/admin/api/fragments/dashboard", headers=admin.shopify())).text
    assert "Canada" not in page and "Schweiz" in page
    data = (await admin.http.get("/admin/api/dashboard", headers=admin.shopify())).json()
    assert data["topics"]["topics"]["shipping_cost"]["count"] == 2
