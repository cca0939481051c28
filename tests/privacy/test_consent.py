from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from plugin.keys import ShopRef
from plugin.privacy.consent import (
    consent_history,
    current_consent,
    has_consent,
    ledger_key,
    record_consent,
    record_platform_consent,
)
from plugin.privacy.subjects import subject_key
from plugin.services import Services
from plugin.storage import as_text
from tests.privacy.support import T0

pytestmark = pytest.mark.anyio
SHOP = ShopRef("shopify", "alpha.myshopify.com")
OTHER = ShopRef("bigcommerce", "abc123")
REVIEW_TEXT = "Yes, email me a review request after delivery."


async def test_a_withdrawal_is_one_append_and_wins_over_the_earlier_grant(svc: Services) -> None:
    granted = await record_consent(
        svc,
        SHOP,
        purpose="review_survey",
        granted=True,
        source="storefront_widget",
        channel="email",
        text=REVIEW_TEXT,
        text_version="review-v3",
        opt_in_level="single_opt_in",
        email="Ada@Example.com",
        at=T0,
    )
    assert await current_consent(svc, SHOP, granted.subject) == {"review_survey": "granted"}
    assert await has_consent(svc, SHOP, granted.subject, "review_survey")

    # The unsubscribe link knows only the email (any casing): it reaches the same person.
    subject = subject_key(svc, SHOP, email=" ada@example.COM ")
    withdrawn = await record_consent(
        svc,
        SHOP,
        purpose="review_survey",
        granted=False,
        source="email_link",
        channel="email",
        text="One-click unsubscribe",
        text_version="unsubscribe-v1",
        email="ada@example.com",
        at=T0 + timedelta(days=3),
    )
    assert withdrawn.subject == granted.subject == subject
    assert await current_consent(svc, SHOP, subject) == {"review_survey": "withdrawn"}
    assert not await has_consent(svc, SHOP, subject, "review_survey")

    history = await consent_history(svc, SHOP, subject)
    assert [(r.status, r.source, r.text_version, r.at) for r in history] == [
        ("granted", "storefront_widget", "review-v3", T0),
        ("withdrawn", "email_link", "unsubscribe-v1", T0 + timedelta(days=3)),
    ]
    # Who, what text, how: the history answers all of it.
    assert history[0].email == "Ada@Example.com" and history[0].text == REVIEW_TEXT
    assert history[0].opt_in_level == "single_opt_in" and history[0].channel == "email"


async def test_keys_and_stored_fields_never_show_the_email(svc: Services) -> None:
    record = await record_consent(
        svc,
        SHOP,
        purpose="marketing_email",
        granted=True,
        source="admin",
        channel="email",
        text="Customer asked by phone",
        text_version="admin-v1",
        email="ada@example.com",
        customer_id="7301001",
        recorded_by="staff-17",
    )
    key = ledger_key(svc, SHOP, record.subject)
    assert re.fullmatch(r"[0-9a-f]{64}", record.subject)
    keys = [as_text(k) async for k in svc.redis.scan_iter(match=f"{svc.keys.prefix}:*")]
    assert keys and not [k for k in keys if "ada" in k or "7301001" in k]
    entries: Any = await svc.redis.xrange(key)
    ((_, fields),) = entries
    stored = " ".join(f"{k}={v}" for k, v in fields.items())
    assert "ada@example.com" not in stored and "7301001" not in stored and "staff-17" not in stored
    (read,) = await consent_history(svc, SHOP, record.subject)
    assert (read.email, read.customer_id, read.recorded_by) == ("ada@example.com", "7301001", "staff-17")


async def test_subject_keys_differ_per_shop(svc: Services) -> None:
    assert subject_key(svc, SHOP, email="ada@example.com") != subject_key(svc, OTHER, email="ada@example.com")
    assert subject_key(svc, SHOP, customer_id="1") != subject_key(svc, SHOP, email="1")


async def test_a_guest_consent_is_found_by_customer_id_once_the_platform_links_them(svc: Services) -> None:
    guest = await record_consent(
        svc,
        SHOP,
        purpose="marketing_email",
        granted=True,
        source="storefront_widget",
        channel="email",
        text="Send me shipping tips",
        text_version="tips-v1",
        email="ada@example.com",
        at=T0,
    )
    synced = await record_platform_consent(
        svc, SHOP, "7301001", "ada@example.com", "unsubscribed", "single_opt_in", T0 + timedelta(days=1)
    )
    assert synced is not None and synced.subject == guest.subject
    by_id = subject_key(svc, SHOP, customer_id="7301001")
    assert await current_consent(svc, SHOP, by_id) == {"marketing_email": "withdrawn"}
    assert len(await consent_history(svc, SHOP, by_id)) == 2


async def test_platform_sync_appends_only_when_the_state_changes(svc: Services) -> None:
    async def sync(state: str | None, hours: int, level: str | None = "single_opt_in") -> bool:
        found = await record_platform_consent(
            svc, SHOP, "7301001", "ada@example.com", state, level, T0 + timedelta(hours=hours)
        )
        return found is not None

    assert await sync("subscribed", 1)  # first knowledge
    assert not await sync("subscribed", 1)  # the same webhook redelivered
    assert not await sync("SUBSCRIBED", 5)  # a later order, same state (GraphQL casing)
    assert not await sync("unsubscribed", 0)  # older than what the ledger knows: out-of-order delivery
    assert await sync("pending", 6, "confirmed_opt_in")  # re-subscribing, awaiting confirmation: not consent
    assert await sync("subscribed", 7, "confirmed_opt_in")
    assert not await sync(None, 8)  # the platform said nothing
    assert not await sync("something_new", 9)  # a state we do not know is not guessed at

    subject = subject_key(svc, SHOP, customer_id="7301001")
    history = await consent_history(svc, SHOP, subject)
    assert [(r.platform_state, r.status, r.opt_in_level) for r in history] == [
        ("subscribed", "granted", "single_opt_in"),
        ("pending", "withdrawn", "confirmed_opt_in"),
        ("subscribed", "granted", "confirmed_opt_in"),
    ]
    assert all(r.source == "platform_sync" and r.customer_id == "7301001" for r in history)
    assert await current_consent(svc, SHOP, subject) == {"marketing_email": "granted"}


async def test_a_withdrawal_in_the_app_is_not_undone_by_an_older_platform_state(svc: Services) -> None:
    await record_platform_consent(svc, SHOP, "7301001", "ada@example.com", "subscribed", None, T0)
    await record_consent(
        svc,
        SHOP,
        purpose="marketing_email",
        granted=False,
        source="email_link",
        channel="email",
        text="One-click unsubscribe",
        text_version="unsubscribe-v1",
        email="ada@example.com",
        at=T0 + timedelta(hours=2),
    )
    # The platform re-sends its (older) subscribed state with the next order webhook.
    late = await record_platform_consent(svc, SHOP, "7301001", None, "subscribed", None, T0 + timedelta(hours=1))
    assert late is None
    subject = subject_key(svc, SHOP, email="ada@example.com")
    assert await current_consent(svc, SHOP, subject) == {"marketing_email": "withdrawn"}


@pytest.mark.parametrize(
    ("field", "value"),
    [("purpose", "newsletter"), ("source", "guess"), ("channel", "fax"), ("opt_in_level", "double")],
    ids=["purpose", "source", "channel", "opt-in-level"],
)
async def test_unknown_vocabulary_is_refused_without_writing(svc: Services, field: str, value: str) -> None:
    arguments: dict[str, Any] = {
        "purpose": "analytics",
        "source": "storefront_widget",
        "channel": "web",
        "opt_in_level": "unknown",
        field: value,
    }
    with pytest.raises(ValueError, match=value):
        await record_consent(
            svc, SHOP, granted=True, text="Analytics cookies", text_version="a-1", email="ada@example.com", **arguments
        )
    subject = subject_key(svc, SHOP, email="ada@example.com")
    assert await consent_history(svc, SHOP, subject) == []
