"""Carrier checkpoints as a personal-data store: a person's orders' shipments (scans, coarse places, carrier words)
and the tracking numbers that point at those orders. Exported and erased with the person's orders, so it runs
before the order projection (it finds the customer's orders there)."""

from __future__ import annotations

from typing import Any

from plugin.keys import ShopRef
from plugin.privacy.order_projection import OrderProjectionStore
from plugin.privacy.subjects import DataSubject
from plugin.services import Services
from plugin.storage import as_text
from plugin.tracking.store import checkpoints_key, load_parcel, order_checkpoints, parcel_key


class TrackingCheckpointStore:
    name = "tracking"

    async def _orders(self, services: Services, shop: ShopRef, subject: DataSubject) -> dict[str, set[str]]:
        """The person's order ids, each with the tracking numbers its stored shipments carry."""
        found: dict[str, set[str]] = {order_id.strip(): set() for order_id in subject.order_ids if order_id.strip()}
        for record in await OrderProjectionStore().export(services, shop, subject):
            shipments = (record.get("state") or {}).get("shipments") or []
            numbers = {
                str(s.get("tracking_number")) for s in shipments if isinstance(s, dict) and s.get("tracking_number")
            }
            found.setdefault(str(record["order_id"]), set()).update(numbers)
        return found

    async def export(self, services: Services, shop: ShopRef, subject: DataSubject) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        for order_id in sorted(await self._orders(services, shop, subject)):
            for shipment in await order_checkpoints(services, shop, order_id):
                records.append(
                    {
                        "order_id": order_id,
                        "tracking_number": shipment.tracking_number,
                        "carrier": shipment.carrier,
                        "stage": shipment.stage.value,
                        "updated_at": shipment.updated_at.isoformat(),
                        "checkpoints": [checkpoint.to_dict() for checkpoint in shipment.checkpoints],
                    }
                )
        return records

    async def erase(self, services: Services, shop: ShopRef, subject: DataSubject) -> int:
        doomed: list[str] = []
        for order_id, numbers in (await self._orders(services, shop, subject)).items():
            key = checkpoints_key(services, shop, order_id)
            stored = await services.redis.hkeys(key)
            numbers |= {as_text(name)[len("parcel:") :] for name in stored if as_text(name).startswith("parcel:")}
            doomed.append(key)
            for number in sorted(numbers):
                parcel = await load_parcel(services, shop, number)
                if parcel is not None and parcel.order_id == order_id:
                    doomed.append(parcel_key(services, shop, number))
        return int(await services.redis.unlink(*doomed)) if doomed else 0
