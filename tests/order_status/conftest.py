"""Order-status fixtures: the Shopify dev store emulator behind the app, and the loopback SMTP server."""

from __future__ import annotations

import pytest

from tests.journey.conftest import inbox, smtp_server, smtp_url
from tests.shopify.conftest import EMULATOR_BASE, emulator, emulator_http, installed, services

__all__ = ["emulator", "emulator_http", "inbox", "installed", "services", "smtp_server", "smtp_url"]


@pytest.fixture
def test_env(test_env: dict[str, str], smtp_url: str) -> dict[str, str]:
    test_env["UPFRONT_SHOPIFY_ORIGIN"] = EMULATOR_BASE + "/{shop}"
    test_env["UPFRONT_SMTP_URL"] = smtp_url
    test_env["UPFRONT_MAIL_FROM"] = "Upfront <mail@upfront.test>"
    return test_env
