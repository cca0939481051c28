"""What a rendered email must never show a customer: leaked Python objects, `None`, Jinja syntax or undefined
values, and labels with nothing after them. Used on every stage's HTML and text, sent or previewed."""

from __future__ import annotations

import re
from email.message import EmailMessage
from html.parser import HTMLParser

from plugin.email.wording import wording

LEAKS = ("object at 0x", "<built-in", "<bound method", "Undefined", "{{", "}}", "{%", "%}", "{#", "#}")
_NONE = re.compile(r"\bNone\b")
# A line that is only a short label and a colon ("Tracking number:"), i.e. a label whose value is missing.
_BARE_LABEL = re.compile(r"^[^\S\n]*[^\s:][^:\n]{0,40}:[^\S\n]*$", re.MULTILINE)
# Elements that exist only to show something: empty, they are a label or a link with nothing in it.
_MUST_HOLD_TEXT = {"title", "h1", "p", "th", "td", "a", "li", "strong", "summary"}
_HIDDEN = {"style", "script"}


class _Visible(HTMLParser):
    """The text a mail client shows, and the elements that show nothing."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.empty: list[str] = []
        self._open: list[tuple[str, int]] = []  # (tag, length of chunks when it opened)
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self._hidden += 1
        if tag in _MUST_HOLD_TEXT:
            self._open.append((tag, len(self.chunks)))
        if tag == "br":
            self.chunks.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self._hidden -= 1
        if tag in _MUST_HOLD_TEXT and self._open and self._open[-1][0] == tag:
            _, start = self._open.pop()
            if not "".join(self.chunks[start:]).strip():
                self.empty.append(tag)
        if tag in {"p", "tr", "h1", "div", "li", "title"}:
            self.chunks.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.chunks.append(data)


def visible_text(html: str) -> tuple[str, list[str]]:
    """(the visible text, one line per block; the tags of elements that should show text and show none)."""
    parser = _Visible()
    parser.feed(html)
    parser.close()
    text = "".join(parser.chunks)
    lines = (re.sub(r"[^\S\n]+", " ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line), parser.empty


def text_problems(text: str, locale: str) -> list[str]:
    found = [f"shows {leak!r}" for leak in LEAKS if leak in text]
    found += [f"shows None in {line!r}" for line in text.splitlines() if _NONE.search(line)]
    found += [f"label without a value: {match.group(0).strip()[:-1]!r}" for match in _BARE_LABEL.finditer(text)]
    found += [f"a value without its label: {line.strip()!r}" for line in text.splitlines() if line.strip()[:1] == ":"]
    # The wording's own labels, however long, followed by a colon and nothing.
    for label in wording(locale).labels.values():
        if label and re.search(re.escape(label) + r":[^\S\n]*(\n|$)", text):
            found.append(f"label without a value: {label!r}")
    return sorted(set(found))


def email_problems(html: str, text: str, locale: str) -> list[str]:
    """Everything wrong with one rendered email, HTML (its visible text and its markup) and text part."""
    visible, empty = visible_text(html)
    found = [f"html: {problem}" for problem in text_problems(visible, locale)]
    found += [f"html: an empty <{tag}>" for tag in empty]
    found += [f"html markup: shows {leak!r}" for leak in ("object at 0x", "<built-in", "Undefined") if leak in html]
    found += [f"text: {problem}" for problem in text_problems(text, locale)]
    return found


def message_problems(message: EmailMessage, locale: str) -> list[str]:
    """`email_problems` of a message as an SMTP server received it."""
    html, text = message.get_body(preferencelist=("html",)), message.get_body(preferencelist=("plain",))
    if html is None or text is None:
        return ["the message lacks an HTML or a text part"]
    return [
        f"{message['Subject']}: {problem}" for problem in email_problems(html.get_content(), text.get_content(), locale)
    ]
