"""From domain events to live rooms: outbox subscribers that republish what changed to the hub.

The dispatcher delivers each event after its transaction commits (woken by ``after_commit``, so
within milliseconds), in its own thread. Each subscriber here re-reads the state the event is
about (the pinned product with its stock, the whole showcase, the room's status) and publishes it
as a full, coalescable message with ``Hub.publish_threadsafe``, which hands it to the hub's event
loop. Messages carry whole state, never deltas, so a repeated delivery is harmless.

Hubs register themselves with ``attach`` when the app starts and ``detach`` when it stops. In
``shijing worker`` with Redis configured, a ``RedisPublisher`` is attached instead: the worker
publishes to the rooms' Redis channels and the servers' hubs deliver. With nothing attached (the
simulator, a worker without Redis) the subscribers do nothing.
"""

from __future__ import annotations

import threading
from typing import Any, Protocol

import structlog
from sqlalchemy.orm import Session

from shijing.commerce.live import events as live_events
from shijing.commerce.live.models import LiveSession
from shijing.commerce.orders import events as order_events
from shijing.core.clock import Clock
from shijing.core.outbox import OutboxEvent, bus
from shijing.web.live import room

log = structlog.get_logger(__name__)


class RoomSink(Protocol):
    """Where room messages go: a ``Hub`` (this process's viewers, and Redis when configured) or
    a ``RedisPublisher`` (a worker's way to the servers' hubs)."""

    def publish_threadsafe(self, session_id: int, kind: str, **data: Any) -> None: ...


_hubs: set[RoomSink] = set()
_lock = threading.Lock()


def attach(hub: RoomSink) -> None:
    with _lock:
        _hubs.add(hub)


def detach(hub: RoomSink) -> None:
    with _lock:
        _hubs.discard(hub)


def attached() -> list[RoomSink]:
    with _lock:
        return list(_hubs)


def publish(live_session_id: int, kind: str, data: dict[str, Any]) -> None:
    for hub in attached():
        hub.publish_threadsafe(live_session_id, kind, **data)


def _live(session: Session, event: OutboxEvent) -> LiveSession | None:
    if not attached():
        return None
    live_session_id = event.payload.get("live_session_id")
    if not isinstance(live_session_id, int):
        return None
    # populate_existing: the dispatcher's session may hold an older copy of the row
    return session.get(LiveSession, live_session_id, populate_existing=True)


@bus.subscribe(live_events.LIVE_PINNED, name="web.live.pin")
@bus.subscribe(live_events.LIVE_UNPINNED, name="web.live.pin")
def republish_pin(session: Session, event: OutboxEvent, clock: Clock) -> None:
    live = _live(session, event)
    if live is not None:
        pin = room.pinned_view(session, clock, live)
        # when the change was made (for latency): an unpin event's pinned_at is the old pin's
        moment = "unpinned_at" if event.name == live_events.LIVE_UNPINNED else "pinned_at"
        pin["changed_at"] = event.payload.get(moment)
        publish(live.id, "pin", pin)
        publish(live.id, "showcase", room.showcase_view(session, live))


@bus.subscribe(live_events.LIVE_SHOWCASE_ADDED, name="web.live.showcase")
@bus.subscribe(live_events.LIVE_SHOWCASE_REMOVED, name="web.live.showcase")
@bus.subscribe(live_events.LIVE_SHOWCASE_REORDERED, name="web.live.showcase")
def republish_showcase(session: Session, event: OutboxEvent, clock: Clock) -> None:
    live = _live(session, event)
    if live is not None:
        publish(live.id, "showcase", room.showcase_view(session, live))


@bus.subscribe(live_events.LIVE_STARTED, name="web.live.state")
@bus.subscribe(live_events.LIVE_ENDED, name="web.live.state")
@bus.subscribe(live_events.LIVE_CANCELLED, name="web.live.state")
def republish_state(session: Session, event: OutboxEvent, clock: Clock) -> None:
    live = _live(session, event)
    if live is not None:
        publish(live.id, "state", room.state_view(session, live))
        if event.name != live_events.LIVE_STARTED:
            publish(live.id, "pin", room.pinned_view(session, clock, live))


@bus.subscribe(order_events.ORDER_PAID, name="web.live.purchase")
def announce_purchase(session: Session, event: OutboxEvent, clock: Clock) -> None:
    """ "Just bought": a paid order from a live room, with the buyer's name masked; the pinned
    product is republished too, since its stock changed."""
    live = _live(session, event)
    order_id = event.payload.get("order_id")
    if live is None or not isinstance(order_id, int):
        return
    bought = room.purchase_view(session, order_id)
    if bought is not None:
        publish(live.id, "purchase", bought)
    publish(live.id, "pin", room.pinned_view(session, clock, live))
