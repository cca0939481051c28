"""The Shopify dev store's demo shop: its Admin GraphQL answers and sample webhook payloads."""

from __future__ import annotations

import copy
import re
from datetime import datetime
from typing import Any

DEMO_SHOP = "upfront-demo.myshopify.com"

_SHOP = {
    "name": "Upfront Demo",
    "contactEmail": "hello@upfront-demo.example",
    "currencyCode": "EUR",
    "currencyFormats": {"moneyFormat": "{{amount_with_comma_separator}} €"},
    "ianaTimezone": "Europe/Berlin",
    "billingAddress": {"countryCodeV2": "DE"},
    "shipsToCountries": ["AT", "DE", "FR", "NL", "US"],
    "shopPolicies": [
        {"type": "REFUND_POLICY", "url": "https://upfront-demo.example/policies/refund-policy"},
        {"type": "SHIPPING_POLICY", "url": "https://upfront-demo.example/policies/shipping-policy"},
    ],
    "primaryDomain": {"host": "upfront-demo.example", "url": "https://upfront-demo.example"},
    "myshopifyDomain": DEMO_SHOP,
}


def _flat(method_id: int, name: str, price: str, conditions: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "id": f"gid://shopify/DeliveryMethodDefinition/{method_id}",
        "name": name,
        "active": True,
        "rateProvider": {
            "__typename": "DeliveryRateDefinition",
            "id": f"gid://shopify/DeliveryRateDefinition/{method_id}",
            "price": {"amount": price, "currencyCode": "EUR"},
        },
        "methodConditions": conditions or [],
    }


def _zone(zone_id: int, name: str, countries: list[dict[str, Any]], methods: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "zone": {"id": f"gid://shopify/DeliveryZone/{zone_id}", "name": name, "countries": countries},
        "methodDefinitions": {"nodes": methods},
    }


def _country(code: str | None) -> dict[str, Any]:
    return {"code": {"countryCode": code, "restOfWorld": code is None}, "provinces": []}


_FREE_OVER_50 = [
    {
        "field": "TOTAL_PRICE",
        "operator": "GREATER_THAN_OR_EQUAL_TO",
        "conditionCriteria": {"__typename": "MoneyV2", "amount": "50.0", "currencyCode": "EUR"},
    }
]
_UP_TO_5_KG = [
    {
        "field": "TOTAL_WEIGHT",
        "operator": "LESS_THAN_OR_EQUAL_TO",
        "conditionCriteria": {"__typename": "Weight", "unit": "KILOGRAMS", "value": 5.0},
    }
]

_DELIVERY_PROFILES = {
    "pageInfo": {"hasNextPage": False, "endCursor": None},
    "nodes": [
        {
            "id": "gid://shopify/DeliveryProfile/1",
            "name": "General profile",
            "default": True,
            "profileLocationGroups": [
                {
                    "locationGroup": {"id": "gid://shopify/DeliveryLocationGroup/1"},
                    "locationGroupZones": {
                        "nodes": [
                            _zone(
                                1,
                                "Germany",
                                [_country("DE")],
                                [
                                    _flat(11, "Standard", "4.90", _UP_TO_5_KG),
                                    _flat(12, "Free shipping", "0.0", _FREE_OVER_50),
                                    _flat(13, "Express", "9.90"),
                                ],
                            ),
                            _zone(
                                2,
                                "Europe",
                                [_country("AT"), _country("FR"), _country("NL")],
                                [_flat(21, "Standard", "9.90")],
                            ),
                            _zone(3, "Rest of world", [_country(None)], [_flat(31, "International", "19.90")]),
                        ]
                    },
                }
            ],
        }
    ],
}


def _order(number: int, updated: str, total: str, status: str, fulfillment: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "legacyResourceId": str(450789469 + number),
        "name": f"#{1000 + number}",
        "createdAt": f"2026-11-0{number}T09:00:00Z",
        "updatedAt": updated,
        "cancelledAt": "2026-11-03T10:00:00Z" if status == "CANCELLED" else None,
        "email": f"customer{number}@example.com",
        "customerLocale": "de",
        "displayFulfillmentStatus": "UNFULFILLED" if status == "CANCELLED" else status,
        "totalPriceSet": {"presentmentMoney": {"amount": total, "currencyCode": "EUR"}},
        "customAttributes": [{"key": "gift", "value": "no"}],
        "customer": {
            "legacyResourceId": str(207119550 + number),
            "firstName": ["Anna", "Ben", "Clara"][number - 1],
            "defaultEmailAddress": {"marketingState": "SUBSCRIBED" if number == 1 else "NOT_SUBSCRIBED"},
        },
        "lineItems": {
            "nodes": [
                {
                    "title": "Canvas tote",
                    "quantity": number,
                    "sku": "TOTE-1",
                    "product": {"legacyResourceId": "632910392"},
                }
            ]
        },
        "fulfillments": [fulfillment] if fulfillment else [],
    }


_ORDERS = [
    _order(
        1,
        "2026-11-02T15:00:00Z",
        "29.90",
        "FULFILLED",
        {
            "legacyResourceId": "255858046",
            "status": "SUCCESS",
            "displayStatus": "IN_TRANSIT",
            "updatedAt": "2026-11-02T15:00:00Z",
            "trackingInfo": [{"company": "DHL", "number": "00340434161094042557", "url": "https://www.dhl.de/track"}],
        },
    ),
    _order(2, "2026-11-02T16:00:00Z", "59.80", "UNFULFILLED", None),
    _order(3, "2026-11-03T10:00:00Z", "89.70", "CANCELLED", None),
]


def demo_orders() -> list[dict[str, Any]]:
    """A fresh copy of the demo shop's orders (GraphQL shape), for one emulator to own and extend."""
    return copy.deepcopy(_ORDERS)


def _orders_since(orders: list[dict[str, Any]], search: str) -> list[dict[str, Any]]:
    match = re.search(r"updated_at:>='?([0-9TZ:\-.+]+)'?", search)
    if not match:
        return list(orders)
    since = datetime.fromisoformat(match.group(1))
    return [order for order in orders if datetime.fromisoformat(order["updatedAt"]) >= since]


def demo_graphql_data(
    root: str, variables: dict[str, Any], orders: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The `data` of an answer whose root field is `root`; `orders` defaults to the demo shop's."""
    orders = _ORDERS if orders is None else orders
    if root == "deliveryProfiles":
        return {"deliveryProfiles": copy.deepcopy(_DELIVERY_PROFILES)}
    if root == "orders":
        nodes = _orders_since(orders, str(variables.get("query") or ""))
        return {"orders": {"pageInfo": {"hasNextPage": False, "endCursor": None}, "nodes": copy.deepcopy(nodes)}}
    if root == "order":
        wanted = str(variables.get("id", "")).rsplit("/", 1)[-1]
        return {"order": copy.deepcopy(next((o for o in orders if o["legacyResourceId"] == wanted), None))}
    if root == "currentAppInstallation":
        scopes = ["read_orders", "read_fulfillments", "read_shipping", "read_products", "read_customers"]
        return {"currentAppInstallation": {"accessScopes": [{"handle": s} for s in [*scopes, "read_legal_policies"]]}}
    return {"shop": copy.deepcopy(_SHOP)}


# --- webhook payloads (REST shapes, as Shopify sends them) -------------------------------------------------


def _rest_order(shop: str) -> dict[str, Any]:
    return {
        "id": 450789470,
        "admin_graphql_api_id": "gid://shopify/Order/450789470",
        "name": "#1001",
        "email": "customer1@example.com",
        "created_at": "2026-11-01T10:00:00+01:00",
        "updated_at": "2026-11-02T16:00:00+01:00",
        "currency": "EUR",
        "total_price": "29.90",
        "financial_status": "paid",
        "fulfillment_status": None,
        "customer_locale": "de",
        "buyer_accepts_marketing": True,
        "note_attributes": [{"name": "gift", "value": "no"}],
        "line_items": [
            {"id": 466157049, "title": "Canvas tote", "quantity": 1, "sku": "TOTE-1", "product_id": 632910392}
        ],
        "customer": {
            "id": 207119551,
            "email": "customer1@example.com",
            "first_name": "Anna",
            "email_marketing_consent": {
                "state": "subscribed",
                "opt_in_level": "single_opt_in",
                "consent_updated_at": "2026-10-01T10:00:00+02:00",
            },
            "sms_marketing_consent": None,
        },
        "order_status_url": f"https://{shop}/orders/abc/authenticate?key=def",
    }


def _fulfillment() -> dict[str, Any]:
    return {
        "id": 255858046,
        "order_id": 450789470,
        "status": "success",
        "shipment_status": "in_transit",
        "tracking_company": "DHL",
        "tracking_number": "00340434161094042557",
        "tracking_url": "https://www.dhl.de/track",
        "created_at": "2026-11-02T15:00:00+01:00",
        "updated_at": "2026-11-02T16:00:00+01:00",
    }


def _rest_shop(shop: str) -> dict[str, Any]:
    return {
        "id": 548380009,
        "name": "Upfront Demo",
        "domain": "upfront-demo.example",
        "myshopify_domain": shop,
        "currency": "EUR",
        "iana_timezone": "Europe/Berlin",
        "country_code": "DE",
        "updated_at": "2026-11-02T16:00:00+01:00",
    }


def sample_webhook_payload(topic: str, shop: str) -> dict[str, Any]:
    """A realistic body for `topic`; the compliance ones are exactly Shopify's documented samples."""
    customer = {"id": 191167, "email": "john@example.com", "phone": "555-625-1199"}
    if topic == "customers/data_request":
        return {
            "shop_id": 954889,
            "shop_domain": shop,
            "orders_requested": [299938, 280263],
            "customer": customer,
            "data_request": {"id": 9999},
        }
    if topic == "customers/redact":
        return {"shop_id": 954889, "shop_domain": shop, "customer": customer, "orders_to_redact": [299938, 280263]}
    if topic == "shop/redact":
        return {"shop_id": 954889, "shop_domain": shop}
    if topic.startswith("orders/"):
        order = _rest_order(shop)
        if topic == "orders/cancelled":
            order.update(cancelled_at="2026-11-03T10:00:00+01:00", cancel_reason="customer")
        return order
    if topic.startswith("fulfillments/"):
        return _fulfillment()
    if topic == "fulfillment_events/create":
        return {
            "id": 944956392,
            "fulfillment_id": 255858046,
            "order_id": 450789470,
            "status": "out_for_delivery",
            "happened_at": "2026-11-03T08:00:00+01:00",
            "shop_id": 548380009,
        }
    return _rest_shop(shop)
