"""`shijing worker` with Redis: events the worker processes still reach the live rooms, which
are held by another process's hub (here the test's own), through Redis pub/sub."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from typing import Any

from shijing.accounts import service as accounts
from shijing.commerce.creators import service as creators
from shijing.commerce.live import service as lives
from shijing.core.clock import ManualClock
from shijing.core.db import Database
from shijing.web.live.hub import Hub
from tests.factories import make_live_session, make_product, principal_of
from tests.web.live.test_counts import REDIS_URL, require_redis


class Viewer:
    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.arrived = asyncio.Event()

    async def send(self, text: str) -> None:
        self.received.append(json.loads(text))
        self.arrived.set()

    async def wait_for(self, test: Any, seconds: float = 20.0) -> dict[str, Any]:
        async with asyncio.timeout(seconds):
            while True:
                for message in self.received:
                    if test(message):
                        return message
                self.arrived.clear()
                await self.arrived.wait()


def test_a_pin_processed_by_the_worker_reaches_the_room_through_redis(
    committing_db: Database, clock: ManualClock
) -> None:
    require_redis()
    title = f"worker-{uuid.uuid4().hex[:8]}"  # other runs may share Redis and room ids
    with committing_db.transaction() as session:
        live = make_live_session(
            session, clock, products=(make_product(session, clock, title=title),), status="live"
        )
        creator = creators.get_creator(session, live.creator_id)
        live_id, creator_user = live.id, creator.user_id
        item_id = lives.showcase_items(session, live.id)[0].id
    url = committing_db.engine.url.render_as_string(hide_password=False)
    worker = subprocess.Popen(
        [sys.executable, "-m", "shijing", "worker", "--poll", "0.1"],
        env={**os.environ, "SHIJING_DATABASE_URL": url, "SHIJING_REDIS_URL": REDIS_URL},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )

    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        hub = Hub(REDIS_URL)  # a server process's hub, with its viewer
        await hub.start()
        viewer = Viewer()
        pump = asyncio.create_task(hub.join(live_id, viewer.send).pump())
        try:
            await asyncio.sleep(0.2)  # the subscription settles
            with committing_db.transaction() as session:
                me = principal_of(session, accounts.get_user(session, creator_user))
                lives.pin_showcase_item(
                    session, clock, me, live_session_id=live_id, item_id=item_id
                )
            pin = await viewer.wait_for(
                lambda m: m["type"] == "pin" and (m.get("product") or {}).get("title") == title
            )
            with committing_db.transaction() as session:
                me = principal_of(session, accounts.get_user(session, creator_user))
                lives.end_live_session(session, clock, me, live_session_id=live_id)
            state = await viewer.wait_for(
                lambda m: (
                    m["type"] == "state"
                    and m.get("title") == live_title
                    and m.get("status") == "ended"
                )
            )
            return pin, state
        finally:
            pump.cancel()
            await hub.stop()

    with committing_db.sessions() as session:
        live_title = lives.get_live_session(session, live_id).title
    try:
        pin, state = asyncio.run(scenario())
    finally:
        worker.terminate()
        try:
            _, errors = worker.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            _, errors = worker.communicate()
    assert pin["item_id"] == item_id
    assert pin["changed_at"]
    assert state["creator_id"], errors
