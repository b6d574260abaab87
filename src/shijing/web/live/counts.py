"""Viewer counts of live rooms: pushed to the rooms, and kept true across restarts.

The stored count (``live_sessions.viewer_count``) is changed one viewer at a time by the
WebSocket handler (``counters.viewer_joined`` / ``viewer_left``). A process that stops without
running every handler's ``viewer_left`` (a cancelled handler, a crash, a kill) would leave it too
high for good, so each process keeps what it has added and not yet taken back, per room, and:

- without Redis, the process is the only one serving rooms: the first time it serves a room after
  starting, the stored count is reset to the viewers it holds (none yet);
- with Redis, several processes may serve one room: each records what it has added in a Redis
  hash per room, beside a heartbeat key that expires when the process is gone; every few seconds
  a process serving the room takes back what dead processes had added (``HDEL`` decides which
  process does it, so it is done once);
- on a clean stop, the process takes back what it still holds.

Counts reach the room coalesced: at most one ``viewers`` message per room every ``every``
seconds, whatever the churn.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import uuid
from typing import Any

import structlog
from anyio import to_thread
from sqlalchemy import case, update

from shijing.commerce.live.models import LiveSession
from shijing.commerce.live.states import OPEN_TO_VIEWERS
from shijing.core.db import Database
from shijing.web.live.hub import Hub

log = structlog.get_logger(__name__)

VIEWERS_EVERY = 0.5
SWEEP_EVERY = 5.0  # seconds between presence refreshes and sweeps (Redis)
ALIVE_FOR = 15.0  # a process whose heartbeat is older than this is gone


def set_stored_count(db: Database, session_id: int, count: int) -> int | None:
    """Set an open room's stored viewer count; the new count, or None when not open."""
    with db.transaction() as session:
        row = session.execute(
            update(LiveSession)
            .where(LiveSession.id == session_id, LiveSession.status.in_(OPEN_TO_VIEWERS))
            .values(viewer_count=count)
            .returning(LiveSession.viewer_count)
            .execution_options(synchronize_session=False)
        ).one_or_none()
    return None if row is None else int(row[0])


def take_back(db: Database, session_id: int, count: int) -> int | None:
    """Take ``count`` viewers off an open room's stored count (never below zero)."""
    with db.transaction() as session:
        row = session.execute(
            update(LiveSession)
            .where(LiveSession.id == session_id, LiveSession.status.in_(OPEN_TO_VIEWERS))
            .values(
                viewer_count=case(
                    (LiveSession.viewer_count > count, LiveSession.viewer_count - count),
                    else_=0,
                )
            )
            .returning(LiveSession.viewer_count)
            .execution_options(synchronize_session=False)
        ).one_or_none()
    return None if row is None else int(row[0])


class ViewerCounts:
    """The viewer counts of this process's rooms (see the module's docstring)."""

    def __init__(
        self,
        hub: Hub,
        every: float = VIEWERS_EVERY,
        *,
        sweep_every: float = SWEEP_EVERY,
        alive_for: float = ALIVE_FOR,
    ) -> None:
        self.hub = hub
        self.every = every
        self.sweep_every = sweep_every
        self.alive_for = alive_for
        self.token = uuid.uuid4().hex  # this process, in the Redis presence keys
        self._latest: dict[int, int] = {}
        self._held: dict[int, int] = {}  # viewers this process added to each room's count
        self._held_lock = threading.Lock()  # changed from the handlers' worker threads
        self._served: dict[int, asyncio.Future[None]] = {}
        self._db: Database | None = None
        # One pusher per event loop that started it: a process has one loop, but tests may run
        # the same app under several clients, each with a loop of its own.
        self._tasks: dict[asyncio.AbstractEventLoop, asyncio.Task[None]] = {}

    # -- what the handlers call -----------------------------------------------------------------

    def note(self, session_id: int, count: int) -> None:
        self._latest[session_id] = count

    def added(self, session_id: int) -> None:
        """A viewer was counted in by this process (called right after the commit)."""
        with self._held_lock:
            self._held[session_id] = self._held.get(session_id, 0) + 1

    def removed(self, session_id: int) -> None:
        """A viewer counted in by this process was counted out (right after the commit)."""
        with self._held_lock:
            left = self._held.get(session_id, 0) - 1
            if left > 0:
                self._held[session_id] = left
            else:
                self._held.pop(session_id, None)

    def held(self, session_id: int) -> int:
        with self._held_lock:
            return self._held.get(session_id, 0)

    async def serve(self, db: Database, session_id: int) -> None:
        """Before the first viewer of a room is counted in by this process: resync its count.
        Viewers joining meanwhile wait for it; later calls return at once."""
        self._db = db
        pending = self._served.get(session_id)
        if pending is None:
            pending = self._served[session_id] = asyncio.ensure_future(self._resync(db, session_id))
        try:
            await asyncio.shield(pending)
        except Exception as exc:  # the count stays as it was; the room still works
            log.warning("live.viewer_resync_failed", session_id=session_id, error=str(exc))
            self._served.pop(session_id, None)

    async def _resync(self, db: Database, session_id: int) -> None:
        if self.hub.redis is None:
            held = self.held(session_id)
            count = await to_thread.run_sync(set_stored_count, db, session_id, held)
        else:
            count = await self._sweep(db, session_id)
        if count is not None:
            self.note(session_id, count)

    # -- Redis presence -------------------------------------------------------------------------

    def _key(self, session_id: int) -> str:
        return f"{self.hub.prefix}viewers:{session_id}"

    def _alive_key(self, token: str) -> str:
        return f"{self.hub.prefix}alive:{token}"

    async def _heartbeat(self) -> None:
        redis: Any = self.hub.redis
        async with redis.pipeline(transaction=False) as pipe:
            pipe.set(self._alive_key(self.token), 1, px=int(self.alive_for * 1000))
            for session_id in list(self._served):
                held = self.held(session_id)
                if held:
                    pipe.hset(self._key(session_id), self.token, held)
                else:
                    pipe.hdel(self._key(session_id), self.token)
            await pipe.execute()

    async def _sweep(self, db: Database, session_id: int) -> int | None:
        """Take back what dead processes added to the room: the stored count after, or None
        when there was nothing to take back."""
        redis: Any = self.hub.redis
        await self._heartbeat()
        holders: dict[bytes, bytes] = await redis.hgetall(self._key(session_id))
        gone = 0
        for token, held in holders.items():
            if token.decode() == self.token or await redis.exists(self._alive_key(token.decode())):
                continue
            if await redis.hdel(self._key(session_id), token):  # this process takes it back
                gone += int(held)
        if not gone:
            return None
        log.info("live.viewers_taken_back", session_id=session_id, viewers=gone)
        return await to_thread.run_sync(take_back, db, session_id, gone)

    async def _sweep_all(self) -> None:
        if self._db is None or self.hub.redis is None:
            return
        for session_id in list(self._served):
            count = await self._sweep(self._db, session_id)
            if count is not None:
                self.note(session_id, count)

    # -- the pusher -----------------------------------------------------------------------------

    async def _run(self) -> None:
        since_sweep = 0.0
        while True:
            await asyncio.sleep(self.every)
            latest, self._latest = self._latest, {}
            for session_id, count in latest.items():
                try:
                    await self.hub.publish(session_id, "viewers", count=count)
                except Exception as exc:  # Redis hiccup: the next change publishes again
                    log.warning("live.viewers_publish_failed", error=str(exc))
            since_sweep += self.every
            if since_sweep >= self.sweep_every:
                since_sweep = 0.0
                try:
                    await self._sweep_all()
                except Exception as exc:
                    log.warning("live.viewers_sweep_failed", error=str(exc))

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
        if not self._tasks:
            await self.release()

    async def release(self) -> None:
        """Take back every viewer this process still holds (their handlers did not): a clean
        stop leaves the stored counts as if this process had never served."""
        with self._held_lock:
            held, self._held = self._held, {}
        db = self._db
        if db is not None:
            for session_id, count in held.items():
                try:
                    await to_thread.run_sync(take_back, db, session_id, count)
                except Exception as exc:
                    log.warning("live.viewers_release_failed", error=str(exc))
        redis: Any = self.hub.redis
        if redis is not None:
            with contextlib.suppress(Exception):
                await redis.delete(self._alive_key(self.token))
                for session_id in list(self._served):
                    await redis.hdel(self._key(session_id), self.token)
        self._served.clear()
