"""Reading a Content-Security-Policy header the way a browser does: directive name -> its sources."""

from __future__ import annotations


def directives(header: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *sources = part.split()
        parsed.setdefault(name.lower(), sources)  # a repeated directive is ignored, as browsers do
    return parsed


def runs_nothing(header: str) -> bool:
    """True if a document served with this policy can run no script, load nothing and be framed by nobody."""
    policy = directives(header)
    return (
        policy.get("default-src") == ["'none'"]
        and "script-src" not in policy
        and policy.get("frame-ancestors") == ["'none'"]
        and policy.get("base-uri") == ["'none'"]
    )
