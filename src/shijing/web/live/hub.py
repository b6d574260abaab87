"""The live-room hub: fans messages out to every viewer of a room.

One process holds its viewers in memory. With Redis configured, every message goes through a
Redis channel per room, so viewers connected to different server processes see the same room.

A slow or stalled viewer never delays the others: each viewer has a bounded queue of its own and
a writer task draining it. When a queue is full the oldest chat is dropped first; messages that
describe state (the pinned product, the showcase, the viewer count) replace their older copy
instead of piling up; purchases and state are never dropped — a viewer so far behind that even
those overflow is disconnected, and gets a fresh snapshot when it reconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import structlog

log = structlog.get_logger(__name__)

# Message kinds by how they may be treated under pressure.
DROPPABLE = frozenset({"chat"})
COALESCED = frozenset({"pin", "showcase", "viewers", "state"})  # only the latest matters
RECENT_CHAT = 50


@dataclass
class Message:
    kind: str
    data: dict[str, Any]
    sent_at: float = field(default_factory=time.time)
    # The encoded frame, made once and shared by every viewer (and by every process: a message
    # read from Redis keeps the text it arrived as). Messages are not changed after creation.
    _json: str | None = field(default=None, repr=False, compare=False)

    def to_json(self) -> str:
        if self._json is None:
            self._json = json.dumps(
                {"type": self.kind, "at": self.sent_at, **self.data},
                ensure_ascii=False,
                separators=(",", ":"),
            )
        return self._json

    @classmethod
    def from_json(cls, raw: str | bytes) -> Message:
        text = raw.decode() if isinstance(raw, bytes) else raw
        body = json.loads(text)
        kind = body.pop("type")
        sent_at = float(body.pop("at", time.time()))
        return cls(kind, body, sent_at, text)


class ViewerQueue:
    """A bounded outbox for one viewer with the dropping rules above."""

    def __init__(self, capacity: int = 256, hard_limit: int = 1024) -> None:
        self.capacity = capacity
        self.hard_limit = hard_limit
        self._items: deque[Message] = deque()
        self._ready = asyncio.Event()
        self.dropped = 0
        self.overflowed = False

    def __len__(self) -> int:
        return len(self._items)

    def put(self, message: Message) -> None:
        if message.kind in COALESCED:
            for i, queued in enumerate(self._items):
                if queued.kind == message.kind:
                    del self._items[i]
                    break
        self._items.append(message)
        while len(self._items) > self.capacity and self._drop_oldest_chat():
            pass
        if len(self._items) > self.hard_limit:
            self.overflowed = True
        self._ready.set()

    def _drop_oldest_chat(self) -> bool:
        for i, queued in enumerate(self._items):
            if queued.kind in DROPPABLE:
                del self._items[i]
                self.dropped += 1
                return True
        return False

    async def get(self) -> Message:
        while not self._items:
            self._ready.clear()
            await self._ready.wait()
        return self._items.popleft()


Send = Callable[[str], Awaitable[None]]


@dataclass(eq=False)
class Viewer:
    send: Send
    user_id: int | None = None
    queue: ViewerQueue = field(default_factory=ViewerQueue)
    closed: asyncio.Event = field(default_factory=asyncio.Event)

    async def pump(self) -> None:
        """Drain the queue into the socket until closed or overflowed."""
        try:
            while not self.closed.is_set():
                if self.queue.overflowed:
                    log.warning("live.viewer_overflow", user_id=self.user_id)
                    break
                message = await self.queue.get()
                await self.send(message.to_json())
        except Exception as exc:  # the socket went away: the viewer is gone
            log.info("live.viewer_send_failed", error=type(exc).__name__)
        finally:
            self.closed.set()


@dataclass
class Room:
    session_id: int
    viewers: set[Viewer] = field(default_factory=set)
    recent_chat: deque[Message] = field(default_factory=lambda: deque(maxlen=RECENT_CHAT))
    state: dict[str, Message] = field(default_factory=dict)  # latest pin, showcase, viewers

    def deliver(self, message: Message) -> None:
        if message.kind == "chat":
            self.recent_chat.append(message)
        elif message.kind in COALESCED:
            self.state[message.kind] = message
        for viewer in list(self.viewers):
            if not viewer.closed.is_set():
                viewer.queue.put(message)

    def snapshot(self) -> list[Message]:
        """What a viewer who joins now is shown first: the state, then recent chat."""
        return [*self.state.values(), *self.recent_chat]


class ChatLimiter:
    """A token bucket per (room, user): ``burst`` messages at once, then one per ``interval``."""

    def __init__(self, burst: int = 3, interval: float = 2.0) -> None:
        self.burst = burst
        self.interval = interval
        self._buckets: dict[tuple[int, int], tuple[float, float]] = {}

    def allow(self, room: int, user: int, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.get((room, user), (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) / self.interval)
        if tokens < 1:
            self._buckets[(room, user)] = (tokens, now)
            return False
        self._buckets[(room, user)] = (tokens - 1, now)
        return True


class Hub:
    """Rooms of this process; ``publish`` reaches every process when Redis is configured."""

    def __init__(
        self,
        redis_url: str | None = None,
        *,
        channel_prefix: str = "shijing:room:",
        queue_capacity: int = 256,
    ) -> None:
        self.rooms: dict[int, Room] = {}
        self.redis_url = redis_url
        self.prefix = channel_prefix
        self.queue_capacity = queue_capacity
        self.chat_limiter = ChatLimiter()
        self._redis: Any = None
        self._listener: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def redis(self) -> Any:
        """The hub's asyncio Redis client once started with a Redis URL, else None."""
        return self._redis

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        if self.redis_url:
            from redis import asyncio as aioredis

            self._redis = aioredis.from_url(self.redis_url)
            pubsub = self._redis.pubsub()
            await pubsub.psubscribe(f"{self.prefix}*")
            self._listener = asyncio.create_task(self._listen(pubsub))

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        if self._redis is not None:
            await self._redis.aclose()
        for room in self.rooms.values():
            for viewer in room.viewers:
                viewer.closed.set()

    async def _listen(self, pubsub: Any) -> None:
        async for item in pubsub.listen():
            if item.get("type") != "pmessage":
                continue
            channel = (
                item["channel"].decode() if isinstance(item["channel"], bytes) else item["channel"]
            )
            try:
                session_id = int(channel.removeprefix(self.prefix))
                self._deliver_local(session_id, Message.from_json(item["data"]))
            except (ValueError, KeyError) as exc:
                log.warning("live.bad_pubsub_message", channel=channel, error=str(exc))

    # -- viewers --------------------------------------------------------------------------------

    def room(self, session_id: int) -> Room:
        room = self.rooms.get(session_id)
        if room is None:
            room = self.rooms[session_id] = Room(session_id)
        return room

    def join(self, session_id: int, send: Send, user_id: int | None = None) -> Viewer:
        viewer = Viewer(
            send=send,
            user_id=user_id,
            queue=ViewerQueue(capacity=self.queue_capacity, hard_limit=self.queue_capacity * 4),
        )
        room = self.room(session_id)
        for message in room.snapshot():
            viewer.queue.put(message)
        room.viewers.add(viewer)
        return viewer

    def leave(self, session_id: int, viewer: Viewer) -> None:
        viewer.closed.set()
        room = self.rooms.get(session_id)
        if room is not None:
            room.viewers.discard(viewer)  # the room keeps its state for the next viewer

    def viewer_count(self, session_id: int) -> int:
        room = self.rooms.get(session_id)
        return len(room.viewers) if room else 0

    # -- messages -------------------------------------------------------------------------------

    async def publish(self, session_id: int, kind: str, **data: Any) -> None:
        message = Message(kind, data)
        if self._redis is not None:
            await self._redis.publish(f"{self.prefix}{session_id}", message.to_json())
        else:
            self._deliver_local(session_id, message)

    def publish_threadsafe(self, session_id: int, kind: str, **data: Any) -> None:
        """Publish from another thread (the event dispatcher) onto the hub's loop."""
        if self._loop is None or self._loop.is_closed():
            return
        asyncio.run_coroutine_threadsafe(self.publish(session_id, kind, **data), self._loop)

    def _deliver_local(self, session_id: int, message: Message) -> None:
        self.room(session_id).deliver(message)


class RedisPublisher:
    """Publishes room messages to Redis from a process without viewers (``shijing worker``): the
    hubs of the server processes, subscribed to the same channels, deliver them to their viewers.
    It has the hub's ``publish_threadsafe``, so the outbox bridge can use either; it is called
    from the dispatcher's thread and publishes synchronously."""

    def __init__(self, redis_url: str, *, channel_prefix: str = "shijing:room:") -> None:
        from redis import Redis

        self.prefix = channel_prefix
        self._redis: Redis[bytes] = Redis.from_url(redis_url)

    def publish_threadsafe(self, session_id: int, kind: str, **data: Any) -> None:
        self._redis.publish(f"{self.prefix}{session_id}", Message(kind, data).to_json())

    def close(self) -> None:
        self._redis.close()
