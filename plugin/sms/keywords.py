"""The keywords a texted reply may be: Twilio's standard opt-out, opt-in and help words (whole message, any case)."""

from __future__ import annotations

from enum import StrEnum

OPT_OUT = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"})
OPT_IN = frozenset({"START", "UNSTOP", "YES"})
HELP = frozenset({"HELP", "INFO"})


class Keyword(StrEnum):
    STOP = "stop"
    START = "start"
    HELP = "help"


def keyword_of(body: str) -> tuple[Keyword, str] | None:
    """(meaning, the word as sent upper-cased) when the whole message is one keyword, else None."""
    word = body.strip().upper()
    if word in OPT_OUT:
        return Keyword.STOP, word
    if word in OPT_IN:
        return Keyword.START, word
    if word in HELP:
        return Keyword.HELP, word
    return None
