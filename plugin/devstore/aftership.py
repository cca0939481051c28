"""A stand-in for the AfterShip Tracking API in AfterShip's wire format, and its signed tracking webhooks.

Each account has an API key (checked in `as-api-key`) and a webhook secret. `POST /tracking/<version>/trackings`
answers `{"meta": {"code": 201}, "data": <tracking>}` (meta code 4003 for a number the account tracks already),
`GET /tracking/<version>/couriers` tests a key. `checkpoint_delivery` scans a parcel and returns the signed
`tracking_update` webhook AfterShip would send; `send_checkpoint` posts it. Tests steer failures with `fail_next`.
"""

from __future__ import annotations

import json
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from plugin.json_body import JsonBodyError, parse_json_object
from plugin.tracking.aftership import SIGNATURE_HEADER, UPDATE_EVENT, sign


@dataclass
class Account:
    api_key: str
    webhook_secret: str
    webhook_url: str = ""  # where `send_checkpoint` posts when no address is given (set by `upfront dev`)
    trackings: dict[str, dict[str, Any]] = field(default_factory=dict)


def _answer(status: int, code: int, message: str, data: Any = None) -> JSONResponse:
    return JSONResponse({"meta": {"code": code, "message": message}, "data": data or {}}, status_code=status)


class AfterShipEmulator:
    """An ASGI app standing in for `https://api.aftership.com`; attributes let tests inspect and steer it."""

    def __init__(self) -> None:
        self.accounts: dict[str, Account] = {}
        self.create_calls = 0  # POST /trackings answered, failures included
        self.calls: list[tuple[str, str]] = []
        self._fail_next = 0
        self._fail_status = 500
        self._app = Starlette(
            routes=[
                Route("/tracking/{version}/trackings", self.create_tracking, methods=["POST"]),
                Route("/tracking/{version}/couriers", self.couriers, methods=["GET"]),
            ]
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._app(scope, receive, send)

    def add_account(self, api_key: str | None = None, webhook_secret: str | None = None) -> Account:
        account = Account(api_key or secrets.token_hex(16), webhook_secret or secrets.token_hex(16))
        self.accounts[account.api_key] = account
        return account

    def fail_next(self, times: int, status: int = 500) -> None:
        """Answer the next `times` API calls with `status` (500: AfterShip's internal error envelope)."""
        self._fail_next, self._fail_status = times, status

    def _account(self, request: Request) -> Account | None:
        return self.accounts.get(request.headers.get("as-api-key", ""))

    def _refusal(self, request: Request) -> Response | None:
        self.calls.append((request.method, request.url.path.removeprefix(request.scope.get("root_path", ""))))
        if self._fail_next > 0:
            self._fail_next -= 1
            return _answer(self._fail_status, self._fail_status, "Something went wrong on AfterShip's end.")
        if self._account(request) is None:
            return _answer(401, 401, "Invalid API key.")
        return None

    async def create_tracking(self, request: Request) -> Response:
        if request.method == "POST":
            self.create_calls += 1
        refused = self._refusal(request)
        if refused is not None:
            return refused
        account = self._account(request)
        assert account is not None
        try:
            body = json.loads(await request.body())
        except ValueError:
            return _answer(400, 4001, "Invalid JSON data.")
        number = body.get("tracking_number") if isinstance(body, dict) else None
        if not isinstance(number, str) or not 4 <= len(number) <= 100:
            return _answer(400, 4005, "The value of `tracking_number` is invalid.")
        if number in account.trackings:
            return _answer(400, 4003, "Tracking already exists.")
        now = datetime.now(UTC).isoformat()
        tracking = {
            "id": uuid.uuid4().hex,
            "tracking_number": number,
            "slug": body.get("slug") or "dev-carrier",
            "order_id": body.get("order_id"),
            "order_number": body.get("order_number"),
            "title": body.get("title") or number,
            "tag": "Pending",
            "subtag": "Pending_001",
            "created_at": now,
            "updated_at": now,
            "checkpoints": [],
        }
        account.trackings[number] = tracking
        return _answer(201, 201, "", tracking)

    async def couriers(self, request: Request) -> Response:
        refused = self._refusal(request)
        if refused is not None:
            return refused
        return _answer(200, 200, "", {"total": 1, "couriers": [{"slug": "dev-carrier", "name": "Dev Carrier"}]})

    # --- tracking webhooks -----------------------------------------------------------------------------------

    def checkpoint_delivery(
        self,
        api_key: str,
        tracking_number: str,
        tag: str,
        *,
        message: str = "",
        city: str = "Berlin",
        country: str = "Germany",
        event_id: str | None = None,
        sent_at: float | None = None,
        secret: str | None = None,
    ) -> tuple[dict[str, str], bytes]:
        """The parcel gets a carrier scan with `tag` (InTransit, OutForDelivery, Delivered, Exception, ...); the
        signed `tracking_update` delivery AfterShip would send about it: (headers, raw body). `secret` signs instead
        of the account's (a forged delivery)."""
        account = self.accounts[api_key]
        tracking = account.trackings[tracking_number]
        moment = datetime.fromtimestamp(sent_at if sent_at is not None else time.time(), UTC)
        tracking["checkpoints"].append(
            {
                "checkpoint_time": moment.isoformat(),
                "created_at": moment.isoformat(),
                "slug": tracking["slug"],
                "tag": tag,
                "subtag": f"{tag}_001",
                "message": message or tag,
                "city": city,
                "state": None,
                "zip": "10115",
                "coordinate": {"latitude": 52.5, "longitude": 13.4},
                "country_region": "DEU",
                "country_region_name": country,
            }
        )
        tracking.update(tag=tag, subtag=f"{tag}_001", updated_at=moment.isoformat())
        document = {
            "event": UPDATE_EVENT,
            "event_id": event_id or str(uuid.uuid4()),
            "is_tracking_first_tag": True,
            "ts": int(moment.timestamp()),
            "msg": {**tracking, "emails": ["customer@example.com"], "customer_name": "Dev Customer"},
        }
        body = json.dumps(document).encode()
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(secret or account.webhook_secret, body)}
        return headers, body

    async def send_checkpoint(
        self, http: httpx.AsyncClient, api_key: str, tracking_number: str, tag: str, url: str = "", **options: Any
    ) -> httpx.Response:
        headers, body = self.checkpoint_delivery(api_key, tracking_number, tag, **options)
        return await http.post(url or self.accounts[api_key].webhook_url, content=body, headers=headers)


def create_aftership_emulator() -> AfterShipEmulator:
    """An emulator with no accounts yet (tests and `upfront dev` add the merchants' accounts)."""
    return AfterShipEmulator()


CHECKPOINT_PATH = "/devstore/aftership-checkpoint"
TAGS = ("InfoReceived", "InTransit", "OutForDelivery", "AvailableForPickup", "Delivered", "AttemptFail", "Exception")


def checkpoint_routes(emulator: AfterShipEmulator, http: Callable[[Request], httpx.AsyncClient]) -> list[BaseRoute]:
    """`POST /devstore/aftership-checkpoint {"tracking_number", "tag", "message"?}` (only `upfront dev`): the carrier
    scans a parcel the app asked AfterShip to follow, and the signed webhook goes to that account's address."""

    async def checkpoint(request: Request) -> Response:
        try:
            body = parse_json_object(await request.body(), max_bytes=4096)
        except JsonBodyError as exc:
            return JSONResponse({"error": exc.reason}, status_code=exc.status)
        number, tag = body.get("tracking_number"), body.get("tag")
        if tag not in TAGS:
            return JSONResponse({"error": f"tag must be one of {', '.join(TAGS)}"}, status_code=400)
        account = next(
            (a for a in emulator.accounts.values() if isinstance(number, str) and number in a.trackings), None
        )
        if account is None or not account.webhook_url:
            return JSONResponse({"error": "no AfterShip account follows that tracking number yet"}, status_code=404)
        message = body.get("message") if isinstance(body.get("message"), str) else ""
        try:
            answer = await emulator.send_checkpoint(
                http(request), account.api_key, str(number), str(tag), message=message
            )
        except httpx.TransportError as exc:
            return JSONResponse({"error": f"could not reach the app ({type(exc).__name__})"}, status_code=502)
        return JSONResponse({"webhook": account.webhook_url, "status": answer.status_code, "answer": answer.text[:200]})

    return [Route(CHECKPOINT_PATH, checkpoint, methods=["POST"])]
