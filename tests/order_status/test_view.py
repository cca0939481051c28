"""What the page decides from stored data: progress and its exception, each parcel's events (with carrier checkpoints
merged in by shipment id), and which carrier links may be shown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from plugin.order_status.view import ShipmentEvent, progress, safe_link, shipment_views

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def _shipment(sid: str, status: str, *, hours: int = 20, **extra: object) -> dict[str, object]:
    return {
        "id": sid,
        "status": status,
        "carrier": "DHL",
        "tracking_number": f"T{sid}",
        "tracking_url": f"https://carrier.example/{sid}",
        "shipped_at": T0.isoformat(),
        "updated_at": (T0 + timedelta(hours=hours)).isoformat(),
        "delivered_at": (T0 + timedelta(hours=hours)).isoformat() if status == "delivered" else None,
        **extra,
    }


def _state(*shipments: dict[str, object], status: str = "fulfilled") -> dict[str, object]:
    return {"id": "1", "status": status, "created_at": T0.isoformat(), "shipments": list(shipments)}


@pytest.mark.parametrize(
    ("state", "problem", "expected"),
    [
        (_state(status="open"), None, (1, None, ["current", "todo", "todo", "todo"])),
        (_state(_shipment("a", "in_transit")), None, (2, None, ["done", "current", "todo", "todo"])),
        (_state(_shipment("a", "in_transit")), "late", (2, "late", ["done", "current", "todo", "todo"])),
        (_state(_shipment("a", "in_transit"), _shipment("b", "failed")), None, (2, "failed", None)),
        (_state(_shipment("a", "out_for_delivery")), None, (3, None, ["done", "done", "current", "todo"])),
        (_state(_shipment("a", "delivered")), "failed", (4, None, ["done", "done", "done", "done"])),
    ],
    ids=["confirmed", "shipped", "late", "one-parcel-failed", "out-for-delivery", "delivered-clears-the-exception"],
)
def test_progress_and_its_exception(
    state: dict[str, object], problem: str | None, expected: tuple[int, str | None, list[str] | None]
) -> None:
    shown = progress(state, problem)
    rank, exception, steps = expected
    assert (shown.rank, shown.exception) == (rank, exception)
    if steps is not None:
        assert [state for _, state in shown.steps] == steps


def test_a_cancelled_order_shows_no_progress() -> None:
    shown = progress(_state(status="cancelled"), None)
    assert shown.cancelled and shown.exception is None


def test_platform_events_newest_first_and_cancelled_parcels_left_out() -> None:
    views = shipment_views([_shipment("a", "delivered"), _shipment("b", "cancelled"), _shipment("c", "failed")])
    assert [(v.number, v.status, v.exception) for v in views] == [(1, "delivered", False), (2, "failed", True)]
    assert [e.status for e in views[0].events] == ["delivered", "shipped"]
    assert [e.status for e in views[1].events] == ["failed", "shipped"]


def test_carrier_checkpoints_join_their_shipment_and_replace_the_platforms_event_of_the_same_status() -> None:
    checkpoint = ShipmentEvent(T0 + timedelta(hours=30), "failed", "carrier", "Leipzig, DE", "Recipient not home")
    scan = ShipmentEvent(T0 + timedelta(hours=4), "in_transit", "carrier", "Hamburg, DE")
    [first, second] = shipment_views(
        [_shipment("a", "in_transit"), _shipment("b", "failed")], {"b": [checkpoint, scan]}
    )
    assert [(e.status, e.source) for e in first.events] == [("in_transit", "platform"), ("shipped", "platform")]
    assert [(e.status, e.source, e.place) for e in second.events] == [
        ("failed", "carrier", "Leipzig, DE"),
        ("in_transit", "carrier", "Hamburg, DE"),
        ("shipped", "platform", None),
    ]


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://www.dhl.de/track?x=1", True),
        ("http://www.dhl.de/track", False),
        ("javascript:alert(1)", False),
        ("https:///nohost", False),
        (None, False),
    ],
    ids=["https", "http", "script", "no-host", "none"],
)
def test_only_https_carrier_links_are_shown(url: str | None, shown: bool) -> None:
    assert (safe_link(url) is not None) == shown
