"""What the admin shell shows only under `upfront dev`: the local App Bridge stand-in and a switch between the
two demo shops. `create_app` gets one only from `upfront dev`; production apps have none."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from starlette.requests import Request


@dataclass(frozen=True)
class DevAdmin:
    app_bridge_src: str  # replaces Shopify's CDN script, which a laptop offline cannot load
    switch: Mapping[str, str]  # signed-in platform -> URL of the other demo shop's admin


def dev_admin_of(request: Request) -> DevAdmin | None:
    found = getattr(request.app.state, "dev_admin", None)
    return found if isinstance(found, DevAdmin) else None
