"""The Shopify dev store's demo shop: its Admin GraphQL answers and sample webhook payloads."""

from __future__ import annotations

import copy
import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale

DEMO_SHOP = "upfront-demo.myshopify.com"

_SHOP = {
    "name": "Upfront Demo",
    "contactEmail": "hello@upfront-demo.example",
    "currencyCode": "EUR",
    "currencyFormats": {"moneyFormat": "{{amount_with_comma_separator}} €"},
    "ianaTimezone": "Europe/Berlin",
    "billingAddress": {"countryCodeV2": "DE"},
    "shipsToCountries": ["AT", "DE", "FR", "NL", "US"],
    # ShopPolicy {type url body}: body is HTML, as the Admin API returns it. The refund policy reads like the one a
    # new Shopify store starts from (a 30-day window, refunds to the original payment method); who pays for return
    # shipping it does not say, so only the merchant's own confirmation can claim free returns.
    "shopPolicies": [
        {
            "type": "REFUND_POLICY",
            "url": "https://upfront-demo.example/policies/refund-policy",
            "body": (
                "<p>You can return items within 30 days of receiving them. To start a return, write to "
                "hello@upfront-demo.example.</p><p>Items must be unused, with their tags and in their original "
                "packaging, and come with the receipt or proof of purchase.</p><p>Once we have received and checked "
                "your return, we tell you whether the refund is approved. Approved refunds go back to your original "
                "payment method within 10 business days.</p>"
            ),
        },
        {
            "type": "SHIPPING_POLICY",
            "url": "https://upfront-demo.example/policies/shipping-policy",
            "body": "<p>Orders placed before 14:00 on a working day leave our Berlin warehouse the same day.</p>",
        },
    ],
    # PaymentSettings.supportedDigitalWallets: DigitalWallet enum values of the wallets Shopify Payments enables.
    "paymentSettings": {"supportedDigitalWallets": ["SHOPIFY_PAY", "APPLE_PAY", "GOOGLE_PAY"]},
    "primaryDomain": {"host": "upfront-demo.example", "url": "https://upfront-demo.example"},
    "myshopifyDomain": DEMO_SHOP,
    # Markets: the presentment currencies (CurrencySetting), all but the shop's own. CHF has a merchant-fixed rate;
    # USD and GBP follow Shopify's automatic rates, which only the storefront states; JPY is switched off.
    "currencySettings": {
        "nodes": [
            {"currencyCode": "USD", "currencyName": "US Dollar", "enabled": True, "manualRate": None},
            {"currencyCode": "GBP", "currencyName": "British Pound", "enabled": True, "manualRate": None},
            {"currencyCode": "CHF", "currencyName": "Swiss Franc", "enabled": True, "manualRate": "0.9400"},
            {"currencyCode": "JPY", "currencyName": "Japanese Yen", "enabled": False, "manualRate": None},
        ]
    },
}
# What the demo storefront states as `Shopify.currency.rate` for each currency it sells in: Shopify's automatic
# rate (conversion fee included) or, for CHF, the merchant's manual rate.
STOREFRONT_RATES = {"EUR": "1.0", "USD": "1.0843", "GBP": "0.8612", "CHF": "0.9400"}


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

# The demo shop's products as Shopify numbers them (the storefront's cart.js and product pages use these ids).
DEMO_PRODUCT_IDS = {
    "canvas-tote": ("632910392", "808950810"),
    "merino-scarf": ("632910393", "808950811"),
    "enamel-mug": ("632910394", "808950812"),
}


def _location(location_id: int, name: str, pickup_time: str | None) -> dict[str, Any]:
    """A Location as the profiles query selects it; `localPickupSettingsV2` is null where pickup is off."""
    return {
        "id": f"gid://shopify/Location/{location_id}",
        "name": name,
        "isActive": True,
        "address": {"countryCode": "DE", "provinceCode": "BE"},
        "localPickupSettingsV2": None
        if pickup_time is None
        else {"pickupTime": pickup_time, "instructions": "Ring the bell at the courtyard door."},
    }


_LOCATIONS = {"nodes": [_location(41, "Berlin shop", "TWO_HOURS"), _location(42, "Berlin warehouse", None)]}

# Two profiles, as a shop with a product-specific one has them: the General profile for most products, and a
# custom profile whose rates cover the fragile mug only (separate location group, same locations).
_PROFILES = [
    {
        "id": "gid://shopify/DeliveryProfile/1",
        "name": "General profile",
        "default": True,
        "profileLocationGroups": [
            {
                "locationGroup": {"id": "gid://shopify/DeliveryLocationGroup/1", "locations": _LOCATIONS},
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
    },
    {
        "id": "gid://shopify/DeliveryProfile/2",
        "name": "Fragile goods",
        "default": False,
        "profileLocationGroups": [
            {
                "locationGroup": {"id": "gid://shopify/DeliveryLocationGroup/2", "locations": _LOCATIONS},
                "locationGroupZones": {
                    "nodes": [
                        _zone(
                            4,
                            "Germany",
                            [_country("DE")],
                            [_flat(41, "Standard", "6.90"), _flat(43, "Express", "12.90")],
                        ),
                        _zone(
                            5,
                            "Europe",
                            [_country("AT"), _country("FR"), _country("NL")],
                            [_flat(51, "Standard", "14.90")],
                        ),
                    ]
                },
            }
        ],
    },
]

# DeliveryProfile.profileItems of the custom profile: DeliveryProfileItem { product, variants }.
_PROFILE_ITEMS = {
    "gid://shopify/DeliveryProfile/2": [
        {
            "product": {"id": "gid://shopify/Product/632910394", "legacyResourceId": "632910394"},
            "variants": {"nodes": [{"id": "gid://shopify/ProductVariant/808950812", "legacyResourceId": "808950812"}]},
        }
    ]
}


def _page(nodes: list[dict[str, Any]], first: object, after: object) -> dict[str, Any]:
    """A connection page the way Shopify pages one: `first` nodes after the opaque cursor `after`."""
    start = int(str(after)) if str(after or "").isdigit() else 0
    size = int(first) if isinstance(first, int) and first > 0 else len(nodes)
    end = min(len(nodes), start + size)
    return {
        "pageInfo": {"hasNextPage": end < len(nodes), "endCursor": str(end) if end else None},
        "nodes": copy.deepcopy(nodes[start:end]),
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
        "shippingAddress": {"countryCodeV2": "DE", "provinceCode": None, "zip": "10119"},
        "shippingLine": {"title": "Standard"},
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
            "createdAt": "2026-11-02T15:00:00Z",
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


def new_order(order_id: int, placed_at: str) -> dict[str, Any]:
    """Another unfulfilled order of the demo shop (GraphQL shape) placed at `placed_at`, for bursts and tests."""
    order = copy.deepcopy(_ORDERS[1])
    order.update(legacyResourceId=str(order_id), name=f"#{order_id}", createdAt=placed_at, updatedAt=placed_at)
    return order


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
        return {"deliveryProfiles": _page(_PROFILES, variables.get("profiles", 5), variables.get("after"))}
    if root == "deliveryProfile":
        items = _PROFILE_ITEMS.get(str(variables.get("id")))
        if items is None:
            return {"deliveryProfile": None}
        return {"deliveryProfile": {"profileItems": _page(items, variables.get("items", 25), variables.get("after"))}}
    if root == "orders":
        nodes = _orders_since(orders, str(variables.get("query") or ""))
        return {"orders": {"pageInfo": {"hasNextPage": False, "endCursor": None}, "nodes": copy.deepcopy(nodes)}}
    if root == "nodes":
        # Like Shopify: one entry per id, in order; null for an id this shop does not have (another shop's order
        # included). Only Order ids are known here.
        by_gid = {f"gid://shopify/Order/{o['legacyResourceId']}": o for o in orders}
        found = [by_gid.get(str(gid)) for gid in variables.get("ids") or ()]
        return {
            "nodes": [
                {"id": gid, "legacyResourceId": o["legacyResourceId"]} if o else None
                for gid, o in zip(variables.get("ids") or (), found, strict=True)
            ]
        }
    if root == "order":
        wanted = str(variables.get("id", "")).rsplit("/", 1)[-1]
        return {"order": copy.deepcopy(next((o for o in orders if o["legacyResourceId"] == wanted), None))}
    if root == "currentAppInstallation":
        scopes = ["read_orders", "read_fulfillments", "read_shipping", "read_products", "read_customers"]
        return {"currentAppInstallation": {"accessScopes": [{"handle": s} for s in [*scopes, "read_legal_policies"]]}}
    return {"shop": copy.deepcopy(_SHOP)}


# --- webhook payloads (REST shapes, as Shopify sends them) -------------------------------------------------
# Rendered from the emulator's current GraphQL order, with the field names and nesting of Shopify's documented
# samples for orders/create, fulfillments/create and fulfillment_events/create (webhooks reference, 2026-07).

_SHOP_ZONE = ZoneInfo("Europe/Berlin")  # the demo shop's ianaTimezone
_DISPLAY_TO_SHIPMENT_STATUS = {
    "IN_TRANSIT": "in_transit",
    "OUT_FOR_DELIVERY": "out_for_delivery",
    "ATTEMPTED_DELIVERY": "attempted_delivery",
    "READY_FOR_PICKUP": "ready_for_pickup",
    "DELIVERED": "delivered",
    "PICKED_UP": "picked_up",
    "CONFIRMED": "confirmed",
    "CARRIER_PICKED_UP": "carrier_picked_up",
    "DELAYED": "delayed",
    "FAILURE": "failure",
    "NOT_DELIVERED": "not_delivered",
    "LABEL_PRINTED": "label_printed",
    "LABEL_PURCHASED": "label_purchased",
}
_FULFILLMENT_STATUS = {"FULFILLED": "fulfilled", "PARTIALLY_FULFILLED": "partial"}
_SHIPPING_ADDRESS = {
    "first_name": "Anna",
    "last_name": "Schmidt",
    "name": "Anna Schmidt",
    "address1": "Torstraße 1",
    "address2": None,
    "city": "Berlin",
    "zip": "10119",
    "province": None,
    "province_code": None,
    "country": "Germany",
    "country_code": "DE",
    "company": None,
    "phone": None,
    "latitude": None,
    "longitude": None,
}


def _local(stamp: str | None) -> str | None:
    """A GraphQL UTC timestamp as REST payloads write it: in the shop's time zone, with its offset."""
    if not stamp:
        return None
    return datetime.fromisoformat(stamp).astimezone(_SHOP_ZONE).isoformat()


def _money(amount: str, currency: str) -> dict[str, Any]:
    return {
        "shop_money": {"amount": amount, "currency_code": currency},
        "presentment_money": {"amount": amount, "currency_code": currency},
    }


def _rest_line_items(order: dict[str, Any]) -> list[dict[str, Any]]:
    order_id = int(order["legacyResourceId"])
    currency = order["totalPriceSet"]["presentmentMoney"]["currencyCode"]
    lines = []
    for index, line in enumerate(order["lineItems"]["nodes"]):
        line_id = order_id * 10 + index
        product, variant = line.get("product") or {}, line.get("variant") or {}
        lines.append(
            {
                "id": line_id,
                "admin_graphql_api_id": f"gid://shopify/LineItem/{line_id}",
                "title": line["title"],
                "name": line["title"],
                "quantity": line["quantity"],
                "current_quantity": line["quantity"],
                "sku": line.get("sku"),
                "product_id": int(product["legacyResourceId"]) if product.get("legacyResourceId") else None,
                "variant_id": int(variant["legacyResourceId"]) if variant.get("legacyResourceId") else None,
                "requires_shipping": True,
                "fulfillment_service": "manual",
                "fulfillment_status": None,
                "price_set": _money("0.00", currency),
                "tax_lines": [],
                "discount_allocations": [],
            }
        )
    return lines


def rest_fulfillment(order: dict[str, Any], fulfillment: dict[str, Any], shop: str) -> dict[str, Any]:
    """One fulfillment of `order` as `fulfillments/create|update` deliver it (and as `fulfillments[]` in orders)."""
    tracking: dict[str, Any] = next(iter(fulfillment.get("trackingInfo") or ()), {})
    number, url = tracking.get("number"), tracking.get("url")
    fulfillment_id = int(fulfillment["legacyResourceId"])
    return {
        "id": fulfillment_id,
        "admin_graphql_api_id": f"gid://shopify/Fulfillment/{fulfillment_id}",
        "order_id": int(order["legacyResourceId"]),
        "name": f"{order['name']}.1",
        "status": str(fulfillment.get("status") or "success").lower(),
        "shipment_status": _DISPLAY_TO_SHIPMENT_STATUS.get(str(fulfillment.get("displayStatus"))),
        "created_at": _local(fulfillment.get("createdAt") or fulfillment["updatedAt"]),
        "updated_at": _local(fulfillment["updatedAt"]),
        "service": "manual",
        "location_id": 655441491,
        "origin_address": None,
        "email": order.get("email"),
        "destination": copy.deepcopy(_SHIPPING_ADDRESS),
        "tracking_company": tracking.get("company"),
        "tracking_number": number,
        "tracking_numbers": [number] if number else [],
        "tracking_url": url,
        "tracking_urls": [url] if url else [],
        "line_items": _rest_line_items(order),
        "receipt": {},
    }


def _rest_shipping_address(order: dict[str, Any]) -> dict[str, Any]:
    """The order's `shippingAddress` (GraphQL) with the demo customer's street, as REST payloads carry it."""
    address = copy.deepcopy(_SHIPPING_ADDRESS)
    found = order.get("shippingAddress") or {}
    if found.get("countryCodeV2"):
        code = found["countryCodeV2"]
        address.update(
            country=Locale("en").territories.get(code, code),
            country_code=code,
            province_code=found.get("provinceCode"),
            zip=found.get("zip"),
        )
    return address


def rest_order(order: dict[str, Any], shop: str) -> dict[str, Any]:
    """`order` (the emulator's GraphQL shape) as the `orders/*` topics deliver it."""
    order_id = int(order["legacyResourceId"])
    shipping_title = str((order.get("shippingLine") or {}).get("title") or "Standard")
    money = order["totalPriceSet"]["presentmentMoney"]
    currency, total = money["currencyCode"], money["amount"]
    customer = order.get("customer") or {}
    consent = (customer.get("defaultEmailAddress") or {}).get("marketingState")
    rest_customer = None
    if customer:
        customer_id = int(customer["legacyResourceId"])
        rest_customer = {
            "id": customer_id,
            "admin_graphql_api_id": f"gid://shopify/Customer/{customer_id}",
            "email": order.get("email"),
            "first_name": customer.get("firstName"),
            "last_name": None,
            "state": "disabled",
            "verified_email": True,
            "currency": currency,
            "email_marketing_consent": {
                "state": str(consent).lower(),
                "opt_in_level": "single_opt_in",
                "consent_updated_at": _local(order["createdAt"]),
            }
            if consent
            else None,
            "sms_marketing_consent": None,
        }
    cancelled = order.get("cancelledAt")
    return {
        "id": order_id,
        "admin_graphql_api_id": f"gid://shopify/Order/{order_id}",
        "name": order["name"],
        "order_number": int(order["name"].lstrip("#")),
        "email": order.get("email"),
        "contact_email": order.get("email"),
        "created_at": _local(order["createdAt"]),
        "updated_at": _local(order["updatedAt"]),
        "processed_at": _local(order["createdAt"]),
        "cancelled_at": _local(cancelled),
        "cancel_reason": "customer" if cancelled else None,
        "closed_at": None,
        "currency": currency,
        "presentment_currency": currency,
        "total_price": total,
        "subtotal_price": total,
        "total_price_set": _money(total, currency),
        "subtotal_price_set": _money(total, currency),
        "total_shipping_price_set": _money("0.00", currency),
        "financial_status": "voided" if cancelled else "paid",
        "fulfillment_status": _FULFILLMENT_STATUS.get(str(order.get("displayFulfillmentStatus"))),
        "customer_locale": order.get("customerLocale"),
        "buyer_accepts_marketing": consent == "SUBSCRIBED",
        "note_attributes": [
            {"name": attribute["key"], "value": attribute.get("value")} for attribute in order["customAttributes"]
        ],
        "line_items": _rest_line_items(order),
        "shipping_address": _rest_shipping_address(order),
        "billing_address": copy.deepcopy(_SHIPPING_ADDRESS),
        "shipping_lines": [
            {
                "id": order_id * 10,
                "title": shipping_title,
                "code": shipping_title,
                "source": "shopify",
                "price": "0.00",
                "price_set": _money("0.00", currency),
                "discounted_price": "0.00",
                "tax_lines": [],
                "discount_allocations": [],
            }
        ],
        "fulfillments": [rest_fulfillment(order, f, shop) for f in order.get("fulfillments") or ()],
        "customer": rest_customer,
        "refunds": [],
        "order_status_url": f"https://{shop}/orders/{order_id:x}/authenticate?key=demo",
    }


def rest_fulfillment_event(order: dict[str, Any], fulfillment: dict[str, Any]) -> dict[str, Any]:
    """The latest status of `fulfillment` as `fulfillment_events/create` delivers it."""
    fulfillment_id = int(fulfillment["legacyResourceId"])
    event_id = fulfillment_id * 100 + len(str(fulfillment.get("displayStatus")))
    return {
        "id": event_id,
        "admin_graphql_api_id": f"gid://shopify/FulfillmentEvent/{event_id}",
        "fulfillment_id": fulfillment_id,
        "order_id": int(order["legacyResourceId"]),
        "status": _DISPLAY_TO_SHIPMENT_STATUS.get(str(fulfillment.get("displayStatus")), "confirmed"),
        "message": None,
        "happened_at": _local(fulfillment["updatedAt"]),
        "created_at": _local(fulfillment.get("createdAt") or fulfillment["updatedAt"]),
        "updated_at": _local(fulfillment["updatedAt"]),
        "estimated_delivery_at": None,
        "city": None,
        "province": None,
        "country": "DE",
        "zip": None,
        "address1": None,
        "latitude": None,
        "longitude": None,
        "shop_id": 548380009,
    }


_SAMPLE_FULFILLMENT = {
    "legacyResourceId": "255858046",
    "status": "SUCCESS",
    "displayStatus": "IN_TRANSIT",
    "updatedAt": "2026-11-02T15:00:00Z",
    "trackingInfo": [{"company": "DHL", "number": "00340434161094042557", "url": "https://www.dhl.de/track"}],
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


def sample_webhook_payload(topic: str, shop: str, orders: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A body for `topic` in Shopify's documented shape: the compliance ones are exactly Shopify's samples, the
    order and fulfillment ones render the first of `orders` (default: the demo shop's) as it is now."""
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
    order = (orders or _ORDERS)[0]
    if topic.startswith("orders/"):
        return rest_order(order, shop)
    fulfillment = next(iter(order.get("fulfillments") or ()), _SAMPLE_FULFILLMENT)
    if topic.startswith("fulfillments/"):
        return rest_fulfillment(order, fulfillment, shop)
    if topic == "fulfillment_events/create":
        return rest_fulfillment_event(order, fulfillment)
    return _rest_shop(shop)
