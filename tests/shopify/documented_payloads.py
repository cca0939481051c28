"""Shopify's documented sample payloads (webhooks reference, API version 2026-07: orders/create, fulfillments/create,
fulfillment_events/create), with the fields the app reads kept as documented and the many it ignores left out."""

from __future__ import annotations

from typing import Any


def _money(amount: str) -> dict[str, Any]:
    return {
        "shop_money": {"amount": amount, "currency_code": "USD"},
        "presentment_money": {"amount": amount, "currency_code": "USD"},
    }


def _line(line_id: int, title: str, sku: str, price: str, product_id: int | None) -> dict[str, Any]:
    return {
        "id": line_id,
        "admin_graphql_api_id": f"gid://shopify/LineItem/{line_id}",
        "current_quantity": 1,
        "fulfillable_quantity": 1,
        "fulfillment_service": "manual",
        "fulfillment_status": None,
        "name": title,
        "price": price,
        "price_set": _money(price),
        "product_id": product_id,
        "quantity": 1,
        "requires_shipping": True,
        "sku": sku,
        "title": title,
        "variant_id": None,
    }


LINE_ITEMS = [
    _line(487817672276298554, "Aviator sunglasses", "SKU2006-001", "89.99", 788032119674292922),
    _line(789012345678901234, "Lens Protection Plan (2 Year)", "LENS-PROTECT-2YR", "19.99", None),
    _line(890123456789012345, "Premium Leather Case", "CASE-LEATHER-PREM", "24.99", None),
    _line(976318377106520349, "Mid-century lounger", "SKU2006-020", "159.99", 788032119674292922),
    _line(315789986012684393, "Coffee table", "SKU2006-035", "119.99", 788032119674292922),
]

ADDRESS = {
    "first_name": "Steve",
    "address1": "123 Shipping Street",
    "phone": "555-555-SHIP",
    "city": "Shippington",
    "zip": "40003",
    "province": "Kentucky",
    "country": "United States",
    "last_name": "Shipper",
    "address2": None,
    "company": "Shipping Company",
    "latitude": None,
    "longitude": None,
    "name": "Steve Shipper",
    "country_code": "US",
    "province_code": "KY",
}


def orders_create() -> dict[str, Any]:
    return {
        "id": 820982911946154508,
        "admin_graphql_api_id": "gid://shopify/Order/820982911946154508",
        "buyer_accepts_marketing": True,
        "cancel_reason": "customer",
        "cancelled_at": "2021-12-31T19:00:00-05:00",
        "contact_email": "jon@example.com",
        "created_at": "2021-12-31T19:00:00-05:00",
        "currency": "USD",
        "current_total_price": "414.95",
        "customer_locale": "en",
        "email": "jon@example.com",
        "financial_status": "voided",
        "fulfillment_status": None,
        "name": "#9999",
        "note_attributes": [],
        "presentment_currency": "USD",
        "subtotal_price": "404.95",
        "subtotal_price_set": _money("404.95"),
        "total_price": "404.95",
        "total_price_set": _money("404.95"),
        "updated_at": "2021-12-31T19:00:00-05:00",
        "billing_address": dict(ADDRESS),
        "customer": {
            "id": 115310627314723954,
            "first_name": "John",
            "last_name": "Smith",
            "state": "disabled",
            "verified_email": True,
            "email": "john@example.com",
            "currency": "USD",
            "admin_graphql_api_id": "gid://shopify/Customer/115310627314723954",
        },
        "fulfillments": [],
        "line_items": [dict(line) for line in LINE_ITEMS],
        "refunds": [],
        "shipping_address": dict(ADDRESS),
        "shipping_lines": [
            {
                "id": 271878346596884015,
                "carrier_identifier": None,
                "code": None,
                "discounted_price": "0.00",
                "price": "10.00",
                "price_set": _money("10.00"),
                "source": "shopify",
                "title": "Generic Shipping",
            }
        ],
    }


def fulfillments_create() -> dict[str, Any]:
    return {
        "id": 123456,
        "order_id": 820982911946154508,
        "status": "pending",
        "created_at": "2021-12-31T19:00:00-05:00",
        "service": None,
        "updated_at": "2021-12-31T19:00:00-05:00",
        "tracking_company": "UPS",
        "shipment_status": None,
        "location_id": None,
        "origin_address": None,
        "email": "jon@example.com",
        "destination": dict(ADDRESS),
        "line_items": [dict(line) for line in LINE_ITEMS],
        "tracking_number": "1z827wk74630",
        "tracking_numbers": ["1z827wk74630"],
        "tracking_url": "https://www.ups.com/WebTracking?loc=en_US&requester=ST&trackNums=1z827wk74630",
        "tracking_urls": ["https://www.ups.com/WebTracking?loc=en_US&requester=ST&trackNums=1z827wk74630"],
        "receipt": {},
        "name": "#9999.1",
        "admin_graphql_api_id": "gid://shopify/Fulfillment/123456",
    }


def fulfillment_events_create() -> dict[str, Any]:
    return {
        "id": 1234567,
        "fulfillment_id": 123456,
        "status": "in_transit",
        "message": "Item is now in transit",
        "happened_at": "2021-12-31T19:00:00-05:00",
        "city": None,
        "province": None,
        "country": "CA",
        "zip": None,
        "address1": None,
        "latitude": None,
        "longitude": None,
        "shop_id": 548380009,
        "created_at": "2021-12-31T19:00:00-05:00",
        "updated_at": "2021-12-31T19:00:00-05:00",
        "estimated_delivery_at": None,
        "order_id": 820982911946154508,
        "admin_graphql_api_id": "gid://shopify/FulfillmentEvent/1234567",
    }
