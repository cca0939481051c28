"""OpenAPI: endpoints describe themselves with `@documented`; the document is generated from the live routes."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Mount, Route

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])

_CONVERTER = re.compile(r"\{([^}:]+)(:[^}]+)?\}")


JSON = "application/json"
HTML = "text/html"
FORM = "application/x-www-form-urlencoded"
TEXT = "text/plain"
SCRIPT = "text/javascript"
# What every JSON refusal carries (`{"error": reason}`, plus the offending field where there is one).
ERROR_SCHEMA: Mapping[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string"}, "field": {"type": "string"}},
}
_NO_BODY = frozenset({204, 301, 302, 303, 304, 307, 308})


@dataclass(frozen=True)
class QueryParam:
    name: str
    description: str
    required: bool = False
    type: str = "string"
    schema: Mapping[str, Any] | None = None  # the full JSON schema when `type` alone says too little


@dataclass(frozen=True)
class Body:
    """A request body: its media type and JSON schema (form bodies are described as objects of strings)."""

    description: str
    media: str = JSON
    schema: Mapping[str, Any] = field(default_factory=lambda: {"type": "object"})
    required: bool = True


@dataclass(frozen=True)
class Reply:
    """One status's answer when it differs from the operation's own `media`/`errors` (e.g. a JSON 503 body)."""

    description: str
    media: str | None = None
    schema: Mapping[str, Any] | None = None


Responses = Mapping[int, "str | Reply"]


@dataclass(frozen=True)
class Operation:
    summary: str
    responses: Responses
    tag: str
    query: Sequence[QueryParam] = ()
    request_body: str | Body | None = None
    security: Sequence[str] = field(default_factory=tuple)
    media: str | None = None  # what a success answer carries; None: not described
    schema: Mapping[str, Any] | None = None  # the success body's JSON schema (default: an object)
    errors: str = JSON  # what a refusal carries: JSON ERROR_SCHEMA, or an HTML page


def documented(
    summary: str,
    responses: Responses,
    *,
    tag: str,
    query: Sequence[QueryParam] = (),
    request_body: str | Body | None = None,
    security: Sequence[str] = (),
    media: str | None = None,
    schema: Mapping[str, Any] | None = None,
    errors: str = JSON,
) -> Callable[[Endpoint], Endpoint]:
    def attach(endpoint: Endpoint) -> Endpoint:
        endpoint.__openapi__ = Operation(  # type: ignore[attr-defined]
            summary, responses, tag, tuple(query), request_body, tuple(security), media, schema, errors
        )
        return endpoint

    return attach


def also_answers(endpoint: Endpoint, responses: Responses) -> Endpoint:
    """`endpoint` wraps a documented one (functools.wraps copies its description) and may refuse on its own:
    those answers join the wrapped operation's."""
    found: Operation | None = getattr(endpoint, "__openapi__", None)
    if found is not None:
        endpoint.__openapi__ = replace(found, responses={**responses, **found.responses})  # type: ignore[attr-defined]
    return endpoint


class DocumentedMount(Mount):
    """A mount whose own layer (a signature check, CORS, sign-in) can answer before any endpoint: those answers,
    and the security and query parameters that layer requires, are documented on every operation beneath it."""

    def __init__(
        self,
        path: str,
        routes: Sequence[BaseRoute] | None = None,
        *,
        responses: Responses,
        security: Sequence[str] = (),
        query: Sequence[QueryParam] = (),
        middleware: Sequence[Middleware] | None = None,
    ) -> None:
        super().__init__(path, routes=routes, middleware=middleware)
        self.responses = responses
        self.security = tuple(security)
        self.query = tuple(query)


@dataclass(frozen=True)
class _Layer:
    responses: Mapping[int, str | Reply] = field(default_factory=dict)
    security: tuple[str, ...] = ()
    query: tuple[QueryParam, ...] = ()

    def under(self, mount: Mount) -> _Layer:
        if not isinstance(mount, DocumentedMount):
            return self
        return _Layer({**self.responses, **mount.responses}, self.security + mount.security, self.query + mount.query)


def iter_routes(routes: Iterable[BaseRoute], prefix: str = "") -> Iterable[tuple[str, Route]]:
    for path, route, _ in _walk(routes, prefix, _Layer()):
        yield path, route


def _walk(routes: Iterable[BaseRoute], prefix: str, layer: _Layer) -> Iterable[tuple[str, Route, _Layer]]:
    for route in routes:
        if isinstance(route, Route):
            yield prefix + route.path, route, layer
        elif isinstance(route, Mount):
            yield from _walk(route.routes, prefix + route.path, layer.under(route))


def operation_of(route: Route) -> Operation | None:
    found: Operation | None = getattr(route.endpoint, "__openapi__", None)
    return found


def _content(media: str, schema: Mapping[str, Any] | None) -> dict[str, Any]:
    if schema is None:
        schema = {"type": "object"} if media == JSON else {"type": "string"}
    return {media: {"schema": dict(schema)}}


def _response(status: int, answer: str | Reply, operation: Operation) -> dict[str, Any]:
    if isinstance(answer, Reply):
        spec: dict[str, Any] = {"description": answer.description}
        if answer.media is not None:
            spec["content"] = _content(answer.media, answer.schema)
        return spec
    spec = {"description": answer}
    if status in _NO_BODY:
        return spec
    if status >= 400:
        spec["content"] = _content(operation.errors, ERROR_SCHEMA if operation.errors == JSON else None)
    elif operation.media is not None:
        spec["content"] = _content(operation.media, operation.schema)
    return spec


def _query_parameter(param: QueryParam) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "name": param.name,
        "in": "query",
        "required": param.required,
        "description": param.description,
        "schema": dict(param.schema) if param.schema is not None else {"type": param.type},
    }
    if spec["schema"].get("type") == "object":
        # several parameters described together, so that one schema can relate them (a postcode to its country):
        # each property is a query parameter of its own, `name` appears nowhere on the wire
        spec.update(style="form", explode=True)
    return spec


def _operation_object(path: str, operation: Operation, layer: _Layer) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name, _ in _CONVERTER.findall(path)
    ]
    parameters += [_query_parameter(param) for param in (*layer.query, *operation.query)]
    responses: dict[int, str | Reply] = {**layer.responses, **operation.responses}
    body = operation.request_body
    if isinstance(body, str):
        body = Body(body)
    if body is not None:
        responses.setdefault(413, "the body is larger than the limit")  # BodyLimitMiddleware, for every route
    spec: dict[str, Any] = {
        "summary": operation.summary,
        "tags": [operation.tag],
        "responses": {str(code): _response(code, answer, operation) for code, answer in sorted(responses.items())},
    }
    if parameters:
        spec["parameters"] = parameters
    if body is not None:
        spec["requestBody"] = {
            "description": body.description,
            "required": body.required,
            "content": {body.media: {"schema": dict(body.schema)}},
        }
    security = (*layer.security, *operation.security)
    if security:
        spec["security"] = [{scheme: []} for scheme in dict.fromkeys(security)]
    return spec


def build_document(routes: Iterable[BaseRoute], *, title: str, version: str) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for path, route, layer in _walk(routes, "", _Layer()):
        operation = operation_of(route)
        if operation is None:
            continue
        openapi_path = _CONVERTER.sub(lambda match: "{" + match.group(1) + "}", path)
        for method in sorted((route.methods or {"GET"}) - {"HEAD"}):
            paths.setdefault(openapi_path, {})[method.lower()] = _operation_object(path, operation, layer)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {
            "securitySchemes": {
                "shopifySessionToken": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "shopifyHmac": {"type": "apiKey", "in": "header", "name": "X-Shopify-Hmac-Sha256"},
                "bigcommerceSession": {"type": "apiKey", "in": "cookie", "name": "upfront_bc_admin"},
            }
        },
    }


@documented("This document", {200: "OpenAPI 3.1 document"}, tag="operations", media=JSON)
async def openapi_json(request: Request) -> JSONResponse:
    document: dict[str, Any] = request.app.state.openapi
    return JSONResponse(document)
