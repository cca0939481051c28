"""Merchant-written email text (subject, intro, body) rendered in Jinja2's immutable sandbox.

Unknown names fail (StrictUndefined) and so does any reach for Python internals (`''.__class__`, `cycler.__init__`):
the caller falls back to the default text and tells the merchant why. Output size and the `*`/`**` operators are
bounded so a template cannot exhaust memory.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

MAX_SOURCE_CHARS = 5000
MAX_OUTPUT_CHARS = 20_000
MAX_REPEAT = 1000
MAX_EXPONENT = 64


class MerchantTemplateError(ValueError):
    """A merchant template that cannot be used; `reason` is safe to show the merchant."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _MerchantSandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for sized, count in ((left, right), (right, left)):
                if (
                    isinstance(sized, str | list | tuple)
                    and isinstance(count, int)
                    and count * len(sized) > MAX_OUTPUT_CHARS
                ):
                    raise SecurityError("repetition too large")
            if isinstance(left, int) and isinstance(right, int) and abs(left) > MAX_REPEAT**3 and abs(right) > 1:
                raise SecurityError("number too large")
        if operator == "**" and isinstance(right, int | float) and abs(right) > MAX_EXPONENT:
            raise SecurityError("exponent too large")
        return super().call_binop(context, operator, left, right)


_SANDBOX = _MerchantSandbox(undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True)


@lru_cache(maxsize=1024)
def _compiled(source: str) -> Template:
    """Compiling is most of the cost of a short text; the same few texts are rendered again and again."""
    return _SANDBOX.from_string(source)


def render_merchant_text(source: str, variables: Mapping[str, Any]) -> str:
    """Render one merchant text as plain text (the HTML layout escapes it); raises MerchantTemplateError."""
    if len(source) > MAX_SOURCE_CHARS:
        raise MerchantTemplateError(f"the text is longer than {MAX_SOURCE_CHARS} characters")
    try:
        rendered = _compiled(source).render(**variables)
    except SecurityError as exc:
        raise MerchantTemplateError(f"the template tries something not allowed in email templates ({exc})") from None
    except TemplateError as exc:
        raise MerchantTemplateError(f"the template has an error: {exc}") from None
    except Exception as exc:  # arithmetic and type errors inside the template: the merchant's text, not our bug
        raise MerchantTemplateError(f"the template failed: {type(exc).__name__}: {exc}") from None
    if len(rendered) > MAX_OUTPUT_CHARS:
        raise MerchantTemplateError(f"the text renders to more than {MAX_OUTPUT_CHARS} characters")
    return rendered
