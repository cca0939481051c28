"""Refusals raised as HTTPException answer like every other refusal: JSON `{"error": reason}`, headers kept."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

_NO_BODY = frozenset({204, 304})


async def json_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code in _NO_BODY:
        return Response(status_code=exc.status_code, headers=headers)
    return JSONResponse(
        {"error": exc.detail}, status_code=exc.status_code, headers={"Cache-Control": "no-store", **headers}
    )


EXCEPTION_HANDLERS = {HTTPException: json_http_error}
