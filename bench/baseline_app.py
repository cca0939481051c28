"""The baseline: a bare Starlette app that reads the body and answers JSON, with nothing else."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def accept(request: Request) -> JSONResponse:
    await request.body()
    return JSONResponse({"status": "queued"})


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def create() -> Starlette:
    return Starlette(routes=[Route("/healthz", healthz), Route("/{path:path}", accept, methods=["GET", "POST"])])
