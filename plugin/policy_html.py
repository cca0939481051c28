"""Policy pages as plain text: platforms send policy bodies as HTML (Shopify ShopPolicy.body), readers want text."""

from __future__ import annotations

from html.parser import HTMLParser

MAX_TEXT = 20_000  # policy bodies can reach 512 KB; the terms a badge needs are near the top

_BLOCKS = frozenset({"p", "br", "li", "div", "h1", "h2", "h3", "h4", "h5", "h6", "tr"})


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n")


def plain_text(html: str) -> str:
    """Policy bodies are HTML (Shopify ShopPolicy.body): the text, with block breaks kept as new lines."""
    parser = _Text()
    parser.feed(html[: MAX_TEXT * 4])
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line)[:MAX_TEXT]
