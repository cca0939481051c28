"""The storefront script over HTTP: a stable URL with a short cache and a content-hashed, immutable one."""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plugin.openapi import SCRIPT, TEXT, documented
from plugin.storefront_script import SCRIPT_SOURCE, served_script

STABLE_MAX_AGE = 300
IMMUTABLE = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes
    digest: str

    @property
    def etag(self) -> str:
        return f'"{self.digest}"'

    @property
    def hashed_path(self) -> str:
        return f"/static/upfront.{self.digest}.js"


def load_asset(path: Path = SCRIPT_SOURCE) -> Asset:
    body = served_script(path)
    # mtime=0: the same bytes always gzip to the same bytes, so the size a budget checks is reproducible.
    return Asset(body, gzip.compress(body, compresslevel=9, mtime=0), hashlib.sha256(body).hexdigest()[:16])


class ScriptFile:
    """Re-reads the file only when it changes on disk (a dev edit); otherwise serves bytes held in memory."""

    def __init__(self, path: Path = SCRIPT_SOURCE) -> None:
        self.path = path
        self._stamp: tuple[int, int] | None = None
        self._asset: Asset | None = None

    def current(self) -> Asset:
        stat = self.path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        if self._asset is None or stamp != self._stamp:
            self._asset, self._stamp = load_asset(self.path), stamp
        return self._asset


def script_url(path: Path = SCRIPT_SOURCE) -> str:
    """The immutable URL of the current script, for pages the app renders itself (the dev store)."""
    return load_asset(path).hashed_path


def _serve(request: Request, asset: Asset, cache_control: str) -> Response:
    headers = {
        "Cache-Control": cache_control,
        "ETag": asset.etag,
        "Vary": "Accept-Encoding",
        "X-Content-Type-Options": "nosniff",
        # A public file: BigCommerce loads it with Subresource Integrity, which needs a CORS-readable answer.
        "Access-Control-Allow-Origin": "*",
    }
    if asset.etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    media_type = "text/javascript; charset=utf-8"
    if "gzip" in request.headers.get("accept-encoding", "").lower():
        return Response(asset.gzipped, media_type=media_type, headers={**headers, "Content-Encoding": "gzip"})
    return Response(asset.body, media_type=media_type, headers=headers)


def static_routes(script: ScriptFile | None = None) -> list[BaseRoute]:
    source = script or ScriptFile()

    @documented(
        "The storefront script (stable URL, short cache)",
        {200: "JavaScript", 304: "unchanged"},
        tag="static",
        media=SCRIPT,
    )
    async def stable(request: Request) -> Response:
        return _serve(request, source.current(), f"public, max-age={STABLE_MAX_AGE}")

    @documented(
        "The storefront script at its content hash (cached for a year)",
        {200: "JavaScript", 304: "unchanged", 404: "not the current version (says which is)"},
        tag="static",
        media=SCRIPT,
        errors=TEXT,
    )
    async def hashed(request: Request) -> Response:
        asset = source.current()
        if request.path_params["digest"] != asset.digest:
            return Response(
                f"not the current script; load {asset.hashed_path}",
                status_code=404,
                media_type="text/plain",
                headers={"Cache-Control": "no-store"},
            )
        return _serve(request, asset, IMMUTABLE)

    return [
        Route("/static/upfront.js", stable, methods=["GET"]),
        Route("/static/upfront.{digest}.js", hashed, methods=["GET"]),
    ]
