"""Responses for the hot paths whose bytes are known ahead: encoded once, sent many times."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response


class PrebuiltResponse(Response):
    """A response from headers already encoded: Starlette's own init would rebuild them every time."""

    def __init__(self, body: bytes, raw_headers: list[tuple[bytes, bytes]], status_code: int = 200) -> None:
        self.status_code = status_code
        self.body = body
        self.background = None
        self.raw_headers = raw_headers


class CannedJSON:
    """One JSON answer, encoded once; `response()` hands out a copy of its header list (later layers may edit
    a response's headers in place)."""

    def __init__(self, content: Any, status_code: int = 200, headers: dict[str, str] | None = None) -> None:
        built = JSONResponse(content, status_code=status_code, headers=headers)
        self.status_code = status_code
        self.body = bytes(built.body)
        self.raw_headers = tuple(built.raw_headers)

    def response(self) -> Response:
        return PrebuiltResponse(self.body, list(self.raw_headers), self.status_code)
