"""The event outbox: a state change and its event are written in one transaction, and a
dispatcher delivers the event to subscribers after commit — at least once, with retries and
backoff, parking an event that keeps failing (dead letter) without holding up the others.

Subscribers must be idempotent: an event can reach the same subscriber twice if a process dies
between the subscriber's work and the commit that records it. Each subscriber runs in a savepoint
of the dispatcher's transaction, so its writes and the record that it succeeded commit together.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import Enum, StrEnum
from typing import Any

import structlog
from sqlalchemy import JSON, Index, String, Text, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from shijing.core.clock import Clock
from shijing.core.db import Base, Database

log = structlog.get_logger(__name__)

MAX_ATTEMPTS = 8
BASE_BACKOFF = timedelta(seconds=2)
MAX_BACKOFF = timedelta(minutes=30)


class EventStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    DEAD = "dead"


class OutboxEvent(Base):
    __tablename__ = "outbox_events"
    __table_args__ = (Index("ix_outbox_events_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    occurred_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10), default=EventStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    delivered_to: Mapped[list[str]] = mapped_column(JSON, default=list)
    last_error: Mapped[str | None] = mapped_column(Text)
    done_at: Mapped[datetime | None]


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return value


def emit(session: Session, clock: Clock, name: str, **payload: Any) -> OutboxEvent:
    """Append an event to the outbox in the caller's transaction."""
    now = clock.now()
    row = OutboxEvent(
        name=name,
        payload=_jsonable(payload),
        occurred_at=now,
        next_attempt_at=now,
        status=EventStatus.PENDING.value,
        attempts=0,
        delivered_to=[],
    )
    session.add(row)
    session.info["outbox_written"] = True
    return row


Handler = Callable[[Session, OutboxEvent, Clock], None]


@dataclass
class EventBus:
    """Who listens to what. Handlers are registered at import time by each domain."""

    handlers: dict[str, list[tuple[str, Handler]]] = field(default_factory=dict)

    def subscribe(
        self, event_name: str, *, name: str | None = None
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            key = name or f"{handler.__module__}.{handler.__qualname__}"
            subscribers = self.handlers.setdefault(event_name, [])
            if key not in {k for k, _ in subscribers}:
                subscribers.append((key, handler))
            return handler

        return register

    def subscribers(self, event_name: str) -> list[tuple[str, Handler]]:
        return list(self.handlers.get(event_name, []))


bus = EventBus()


def backoff(attempts: int) -> timedelta:
    """Exponential backoff: 2 s, 4 s, 8 s … capped at 30 minutes."""
    delay: timedelta = BASE_BACKOFF * (2 ** max(attempts - 1, 0))
    return min(delay, MAX_BACKOFF)


@dataclass
class DispatchResult:
    delivered: int = 0
    retried: int = 0
    dead: int = 0


class Dispatcher:
    """Delivers pending outbox events. Safe to run in several processes at once on PostgreSQL
    (rows are claimed with SKIP LOCKED); on SQLite writers are serialised by the database."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        event_bus: EventBus | None = None,
        *,
        batch_size: int = 100,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self.db = db
        self.clock = clock
        self.bus = event_bus or bus
        self.batch_size = batch_size
        self.max_attempts = max_attempts
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> DispatchResult:
        """Deliver one batch of due events; returns what happened."""
        result = DispatchResult()
        with self.db.transaction() as session:
            now = self.clock.now()
            query = (
                select(OutboxEvent)
                .where(
                    OutboxEvent.status == EventStatus.PENDING.value,
                    OutboxEvent.next_attempt_at <= now,
                )
                .order_by(OutboxEvent.id)
                .limit(self.batch_size)
            )
            if session.bind is not None and session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            for row in session.scalars(query).all():
                self._deliver(session, row, result)
        return result

    def run_until_idle(self, max_batches: int = 1000) -> DispatchResult:
        """Deliver until nothing is due (events emitted by handlers included)."""
        total = DispatchResult()
        for _ in range(max_batches):
            step = self.run_once()
            total.delivered += step.delivered
            total.retried += step.retried
            total.dead += step.dead
            if step.delivered == step.retried == step.dead == 0:
                break
        return total

    def _deliver(self, session: Session, row: OutboxEvent, result: DispatchResult) -> None:
        done = set(row.delivered_to)
        errors: list[str] = []
        for key, handler in self.bus.subscribers(row.name):
            if key in done:
                continue
            try:
                with session.begin_nested():
                    handler(session, row, self.clock)
            except Exception as exc:  # a subscriber's failure must not stop the others
                errors.append(f"{key}: {type(exc).__name__}: {exc}")
                log.warning(
                    "outbox.subscriber_failed",
                    event_id=row.id,
                    event_name=row.name,
                    subscriber=key,
                    error=str(exc),
                )
            else:
                done.add(key)
        row.delivered_to = sorted(done)
        now = self.clock.now()
        if not errors:
            row.status = EventStatus.DONE.value
            row.done_at = now
            row.last_error = None
            result.delivered += 1
            return
        row.attempts += 1
        row.last_error = "\n".join(errors)[:4000]
        if row.attempts >= self.max_attempts:
            row.status = EventStatus.DEAD.value
            result.dead += 1
            log.error(
                "outbox.dead_letter", event_id=row.id, event_name=row.name, attempts=row.attempts
            )
        else:
            row.next_attempt_at = now + backoff(row.attempts)
            result.retried += 1

    # -- running in the background (embedded server) or as `shijing worker` --------------------

    def wake(self) -> None:
        self._wake.set()

    def serve_forever(
        self, poll_seconds: float = 1.0, on_idle: Callable[[], object] | None = None
    ) -> None:
        """Loop until ``stop()``: deliver, run ``on_idle`` (e.g. due deadlines), wait or wake."""
        while not self._stop.is_set():
            try:
                self.run_until_idle()
                if on_idle is not None:
                    on_idle()
            except Exception:
                log.exception("outbox.dispatch_loop_error")
            self._wake.wait(poll_seconds)
            self._wake.clear()

    def start(self, poll_seconds: float = 1.0, on_idle: Callable[[], object] | None = None) -> None:
        """Run in a daemon thread, woken early whenever a session commits new events."""
        if self._thread is not None:
            return
        self._stop.clear()
        event.listen(Session, "after_commit", self._after_commit)
        self._thread = threading.Thread(
            target=self.serve_forever,
            args=(poll_seconds, on_idle),
            name="outbox-dispatcher",
            daemon=True,
        )
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
            event.remove(Session, "after_commit", self._after_commit)

    def _after_commit(self, session: Session) -> None:
        if session.info.pop("outbox_written", False):
            self._wake.set()
