"""OpenAPI: endpoints describe themselves with `@documented`; the document is generated from the live routes."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Mount, Route

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])

_CONVERTER = re.compile(r"\{([^}:]+)(:[^}]+)?\}")


@dataclass(frozen=True)
class QueryParam:
    name: str
    description: str
    required: bool = False
    type: str = "string"


@dataclass(frozen=True)
class Operation:
    summary: str
    responses: Mapping[int, str]
    tag: str
    query: Sequence[QueryParam] = ()
    request_body: str | None = None
    security: Sequence[str] = field(default_factory=tuple)


def documented(
    summary: str,
    responses: Mapping[int, str],
    *,
    tag: str,
    query: Sequence[QueryParam] = (),
    request_body: str | None = None,
    security: Sequence[str] = (),
) -> Callable[[Endpoint], Endpoint]:
    def attach(endpoint: Endpoint) -> Endpoint:
        endpoint.__openapi__ = Operation(  # type: ignore[attr-defined]
            summary, responses, tag, tuple(query), request_body, tuple(security)
        )
        return endpoint

    return attach


def iter_routes(routes: Iterable[BaseRoute], prefix: str = "") -> Iterable[tuple[str, Route]]:
    for route in routes:
        if isinstance(route, Route):
            yield prefix + route.path, route
        elif isinstance(route, Mount):
            yield from iter_routes(route.routes, prefix + route.path)


def operation_of(route: Route) -> Operation | None:
    found: Operation | None = getattr(route.endpoint, "__openapi__", None)
    return found


def _operation_object(path: str, operation: Operation) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name, _ in _CONVERTER.findall(path)
    ]
    parameters += [
        {
            "name": param.name,
            "in": "query",
            "required": param.required,
            "description": param.description,
            "schema": {"type": param.type},
        }
        for param in operation.query
    ]
    spec: dict[str, Any] = {
        "summary": operation.summary,
        "tags": [operation.tag],
        "responses": {str(code): {"description": text} for code, text in sorted(operation.responses.items())},
    }
    if parameters:
        spec["parameters"] = parameters
    if operation.request_body:
        spec["requestBody"] = {
            "description": operation.request_body,
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    if operation.security:
        spec["security"] = [{scheme: []} for scheme in operation.security]
    return spec


def build_document(routes: Iterable[BaseRoute], *, title: str, version: str) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for path, route in iter_routes(routes):
        operation = operation_of(route)
        if operation is None:
            continue
        openapi_path = _CONVERTER.sub(lambda match: "{" + match.group(1) + "}", path)
        for method in sorted((route.methods or {"GET"}) - {"HEAD"}):
            paths.setdefault(openapi_path, {})[method.lower()] = _operation_object(path, operation)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {
            "securitySchemes": {
                "shopifySessionToken": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "shopifyHmac": {"type": "apiKey", "in": "header", "name": "X-Shopify-Hmac-Sha256"},
            }
        },
    }


@documented("This document", {200: "OpenAPI 3.1 document"}, tag="operations")
async def openapi_json(request: Request) -> JSONResponse:
    document: dict[str, Any] = request.app.state.openapi
    return JSONResponse(document)
