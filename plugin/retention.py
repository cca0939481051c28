"""Retention: records holding personal data expire a set time after their last activity (Redis TTLs).

Each write of a journey, message record, order state, survey answer or support flag refreshes its TTL, so the
data lives `UPFRONT_RETENTION_DAYS` (default 365) after the journey's last step and is then gone from Redis by
itself. The minimum (60 days) is longer than any journey waits between two steps, so nothing live expires.
Consent records are the exception: they prove consent (GDPR Art. 7(1)) and are kept until erasure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from plugin.services import Services

DEFAULT_RETENTION_DAYS = 365
MIN_RETENTION_DAYS = 60


def retention_seconds(days: int) -> int:
    return max(days, MIN_RETENTION_DAYS) * 24 * 3600


async def retain(services: Services, *keys: str) -> None:
    """(Re)start the retention clock of `keys` after a write, and keep them in their shop's index
    (plugin.shop_index) until then."""
    from plugin.shop_index import note  # not at the top: plugin.settings imports this module, shop_index imports it

    seconds = retention_seconds(services.settings.retention_days)
    async with services.redis.pipeline(transaction=False) as pipe:
        for key in keys:
            pipe.expire(key, seconds)
            note(pipe, services.keys, key, seconds)
        await pipe.execute()
