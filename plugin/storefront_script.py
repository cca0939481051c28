"""The storefront script as shoppers receive it: the commented source, compacted.

The source (`widgets/static/upfront.js`) keeps its comments for the people who maintain it; shoppers get it without
full-line comments, indentation and blank lines (about a sixth of the gzipped bytes). Only whole lines are dropped
or trimmed, never code within a line, and the script has no template literals or line continuations, so the result
runs exactly as the source. Everything that hands the script out — the static route, BigCommerce's SRI hash, the
Shopify app embed's asset — uses these bytes, so they always agree.
"""

from __future__ import annotations

from pathlib import Path

from plugin.settings import PACKAGE_ROOT

SCRIPT_SOURCE = PACKAGE_ROOT.parent / "widgets" / "static" / "upfront.js"


def compact_script(source: str) -> str:
    kept: list[str] = []
    in_comment = False
    for line in source.splitlines():
        text = line.strip()
        if in_comment:
            if "*/" not in text:
                continue
            in_comment, text = False, text.split("*/", 1)[1].strip()  # code may follow the comment's end
        elif text.startswith("/*") and not text.endswith("*/"):
            if "*/" not in text:
                in_comment = True
                continue  # a comment opening here; code after it on later lines is kept
        elif text.startswith("/*"):
            continue  # a one-line comment
        if text and not text.startswith("//"):
            kept.append(text)
    return "\n".join(kept) + "\n"


def served_script(path: Path = SCRIPT_SOURCE) -> bytes:
    return compact_script(path.read_text(encoding="utf-8")).encode("utf-8")
