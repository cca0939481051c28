"""A stand-in for Twilio's Programmable Messaging REST API on its wire format, for the dev store and the tests.

POST /2010-04-01/Accounts/{AccountSid}/Messages.json with HTTP basic auth (Account SID, auth token) and a form
body (To, From or MessagingServiceSid, Body, StatusCallback) answers 201 with the Message resource as JSON, or
Twilio's error JSON ({code, message, more_info, status}): 401 code 20003 for bad credentials, 400 code 21211 for
a `To` that is not E.164, 21604/21603/21602 for a missing To/From/Body, 21610 for a number that texted STOP.
`fail_next` makes the next answers 5xx/429 (Retry-After), as a busy Twilio does. Status callbacks and incoming
messages go to the app as Twilio sends them: form-encoded, signed with X-Twilio-Signature (computed here from
Twilio's documented rule, independently of the app's check).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import parse_qsl

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

DEMO_ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
DEMO_AUTH_TOKEN = "devstore-twilio-auth-token"
_E164 = re.compile(r"^\+[1-9]\d{1,14}$")
_OPT_OUT = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"}
_OPT_IN = {"START", "UNSTOP", "YES"}


@dataclass
class SentText:
    sid: str
    account_sid: str
    to: str
    sender: str | None
    messaging_service_sid: str | None
    body: str
    status_callback: str | None
    status: str


@dataclass
class TwilioEmulator:
    accounts: dict[str, str] = field(default_factory=lambda: {DEMO_ACCOUNT_SID: DEMO_AUTH_TOKEN})
    http: httpx.AsyncClient | None = None  # how callbacks reach the app
    sent: list[SentText] = field(default_factory=list)
    opted_out: set[str] = field(default_factory=set)
    requests: int = 0
    _failures: list[tuple[int, int | None]] = field(default_factory=list)

    def fail_next(self, status: int, times: int = 1, *, retry_after: int | None = None) -> None:
        self._failures += [(status, retry_after)] * times

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/2010-04-01/Accounts/{account}/Messages.json", self._create, methods=["POST"])])

    # --- the REST API -----------------------------------------------------------------------------------------

    @staticmethod
    def _error(status: int, code: int, message: str) -> JSONResponse:
        body = {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}"}
        return JSONResponse({**body, "status": status}, status_code=status)

    def _authorized(self, request: Request, account: str) -> bool:
        scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
        try:
            user, _, password = base64.b64decode(encoded).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        expected = self.accounts.get(account)
        return scheme.lower() == "basic" and user == account and expected is not None and password == expected

    async def _create(self, request: Request) -> Response:
        self.requests += 1
        account = request.path_params["account"]
        if not self._authorized(request, account):
            return self._error(401, 20003, "Authenticate")
        if self._failures:
            status, retry_after = self._failures.pop(0)
            answer = self._error(status, 20429 if status == 429 else 20500, "Too Many Requests or internal error")
            if retry_after is not None:
                answer.headers["Retry-After"] = str(retry_after)
            return answer
        form = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        to, sender, service = form.get("To", ""), form.get("From") or None, form.get("MessagingServiceSid") or None
        if not to:
            return self._error(400, 21604, "A 'To' phone number is required.")
        if not _E164.match(to):
            return self._error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if not sender and not service:
            return self._error(400, 21603, "A 'From' phone number is required.")
        if not form.get("Body"):
            return self._error(400, 21602, "Message body is required.")
        if to in self.opted_out:
            return self._error(400, 21610, "Attempt to send to unsubscribed recipient")
        text = SentText(
            sid="SM" + uuid.uuid4().hex,
            account_sid=account,
            to=to,
            sender=sender,
            messaging_service_sid=service,
            body=form["Body"],
            status_callback=form.get("StatusCallback") or None,
            status="accepted" if service else "queued",
        )
        self.sent.append(text)
        now = format_datetime(datetime.now(UTC))
        return JSONResponse(
            {
                "sid": text.sid,
                "account_sid": account,
                "to": to,
                "from": sender,
                "messaging_service_sid": service,
                "body": text.body,
                "status": text.status,
                "num_segments": "0" if service else "1",
                "num_media": "0",
                "direction": "outbound-api",
                "api_version": "2010-04-01",
                "date_created": now,
                "date_updated": now,
                "date_sent": None,
                "price": None,
                "price_unit": "USD",
                "error_code": None,
                "error_message": None,
                "uri": f"/2010-04-01/Accounts/{account}/Messages/{text.sid}.json",
                "subresource_uris": {"media": f"/2010-04-01/Accounts/{account}/Messages/{text.sid}/Media.json"},
            },
            status_code=201,
        )

    # --- requests Twilio makes to the app ---------------------------------------------------------------------

    @staticmethod
    def sign(auth_token: str, url: str, params: dict[str, str]) -> str:
        """X-Twilio-Signature: base64(HMAC-SHA1(auth token, URL + each param name+value, sorted by name))."""
        data = url + "".join(f"{name}{params[name]}" for name in sorted(params))
        return base64.b64encode(hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()).decode()

    async def _post(self, account: str, url: str, params: dict[str, str], *, signature: str | None) -> httpx.Response:
        if self.http is None:
            raise RuntimeError("the Twilio stand-in has no client to call the app with")
        token = self.accounts[account]
        header = signature if signature is not None else self.sign(token, url, params)
        return await self.http.post(url, data=params, headers={"X-Twilio-Signature": header})

    async def report_status(
        self, sid: str, status: str, *, error_code: str | None = None, signature: str | None = None
    ) -> httpx.Response:
        """Tell the message's StatusCallback that it reached `status` (delivered, undelivered, failed, ...)."""
        text = next(found for found in self.sent if found.sid == sid)
        if text.status_callback is None:
            raise ValueError("that message has no StatusCallback")
        text.status = status
        params = {
            "MessageSid": sid,
            "SmsSid": sid,
            "MessageStatus": status,
            "SmsStatus": status,
            "AccountSid": text.account_sid,
            "To": text.to,
            "From": text.sender or "+15005550006",
            "ApiVersion": "2010-04-01",
        }
        if error_code:
            params["ErrorCode"] = error_code
        return await self._post(text.account_sid, text.status_callback, params, signature=signature)

    async def text_in(
        self,
        url: str,
        *,
        sender: str,
        body: str,
        to: str = "+15005550006",
        account: str = DEMO_ACCOUNT_SID,
        signature: str | None = None,
    ) -> httpx.Response:
        """A customer texts the shop's number: Twilio's opt-out handling notes STOP/START, then posts to `url`."""
        word = body.strip().upper()
        if word in _OPT_OUT:
            self.opted_out.add(sender)
        elif word in _OPT_IN:
            self.opted_out.discard(sender)
        params = {
            "MessageSid": "SM" + uuid.uuid4().hex,
            "SmsSid": "",
            "AccountSid": account,
            "From": sender,
            "To": to,
            "Body": body,
            "NumMedia": "0",
            "NumSegments": "1",
            "ApiVersion": "2010-04-01",
        }
        params["SmsSid"] = params["MessageSid"]
        return await self._post(account, url, params, signature=signature)
