"""The real app for load tests, built from the environment exactly as `upfront serve` builds it."""

from __future__ import annotations

from starlette.applications import Starlette

from plugin.app import create_app
from plugin.settings import load_settings


def create() -> Starlette:
    return create_app(load_settings())
