"""The help fixtures (demo shop, widget routes, fixed clock) for rendering every widget in every locale."""

from __future__ import annotations

from tests.help.conftest import clock, help_client, services, shop

__all__ = ["clock", "help_client", "services", "shop"]
