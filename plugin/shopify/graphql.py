"""The Admin GraphQL client: cost-based throttling, retries with backoff, errors translated once."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import anyio
import httpx

from plugin.errors import PermanentError, PlatformError, RetryableError, ThrottledError
from plugin.keys import ShopRef
from plugin.shopify.domains import shop_origin
from plugin.shopify.failures import error_for_response, error_for_transport, retry_after_seconds

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
BACKOFF_BASE_SECONDS = 0.5
BACKOFF_MAX_SECONDS = 30.0


class TokenSource(Protocol):
    async def access_token(self, shop: ShopRef) -> str: ...


@dataclass
class _Bucket:
    """The shop's leaky bucket as Shopify last reported it, to wait before a call rather than be throttled."""

    maximum: float
    available: float
    restore_rate: float
    seen_at: float

    def available_at(self, now: float) -> float:
        return min(self.maximum, self.available + self.restore_rate * (now - self.seen_at))


def _throttle_status(body: Mapping[str, Any]) -> tuple[float | None, _Bucket | None]:
    """(requested cost, bucket) from `extensions.cost`; None where Shopify did not say."""
    cost = (body.get("extensions") or {}).get("cost") or {}
    status = cost.get("throttleStatus") or {}
    requested = cost.get("requestedQueryCost")
    now = time.monotonic()
    try:
        bucket = _Bucket(
            float(status["maximumAvailable"]), float(status["currentlyAvailable"]), float(status["restoreRate"]), now
        )
    except (KeyError, TypeError, ValueError):
        bucket = None
    return (float(requested) if isinstance(requested, int | float) else None), bucket


def _is_throttled(body: Mapping[str, Any]) -> bool:
    return any(
        isinstance(error, Mapping) and (error.get("extensions") or {}).get("code") == "THROTTLED"
        for error in body.get("errors") or ()
    )


class ShopifyGraphQL:
    def __init__(
        self,
        http: httpx.AsyncClient,
        tokens: TokenSource,
        *,
        origin_template: str,
        api_version: str,
        sleep: Sleep = anyio.sleep,
        max_attempts: int = 6,
    ) -> None:
        self.http = http
        self.tokens = tokens
        self.origin_template = origin_template
        self.api_version = api_version
        self.sleep = sleep
        self.max_attempts = max_attempts
        self._buckets: dict[str, _Bucket] = {}
        self._costs: dict[str, float] = {}

    def endpoint(self, shop: ShopRef) -> str:
        return f"{shop_origin(self.origin_template, shop)}/admin/api/{self.api_version}/graphql.json"

    async def execute(self, shop: ShopRef, query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The `data` of a successful answer; raises PlatformError (retryable or not) otherwise."""
        last: PlatformError = RetryableError("no attempt made")
        for attempt in range(self.max_attempts):
            if attempt == 0:  # a retry has already waited for the delay the failure asked for
                await self._wait_for_budget(shop, query)
            try:
                return await self._attempt(shop, query, variables)
            except PlatformError as exc:
                if not exc.retryable:
                    raise
                last = exc
            if attempt + 1 < self.max_attempts:
                delay = last.retry_after
                if delay is None:
                    delay = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2**attempt)
                log.info("retrying Shopify GraphQL", extra={"shop": shop.tag, "delay_s": delay, "error": str(last)})
                await self.sleep(delay)
        raise last

    async def _wait_for_budget(self, shop: ShopRef, query: str) -> None:
        bucket, cost = self._buckets.get(shop.tag), self._costs.get(query)
        if bucket is None or cost is None or bucket.restore_rate <= 0:
            return
        missing = cost - bucket.available_at(time.monotonic())
        if missing > 0:
            await self.sleep(missing / bucket.restore_rate)

    async def _attempt(self, shop: ShopRef, query: str, variables: Mapping[str, Any] | None) -> dict[str, Any]:
        token = await self.tokens.access_token(shop)
        try:
            response = await self.http.post(
                self.endpoint(shop),
                json={"query": query, "variables": dict(variables or {})},
                headers={"X-Shopify-Access-Token": token, "Accept": "application/json"},
            )
        except httpx.HTTPError as exc:
            raise error_for_transport(exc, "GraphQL request") from exc
        if response.is_error:
            raise error_for_response(response, "GraphQL request")
        try:
            body: dict[str, Any] = response.json()
        except ValueError as exc:
            raise RetryableError("Shopify GraphQL answered with something that is not JSON") from exc
        requested, bucket = _throttle_status(body)
        if bucket is not None:
            self._buckets[shop.tag] = bucket
        if requested is not None:
            self._costs[query] = requested
        if _is_throttled(body):
            raise ThrottledError(
                "Shopify GraphQL throttled", retry_after=self._throttle_wait(response, requested, bucket)
            )
        if body.get("errors"):
            messages = "; ".join(
                str(error.get("message", error)) if isinstance(error, Mapping) else str(error)
                for error in body["errors"]
            )
            raise PermanentError(f"Shopify GraphQL errors: {messages}")
        data = body.get("data")
        if not isinstance(data, dict):
            raise PermanentError("Shopify GraphQL answer has no data")
        return data

    @staticmethod
    def _throttle_wait(response: httpx.Response, requested: float | None, bucket: _Bucket | None) -> float | None:
        """Retry-After when given; else the time the bucket needs to refill to the requested cost."""
        hinted = retry_after_seconds(response)
        if hinted is not None:
            return hinted
        if requested is None or bucket is None or bucket.restore_rate <= 0:
            return None
        missing = requested - bucket.available
        return missing / bucket.restore_rate if missing > 0 else None
