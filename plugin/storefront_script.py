"""The storefront script as shoppers receive it: the commented source, minified.

The source (`widgets/static/upfront.js`) keeps its comments and layout for the people who maintain it; shoppers get
it through rjsmin, which drops comments and whitespace only (no renaming, no rewriting), so the result runs exactly
as the source. Everything that hands the script out — the static route, BigCommerce's SRI hash, the Shopify app
embed's asset — uses these bytes, so they always agree.
"""

from __future__ import annotations

from pathlib import Path

import rjsmin

from plugin.settings import PACKAGE_ROOT

SCRIPT_SOURCE = PACKAGE_ROOT.parent / "widgets" / "static" / "upfront.js"


def served_script(path: Path = SCRIPT_SOURCE) -> bytes:
    return str(rjsmin.jsmin(path.read_text(encoding="utf-8"))).encode("utf-8")
