from __future__ import annotations

import pytest
from starlette.routing import Route

from plugin.app import create_app
from plugin.openapi import iter_routes, operation_of
from plugin.settings import Settings
from tests.conftest import AppClientFactory

pytestmark = pytest.mark.anyio


def test_every_route_is_documented(settings: Settings) -> None:
    app = create_app(settings)
    undocumented = [path for path, route in iter_routes(app.routes) if operation_of(route) is None]
    assert undocumented == []


async def test_the_served_document_lists_exactly_the_routes_that_exist(
    settings: Settings, app_client: AppClientFactory
) -> None:
    app = create_app(settings)
    expected = {
        (path.replace(":path", ""), method.lower())
        for path, route in iter_routes(app.routes)
        if isinstance(route, Route)
        for method in (route.methods or set()) - {"HEAD"}
    }
    async with app_client() as client:
        document = (await client.get("/openapi.json")).json()
    served = {(path, method) for path, operations in document["paths"].items() for method in operations}
    assert document["openapi"].startswith("3.")
    assert {(path.split("{")[0], method) for path, method in served} == {
        (path.split("{")[0], method) for path, method in expected
    }
