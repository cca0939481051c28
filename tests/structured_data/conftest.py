"""Structured data fixtures: the demo shop and the widget app on a fixed clock, shared with the widget tests."""

from __future__ import annotations

from tests.widget_app import clock, services, shop
from tests.widgets.conftest import widget_client

__all__ = ["clock", "services", "shop", "widget_client"]
