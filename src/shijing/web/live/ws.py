"""The live-room WebSocket, ``/ws/live/{session_id}``.

Anyone may watch; a viewer signed in with the page session cookie (from a page of this site) may
also chat and follow. Frames from the client are JSON: ``{"type": "chat", "text": "…"}`` or
``{"type": "follow"}``. Frames to the client are the hub's messages (``state``, ``pin``,
``showcase``, ``viewers``, ``chat``, ``purchase``) plus ``hello`` (who you are), ``followed``
and ``error`` (``{"field", "code", "message"}`` in the page's language).

On join the viewer is counted (``viewer_joined``) and gets the room's state first — seeded from
the database when this process has none yet — then recent chat; on leave it is uncounted
(``viewer_left``). The creator's own console connects with ``?console=1`` and is not counted: the
flag is honoured only when the signed-in user is the session's creator, and ignored otherwise.
Counts reach the room through ``counts.ViewerCounts`` (coalesced, and resynced after restarts).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

import structlog
from anyio import to_thread
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from shijing.accounts import service as accounts
from shijing.accounts.deps import SESSION_COOKIE
from shijing.commerce.creators import service as creators
from shijing.commerce.live import counters
from shijing.commerce.live import service as lives
from shijing.core.clock import Clock
from shijing.core.db import Database
from shijing.core.errors import Conflict, DomainError, NotFound
from shijing.web.i18n import pick_language, translate
from shijing.web.live import room as views
from shijing.web.live.counts import VIEWERS_EVERY, ViewerCounts
from shijing.web.live.hub import Hub, Message

__all__ = ["VIEWERS_EVERY", "ViewerCounts", "clean_chat", "router"]

log = structlog.get_logger(__name__)
router = APIRouter()

CHAT_MAX = 200
SEND_TIMEOUT = 10.0  # a viewer whose socket takes longer than this for one frame is dropped
T = TypeVar("T")


@dataclass
class Joined:
    user_id: int | None
    name: str | None
    counted: bool  # in the stored viewer count (not the creator's console, not a room that is over)
    open: bool  # the room takes chat
    viewers: int
    snapshot: dict[str, dict[str, Any]]


def _same_origin(ws: WebSocket) -> bool:
    origin = ws.headers.get("origin")
    if origin is None:  # not a browser: no ambient cookie to abuse
        return True
    return urlsplit(origin).netloc == ws.headers.get("host", "")


def _look(db: Database, clock: Clock, session_id: int, cookie: str | None, console: bool) -> Joined:
    """Who joins and what the room shows, read before anything is written (404 first)."""
    with db.transaction() as session:
        live = lives.get_live_session(session, session_id)
        principal = accounts.principal_from_page_session(session, clock, cookie) if cookie else None
        snapshot = views.room_snapshot(session, clock, live)
        own_console = (
            console
            and principal is not None
            and creators.get_creator(session, live.creator_id).user_id == principal.id
        )
        return Joined(
            user_id=principal.id if principal else None,
            name=principal.user.display_name if principal else None,
            counted=not own_console,
            open=True,
            viewers=live.viewer_count,
            snapshot=snapshot,
        )


def _count_in(db: Database, clock: Clock, counts: ViewerCounts, joined: Joined, sid: int) -> None:
    """Count the viewer in (unless it is the creator's console); a room that is over takes no
    more viewers and no chat, but still shows its final state."""
    if not joined.counted:
        return
    with db.transaction() as session:
        try:
            joined.viewers = counters.viewer_joined(session, clock, sid).viewer_count
        except Conflict:
            joined.counted = joined.open = False
            joined.viewers = 0
            return
    counts.added(sid)  # after the commit: what this process holds is exactly what it wrote


def _leave(db: Database, clock: Clock, counts: ViewerCounts, session_id: int) -> int:
    with db.transaction() as session:
        left = counters.viewer_left(session, clock, session_id).viewer_count
    counts.removed(session_id)
    return left


def _follow(db: Database, clock: Clock, session_id: int, user_id: int) -> dict[str, Any]:
    with db.transaction() as session:
        live = lives.get_live_session(session, session_id)
        state = creators.follow_creator(session, clock, user_id=user_id, creator_id=live.creator_id)
        return {"following": state.following, "follower_count": state.follower_count}


async def _in_thread(fn: Callable[..., T], *args: Any) -> T:
    return await to_thread.run_sync(fn, *args)


def clean_chat(text: object) -> tuple[str | None, str | None]:
    """The chat text cleaned, or the error code: 1 to 200 characters, no control characters."""
    if not isinstance(text, str):
        return None, "required"
    text = " ".join(text.split())
    if not text:
        return None, "required"
    if len(text) > CHAT_MAX:
        return None, "chat_too_long"
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in text):
        return None, "chat_bad_characters"
    return text, None


@router.websocket("/ws/live/{session_id}")
async def live_socket(ws: WebSocket, session_id: int) -> None:
    app = ws.app
    hub: Hub = app.state.hub
    db: Database = app.state.db
    clock: Clock = app.state.clock
    lang = pick_language(ws)
    counts: ViewerCounts = app.state.viewer_counts
    cookie = ws.cookies.get(SESSION_COOKIE) if _same_origin(ws) else None
    console = ws.query_params.get("console") == "1"
    try:
        joined = await _in_thread(_look, db, clock, session_id, cookie, console)
    except NotFound:
        await ws.close(code=4404, reason="no such live session")
        return
    await counts.serve(db, session_id)  # first viewer of the room here: resync its count
    await _in_thread(_count_in, db, clock, counts, joined, session_id)
    await ws.accept()
    seeded = hub.room(session_id).state
    for kind, data in joined.snapshot.items():
        seeded.setdefault(kind, Message(kind, data))  # an event delivered meanwhile is newer
    if joined.counted:
        seeded["viewers"] = Message("viewers", {"count": joined.viewers})
        counts.note(session_id, joined.viewers)
    elif joined.open:  # the creator's console: shown the count, not part of it
        seeded.setdefault("viewers", Message("viewers", {"count": joined.viewers}))

    async def send(text: str) -> None:
        async with asyncio.timeout(SEND_TIMEOUT):  # no task per frame, unlike wait_for
            await ws.send_text(text)

    viewer = hub.join(session_id, send, joined.user_id)
    viewer.queue.put(
        Message("hello", {"user": joined.name, "can_chat": joined.user_id is not None})
    )
    pump = asyncio.create_task(viewer.pump())
    reader = asyncio.create_task(_read(ws, hub, db, clock, session_id, joined, viewer, lang))
    try:
        await asyncio.wait({pump, reader}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        hub.leave(session_id, viewer)
        for task in (pump, reader):
            task.cancel()
        for task in (pump, reader):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        with contextlib.suppress(Exception):
            await ws.close()
        if joined.counted:
            try:
                left = await _in_thread(_leave, db, clock, counts, session_id)
                counts.note(session_id, left)
            except Exception as exc:  # still held: taken back on stop or by a sweep
                log.warning("live.viewer_left_failed", error=str(exc))


def _error(viewer_send: Any, lang: str, field: str, code: str) -> None:
    viewer_send(
        Message(
            "error",
            {"field": field, "code": code, "message": translate(lang, f"error.{code}")},
        )
    )


async def _read(
    ws: WebSocket,
    hub: Hub,
    db: Database,
    clock: Clock,
    session_id: int,
    joined: Joined,
    viewer: Any,
    lang: str,
) -> None:
    reply = viewer.queue.put
    try:
        while True:
            raw = await ws.receive_text()
            try:
                frame = json.loads(raw)
                kind = frame.get("type") if isinstance(frame, dict) else None
            except ValueError:
                kind = None
            if kind not in ("chat", "follow"):
                _error(reply, lang, "type", "bad_frame")
                continue
            if joined.user_id is None:
                _error(reply, lang, "text" if kind == "chat" else "type", "sign_in_first")
                continue
            if kind == "chat" and not joined.open:
                _error(reply, lang, "text", "room_closed")
                continue
            if kind == "follow":
                try:
                    result = await _in_thread(_follow, db, clock, session_id, joined.user_id)
                except DomainError as exc:
                    _error(reply, lang, exc.field or "type", exc.code)
                    continue
                reply(Message("followed", result))
                continue
            text, problem = clean_chat(frame.get("text"))
            if problem is not None or text is None:
                _error(reply, lang, "text", problem or "required")
                continue
            if not hub.chat_limiter.allow(session_id, joined.user_id):
                _error(reply, lang, "text", "chat_rate_limited")
                continue
            await hub.publish(session_id, "chat", user=joined.name, text=text)
    except WebSocketDisconnect:
        return
