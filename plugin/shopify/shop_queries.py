"""Admin GraphQL queries about the shop itself, and their mapping into `ShopFacts`.

Field names checked against the Admin GraphQL reference: Shop (name, contactEmail, currencyCode,
currencyFormats.moneyFormat, ianaTimezone, billingAddress.countryCodeV2, shipsToCountries, shopPolicies
{type url body}, paymentSettings {supportedDigitalWallets}, primaryDomain {host url}, myshopifyDomain,
currencySettings: plugin.currencies) and currentAppInstallation.accessScopes. ShopPolicy (type, url, body as HTML)
needs `read_legal_policies`, which app.toml requests; PaymentSettings.supportedDigitalWallets lists DigitalWallet
enum values (APPLE_PAY, ...). The Admin API exposes no accepted card brands and no return window: the merchant
confirms those.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from plugin.keys import ShopRef
from plugin.platform import ShopFacts
from plugin.policy_html import plain_text

SHOP_FACTS_QUERY = """
query ShopFacts {
  shop {
    name
    contactEmail
    currencyCode
    currencyFormats { moneyFormat }
    currencySettings(first: 250) { nodes { currencyCode enabled manualRate } }
    ianaTimezone
    billingAddress { countryCodeV2 }
    shipsToCountries
    shopPolicies { type url body }
    paymentSettings { supportedDigitalWallets }
    primaryDomain { host url }
    myshopifyDomain
  }
}
""".strip()

ACCESS_SCOPES_QUERY = """
query AccessScopes {
  currentAppInstallation { accessScopes { handle } }
}
""".strip()


def _policy(policies: list[Mapping[str, Any]], kind: str) -> Mapping[str, Any]:
    return next((policy for policy in policies if policy.get("type") == kind), {})


def _policy_url(policies: list[Mapping[str, Any]], kind: str) -> str | None:
    found = _policy(policies, kind)
    return str(found["url"]) if found.get("url") else None


def _policy_text(policies: list[Mapping[str, Any]], kind: str) -> str | None:
    body = _policy(policies, kind).get("body")
    return (plain_text(body) or None) if isinstance(body, str) else None


def _wallets(node: Mapping[str, Any]) -> tuple[str, ...] | None:
    """None when the answer carries no paymentSettings (an older query): unknown, not "no wallets"."""
    settings = node.get("paymentSettings")
    if not isinstance(settings, Mapping) or not isinstance(settings.get("supportedDigitalWallets"), list):
        return None
    return tuple(str(wallet) for wallet in settings["supportedDigitalWallets"] if isinstance(wallet, str))


def shop_facts_from(data: Mapping[str, Any], shop: ShopRef) -> ShopFacts:
    """Map a SHOP_FACTS_QUERY answer; raises ValueError when a required field is missing."""
    node: Mapping[str, Any] = data.get("shop") or {}
    try:
        name, currency, timezone = str(node["name"]), str(node["currencyCode"]), str(node["ianaTimezone"])
    except KeyError as exc:
        raise ValueError(f"shop answer lacks {exc}") from None
    policies = [policy for policy in node.get("shopPolicies") or () if isinstance(policy, Mapping)]
    primary: Mapping[str, Any] = node.get("primaryDomain") or {}
    domains = tuple(dict.fromkeys(str(host) for host in (primary.get("host"), node.get("myshopifyDomain")) if host))
    return ShopFacts(
        shop=shop,
        name=name,
        currency=currency,
        timezone=timezone,
        country=str((node.get("billingAddress") or {}).get("countryCodeV2") or ""),
        money_format=str((node.get("currencyFormats") or {}).get("moneyFormat") or "{{amount}}"),
        email=node.get("contactEmail") or None,
        domains=domains,
        ship_to_countries=tuple(str(code) for code in node.get("shipsToCountries") or ()),
        refund_policy_url=_policy_url(policies, "REFUND_POLICY"),
        refund_policy_text=_policy_text(policies, "REFUND_POLICY"),
        digital_wallets=_wallets(node),
        shipping_policy_url=_policy_url(policies, "SHIPPING_POLICY"),
        extra={"primary_domain_url": primary.get("url")} if primary.get("url") else {},
    )


def granted_scopes(data: Mapping[str, Any]) -> set[str]:
    installation: Mapping[str, Any] = data.get("currentAppInstallation") or {}
    return {str(scope.get("handle")) for scope in installation.get("accessScopes") or () if scope.get("handle")}
