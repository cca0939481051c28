"""German says "nach Deutschland" but "in die Schweiz", "in die Vereinigten Staaten", "auf die Malediven": a country
whose name takes an article (and, after "in die", its accusative form) cannot follow "nach". The German catalogs
write "nach {country}"; `german_destinations` rewrites those few countries' phrases after the text is filled in."""

from __future__ import annotations

import re
from functools import cache

from babel import Locale

# ISO code -> the whole phrase, from CLDR's German name (checked in tests/i18n against Babel's names).
_PHRASES = {
    "AE": "in die Vereinigten Arabischen Emirate",
    "BS": "auf die Bahamas",
    "CF": "in die Zentralafrikanische Republik",
    "CK": "auf die Cookinseln",
    "DO": "in die Dominikanische Republik",
    "FK": "auf die Falklandinseln",
    "FO": "auf die Färöer",
    "GB": "ins Vereinigte Königreich",
    "IQ": "in den Irak",
    "IR": "in den Iran",
    "KM": "auf die Komoren",
    "KY": "auf die Kaimaninseln",
    "LB": "in den Libanon",
    "MH": "auf die Marshallinseln",
    "MN": "in die Mongolei",
    "MP": "auf die Nördlichen Marianen",
    "MV": "auf die Malediven",
    "NE": "in den Niger",
    "NL": "in die Niederlande",
    "OM": "in den Oman",
    "PH": "auf die Philippinen",
    "SB": "auf die Salomonen",
    "SC": "auf die Seychellen",
    "SD": "in den Sudan",
    "SK": "in die Slowakei",
    "SN": "in den Senegal",
    "TC": "auf die Turks- und Caicosinseln",
    "TD": "in den Tschad",
    "TR": "in die Türkei",
    "UA": "in die Ukraine",
    "US": "in die Vereinigten Staaten",
    "VA": "in die Vatikanstadt",
    "VG": "auf die Britischen Jungferninseln",
    "VI": "auf die Amerikanischen Jungferninseln",
    "YE": "in den Jemen",
    "CH": "in die Schweiz",
    "AX": "auf die Ålandinseln",
}


@cache
def _pattern() -> tuple[re.Pattern[str], dict[str, str]]:
    """ "nach <CLDR German name>" (a whole name: "nach Niger" is not "nach Nigeria") -> the right phrase."""
    names = Locale("de").territories
    phrases = {f"nach {names[code]}": phrase for code, phrase in _PHRASES.items() if code in names}
    wrong = sorted(phrases, key=len, reverse=True)
    return re.compile("(?:" + "|".join(re.escape(w) for w in wrong) + r")(?!\w)"), phrases


def german_destinations(text: str) -> str:
    if "nach " not in text:
        return text
    pattern, phrases = _pattern()
    return pattern.sub(lambda found: phrases[found.group(0)], text)


def destination_phrases() -> dict[str, str]:
    """For tests: each code's phrase, as written above."""
    return dict(_PHRASES)
