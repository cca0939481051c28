"""Which mailer a process uses: SMTP when UPFRONT_SMTP_URL is set, else the dev outbox in Redis."""

from __future__ import annotations

from urllib.parse import urlsplit

from plugin.email.outbox import OutboxMailer
from plugin.email.transport import Mailer, OutgoingMessage, SmtpMailer
from plugin.services import Services
from plugin.settings import Settings


def mailer_from_settings(settings: Settings) -> Mailer:
    if settings.smtp_url is None:
        return OutboxMailer()
    return SmtpMailer(str(settings.smtp_url), local_hostname=urlsplit(settings.app_url).hostname)


class ConfiguredMailer:
    """The worker's mailer when the composition root has no settings at hand: chosen from the settings of the first
    services it delivers for, then kept (so the SMTP connection is reused across messages)."""

    def __init__(self) -> None:
        self._mailer: Mailer | None = None
        self._url: str | None = None

    async def deliver(self, services: Services, outgoing: OutgoingMessage) -> None:
        url = str(services.settings.smtp_url) if services.settings.smtp_url is not None else None
        if self._mailer is None or url != self._url:
            if self._mailer is not None:
                await self._mailer.aclose()
            self._mailer, self._url = mailer_from_settings(services.settings), url
        await self._mailer.deliver(services, outgoing)

    async def aclose(self) -> None:
        if self._mailer is not None:
            await self._mailer.aclose()
