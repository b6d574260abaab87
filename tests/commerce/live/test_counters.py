"""Viewer counts (called by the real-time hub) and orders/GMV per session (from order.paid)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

import shijing.commerce.wiring  # noqa: F401  (registers the subscribers)
from shijing.commerce.live import counters
from shijing.commerce.live.handlers import count_live_sale
from shijing.commerce.live.models import LiveSession
from shijing.core.clock import ManualClock
from shijing.core.db import Database
from shijing.core.errors import Conflict, NotFound
from shijing.core.outbox import Dispatcher, EventBus, OutboxEvent, bus, emit
from tests.commerce.creators.support import API
from tests.commerce.live.conftest import Seller
from tests.factories import api_login, make_creator, make_live_session, make_order, signed_up


def test_viewers_join_and_leave_with_a_peak(
    session: Session, clock: ManualClock, seller: Seller
) -> None:
    live = make_live_session(session, clock, creator=seller.creator)
    assert counters.viewer_joined(session, clock, live.id).viewer_count == 1  # waiting room
    for _ in range(3):
        counters.viewer_joined(session, clock, live.id)
    assert counters.viewer_left(session, clock, live.id) == counters.ViewerCounts(live.id, 3, 4)
    counters.viewer_joined(session, clock, live.id)
    for _ in range(6):  # more leaves than viewers (the hub may repeat itself): never below 0
        counters.viewer_left(session, clock, live.id)
    assert (live.viewer_count, live.peak_viewers) == (0, 4)


def test_a_finished_room_takes_no_viewers(
    session: Session, clock: ManualClock, seller: Seller
) -> None:
    cancelled = make_live_session(session, clock, creator=seller.creator, status="cancelled")
    ended = make_live_session(session, clock, creator=seller.creator, status="ended")
    for room in (cancelled, ended):
        with pytest.raises(Conflict) as info:
            counters.viewer_joined(session, clock, room.id)
        assert info.value.code == "not_open"
        assert counters.viewer_left(session, clock, room.id).viewer_count == 0
    with pytest.raises(NotFound):
        counters.viewer_joined(session, clock, 999_999)
    with pytest.raises(NotFound):
        counters.viewer_left(session, clock, 999_999)


def test_concurrent_viewers_are_all_counted(committing_db: Database, clock: ManualClock) -> None:
    with committing_db.transaction() as s:
        live_id = make_live_session(s, clock, creator=make_creator(s, clock), status="live").id

    def step(action: str) -> None:
        with committing_db.transaction() as s:
            if action == "join":
                counters.viewer_joined(s, clock, live_id)
            else:
                counters.viewer_left(s, clock, live_id)

    with ThreadPoolExecutor(max_workers=12) as pool:
        list(pool.map(step, ["join"] * 40))
    with ThreadPoolExecutor(max_workers=12) as pool:
        list(pool.map(step, ["leave"] * 15 + ["join"] * 5))
    with committing_db.sessions() as s:
        live = s.get(LiveSession, live_id)
        assert live is not None
        assert (live.viewer_count, live.peak_viewers) == (30, 40)


# -- orders and GMV ---------------------------------------------------------------------------


def _paid_event(session: Session, clock: ManualClock, **payload: object) -> OutboxEvent:
    return emit(session, clock, "order.paid", **payload)


def test_the_subscriber_is_wired() -> None:
    assert count_live_sale in [handler for _, handler in bus.subscribers("order.paid")]


def test_a_paid_order_is_counted_once_however_often_delivered(
    db: Database, session: Session, clock: ManualClock, seller: Seller
) -> None:
    product = seller.products[0]
    live = make_live_session(
        session, clock, creator=seller.creator, products=(product,), status="live"
    )
    order = make_order(session, clock, product=product, creator=seller.creator, status="paid")
    order.live_session_id = live.id
    direct = make_order(session, clock, product=product, status="paid")
    payload = {"order_id": order.id, "live_session_id": live.id, "total_fen": order.total_fen}
    first = _paid_event(session, clock, **payload)
    _paid_event(session, clock, **payload)  # the same fact, delivered again
    _paid_event(
        session, clock, order_id=direct.id, live_session_id=None, total_fen=direct.total_fen
    )
    session.commit()

    only_live = EventBus()
    only_live.subscribe("order.paid")(count_live_sale)
    Dispatcher(db, clock, only_live).run_until_idle()
    assert Dispatcher(db, clock, only_live).run_until_idle().delivered == 0
    with db.transaction() as s:
        count_live_sale(s, s.get(OutboxEvent, first.id), clock)  # type: ignore[arg-type]

    session.expire_all()
    assert (live.orders_count, live.gmv_fen) == (1, order.total_fen)
    assert [(s.order_id, s.amount_fen) for s in counters.sales_of(session, live.id)] == [
        (order.id, order.total_fen)
    ]
    statuses = session.scalars(select(OutboxEvent.status).where(OutboxEvent.name == "order.paid"))
    assert set(statuses) == {"done"}


def test_sales_for_an_unknown_session_are_ignored(session: Session, clock: ManualClock) -> None:
    order = make_order(session, clock, status="paid")
    assert not counters.record_paid_order(
        session, clock, order_id=order.id, live_session_id=999_999, amount_fen=100
    )


def test_an_incomplete_payload_is_refused_loudly(
    session: Session, clock: ManualClock, seller: Seller
) -> None:
    live = make_live_session(session, clock, creator=seller.creator)
    event = _paid_event(session, clock, live_session_id=live.id, order_id=1)
    session.flush()
    with pytest.raises(ValueError, match="total_fen"):
        count_live_sale(session, event, clock)
    assert live.orders_count == 0


def test_only_the_creator_sees_the_sales(
    client: TestClient, anon: TestClient, session: Session, clock: ManualClock, seller: Seller
) -> None:
    product = seller.products[0]
    live = make_live_session(
        session, clock, creator=seller.creator, products=(product,), status="live"
    )
    order = make_order(session, clock, product=product, creator=seller.creator, status="paid")
    counters.record_paid_order(
        session, clock, order_id=order.id, live_session_id=live.id, amount_fen=order.total_fen
    )
    session.commit()
    url = f"{API}/live-sessions/{live.id}"
    owner = client.get(url, headers=api_login(client, seller.user.email)).json()
    assert owner["sales"] == {"orders_count": 1, "gmv_fen": order.total_fen}
    _, buyer = signed_up(client)
    assert client.get(url, headers=buyer).json()["sales"] is None
    assert anon.get(url).json()["sales"] is None
