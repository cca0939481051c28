"""Responses for the hot paths whose bytes are known ahead: encoded once, sent many times."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.responses import Response


class PrebuiltResponse(Response):
    """A response from headers already encoded: Starlette's own init would rebuild them every time."""

    def __init__(self, body: bytes, raw_headers: list[tuple[bytes, bytes]], status_code: int = 200) -> None:
        self.status_code = status_code
        self.body = body
        self.background = None
        self.raw_headers = raw_headers


@dataclass(frozen=True)
class Prebuilt:
    """A response encoded once; `response()` hands out a copy of its header list each time (later layers may
    edit a response's headers in place)."""

    status_code: int
    body: bytes
    raw_headers: tuple[tuple[bytes, bytes], ...]

    @classmethod
    def of(cls, built: Response) -> Prebuilt:
        return cls(built.status_code, bytes(built.body), tuple(built.raw_headers))

    def response(self) -> Response:
        return PrebuiltResponse(self.body, list(self.raw_headers), self.status_code)
