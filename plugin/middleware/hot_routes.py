"""Dispatch for the few routes that carry nearly all traffic (webhook deliveries, storefront reads), ahead of the
router: a dict lookup on the path's shape instead of a regex per route, and none of the per-route layers.

The routes stay ordinary routes: same endpoint, same OpenAPI entry, reachable through the router too. Only the
dispatch is shortened; the outer middleware (request ids, body limits, the 500 guard) runs as for any request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class HotRoute:
    method: str
    template: str  # "/storefront/{platform}/{shop}/estimate": literal segments and whole-segment parameters
    app: ASGIApp  # the route's endpoint as ASGI (endpoint_app), wrapped in whatever its mount adds (CORS...)


def endpoint_app(endpoint: Endpoint) -> ASGIApp:
    """A request/response endpoint as a bare ASGI app: what the router's wrapper does, less its exception-handler
    lookup (these endpoints answer every outcome themselves; anything else is the 500 guard's)."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        response = await endpoint(Request(scope, receive))
        await response(scope, receive, send)

    return app


@dataclass(frozen=True)
class _Template:
    literals: tuple[tuple[int, str], ...]  # (segment index, text)
    params: tuple[tuple[int, str], ...]  # (segment index, parameter name)
    app: ASGIApp

    @classmethod
    def of(cls, route: HotRoute) -> tuple[int, _Template]:
        literals: list[tuple[int, str]] = []
        params: list[tuple[int, str]] = []
        segments = route.template[1:].split("/")
        for index, segment in enumerate(segments):
            if segment.startswith("{") and segment.endswith("}"):
                name = segment[1:-1]
                if not name.isidentifier():
                    raise ValueError(f"{route.template}: only plain {{name}} parameters can be hot")
                params.append((index, name))
            else:
                literals.append((index, segment))
        return len(segments), cls(tuple(literals), tuple(params), route.app)

    def match(self, parts: list[str]) -> dict[str, str] | None:
        for index, text in self.literals:
            if parts[index] != text:
                return None
        params = {name: parts[index] for index, name in self.params}
        return None if "" in params.values() else params  # like the router: a parameter is never empty


class HotRoutes:
    def __init__(self, app: ASGIApp, routes: Sequence[HotRoute] = ()) -> None:
        self.app = app
        # Keyed by method and segment count, then tried in order: a handful of templates per key at most.
        self._table: dict[tuple[str, int], list[_Template]] = {}
        for route in routes:
            length, template = _Template.of(route)
            self._table.setdefault((route.method, length), []).append(template)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            parts = scope["path"][1:].split("/")
            for template in self._table.get((scope["method"], len(parts)), ()):
                params = template.match(parts)
                if params is not None:
                    scope["path_params"] = params
                    await template.app(scope, receive, send)
                    return
        await self.app(scope, receive, send)


def hot_routes(routes: Iterable[BaseRoute], method: str, *paths: str) -> list[HotRoute]:
    """The top-level routes at `paths`, as they are (no mount middleware to carry over); KeyError if one is missing."""
    by_path = {route.path: route for route in routes if isinstance(route, Route) and not isinstance(route, Mount)}
    found: list[HotRoute] = []
    for path in paths:
        route = by_path[path]
        if route.methods is None or method not in route.methods:
            raise KeyError(f"{path} does not answer {method}")
        found.append(HotRoute(method, path, endpoint_app(route.endpoint)))
    return found
