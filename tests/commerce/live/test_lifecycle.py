"""Live sessions: scheduling, the lifecycle machine edge by edge, who may drive it, discovery."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shijing.commerce.live import counters, service
from shijing.commerce.live.models import LiveSession
from shijing.commerce.live.states import LIVE_SESSION
from shijing.core.clock import ManualClock
from shijing.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tests.commerce.creators.support import API, events
from tests.commerce.live.conftest import Seller
from tests.factories import (
    api_login,
    make_creator,
    make_live_session,
    make_user,
    principal_of,
    signed_up,
)

ACTIONS = {
    "start": service.start_live_session,
    "end": service.end_live_session,
    "cancel": service.cancel_live_session,
}


def _sessions(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(LiveSession)) or 0


def test_schedule_stamps_and_emits(session: Session, clock: ManualClock, seller: Seller) -> None:
    at = clock.now() + timedelta(hours=2)
    live = service.schedule_live_session(
        session,
        clock,
        seller.principal(session),
        title="  秋冬上新  ",
        scheduled_at=at,
        stream_url="https://player.example.com/room/1",
    )
    assert (live.title, live.status, live.scheduled_at) == ("秋冬上新", "scheduled", at)
    assert (live.viewer_count, live.orders_count, live.gmv_fen) == (0, 0, 0)
    [scheduled] = events(session, "live.scheduled")
    assert (scheduled["live_session_id"], scheduled["creator_id"]) == (live.id, seller.creator.id)
    assert scheduled["scheduled_at"] == at.isoformat()


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"scheduled_at": "past"}, "scheduled_at"),
        ({"scheduled_at": "now"}, "scheduled_at"),
        ({"scheduled_at": "naive"}, "scheduled_at"),
        ({"scheduled_at": "too_far"}, "scheduled_at"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 101}, "title"),
        ({"title": "a\x00b"}, "title"),
        ({"stream_url": "rtmp://live.example.com/x"}, "stream_url"),
        ({"stream_url": "javascript:alert(1)"}, "stream_url"),
        ({"stream_url": "http://"}, "stream_url"),
        ({"stream_url": "https://x.example.com/" + "a" * 500}, "stream_url"),
    ],
)
def test_schedule_refusals_write_nothing(
    session: Session, clock: ManualClock, seller: Seller, kw: dict[str, Any], field: str
) -> None:
    now = clock.now()
    times = {
        "past": now - timedelta(minutes=1),
        "now": now,
        "naive": (now + timedelta(hours=1)).replace(tzinfo=None),
        "too_far": now + timedelta(days=91),
    }
    args: dict[str, Any] = {"title": "直播", "scheduled_at": now + timedelta(hours=1), **kw}
    if isinstance(args["scheduled_at"], str):
        args["scheduled_at"] = times[args["scheduled_at"]]
    with pytest.raises(InvalidInput) as info:
        service.schedule_live_session(session, clock, seller.principal(session), **args)
    assert info.value.field == field
    assert _sessions(session) == 0
    assert events(session, "live.scheduled") == []


def test_only_creators_schedule(session: Session, clock: ManualClock) -> None:
    buyer = principal_of(session, make_user(session, clock))
    with pytest.raises(Forbidden):
        service.schedule_live_session(
            session, clock, buyer, title="x", scheduled_at=clock.now() + timedelta(hours=1)
        )


@pytest.mark.parametrize(("state", "action", "target"), list(LIVE_SESSION.allowed()))
def test_every_allowed_transition(
    session: Session, clock: ManualClock, seller: Seller, state: str, action: str, target: str
) -> None:
    live = make_live_session(session, clock, creator=seller.creator, status=state)
    clock.advance(timedelta(minutes=5))
    ACTIONS[action](session, clock, seller.principal(session), live_session_id=live.id)
    assert live.status == target
    stamp = {"live": live.started_at, "ended": live.ended_at, "cancelled": live.cancelled_at}
    assert stamp[target] == clock.now()
    name = {"start": "live.started", "end": "live.ended", "cancel": "live.cancelled"}[action]
    assert events(session, name)[-1]["live_session_id"] == live.id


@pytest.mark.parametrize(("state", "action"), list(LIVE_SESSION.forbidden()))
def test_every_forbidden_transition_is_409(
    session: Session, clock: ManualClock, seller: Seller, state: str, action: str
) -> None:
    live = make_live_session(session, clock, creator=seller.creator, status=state)
    with pytest.raises(Conflict) as info:
        ACTIONS[action](session, clock, seller.principal(session), live_session_id=live.id)
    assert (info.value.status, info.value.code) == (409, "invalid_state")
    session.refresh(live)
    assert live.status == state


def test_ending_unpins_and_empties_the_room(
    session: Session, clock: ManualClock, seller: Seller
) -> None:
    product = seller.products[0]
    live = make_live_session(
        session, clock, creator=seller.creator, products=(product,), pinned=product, status="live"
    )
    for _ in range(3):
        counters.viewer_joined(session, clock, live.id)
    clock.advance(timedelta(hours=1))
    service.end_live_session(session, clock, seller.principal(session), live_session_id=live.id)
    assert (live.viewer_count, live.peak_viewers, live.pinned_item_id) == (0, 3, None)
    assert live.ended_at == clock.now()
    [unpinned] = events(session, "live.unpinned")
    assert unpinned["reason"] == "ended"
    [ended] = events(session, "live.ended")
    assert ended["peak_viewers"] == 3
    assert [p.unpin_reason for p in service.pin_history(session, live.id)] == ["ended"]


def test_one_live_room_at_a_time(session: Session, clock: ManualClock, seller: Seller) -> None:
    make_live_session(session, clock, creator=seller.creator, status="live")
    second = make_live_session(session, clock, creator=seller.creator)
    with pytest.raises(Conflict) as info:
        service.start_live_session(
            session, clock, seller.principal(session), live_session_id=second.id
        )
    assert info.value.code == "already_live"
    assert second.status == "scheduled"


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_nobody_else_drives_a_session(
    session: Session, clock: ManualClock, seller: Seller, action: str
) -> None:
    live = make_live_session(session, clock, creator=seller.creator, status="live")
    rival = make_user(session, clock)
    make_creator(session, clock, user=rival)
    for user in (rival, make_user(session, clock)):
        who = principal_of(session, user)
        with pytest.raises(NotFound):
            ACTIONS[action](session, clock, who, live_session_id=live.id)
    assert live.status == "live"


def test_discovery_lists_live_then_scheduled(
    session: Session, clock: ManualClock, seller: Seller
) -> None:
    other = make_creator(session, clock)
    later = make_live_session(
        session, clock, creator=other, scheduled_at=clock.now() + timedelta(hours=5)
    )
    soon = make_live_session(
        session, clock, creator=seller.creator, scheduled_at=clock.now() + timedelta(hours=1)
    )
    on_air = make_live_session(session, clock, creator=other, status="live")
    ended = make_live_session(session, clock, creator=seller.creator, status="ended")
    make_live_session(session, clock, creator=seller.creator, status="cancelled")
    rows, total = service.discover_live_sessions(session)
    assert (total, [r.id for r in rows]) == (3, [on_air.id, soon.id, later.id])
    rows, _ = service.discover_live_sessions(session, status="ended")
    assert [r.id for r in rows] == [ended.id]
    rows, _ = service.discover_live_sessions(session, creator_id=other.id, limit=1, offset=1)
    assert [r.id for r in rows] == [later.id]
    mine, total = service.my_live_sessions(session, seller.principal(session))
    assert total == 3  # every status, cancelled included
    assert sorted(r.status for r in mine) == ["cancelled", "ended", "scheduled"]
    with pytest.raises(InvalidInput):
        service.discover_live_sessions(session, status="cancelled")


# -- over HTTP --------------------------------------------------------------------------------


def _future(clock: ManualClock, hours: int = 1) -> str:
    return (clock.now() + timedelta(hours=hours)).isoformat()


def test_lifecycle_over_http(client: TestClient, anon: TestClient, clock: ManualClock) -> None:
    _, headers = signed_up(client)
    client.post(f"{API}/creators", json={"handle": "http_live"}, headers=headers)
    created = client.post(
        f"{API}/live-sessions",
        json={"title": "今晚八点", "scheduled_at": _future(clock), "stream_url": "https://p.cn/1"},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    live = created.json()
    assert (live["status"], live["creator"]["handle"]) == ("scheduled", "http_live")
    assert live["sales"] == {"orders_count": 0, "gmv_fen": 0}
    url = f"{API}/live-sessions/{live['id']}"

    public = anon.get(url).json()
    assert (public["showcase"], public["pinned_item"], public["sales"]) == ([], None, None)
    assert [s["id"] for s in anon.get(f"{API}/live-sessions").json()["items"]] == [live["id"]]

    started = client.post(f"{url}/start", headers=headers)
    assert (started.status_code, started.json()["status"]) == (200, "live")
    assert started.json()["started_at"] is not None
    again = client.post(f"{url}/start", headers=headers)
    assert again.status_code == 409
    assert again.json() == {
        "error": "invalid_state",
        "message": "cannot start a live session that is live",
        "field": "status",
    }
    assert client.post(f"{url}/cancel", headers=headers).status_code == 409
    listed = anon.get(f"{API}/live-sessions", params={"status": "live"}).json()
    assert listed["total"] == 1
    ended = client.post(f"{url}/end", headers=headers)
    assert (ended.status_code, ended.json()["status"]) == (200, "ended")
    assert client.post(f"{url}/end", headers=headers).status_code == 409
    mine = client.get(f"{API}/creators/me/live-sessions", headers=headers).json()
    assert [(s["id"], s["status"]) for s in mine["items"]] == [(live["id"], "ended")]


def test_http_refusals(
    client: TestClient, anon: TestClient, session: Session, clock: ManualClock, seller: Seller
) -> None:
    live = make_live_session(session, clock, creator=seller.creator)
    rival_user = make_user(session, clock)
    make_creator(session, clock, user=rival_user)
    session.commit()
    owner = api_login(client, seller.user.email)
    rival = api_login(client, rival_user.email)
    _, buyer = signed_up(client)
    url = f"{API}/live-sessions/{live.id}"
    for action in ("start", "end", "cancel"):
        assert client.post(f"{url}/{action}", headers=buyer).status_code == 404
        assert client.post(f"{url}/{action}", headers=rival).status_code == 404
        assert anon.post(f"{url}/{action}").status_code == 401
    assert client.get(url, headers=owner).json()["status"] == "scheduled"

    def schedule(body: dict[str, Any], headers: dict[str, str]) -> Any:
        raw = json.dumps(body).encode()  # ASCII-escaped, so a lone surrogate reaches the server
        return client.post(
            f"{API}/live-sessions",
            content=raw,
            headers={**headers, "content-type": "application/json"},
        )

    good = {"title": "直播", "scheduled_at": _future(clock)}
    assert schedule(good, buyer).status_code == 403
    assert anon.post(f"{API}/live-sessions", json=good).status_code == 401
    cases = [
        ({**good, "scheduled_at": (clock.now() - timedelta(hours=1)).isoformat()}, "scheduled_at"),
        ({**good, "scheduled_at": "2026-12-01T20:00:00"}, "scheduled_at"),
        ({**good, "scheduled_at": "tonight"}, "scheduled_at"),
        ({**good, "stream_url": "ftp://x.example.com/a"}, "stream_url"),
        ({**good, "title": ""}, "title"),
        ({**good, "title": "\ud800"}, "title"),
        ({**good, "stream_url": "https://x.example.com/\x00"}, "stream_url"),
        ({**good, "creator_id": 1}, "creator_id"),
    ]
    for body, field in cases:
        response = schedule(body, owner)
        assert (response.status_code, response.json()["field"]) == (422, field), body
    assert anon.get(f"{API}/live-sessions/999999").status_code == 404
    assert anon.get(f"{API}/live-sessions", params={"status": "cancelled"}).status_code == 422
    assert anon.get(f"{API}/live-sessions", params={"limit": 101}).status_code == 422
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(LiveSession)) == 1


def test_starting_early_is_allowed(session: Session, clock: ManualClock, seller: Seller) -> None:
    live = make_live_session(
        session, clock, creator=seller.creator, scheduled_at=datetime(2027, 1, 1, tzinfo=UTC)
    )
    service.start_live_session(session, clock, seller.principal(session), live_session_id=live.id)
    assert live.started_at == clock.now() < live.scheduled_at
