"""Methods per RFC 9110, for every path at once: OPTIONS answers 204 with `Allow`, an unsupported method 405 with
`Allow`, each listing every method the path supports across all the routes that serve it.

Starlette decides per route: two routes sharing a path (GET here, POST there) each list only their own methods, and
a method a mounted path lacks falls into the mount and comes out 404 (or meets the mount's signature check first).
This layer knows the whole table, built once from the routes. It sits inside the hot-route dispatch, so the hot
reads and webhook POSTs never reach it; a request whose method its path supports passes on untouched.

A CORS preflight (OPTIONS with `Access-Control-Request-Method`) under `preflight_prefixes` is left to the routes
there, whose CORS layer answers it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from starlette.routing import BaseRoute, Mount, Route, compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

_PREFLIGHT_HEADER = b"access-control-request-method"


@dataclass(frozen=True)
class _PathMethods:
    pattern: re.Pattern[str]
    methods: frozenset[str]


def _route_methods(routes: Iterable[BaseRoute], prefix: str = "") -> Iterable[tuple[str, frozenset[str]]]:
    for route in routes:
        if isinstance(route, Route):
            # A route without a method list answers GET and HEAD (Starlette's default for a plain endpoint).
            yield prefix + route.path, frozenset(route.methods or {"GET", "HEAD"})
        elif isinstance(route, Mount):
            yield from _route_methods(route.routes, prefix + route.path)


def _first_segment(path: str) -> str:
    return path[1:].split("/", 1)[0]


class AllowedMethods:
    def __init__(self, app: ASGIApp, routes: Sequence[BaseRoute], preflight_prefixes: Sequence[str] = ()) -> None:
        self.app = app
        self.preflight_prefixes = tuple(preflight_prefixes)
        merged: dict[str, set[str]] = {}
        for path, methods in _route_methods(routes):
            merged.setdefault(path, set()).update(methods)
        # Bucketed by the first path segment when it is literal, so a request tries only its own neighbourhood.
        self._by_segment: dict[str, list[_PathMethods]] = {}
        self._anywhere: list[_PathMethods] = []
        for path, served in merged.items():
            entry = _PathMethods(compile_path(path)[0], frozenset({*served, "OPTIONS"}))
            segment = _first_segment(path)
            if "{" in segment:
                self._anywhere.append(entry)
            else:
                self._by_segment.setdefault(segment, []).append(entry)

    def allowed(self, path: str) -> frozenset[str]:
        """Every method some route at `path` answers (OPTIONS included); empty when no route has that path."""
        found: set[str] = set()
        for entry in (*self._by_segment.get(_first_segment(path), ()), *self._anywhere):
            if entry.pattern.match(path):
                found |= entry.methods
        return frozenset(found)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method: str = scope["method"]
        allowed = self.allowed(_route_path(scope))
        if not allowed or (method in allowed and method != "OPTIONS") or self._is_owned_preflight(scope):
            await self.app(scope, receive, send)
            return
        allow = ", ".join(sorted(allowed)).encode()
        if method == "OPTIONS":
            await _answer(send, 204, allow, b"")
        else:
            reason = f"{method} is not allowed here; this path answers {allow.decode()}"
            await _answer(send, 405, allow, json.dumps({"error": reason}).encode())

    def _is_owned_preflight(self, scope: Scope) -> bool:
        return (
            scope["method"] == "OPTIONS"
            and scope["path"].startswith(self.preflight_prefixes)
            and any(name == _PREFLIGHT_HEADER for name, _ in scope["headers"])
        )


def _route_path(scope: Scope) -> str:
    """The path as the router matches it: behind a proxy's root path, without that prefix."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root + "/") else path


async def _answer(send: Send, status: int, allow: bytes, body: bytes) -> None:
    headers = [(b"allow", allow), (b"content-length", str(len(body)).encode()), (b"cache-control", b"no-store")]
    if body:
        headers.append((b"content-type", b"application/json"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
