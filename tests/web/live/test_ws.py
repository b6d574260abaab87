"""The live-room WebSocket: snapshot on join, counting viewers, chat rules, follow, and domain
events reaching the room through the outbox bridge."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from starlette.testclient import WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from shijing.accounts import service as accounts
from shijing.commerce.creators import service as creators
from shijing.commerce.live import service as lives
from shijing.commerce.live.models import LiveSession
from shijing.core.clock import ManualClock
from shijing.core.db import Database
from shijing.web.live.room import mask_name
from shijing.web.live.ws import clean_chat
from tests.factories import (
    PASSWORD,
    make_creator,
    make_live_session,
    make_product,
    make_user,
    principal_of,
)


def _until(ws: WebSocketTestSession, kind: str, limit: int = 50) -> dict[str, Any]:
    """The next message of ``kind``; messages of other kinds before it are skipped."""
    for _ in range(limit):
        message: dict[str, Any] = ws.receive_json()
        if message["type"] == kind:
            return message
    raise AssertionError(f"no {kind} message")


def _joined(ws: WebSocketTestSession) -> dict[str, dict[str, Any]]:
    """What a viewer is sent on joining, up to ``hello``, by kind (chat: the last one)."""
    seen: dict[str, dict[str, Any]] = {}
    for _ in range(60):
        message: dict[str, Any] = ws.receive_json()
        seen[message["type"]] = message
        if message["type"] == "hello":
            return seen
    raise AssertionError("no hello message")


def _login(client: TestClient, email: str) -> None:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    response = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert response.status_code == 303


def _room(session: Session, clock: ManualClock, **kw: Any) -> tuple[LiveSession, Any]:
    product = make_product(session, clock, title="羊毛围巾", category="apparel.womens")
    live = make_live_session(
        session, clock, products=(product,), pinned=product, status="live", **kw
    )
    session.commit()
    return live, product


def test_a_late_joiner_gets_the_pinned_product_and_recent_chat(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    live, product = _room(session, clock)
    user = make_user(session, clock, display_name="王小明")
    session.commit()
    _login(client, user.email)
    with client.websocket_connect(f"/ws/live/{live.id}") as ws:
        joined = _joined(ws)
        assert joined["hello"]["can_chat"] is True
        pin = joined["pin"]
        assert pin["product"]["product_id"] == product.id
        assert pin["product"]["price_fen"] == 9_900
        assert pin["product"]["stock"] == 100
        assert pin["product"]["guarantees"] == ["no_reason_7d"]  # a shop without the badge
        ws.send_json({"type": "chat", "text": "  这条围巾  好看吗 "})
        chat = _until(ws, "chat")
        assert chat["text"] == "这条围巾 好看吗"
        assert chat["user"] == "王小明"
    with client.websocket_connect(f"/ws/live/{live.id}") as late:
        joined = _joined(late)
        assert joined["pin"]["product"]["title"] == "羊毛围巾"
        assert joined["showcase"]["items"][0]["pinned"] is True
        assert joined["chat"]["text"] == "这条围巾 好看吗"


def test_joining_and_leaving_count_viewers(
    committing_db: Database, clock: ManualClock, settings: Any
) -> None:
    # A real server and a real socket: the leave is written by the server when the client goes,
    # as in production (a test client's teardown may cancel the handler instead).
    import asyncio
    import json
    import socket
    import threading

    import uvicorn
    import websockets

    from shijing.web.app import create_app

    with committing_db.transaction() as session:
        live, _ = _room(session, clock)
        live_id = live.id

    def count() -> int:
        with committing_db.sessions() as s:
            found = s.get(LiveSession, live_id)
            assert found is not None
            return found.viewer_count

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = create_app(settings, db=committing_db, clock=clock)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(400):
            if server.started:
                break
            time.sleep(0.025)

        async def watch() -> int:
            async with websockets.connect(f"ws://127.0.0.1:{port}/ws/live/{live_id}") as ws:
                while True:
                    message = json.loads(await ws.recv())
                    if message["type"] == "viewers":
                        assert count() == 1
                        return int(message["count"])

        assert asyncio.run(watch()) == 1
        for _ in range(400):  # the server writes the leave once it sees the socket close
            if count() == 0:
                break
            time.sleep(0.025)
        assert count() == 0
    finally:
        server.should_exit = True
        thread.join(15)


def test_anonymous_viewers_watch_but_cannot_chat(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    live, _ = _room(session, clock)
    with client.websocket_connect(f"/ws/live/{live.id}", headers={"Accept-Language": "en"}) as ws:
        assert _joined(ws)["hello"]["can_chat"] is False
        ws.send_json({"type": "chat", "text": "hi"})
        error = _until(ws, "error")
        assert error["field"] == "text"
        assert error["code"] == "sign_in_first"
        assert error["message"] == "Sign in first"


def test_chat_is_checked_and_rate_limited(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    live, _ = _room(session, clock)
    user = make_user(session, clock)
    session.commit()
    _login(client, user.email)
    client.cookies.set("shijing_lang", "zh-CN")
    with client.websocket_connect(f"/ws/live/{live.id}") as ws:
        ws.send_json({"type": "chat", "text": "x" * 201})
        too_long = _until(ws, "error")
        assert (too_long["field"], too_long["code"]) == ("text", "chat_too_long")
        assert too_long["message"] == "最多 200 个字"
        ws.send_json({"type": "chat", "text": "   "})
        assert _until(ws, "error")["code"] == "required"
        ws.send_text("not json")
        assert _until(ws, "error")["code"] == "bad_frame"
        for n in range(3):  # the burst
            ws.send_json({"type": "chat", "text": f"m{n}"})
            assert _until(ws, "chat")["text"] == f"m{n}"
        ws.send_json({"type": "chat", "text": "one too many"})
        limited = _until(ws, "error")
        assert (limited["field"], limited["code"]) == ("text", "chat_rate_limited")


def test_a_cross_site_socket_is_anonymous(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    live, _ = _room(session, clock)
    user = make_user(session, clock)
    session.commit()
    _login(client, user.email)
    with client.websocket_connect(
        f"/ws/live/{live.id}", headers={"Origin": "https://evil.example"}
    ) as ws:
        assert _joined(ws)["hello"]["can_chat"] is False


def test_follow_over_the_socket(client: TestClient, session: Session, clock: ManualClock) -> None:
    live, _ = _room(session, clock)
    user = make_user(session, clock)
    session.commit()
    _login(client, user.email)
    with client.websocket_connect(f"/ws/live/{live.id}") as ws:
        ws.send_json({"type": "follow"})
        followed = _until(ws, "followed")
        assert followed["following"] is True
        assert followed["follower_count"] == 1
    assert creators.is_following(session, user.id, live.creator_id)


def test_unknown_session_is_refused(client: TestClient) -> None:
    with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect("/ws/live/999999"):
        pass
    assert refused.value.code == 4404


def test_an_ended_room_shows_its_final_state_uncounted(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    product = make_product(session, clock)
    live = make_live_session(session, clock, products=(product,), status="ended")
    session.commit()
    with client.websocket_connect(f"/ws/live/{live.id}") as ws:
        assert _joined(ws)["state"]["status"] == "ended"


def test_pin_and_purchase_events_reach_the_room_through_the_outbox(
    app: FastAPI, client: TestClient, db: Database, session: Session, clock: ManualClock
) -> None:
    first = make_product(session, clock, title="第一件")
    creator = make_creator(session, clock)
    second = make_product(session, clock, title="第二件", shop=None)
    live = make_live_session(session, clock, products=(first,), status="live")
    creator = creators.get_creator(session, live.creator_id)
    del second
    session.commit()
    me = principal_of(session, accounts.get_user(session, creator.user_id))
    dispatcher = app.state.dispatcher
    dispatcher.run_until_idle()  # the set-up's events
    with client.websocket_connect(f"/ws/live/{live.id}") as ws:
        assert _joined(ws)["pin"]["product"] is None
        item = lives.showcase_items(session, live.id)[0]
        lives.pin_showcase_item(session, clock, me, live_session_id=live.id, item_id=item.id)
        session.commit()
        dispatcher.run_until_idle()
        pinned = _until(ws, "pin")
        assert pinned["product"]["title"] == "第一件"
        assert pinned["changed_at"]
        showcase = _until(ws, "showcase")
        assert showcase["items"][0]["pinned"] is True
    del db


def test_masked_names() -> None:
    assert mask_name("王小明") == "王**"
    assert mask_name("alice") == "a***"
    assert mask_name("") == "***"
    assert clean_chat("a\u202eb") == (None, "chat_bad_characters")
    assert clean_chat(5) == (None, "required")


def test_the_pinned_product_of_a_trust_purchase_shop_lists_its_guarantees(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    from tests.guarantees.builders import trusted_shop

    product = make_product(session, clock, shop=trusted_shop(session, clock), title="羊毛围巾")
    live = make_live_session(session, clock, products=(product,), pinned=product, status="live")
    session.commit()
    with client.websocket_connect(f"/ws/live/{live.id}") as ws:
        pin = _joined(ws)["pin"]
    assert {"return_postage", "no_reason_7d", "counterfeit_10x"} <= set(
        pin["product"]["guarantees"]
    )
    page = client.get(f"/live/{live.id}", headers={"Accept-Language": "zh-CN"})
    assert 'data-guarantee="return_postage"' in page.text
    assert "退货补运费" in page.text
