"""The order projection as a personal-data store: orders a request lists, and orders whose state names the customer."""

from __future__ import annotations

import json
from typing import Any

from plugin.keys import ShopRef
from plugin.privacy.subjects import DataSubject
from plugin.services import Services
from plugin.shop_index import family_keys, forget
from plugin.storage import as_text
from webhooks.handlers.orders import order_key


def _state(fields: dict[str, str]) -> dict[str, Any]:
    try:
        state = json.loads(fields.get("state", "{}"))
    except json.JSONDecodeError:
        return {}
    return state if isinstance(state, dict) else {}


class OrderProjectionStore:
    name = "orders"

    async def _matching(self, services: Services, shop: ShopRef, subject: DataSubject) -> dict[str, dict[str, str]]:
        redis = services.redis
        candidates = {order_key(services.keys, shop, order_id) for order_id in subject.order_ids}
        if subject.customer_id:
            # Orders the request does not list but the customer placed (BigCommerce sends only the customer id).
            candidates |= set(await family_keys(redis, services.keys, shop, "order"))
        listed = {order_key(services.keys, shop, order_id) for order_id in subject.order_ids}
        found: dict[str, dict[str, str]] = {}
        for key in sorted(candidates):
            if await redis.type(key) != "hash":
                continue
            fields = {as_text(k): as_text(v) for k, v in (await redis.hgetall(key)).items()}
            customer = _state(fields).get("customer_id")
            if key in listed or (subject.customer_id and str(customer) == subject.customer_id.strip()):
                found[key] = fields
        return found

    async def export(self, services: Services, shop: ShopRef, subject: DataSubject) -> list[dict[str, Any]]:
        prefix = order_key(services.keys, shop, "")
        return [
            {"order_id": key[len(prefix) :], "status": fields.get("status"), "state": _state(fields)}
            for key, fields in (await self._matching(services, shop, subject)).items()
        ]

    async def erase(self, services: Services, shop: ShopRef, subject: DataSubject) -> int:
        found = await self._matching(services, shop, subject)
        if not found:
            return 0
        deleted = int(await services.redis.unlink(*found))
        await forget(services.redis, services.keys, shop, "order", found)
        return deleted
