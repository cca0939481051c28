"""The Content-Security-Policy of every page the app serves as HTML: the admin shell, admin API answers, fragments,
and the customer's order-status page."""

from __future__ import annotations

import secrets

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Shopify's documented origin for App Bridge (the only third-party script any page loads).
APP_BRIDGE_SCRIPT = "https://cdn.shopify.com/shopifycloud/app-bridge.js"

# Scripts run only with this response's nonce (or from our own origin). Styles stay 'unsafe-inline': the email
# preview is an `<iframe srcdoc>`, which inherits this policy, and an email must carry its own <style>.
_ADMIN_PAGE = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'{app_bridge}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: https://cdn.shopify.com; connect-src 'self'; frame-src 'self'; "
    "frame-ancestors {frame_ancestors}; base-uri 'none'; form-action 'self'; object-src 'none'"
)

# For HTML that is inserted into another page, whose policy governs it there: admin API answers (the fragments
# the shell inserts, and JSON) and storefront fragments (inserted into the shop's page). Opened directly in a
# tab they run, load and submit nothing, and nobody may frame them; they carry no scripts, images or styles.
INERT_POLICY = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

# Pages with no script at all (the BigCommerce message pages): their own inline <style> only.
STATIC_PAGE = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; "
    "frame-ancestors {frame_ancestors}"
)


# The order-status page (plugin.order_status): no script at all, its own inline <style>, forms to itself, and
# images only from the merchant's logo origin (none without a logo): no third-party request is possible.
STATUS_PAGE = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src {images}; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)


def new_nonce() -> str:
    """A fresh nonce for one response: unguessable, so injected markup cannot name it."""
    return secrets.token_urlsafe(18)


def admin_page_policy(*, nonce: str, frame_ancestors: str, app_bridge: bool) -> str:
    return _ADMIN_PAGE.format(
        nonce=nonce, app_bridge=f" {APP_BRIDGE_SCRIPT}" if app_bridge else "", frame_ancestors=frame_ancestors
    )


def static_page_policy(frame_ancestors: str) -> str:
    return STATIC_PAGE.format(frame_ancestors=frame_ancestors)


def status_page_policy(logo_origin: str | None) -> str:
    return STATUS_PAGE.format(images=logo_origin or "'none'")


class AdminContentSecurity:
    """Gives every `/admin` response that set no policy of its own the inert one (pages set theirs, nonced)."""

    def __init__(self, app: ASGIApp, prefix: str = "/admin") -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or not (path == self.prefix or path.startswith(self.prefix + "/")):
            await self.app(scope, receive, send)
            return

        async def send_with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(name.lower() == b"content-security-policy" for name, _ in headers):
                    headers.append((b"content-security-policy", INERT_POLICY.encode()))
                    message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_policy)
