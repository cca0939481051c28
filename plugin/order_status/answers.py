"""The order-status page's answers to what customers ask about an order: where it is, whether the address can still
change, how to return something. Each is decided from the order's own progress and the shop's stated facts (the
return window exactly as the badges and the help prompt state it), never promised beyond them, and each ends in a
one-click way to ask a person: the page's message form, filled in with the order and the question."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from plugin.email.render import one_period
from plugin.order_status.view import Progress, ShipmentView
from widgets.help.answers import ReturnsFacts

ASKS = ("where", "address", "return")  # the `ask` values a page link may carry: each fills in the form
SHIPPED_RANK = 2  # plugin.email.stages: 1 confirmed, 2 shipped, 3 out for delivery, 4 delivered


@dataclass(frozen=True)
class OrderAnswer:
    id: str  # one of ASKS
    question: str
    lines: tuple[str, ...]
    link_url: str | None = None
    link_label: str | None = None


def _where(
    shown: Progress,
    late: bool,
    expected: str | None,
    delivered: str | None,
    carriers: Sequence[str],
    words: Mapping[str, str],
) -> tuple[str, ...]:
    if shown.delivered:
        return (one_period(words["a_where_delivered"].format(date=delivered)),) if delivered else ()
    if shown.exception == "failed":
        return (words["a_where_problem"],)
    if shown.rank >= 3:
        lines = [words["a_where_out"]]
    elif shown.rank >= SHIPPED_RANK:
        named = sorted(set(carriers))
        lines = [
            words["a_where_on_its_way_with"].format(carrier=" / ".join(named)) if named else words["a_where_on_its_way"]
        ]
    else:
        lines = [words["a_where_preparing"]]
    if expected:
        lines.append(words["a_where_expected"].format(window=expected))
    if late or shown.exception == "late":
        lines.append(words["a_where_late"])
    return tuple(one_period(line) for line in lines)


def order_answers(
    *,
    shown: Progress,
    late: bool,
    expected: str | None,
    delivered: str | None,
    shipments: Sequence[ShipmentView],
    returns: ReturnsFacts | None,
    returns_link_label: str,
    words: Mapping[str, str],
) -> tuple[OrderAnswer, ...]:
    """`expected`: the current expectation as the page shows it; `delivered`: the delivery day, once delivered;
    `words`: the status page's wording (plugin.email.wording `status`). A cancelled order gets none: the page
    says it is cancelled, and the message form stays."""
    if shown.cancelled:
        return ()
    carriers = [parcel.carrier for parcel in shipments if parcel.carrier]
    answers = [OrderAnswer("where", words["q_where"], _where(shown, late, expected, delivered, carriers, words))]
    if not shown.delivered:
        if shown.rank < SHIPPED_RANK:
            answers.append(OrderAnswer("address", words["q_address"], (words["a_address_open"],)))
        else:
            tracking = next((parcel.tracking_url for parcel in shipments if parcel.tracking_url), None)
            answers.append(
                OrderAnswer(
                    "address",
                    words["q_address"],
                    (words["a_address_shipped"],),
                    tracking,
                    words["carrier_link"] if tracking else None,
                )
            )
    if returns is not None and (returns.lines or returns.policy_url):
        answers.append(
            OrderAnswer(
                "return",
                words["q_return"],
                returns.lines,
                returns.policy_url,
                returns_link_label if returns.policy_url else None,
            )
        )
    else:
        answers.append(OrderAnswer("return", words["q_return"], (words["a_return_ask"],)))
    return tuple(answers)


def prefilled_question(ask: str | None, order_name: str, words: Mapping[str, str]) -> str:
    """What the message form says when the customer came from an answer's "ask" link; empty otherwise."""
    return words[f"prefill_{ask}"].format(order=order_name) if ask in ASKS else ""
