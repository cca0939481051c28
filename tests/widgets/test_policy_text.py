"""The refund-policy reader states only what a sentence says: the return window, who pays, whether refunds are
money, in English, German and French; everything else stays unknown."""

from __future__ import annotations

import pytest

from plugin.policy_html import plain_text
from widgets.badges.policy_text import PolicyReading, read_policy


@pytest.mark.parametrize(
    ("text", "windows", "free", "refunds"),
    [
        (
            "We have a 30-day return policy: you have 30 days after receiving your item to request a return.",
            (30,),
            None,
            None,
        ),
        ("Returns within 14 days. You are responsible for paying return shipping costs.", (14,), False, None),
        ("Free returns within 60 days. Refunds go to your original payment method.", (60,), True, True),
        ("Sie können Artikel innerhalb von 30 Tagen zurücksenden. Die Rücksendung ist kostenlos.", (30,), True, None),
        ("Die Kosten der Rücksendung trägt der Kunde. Rückgabe innerhalb von 14 Tagen.", (14,), False, None),
        ("Vous disposez de 30 jours pour retourner un article. Retours gratuits.", (30,), True, None),
        ("Retour sous 14 jours, les frais de retour sont à vos frais.", (14,), False, None),
        ("Returns accepted within 30 days. We only offer store credit.", (30,), None, False),
        # A refund's processing time is not a return window, nor are business days.
        ("Refunds are processed within 10 business days.", (), None, True),
        ("Orders ship within 2 days.", (), None, None),
        ("Free shipping on orders over 50 €.", (), None, None),
    ],
)
def test_what_each_sentence_states_is_read_and_nothing_more(
    text: str, windows: tuple[int, ...], free: bool | None, refunds: bool | None
) -> None:
    reading = read_policy(text)
    assert (reading.windows, reading.free_returns, reading.refunds) == (windows, free, refunds)


def test_the_findings_quote_their_sentences_and_several_windows_leave_the_window_open() -> None:
    reading = read_policy("You may withdraw within 14 days.\nWe extend returns to 30 days.")
    assert reading.windows == (14, 30) and reading.window_days is None
    assert reading.quotes == ("You may withdraw within 14 days.", "We extend returns to 30 days.")
    assert read_policy(None) == PolicyReading() and read_policy("").window_days is None


def test_policy_html_is_read_as_text_with_its_blocks_as_lines() -> None:
    html = "<h2>Returns</h2><p>Send items back within <strong>30&nbsp;days</strong>.</p><ul><li>Unused</li></ul>"
    assert plain_text(html) == "Returns\nSend items back within 30 days.\nUnused"
    assert read_policy(plain_text(html)).window_days == 30
