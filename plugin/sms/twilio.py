"""The Twilio adapter: one REST call per text (POST /2010-04-01/Accounts/{AccountSid}/Messages.json, form-encoded,
HTTP basic auth with the Account SID and auth token), its answers translated at this one boundary."""

from __future__ import annotations

import httpx

from plugin.sms.config import SmsConfig
from plugin.sms.transport import OutgoingSms, PermanentSmsError, SentSms, TransientSmsError, UncertainSmsError

DEFAULT_ORIGIN = "https://api.twilio.com"


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None


class TwilioTransport:
    def __init__(self, http: httpx.AsyncClient, config: SmsConfig, *, origin: str = DEFAULT_ORIGIN) -> None:
        self._http = http
        self._config = config
        self._url = f"{origin.rstrip('/')}/2010-04-01/Accounts/{config.account_sid}/Messages.json"

    async def send(self, sms: OutgoingSms) -> SentSms:
        form = {"To": sms.to, "Body": sms.body}
        # A messaging service picks the sender per country (and is what US/CA registration is attached to).
        if self._config.messaging_service_sid:
            form["MessagingServiceSid"] = self._config.messaging_service_sid
        else:
            form["From"] = self._config.sender
        if sms.status_callback:
            form["StatusCallback"] = sms.status_callback
        try:
            response = await self._http.post(
                self._url, data=form, auth=(self._config.account_sid, self._config.auth_token)
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise TransientSmsError(f"twilio unreachable: {type(exc).__name__}") from exc
        except httpx.TransportError as exc:  # sent, but the answer was lost: Twilio may have queued it
            raise UncertainSmsError(f"no answer from twilio: {type(exc).__name__}") from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise TransientSmsError(
                f"twilio answered {response.status_code}",
                status=response.status_code,
                retry_after=_retry_after(response),
            )
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if response.status_code >= 400 or not isinstance(answer, dict) or not answer.get("sid"):
            code = str(answer.get("code", "")) if isinstance(answer, dict) else ""
            message = str(answer.get("message", "")) if isinstance(answer, dict) else ""
            raise PermanentSmsError(
                f"twilio refused ({response.status_code} {code}): {message}"[:300], code=code or None
            )
        return SentSms(provider_id=str(answer["sid"]), status=str(answer.get("status") or "queued"))
