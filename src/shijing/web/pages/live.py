"""The live room page: the stream, the pinned product with its buy form, the showcase, chat, the
"just bought" ticker and the follow button. The page renders the room as it is now; the
WebSocket (``/ws/live/{id}``, driven by ``static/live.js``) keeps it current."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from shijing.accounts.deps import MaybePrincipal
from shijing.accounts.service import Principal
from shijing.commerce.creators import service as creators
from shijing.commerce.live import service as lives
from shijing.commerce.orders.models import TrafficSource
from shijing.core.clock import Clock
from shijing.core.errors import DomainError
from shijing.core.http import ClockDep, DbSession
from shijing.guarantees.catalogue import CODES
from shijing.web.i18n import pick_language, translate
from shijing.web.live import room as views
from shijing.web.live.hub import Hub
from shijing.web.pages import buying
from shijing.web.pages.auth import Csrf
from shijing.web.pages.render import render

router = APIRouter(include_in_schema=False)

# What live.js needs to say, in the page's language.
JS_KEYS = (
    "live.viewers",
    "live.nothing_pinned",
    "live.just_bought",
    "live.stock",
    *(f"live.guarantee.{code}" for code in CODES),
    "live.status.scheduled",
    "live.status.live",
    "live.status.ended",
    "live.status.cancelled",
    "live.following",
    "live.disconnected",
)


def _room_context(
    request: Request,
    session: Session,
    clock: Clock,
    principal: Principal | None,
    session_id: int,
) -> dict[str, Any]:
    live = lives.get_live_session(session, session_id)
    creator = creators.get_creator(session, live.creator_id)
    snapshot = views.room_snapshot(session, clock, live)
    hub: Hub = request.app.state.hub
    lang = pick_language(request)
    return {
        "live": live,
        "creator": creator,
        "pin": snapshot["pin"],
        "showcase": snapshot["showcase"]["items"],
        "chat": [m.data for m in hub.room(session_id).recent_chat],
        "following": principal is not None
        and creators.is_following(session, principal.id, creator.id),
        "own_room": lives.is_own_session(session, principal, live),
        "js_strings": {key: translate(lang, key) for key in JS_KEYS},
    }


@router.get("/live/{session_id}")
def live_room(
    session_id: int,
    request: Request,
    principal: MaybePrincipal,
    session: DbSession,
    clock: ClockDep,
) -> Response:
    request.state.principal = principal
    context = _room_context(request, session, clock, principal, session_id)
    context["values"] = buying.saved_address(session, principal)
    return render(request, "live.html", context)


@router.post("/live/{session_id}/buy")
async def buy_in_room(
    session_id: int,
    request: Request,
    _csrf: Csrf,
    principal: MaybePrincipal,
    session: DbSession,
    clock: ClockDep,
) -> Response:
    """Buy a showcase product without leaving the room (HTMX swaps the buy box)."""
    request.state.principal = principal
    lang = pick_language(request)
    context = _room_context(request, session, clock, principal, session_id)
    template = "_live_buy.html" if request.headers.get("hx-request") else "live.html"
    if principal is None:
        return render(request, template, context, status=401)
    form, sku_id, quantity = buying.read_form(await request.form(), lang)
    order, status = buying.buy_from_form(
        session,
        clock,
        principal,
        lang,
        form,
        sku_id,
        quantity,
        traffic_source=TrafficSource.LIVE_ROOM.value,
        live_session_id=session_id,
        device_id=buying.device_id_of(request),
    )
    if order is not None:
        context["bought"] = order
    context.update(buying.form_context(form))
    return render(request, template, context, status=status)


@router.post("/live/{session_id}/follow")
async def follow_in_room(
    session_id: int,
    request: Request,
    _csrf: Csrf,
    principal: MaybePrincipal,
    session: DbSession,
    clock: ClockDep,
) -> Response:
    """Follow (or, with ``unfollow=1``, stop following) the room's creator."""
    request.state.principal = principal
    live = lives.get_live_session(session, session_id)
    creator = creators.get_creator(session, live.creator_id)
    context: dict[str, Any] = {"live": live, "creator": creator, "following": False}
    template = "_follow.html" if request.headers.get("hx-request") else "live.html"
    if template == "live.html":
        context = _room_context(request, session, clock, principal, session_id)
    if principal is None:
        return render(request, template, context, status=401)
    form = await request.form()
    try:
        if form.get("unfollow"):
            state = creators.unfollow_creator(
                session, clock, user_id=principal.id, creator_id=creator.id
            )
        else:
            state = creators.follow_creator(
                session, clock, user_id=principal.id, creator_id=creator.id
            )
    except DomainError as exc:
        session.rollback()
        context["errors"] = {"_follow": buying.explain(pick_language(request), exc)[1]}
        return render(request, template, context, status=exc.status)
    context["following"] = state.following
    context["follower_count"] = state.follower_count
    return render(request, template, context)
