"""Shopify's HTTP failures translated into `plugin.errors`, in one place, so callers branch only on retryable."""

from __future__ import annotations

import httpx

from plugin.errors import AuthError, NotFoundError, PermanentError, PlatformError, RetryableError, ThrottledError


def retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "").strip()
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def error_for_response(response: httpx.Response, what: str) -> PlatformError:
    """The error for a non-2xx answer to `what` (e.g. "GraphQL request")."""
    status = response.status_code
    message = f"Shopify {what} answered {status}"
    if status == 429:
        return ThrottledError(message, status=status, retry_after=retry_after_seconds(response))
    if status >= 500:
        return RetryableError(message, status=status, retry_after=retry_after_seconds(response))
    if status == 401:
        return AuthError(message, status=status)
    if status == 404:
        return NotFoundError(message, status=status)
    return PermanentError(message, status=status)


def error_for_transport(exc: httpx.HTTPError, what: str) -> RetryableError:
    kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "failed to connect"
    return RetryableError(f"Shopify {what} {kind}: {type(exc).__name__}")
