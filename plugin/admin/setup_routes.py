"""The setup page (onboarding checklist) and webhook/queue health with replay of the shop's own dead letters."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from plugin.admin.checklist import onboarding_steps
from plugin.admin.language import t
from plugin.admin.queue import (
    ENTRY_ID,
    ENTRY_ID_SHAPE,
    replay_every_shop_dead_letter,
    replay_shop_dead_letters,
    shop_dead_letters,
    shop_retrying,
)
from plugin.admin.web import AdminCall, admin_endpoint, error, fragment, json_body
from plugin.bigcommerce.users import StoreUsers
from plugin.jobs import Job, schedule_job
from plugin.openapi import Body, documented
from plugin.shop_data import load_facts
from webhooks.reconcile import RESYNC_JOB
from webhooks.stats import collect_stats

SECURITY = ["shopifySessionToken"]


@admin_endpoint
@documented(
    "Setup (HTML fragment): the onboarding checklist, each step checked against the shop's data",
    {200: "HTML", 401: "not signed in"},
    tag="admin",
    security=SECURITY,
)
async def home_fragment(call: AdminCall) -> Response:
    services, shop = call.services, call.shop
    facts = await load_facts(services.redis, services.keys, shop)
    user = await StoreUsers(services.redis, services.keys, services.cipher).get(shop, call.session.user_id)
    steps = await onboarding_steps(services, shop, call.now())
    return fragment(
        "admin/home.html",
        store_name=facts.name if facts else shop.id,
        user_label=(user.email if user and user.email else t("home_staff_user", id=call.session.user_id)),
        steps=steps,
        done=sum(step.done for step in steps),
    )


@admin_endpoint
@documented(
    "Webhook and queue health (HTML fragment): global counts, and this shop's own dead letters and retries",
    {200: "HTML", 401: "not signed in"},
    tag="admin",
    security=SECURITY,
)
async def health_fragment(call: AdminCall) -> Response:
    redis, keys = call.services.redis, call.services.keys
    return fragment(
        "admin/health.html",
        stats=asdict(await collect_stats(redis, keys)),
        dead=await shop_dead_letters(redis, keys, call.shop),
        retrying=await shop_retrying(redis, keys, call.shop),
    )


MAX_REPLAY_IDS = 100
REPLAY_FORMS = '{"id": "<dead letter id>"}, {"ids": ["<id>", ...]} or {"all": true}'
_DEAD_LETTER_ID = {"type": "string", "pattern": ENTRY_ID_SHAPE}
REPLAY_SCHEMA = {
    "oneOf": [
        {"type": "object", "required": ["id"], "properties": {"id": _DEAD_LETTER_ID}, "additionalProperties": False},
        {
            "type": "object",
            "required": ["ids"],
            "properties": {
                "ids": {"type": "array", "minItems": 1, "maxItems": MAX_REPLAY_IDS, "items": _DEAD_LETTER_ID}
            },
            "additionalProperties": False,
        },
        {"type": "object", "required": ["all"], "properties": {"all": {"const": True}}, "additionalProperties": False},
    ]
}


def _replay_choice(data: dict[str, Any]) -> list[str] | None:
    """The dead letter ids the body names, or None for an explicit `{"all": true}`; an empty body names nothing,
    so it is refused rather than taken as the most powerful request."""
    unknown = sorted(set(data) - {"id", "ids", "all"})
    if unknown:
        raise HTTPException(400, f"unknown field {unknown[0]!r}: send {REPLAY_FORMS}")
    named = [name for name in ("id", "ids", "all") if name in data]
    if len(named) != 1:
        raise HTTPException(400, f"say what to replay, one way only: {REPLAY_FORMS}")
    if named == ["all"]:
        if data["all"] is not True:
            raise HTTPException(400, "all must be true to replay every failed event; name ids otherwise")
        return None
    ids = [data["id"]] if named == ["id"] else data["ids"]
    if not isinstance(ids, list) or not 1 <= len(ids) <= MAX_REPLAY_IDS:
        raise HTTPException(400, f"ids must be a list of 1 to {MAX_REPLAY_IDS} dead letter ids")
    if not all(isinstance(entry_id, str) and ENTRY_ID.fullmatch(entry_id) for entry_id in ids):
        raise HTTPException(400, "id must be a dead letter id like 1700000000000-0")
    return ids


@admin_endpoint
@documented(
    "Replay this shop's dead letters once the cause is fixed: the ones named by id, or all of them if asked to",
    {
        200: "{replayed} (with ids: also {not_found})",
        400: "nothing named, more than one way, or a malformed id",
        401: "not signed in",
        403: "CSRF token missing",
        404: "no such dead letter for this shop",
    },
    tag="admin",
    request_body=Body(REPLAY_FORMS, schema=REPLAY_SCHEMA),
    security=SECURITY,
)
async def replay(call: AdminCall) -> Response:
    data = await json_body(call.request)
    entry_ids = _replay_choice(data)  # an HTTPException 400 is answered by admin_endpoint
    redis, keys = call.services.redis, call.services.keys
    if entry_ids is None:
        moved = await replay_every_shop_dead_letter(redis, keys, call.shop)
        return JSONResponse({"replayed": moved}, headers={"Cache-Control": "no-store"})
    replayed = await replay_shop_dead_letters(redis, keys, call.shop, entry_ids)
    if not replayed:
        return error(404, "no such dead letter for this shop")
    body: dict[str, Any] = {"replayed": len(replayed)}
    if "ids" in data:
        body["not_found"] = [entry_id for entry_id in dict.fromkeys(entry_ids) if entry_id not in replayed]
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


@admin_endpoint
@documented(
    "Sync this shop's facts and shipping rates from the platform now (they also sync every 6 hours)",
    {202: "{scheduled}", 401: "not signed in", 403: "CSRF token missing"},
    tag="admin",
    security=SECURITY,
)
async def sync_now(call: AdminCall) -> Response:
    # One pending sync per shop: pressing the button twice while it waits is a no-op (the job id says so).
    job = Job(RESYNC_JOB, call.shop, f"{RESYNC_JOB}:{call.shop.tag}:now")
    await schedule_job(call.services.redis, call.services.keys, job)
    return JSONResponse({"scheduled": True}, status_code=202, headers={"Cache-Control": "no-store"})


def setup_routes() -> list[BaseRoute]:
    return [
        Route("/fragments/home", home_fragment, methods=["GET"]),
        Route("/fragments/health", health_fragment, methods=["GET"]),
        Route("/queue/replay", replay, methods=["POST"]),
        Route("/shipping/sync", sync_now, methods=["POST"]),
    ]
