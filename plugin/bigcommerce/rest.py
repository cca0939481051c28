"""The BigCommerce REST client (v2 and v3): auth header, rate limits, retries, and error translation in one place."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import anyio
import httpx

from plugin.errors import AuthError, NotFoundError, PermanentError, PlatformError, RetryableError, ThrottledError

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
Params = Mapping[str, str | int]

REQUESTS_LEFT = "X-Rate-Limit-Requests-Left"
RESET_MS = "X-Rate-Limit-Time-Reset-Ms"
MAX_PAGES = 200


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    base_delay: float = 0.5  # seconds; doubles on each retry
    max_delay: float = 30.0
    max_reset: float = 120.0  # never trust a reset hint beyond this

    def backoff(self, retry: int) -> float:
        return min(self.max_delay, self.base_delay * float(2**retry))


def _reset_seconds(response: httpx.Response, policy: RetryPolicy) -> float | None:
    raw = response.headers.get(RESET_MS, "")
    try:
        return min(policy.max_reset, max(0.0, int(raw) / 1000))
    except ValueError:
        return None


def _reason(response: httpx.Response) -> str:
    """BigCommerce's own words (v3 `title`, v2 `[{"message"}]`), short; never the request's headers."""
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase
    if isinstance(body, list) and body and isinstance(body[0], dict):
        body = body[0]
    if isinstance(body, dict):
        for field in ("title", "message", "error"):
            if isinstance(body.get(field), str):
                return str(body[field])[:200]
    return response.reason_phrase


def _translate(response: httpx.Response, where: str) -> PlatformError:
    status = response.status_code
    message = f"BigCommerce {where} answered {status}: {_reason(response)}"
    if status in (401, 403):
        return AuthError(message, status=status)
    if status == 404:
        return NotFoundError(message, status=status)
    return PermanentError(message, status=status)


class BigCommerceRest:
    """One per process: it remembers each store's rate-limit window across calls."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        api_origin: str,
        *,
        sleep: Sleep = anyio.sleep,
        clock: Callable[[], float] = time.monotonic,
        policy: RetryPolicy | None = None,
    ) -> None:
        self.http = http
        self.api_origin = api_origin.rstrip("/")
        self.sleep = sleep
        self.clock = clock
        self.policy = policy or RetryPolicy()
        self._resume_at: dict[str, float] = {}

    def store(self, store_hash: str, token: str) -> StoreApi:
        return StoreApi(self, store_hash, token)

    async def _wait_for_window(self, store_hash: str) -> None:
        resume = self._resume_at.pop(store_hash, None)
        if resume is not None and (delay := resume - self.clock()) > 0:
            await self.sleep(delay)

    def _note_window(self, store_hash: str, response: httpx.Response) -> None:
        left = response.headers.get(REQUESTS_LEFT, "")
        reset = _reset_seconds(response, self.policy)
        if left.strip() == "0" and reset:
            self._resume_at[store_hash] = self.clock() + reset

    async def request(
        self,
        store_hash: str,
        token: str,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        body: Any = None,
    ) -> Any:
        """`path` starts with /v2/ or /v3/. Returns the decoded JSON, or None for an empty answer (204)."""
        url = f"{self.api_origin}/stores/{store_hash}{path}"
        where = f"{method} {path}"
        headers = {"X-Auth-Token": token, "Accept": "application/json"}
        content = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            content = json.dumps(body).encode()
        policy = self.policy
        for attempt in range(policy.attempts):
            last_try = attempt + 1 == policy.attempts
            await self._wait_for_window(store_hash)
            try:
                response = await self.http.request(method, url, params=params, content=content, headers=headers)
            except httpx.TransportError as exc:  # timeouts, refused and dropped connections
                if last_try:
                    raise RetryableError(f"BigCommerce {where} failed: {type(exc).__name__}") from exc
                await self.sleep(policy.backoff(attempt))
                continue
            self._note_window(store_hash, response)
            if response.status_code == 429:
                reset = _reset_seconds(response, policy)
                wait = (reset if reset is not None else policy.base_delay) + (
                    policy.backoff(attempt - 1) if attempt else 0.0
                )
                if last_try:
                    raise ThrottledError(f"BigCommerce {where} is rate limited", status=429, retry_after=wait)
                self._resume_at.pop(store_hash, None)  # this wait covers the window
                log.info("bigcommerce rate limited", extra={"store": store_hash, "wait_s": wait})
                await self.sleep(wait)
                continue
            if response.status_code >= 500:
                if last_try:
                    raise RetryableError(
                        f"BigCommerce {where} answered {response.status_code}", status=response.status_code
                    )
                await self.sleep(policy.backoff(attempt))
                continue
            if response.status_code >= 400:
                raise _translate(response, where)
            if response.status_code == 204 or not response.content:
                return None
            try:
                return response.json()
            except ValueError as exc:
                raise PermanentError(f"BigCommerce {where} answered with invalid JSON") from exc
        raise AssertionError("unreachable: the last attempt returns or raises")


class StoreApi:
    """The REST client bound to one store and its token."""

    def __init__(self, rest: BigCommerceRest, store_hash: str, token: str) -> None:
        self.rest = rest
        self.store_hash = store_hash
        self._token = token

    async def get(self, path: str, params: Params | None = None) -> Any:
        return await self.rest.request(self.store_hash, self._token, "GET", path, params=params)

    async def post(self, path: str, body: Any) -> Any:
        return await self.rest.request(self.store_hash, self._token, "POST", path, body=body)

    async def put(self, path: str, body: Any) -> Any:
        return await self.rest.request(self.store_hash, self._token, "PUT", path, body=body)

    async def v3_data(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        """A single v3 resource, unwrapped from its `{"data": ...}` envelope."""
        found = await self.rest.request(self.store_hash, self._token, method, path, body=body)
        data = found.get("data") if isinstance(found, dict) else None
        if not isinstance(data, dict):
            raise PermanentError(f"BigCommerce {method} {path} answered without a data object")
        return data

    async def v2_list(self, path: str, params: Params | None = None, *, limit: int = 250) -> list[dict[str, Any]]:
        """Every row of a v2 collection, page by page (v2 answers 204 past the last page)."""
        rows: list[dict[str, Any]] = []
        for page in range(1, MAX_PAGES + 1):
            found = await self.get(path, {**(params or {}), "page": page, "limit": limit})
            batch = [row for row in found or () if isinstance(row, dict)] if isinstance(found, list) else []
            rows.extend(batch)
            if len(batch) < limit:
                break
        return rows

    async def v3_list(self, path: str, params: Params | None = None, *, limit: int = 250) -> list[dict[str, Any]]:
        """Every item of a v3 collection, following `meta.pagination.total_pages`."""
        rows: list[dict[str, Any]] = []
        for page in range(1, MAX_PAGES + 1):
            found = await self.get(path, {**(params or {}), "page": page, "limit": limit})
            data = found.get("data") if isinstance(found, dict) else None
            rows.extend(row for row in data or () if isinstance(row, dict))
            meta = found.get("meta") if isinstance(found, dict) else None
            pagination = meta.get("pagination") if isinstance(meta, dict) else None
            total_pages = pagination.get("total_pages") if isinstance(pagination, dict) else None
            if not isinstance(total_pages, int) or page >= total_pages:
                break
        return rows
