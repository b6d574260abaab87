"""The live-room WebSocket, ``/ws/live/{session_id}``.

Anyone may watch; a viewer signed in with the page session cookie (from a page of this site) may
also chat and follow. Frames from the client are JSON: ``{"type": "chat", "text": "…"}`` or
``{"type": "follow"}``. Frames to the client are the hub's messages (``state``, ``pin``,
``showcase``, ``viewers``, ``chat``, ``purchase``) plus ``hello`` (who you are), ``followed``
and ``error`` (``{"field", "code", "message"}`` in the page's language).

On join the viewer is counted (``viewer_joined``) and gets the room's state first — seeded from
the database when this process has none yet — then recent chat; on leave it is uncounted
(``viewer_left``). Viewer counts reach the room coalesced: at most one ``viewers`` message per
room every ``VIEWERS_EVERY`` seconds, whatever the churn.
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
from shijing.web.live.hub import Hub, Message

log = structlog.get_logger(__name__)
router = APIRouter()

CHAT_MAX = 200
SEND_TIMEOUT = 10.0  # a viewer whose socket takes longer than this for one frame is dropped
VIEWERS_EVERY = 0.5
T = TypeVar("T")


class ViewerCounts:
    """The latest viewer count of each room, pushed to the room at most every ``every`` s."""

    def __init__(self, hub: Hub, every: float = VIEWERS_EVERY) -> None:
        self.hub = hub
        self.every = every
        self._latest: dict[int, int] = {}
        # One pusher per event loop that started it: a process has one loop, but tests may run
        # the same app under several clients, each with a loop of its own.
        self._tasks: dict[asyncio.AbstractEventLoop, asyncio.Task[None]] = {}

    def note(self, session_id: int, count: int) -> None:
        self._latest[session_id] = count

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.every)
            latest, self._latest = self._latest, {}
            for session_id, count in latest.items():
                try:
                    await self.hub.publish(session_id, "viewers", count=count)
                except Exception as exc:  # Redis hiccup: the next change publishes again
                    log.warning("live.viewers_publish_failed", error=str(exc))

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        if loop not in self._tasks:
            self._tasks[loop] = loop.create_task(self._run())

    async def stop(self) -> None:
        task = self._tasks.pop(asyncio.get_running_loop(), None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


@dataclass
class Joined:
    user_id: int | None
    name: str | None
    counted: bool
    viewers: int
    snapshot: dict[str, dict[str, Any]]


def _same_origin(ws: WebSocket) -> bool:
    origin = ws.headers.get("origin")
    if origin is None:  # not a browser: no ambient cookie to abuse
        return True
    return urlsplit(origin).netloc == ws.headers.get("host", "")


def _join(db: Database, clock: Clock, session_id: int, cookie: str | None) -> Joined:
    with db.transaction() as session:
        live = lives.get_live_session(session, session_id)  # 404 before anything is written
        principal = accounts.principal_from_page_session(session, clock, cookie) if cookie else None
        snapshot = views.room_snapshot(session, live)
    counted = True
    with db.transaction() as session:
        try:
            viewers = counters.viewer_joined(session, clock, session_id).viewer_count
        except Conflict:  # over: the viewer still sees the final state, uncounted
            counted, viewers = False, 0
    return Joined(
        user_id=principal.id if principal else None,
        name=principal.user.display_name if principal else None,
        counted=counted,
        viewers=viewers,
        snapshot=snapshot,
    )


def _leave(db: Database, clock: Clock, session_id: int) -> int:
    with db.transaction() as session:
        return counters.viewer_left(session, clock, session_id).viewer_count


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
    cookie = ws.cookies.get(SESSION_COOKIE) if _same_origin(ws) else None
    try:
        joined = await _in_thread(_join, db, clock, session_id, cookie)
    except NotFound:
        await ws.close(code=4404, reason="no such live session")
        return
    await ws.accept()
    seeded = hub.room(session_id).state
    for kind, data in joined.snapshot.items():
        seeded.setdefault(kind, Message(kind, data))  # an event delivered meanwhile is newer
    if joined.counted:
        seeded["viewers"] = Message("viewers", {"count": joined.viewers})
        app.state.viewer_counts.note(session_id, joined.viewers)

    async def send(text: str) -> None:
        await asyncio.wait_for(ws.send_text(text), SEND_TIMEOUT)

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
                left = await _in_thread(_leave, db, clock, session_id)
                app.state.viewer_counts.note(session_id, left)
            except Exception as exc:
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
            if kind == "chat" and not joined.counted:
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
