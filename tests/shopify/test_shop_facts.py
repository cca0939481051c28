"""Badge facts from Shopify's documented Admin GraphQL shapes (Shop.shopPolicies {type url body},
Shop.paymentSettings.supportedDigitalWallets) through the app's own sync into badges: what the data supports shows,
what it does not is refused, and sources that disagree withhold the badge with the reason."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from plugin.devstore.shopify_demo import demo_graphql_data
from plugin.keys import ShopRef
from plugin.platform import ShopFacts
from plugin.services import Services
from plugin.shop_data import load_facts
from plugin.shopify.shop_queries import shop_facts_from
from plugin.shopify.sync import sync_shop_facts
from widgets.badges import Accepted, Badge, Refused, check_badge
from widgets.badges.sources import Confirmations, resolve_return_policy

pytestmark = pytest.mark.anyio

POLICY = "Shopify refund policy text (ShopPolicy.body, REFUND_POLICY)"
WALLETS = "Shopify PaymentSettings.supportedDigitalWallets"


def answer(refund_body: str | None, wallets: list[str] | None) -> dict[str, Any]:
    """A shop answer as the Admin API gives it, with the refund policy's body and the wallets replaced."""
    data = copy.deepcopy(demo_graphql_data("shop", {}))
    node = data["shop"]
    if refund_body is None:
        node["shopPolicies"] = [p for p in node["shopPolicies"] if p["type"] != "REFUND_POLICY"]
    else:
        next(p for p in node["shopPolicies"] if p["type"] == "REFUND_POLICY")["body"] = refund_body
    if wallets is None:
        del node["paymentSettings"]
    else:
        node["paymentSettings"] = {"supportedDigitalWallets": wallets}
    return data


def facts_of(data: dict[str, Any]) -> ShopFacts:
    return shop_facts_from(data, ShopRef("shopify", "upfront-demo.myshopify.com"))


async def test_the_sync_reads_the_refund_policy_and_wallets_and_the_badges_state_them(
    services: Services, installed: ShopRef
) -> None:
    await sync_shop_facts(services, installed, {})
    facts = await load_facts(services.redis, services.keys, installed)
    assert facts is not None
    assert facts.refund_policy_text is not None and "within 30 days" in facts.refund_policy_text
    assert "<p>" not in facts.refund_policy_text  # the body's HTML is read as text
    assert facts.digital_wallets == ("SHOPIFY_PAY", "APPLE_PAY", "GOOGLE_PAY")

    money_back = check_badge(facts, None, Badge("money_back"))
    payments = check_badge(facts, None, Badge("payment_methods"))
    free = check_badge(facts, None, Badge("free_returns"))
    assert isinstance(money_back, Accepted) and money_back.values == {"days": 30}
    assert money_back.link is not None and money_back.link.url.endswith("/policies/refund-policy")
    assert {(s.origin, s.field, s.says) for s in money_back.sources} >= {
        ("policy_text", POLICY, "return window of 30 days"),
        ("policy_text", POLICY, "returns are refunded"),
    }
    assert isinstance(payments, Accepted) and payments.values == {"methods": ("Shop Pay", "Apple Pay", "Google Pay")}
    assert [(s.origin, s.field) for s in payments.sources] == [("platform", WALLETS)]
    # The policy does not say who pays for return shipping: nothing supports "free returns" yet.
    assert isinstance(free, Refused) and not free.withheld
    assert "not confirmed that returns cost the shopper nothing" in free.reason


def test_the_merchants_confirmation_makes_a_badge_show() -> None:
    facts = facts_of(answer("<p>You can return items within 30 days.</p>", []))
    confirmed = Confirmations(free_returns=True, money_back=True, payment_methods=("Visa", "Mastercard"))
    free = check_badge(facts, None, Badge("free_returns", confirmed))
    payments = check_badge(facts, None, Badge("payment_methods", confirmed))
    assert isinstance(free, Accepted) and free.values == {"days": 30}
    assert ("merchant", "returns are free") in {(s.origin, s.says) for s in free.sources}
    assert isinstance(payments, Accepted) and payments.values == {"methods": ("Visa", "Mastercard")}
    assert isinstance(check_badge(facts, None, Badge("free_returns")), Refused)  # not without it


@pytest.mark.parametrize(
    ("body", "confirmed", "kind", "reason"),
    [
        (
            "<p>Items can be returned within 14 days of delivery.</p>",
            Confirmations(return_window_days=60),
            "money_back",
            "you confirmed a 60-day return window, but your refund policy says 14 days",
        ),
        (
            "<p>Returns are accepted within 30 days. Return shipping costs are paid by the customer.</p>",
            Confirmations(free_returns=True),
            "free_returns",
            "you confirmed that returns are free, but your refund policy says the shopper pays",
        ),
        (
            "<p>Returns are accepted within 30 days.</p><p>We offer store credit only.</p>",
            Confirmations(money_back=True),
            "money_back",
            "you confirmed money-back refunds, but your refund policy offers none",
        ),
    ],
    ids=["window", "free", "refund"],
)
def test_policy_text_contradicting_the_merchant_withholds_the_badge_with_the_reason(
    body: str, confirmed: Confirmations, kind: str, reason: str
) -> None:
    result = check_badge(facts_of(answer(body, [])), None, Badge(kind, confirmed))
    assert isinstance(result, Refused) and result.withheld
    assert reason in result.reason
    assert {s.origin for s in result.sources} >= {"policy_text", "merchant"}


def test_a_wallet_the_platform_does_not_support_withholds_the_payment_badge() -> None:
    facts = facts_of(answer("<p>Returns within 30 days.</p>", ["SHOPIFY_PAY"]))
    result = check_badge(facts, None, Badge("payment_methods", Confirmations(payment_methods=("Visa", "Apple Pay"))))
    assert isinstance(result, Refused) and result.withheld
    assert "you listed Apple Pay, but Shopify's payment settings do not support it" in result.reason
    assert "(supported digital wallets: Shop Pay)" in result.reason


def test_without_a_policy_or_wallets_nothing_is_claimed() -> None:
    facts = facts_of(answer(None, []))
    assert facts.refund_policy_url is None and facts.refund_policy_text is None
    money_back = check_badge(facts, None, Badge("money_back"))
    payments = check_badge(facts, None, Badge("payment_methods"))
    assert isinstance(money_back, Refused) and "confirm your return window" in money_back.reason
    assert isinstance(payments, Refused) and "no accepted payment methods" in payments.reason
    # Even a confirmed window has no page to link to: the badge would point shoppers nowhere.
    linked = check_badge(facts, None, Badge("money_back", Confirmations(return_window_days=30, money_back=True)))
    assert isinstance(linked, Refused) and "no published refund policy page" in linked.reason


def test_a_policy_naming_several_windows_needs_the_merchant_to_say_which() -> None:
    body = "<p>You may withdraw from the contract within 14 days.</p><p>We extend returns to 30 days.</p>"
    facts = facts_of(answer(body, []))
    unclear = check_badge(facts, None, Badge("money_back", Confirmations(money_back=True)))
    chosen = check_badge(facts, None, Badge("money_back", Confirmations(money_back=True, return_window_days=30)))
    assert isinstance(unclear, Refused) and "names several return windows (14 and 30 days)" in unclear.reason
    assert isinstance(chosen, Accepted) and chosen.values == {"days": 30}


def test_the_return_policy_facts_other_outputs_read_are_typed_and_carry_their_conflicts() -> None:
    facts = facts_of(answer("<p>Returns within 30 days, refunded to your card.</p>", []))
    agreed = resolve_return_policy(facts, Confirmations(free_returns=True))
    disputed = resolve_return_policy(facts, Confirmations(return_window_days=45))
    assert (agreed.window_days, agreed.free_returns, agreed.refunds) == (30, True, True)
    assert agreed.policy_url == "https://upfront-demo.example/policies/refund-policy" and agreed.conflicts == ()
    assert disputed.window_days is None
    assert disputed.conflicts == (
        'you confirmed a 45-day return window, but your refund policy says 30 days ("Returns within 30 days, '
        'refunded to your card.")',
    )
