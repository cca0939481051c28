"""A small, transparent reader of refund-policy text: the return window in days, whether returns are free, whether
refunds are paid in money. English, German and French wording; each finding keeps the sentence it came from, so
the admin can quote it. It reads only what the sentence states: anything unclear stays unknown (None)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from plugin.policy_html import MAX_TEXT

MAX_QUOTE = 160
MAX_WINDOW_DAYS = 365

# A sentence about returns: only there does "30 days" mean a return window (not a refund's processing time).
_RETURN_WORDS = re.compile(
    r"\b(return|returns|returned|send (it|them|items?) back|withdraw\w*|"
    r"rückgabe\w*|rücksend\w*|zurücksend\w*|zurückgeben|umtausch\w*|widerruf\w*|"
    r"retour\w*|renvoy\w*|rétractation)\b",
    re.IGNORECASE,
)
# "30 days", "30-day", "30 Tage", "30 Tagen", "30-tägig", "30 jours", "thirty days" is not read (numbers only).
_DAYS = re.compile(r"\b(\d{1,3})\s*(?:-\s*)?(?:calendar\s+)?(days?|tage[n]?|tägig\w*|jours?)\b", re.IGNORECASE)
# The unit must follow the number directly: "10 business days" or "14 Werktage" (a processing time) is not read.
_FREE = re.compile(
    r"\b(free returns?|returns? (are|is) free|free of charge|at no (extra )?cost|prepaid (return )?label|"
    r"kostenlose?n? (rücksendung|rückgabe|retoure)\w*|(rücksendung|rückgabe|retoure)\w* (ist |sind )?kostenlos|"
    r"kostenfrei\w*|retours? gratuits?|retours? (est |sont )?gratuits?|sans frais)\b",
    re.IGNORECASE,
)
_PAID_BY_SHOPPER = re.compile(
    r"\b(you (will )?(are responsible for|pay|must pay|cover)[^.]{0,40}(return )?shipping|"
    r"(return )?shipping costs? (are|is) (non-refundable|your responsibility|paid by (you|the (customer|buyer))|"
    r"at your (own )?expense)|at your own expense|no free returns?|"
    r"(kosten|versandkosten) der rücksendung trägt|trägt (der|die) (kunde|käufer\w*)[^.]{0,40}kosten|"
    r"auf (ihre|eigene) kosten|à (vos|votre) (frais|charge)|à la charge (du client|de l'acheteur))",
    re.IGNORECASE,
)
_REFUND = re.compile(
    r"\b(refund\w*|money back|reimburs\w*|erstatt\w*|rückerstatt\w*|geld zurück|rembours\w*)\b", re.IGNORECASE
)
_NO_REFUND = re.compile(
    r"\b(no refunds?|non-refundable purchases|store credit only|exchanges? only|"
    r"only (offer )?(store credit|exchanges?)|"
    r"keine (rück)?erstattung|nur (umtausch|gutschein)|aucun remboursement|uniquement (un )?(échange|avoir))\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[.!?;:])\s+|\n+")


@dataclass(frozen=True)
class PolicyReading:
    """What the refund policy text says; each value is None when the text does not say."""

    windows: tuple[int, ...] = ()  # every distinct return window the text names, in days, in order
    free_returns: bool | None = None  # True: says returns are free; False: says the shopper pays; None: silent
    refunds: bool | None = None  # True: promises refunds; False: exchanges/store credit only; None: silent
    quotes: tuple[str, ...] = ()  # the sentences the findings come from

    @property
    def window_days(self) -> int | None:
        """The one return window the text names; None when it names none or several different ones."""
        return self.windows[0] if len(self.windows) == 1 else None


def _quote(sentence: str) -> str:
    sentence = " ".join(sentence.split())
    return sentence if len(sentence) <= MAX_QUOTE else sentence[: MAX_QUOTE - 1] + "…"


@lru_cache(maxsize=512)
def read_policy(text: str | None) -> PolicyReading:
    """Cached by text: storefront requests re-check badges, and a shop's policy changes only with a sync."""
    if not text:
        return PolicyReading()
    windows: list[int] = []
    quotes: list[str] = []
    free: bool | None = None
    refunds: bool | None = None
    for sentence in _SENTENCE.split(text[:MAX_TEXT]):
        found = False
        if _RETURN_WORDS.search(sentence) or _REFUND.search(sentence):
            for match in _DAYS.finditer(sentence):
                days = int(match.group(1))
                if not 0 < days <= MAX_WINDOW_DAYS:
                    continue
                if _RETURN_WORDS.search(sentence) and days not in windows:
                    windows.append(days)
                    found = True
            if _FREE.search(sentence) and free is None and not _PAID_BY_SHOPPER.search(sentence):
                free, found = True, True
            if _REFUND.search(sentence) and refunds is None and not _NO_REFUND.search(sentence):
                refunds, found = True, True
        # What takes a promise back counts wherever it stands, and wins over any sentence that made it.
        if _PAID_BY_SHOPPER.search(sentence):
            free, found = False, True
        if _NO_REFUND.search(sentence):
            refunds, found = False, True
        if found:
            quotes.append(_quote(sentence))
    return PolicyReading(tuple(windows), free, refunds, tuple(dict.fromkeys(quotes)))
