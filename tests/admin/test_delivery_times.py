"""The estimator page says where each promised delivery time comes from and how often the promise held, per zone,
always with the number of deliveries behind it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.admin.conftest import SHOP_A, AdminClients
from widgets.estimator.learning import DeliverySample, record_delivery, refresh_learned_transit

pytestmark = pytest.mark.anyio
GERMANY_ZONE = "gid://shopify/DeliveryZone/1"


async def test_the_estimator_page_shows_sources_and_the_measured_on_time_rate(admin: AdminClients) -> None:
    auth = admin.shopify()
    before = await admin.http.get("/admin/api/fragments/estimator", headers=auth)
    assert before.status_code == 200, before.text[:300]
    assert "Delivery times" in before.text
    assert "Germany — no delivery measured against its promise yet" in before.text
    # The fragile mug's product-specific profile has its own zones, named with the profile.
    assert "Fragile goods: Germany — no delivery measured against its promise yet" in before.text

    now = datetime.now(UTC)
    delivered = (now - timedelta(days=2)).date()
    for n in range(20):
        promised = delivered if n < 19 else delivered - timedelta(days=1)  # one late
        sample = DeliverySample(
            f"t{n}", GERMANY_ZONE, "Standard", delivered - timedelta(days=3), delivered, 3, promised
        )
        await record_delivery(admin.services, SHOP_A, sample, now)
    await refresh_learned_transit(admin.services, SHOP_A)

    after = await admin.http.get("/admin/api/fragments/estimator", headers=auth)
    assert "Germany — 95% within the promised window (n = 20)" in after.text
    assert "<td>3 business days, n = 20</td>" in after.text
