"""Viewer counts that stay true: resynced after a restart, taken back on stop and from dead
processes (Redis), and the creator's own console not counted."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from redis import Redis
from sqlalchemy import update
from sqlalchemy.orm import Session

from shijing.accounts import service as accounts
from shijing.commerce.creators import service as creators
from shijing.commerce.live import counters
from shijing.commerce.live.models import LiveSession
from shijing.core.clock import ManualClock
from shijing.core.db import Database
from shijing.web.live.counts import ViewerCounts
from shijing.web.live.hub import Hub
from tests.conftest import IN_CI
from tests.factories import make_live_session, make_product, make_user
from tests.web.live.test_ws import _joined, _login

REDIS_URL = "redis://127.0.0.1:6379/0"


def require_redis() -> None:
    """Redis tests fail under CI when Redis is missing, and are skipped elsewhere."""
    try:
        Redis.from_url(REDIS_URL).ping()
    except Exception as exc:
        if IN_CI:
            pytest.fail(f"Redis is not reachable at {REDIS_URL}: {exc}", pytrace=False)
        pytest.skip(f"Redis is not reachable at {REDIS_URL}: {exc}")


def _live(session: Session, clock: ManualClock, *, stale: int = 0) -> LiveSession:
    live = make_live_session(session, clock, products=(make_product(session, clock),))
    session.execute(update(LiveSession).where(LiveSession.id == live.id).values(viewer_count=stale))
    session.commit()
    return live


def _stored(db: Database, live_id: int) -> int:
    with db.sessions() as s:
        found = s.get(LiveSession, live_id, populate_existing=True)
        assert found is not None
        return found.viewer_count


def test_a_count_left_high_by_a_previous_process_is_reset_on_the_first_join(
    client: TestClient, db: Database, session: Session, clock: ManualClock
) -> None:
    live = _live(session, clock, stale=7)  # seven handlers that never ran viewer_left
    with client.websocket_connect(f"/ws/live/{live.id}") as ws:
        assert _joined(ws)["viewers"]["count"] == 1
        assert _stored(db, live.id) == 1
        with client.websocket_connect(f"/ws/live/{live.id}") as second:
            assert _joined(second)["viewers"]["count"] == 2


def test_a_clean_stop_takes_back_the_viewers_whose_handlers_did_not(
    db: Database, session: Session, clock: ManualClock
) -> None:
    live = _live(session, clock)

    async def scenario() -> None:
        counts = ViewerCounts(Hub())
        counts.start()
        await counts.serve(db, live.id)
        for _ in range(3):  # three viewers counted in; their handlers are then cancelled
            with db.transaction() as s:
                counters.viewer_joined(s, clock, live.id)
            counts.added(live.id)
        with db.transaction() as s:  # one of them did leave
            counters.viewer_left(s, clock, live.id)
        counts.removed(live.id)
        assert _stored(db, live.id) == 2
        await counts.stop()

    asyncio.run(scenario())
    assert _stored(db, live.id) == 0


def test_with_redis_what_a_dead_process_held_is_taken_back_once(
    db: Database, session: Session, clock: ManualClock
) -> None:
    require_redis()
    live = _live(session, clock, stale=9)  # 5 from a dead process, 4 from a live one
    prefix = f"test:{uuid.uuid4().hex}:room:"
    redis = Redis.from_url(REDIS_URL)
    redis.hset(f"{prefix}viewers:{live.id}", mapping={"dead": 5, "alive": 4})
    redis.set(f"{prefix}alive:alive", 1, ex=60)

    async def scenario() -> list[Any]:
        one, two = Hub(REDIS_URL, channel_prefix=prefix), Hub(REDIS_URL, channel_prefix=prefix)
        await one.start()
        await two.start()
        first, second = ViewerCounts(one), ViewerCounts(two)
        try:
            await asyncio.gather(first.serve(db, live.id), second.serve(db, live.id))
            return sorted(redis.hkeys(f"{prefix}viewers:{live.id}"))
        finally:
            await first.release()
            await second.release()
            await one.stop()
            await two.stop()

    try:
        holders = asyncio.run(scenario())
        assert holders == [b"alive"]  # the dead process's entry is gone
        assert _stored(db, live.id) == 4  # taken back once, not by both processes
    finally:
        redis.delete(f"{prefix}viewers:{live.id}", f"{prefix}alive:alive")


def test_the_creators_console_is_not_counted(
    client: TestClient, anon: TestClient, db: Database, session: Session, clock: ManualClock
) -> None:
    live = _live(session, clock)
    creator = creators.get_creator(session, live.creator_id)
    _login(client, accounts.get_user(session, creator.user_id).email)
    with client.websocket_connect(f"/ws/live/{live.id}?console=1") as console:
        joined = _joined(console)
        assert joined["viewers"]["count"] == 0
        assert joined["hello"]["can_chat"] is True
        assert _stored(db, live.id) == 0
        with anon.websocket_connect(f"/ws/live/{live.id}?console=1") as viewer:
            assert _joined(viewer)["viewers"]["count"] == 1  # not the creator: counted
            assert _stored(db, live.id) == 1


def test_the_console_flag_counts_anyone_but_the_sessions_creator(
    client: TestClient, db: Database, session: Session, clock: ManualClock
) -> None:
    live = _live(session, clock)
    other = make_user(session, clock)
    session.commit()
    _login(client, other.email)
    with client.websocket_connect(f"/ws/live/{live.id}?console=1") as ws:
        assert _joined(ws)["viewers"]["count"] == 1
        assert _stored(db, live.id) == 1
