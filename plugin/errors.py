"""The one error hierarchy for talking to platforms: callers branch on retryable versus permanent."""

from __future__ import annotations


class PlatformError(Exception):
    """A call to a platform failed. `retryable` says whether the same call may succeed later."""

    retryable = False

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class RetryableError(PlatformError):
    """Timeouts, connection failures, 5xx and throttling: try again after a delay."""

    retryable = True


class ThrottledError(RetryableError):
    """The platform's rate limit was hit; `retry_after` (seconds) says when to come back."""


class PermanentError(PlatformError):
    """4xx and malformed answers: retrying the same call cannot help."""


class AuthError(PermanentError):
    """The shop's token is missing, revoked or cannot be refreshed: the merchant must reinstall or reopen."""


class NotFoundError(PermanentError):
    """The shop, order or resource does not exist (any more)."""
