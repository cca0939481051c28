"""The install grant: exchange the auth callback's code for a store's access token at the login origin."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import httpx

from plugin.bigcommerce.signed_payload import StaffUser
from plugin.settings import Settings

log = logging.getLogger(__name__)

AUTH_CALLBACK_PATH = "/bigcommerce/auth"


class GrantRefused(Exception):
    """BigCommerce refused the code (expired, already used, wrong store): the merchant must start again."""


class LoginUnavailable(Exception):
    """BigCommerce's login service failed or answered nonsense: nothing the merchant did wrong."""


@dataclass(frozen=True)
class Grant:
    access_token: str
    scope: str
    context: str
    user: StaffUser
    owner_id: str | None
    account_uuid: str | None = None


def redirect_uri(settings: Settings) -> str:
    """Must be identical to the auth callback URL registered for the app."""
    return settings.app_url + AUTH_CALLBACK_PATH


def _grant(body: object) -> Grant:
    if not isinstance(body, dict):
        raise LoginUnavailable("token answer is not an object")
    token, context, user = body.get("access_token"), body.get("context"), body.get("user")
    if not isinstance(token, str) or not token or not isinstance(context, str):
        raise LoginUnavailable("token answer lacks access_token or context")
    if not isinstance(user, dict) or user.get("id") is None:
        raise LoginUnavailable("token answer lacks the installing user")
    owner = body.get("owner")
    owner_id = owner.get("id") if isinstance(owner, dict) else None
    email = user.get("email")
    return Grant(
        access_token=token,
        scope=str(body.get("scope") or ""),
        context=context,
        user=StaffUser(id=str(user["id"]), email=email if isinstance(email, str) and email else None),
        owner_id=None if owner_id is None else str(owner_id),
        account_uuid=body.get("account_uuid") if isinstance(body.get("account_uuid"), str) else None,
    )


async def exchange_code(
    http: httpx.AsyncClient, settings: Settings, *, client_secret: str, code: str, scope: str, context: str
) -> Grant:
    """One attempt only: a code is single-use, so a retry after a lost answer would be refused anyway."""
    form = {
        "client_id": settings.bigcommerce_client_id,
        "client_secret": client_secret,
        "code": code,
        "context": context,
        "scope": scope,
        "grant_type": "authorization_code",
        "redirect_uri": redirect_uri(settings),
    }
    try:
        response = await http.post(
            f"{settings.bigcommerce_login_origin}/oauth2/token", json=form, headers={"Accept": "application/json"}
        )
    except httpx.TransportError as exc:
        raise LoginUnavailable(f"login service unreachable: {type(exc).__name__}") from exc
    if response.status_code in (400, 422):
        raise GrantRefused(f"code refused ({response.status_code})")
    if response.status_code != 200:
        # 401/403 here mean our client credentials were refused: an operator problem, not the merchant's.
        log.error("bigcommerce token exchange failed", extra={"status": response.status_code})
        raise LoginUnavailable(f"login service answered {response.status_code}")
    try:
        body = response.json()
    except ValueError as exc:
        raise LoginUnavailable("token answer is not JSON") from exc
    return _grant(body)
