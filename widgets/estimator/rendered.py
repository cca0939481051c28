"""The estimate endpoint's encoded answers, kept for the second they were computed in.

An answer is a function of the shop's data version, the query, the headers the destination may come from and
the clock's whole second (see `answer_estimate`); all of them are in the key, so a repeat within the second is
answered with the same bytes, without parsing, estimating or encoding again. A new second starts empty.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response

from plugin.responses import Prebuilt
from widgets.shop_context import StorefrontShop

ANSWERS_PER_SECOND = 10_000  # beyond this, a second's answers are computed but not kept
CACHE_CONTROL = "public, max-age=60"

Question = tuple[str, str, bytes, tuple[str | None, ...], int]


def rendered_estimate(body: bytes, vary: Sequence[str]) -> Prebuilt:
    """A 200 JSON answer, its headers built once for every repeat of the question."""
    headers = {"Cache-Control": CACHE_CONTROL}
    if vary:
        headers["Vary"] = ", ".join(vary)  # the request headers the answer was taken from
    return Prebuilt.of(Response(body, media_type="application/json", headers=headers))


class RenderedEstimates:
    def __init__(self, destination_headers: Sequence[str]) -> None:
        self.destination_headers = tuple(destination_headers)
        self._raw_names = {name.encode("latin-1"): index for index, name in enumerate(self.destination_headers)}
        self._second = -1
        self._answers: dict[Question, Prebuilt] = {}

    def question(self, shop: StorefrontShop, request: Request, now: datetime) -> Question:
        found: list[str | None] = [None] * len(self.destination_headers)
        for name, value in request.scope["headers"]:  # one pass over the raw headers; names arrive lowercased
            index = self._raw_names.get(name)
            if index is not None and found[index] is None:
                found[index] = value.decode("latin-1")
        return (shop.shop.tag, shop.version, request.scope["query_string"], tuple(found), int(now.timestamp()))

    def recall(self, question: Question) -> Prebuilt | None:
        return self._answers.get(question) if question[-1] == self._second else None

    def remember(self, question: Question, rendered: Prebuilt) -> None:
        second = question[-1]
        if second != self._second:
            if second < self._second:
                return  # computed across a second boundary: already stale
            self._second = second
            self._answers = {}
        if len(self._answers) < ANSWERS_PER_SECOND:
            self._answers[question] = rendered
