"""Counters of a live session that change many times a second and from outside a request:
viewers (the real-time hub calls ``viewer_joined`` / ``viewer_left``) and the orders and GMV a
session brought in (the ``order.paid`` subscriber calls ``record_paid_order``).

Each is one atomic ``UPDATE … SET n = n + 1`` (no read-then-write), so concurrent callers are all
counted; they do not lock the session row the way lifecycle and showcase changes do.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog
from sqlalchemy import case, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shijing.commerce.live.models import LiveSession, LiveSessionSale
from shijing.commerce.live.states import OPEN_TO_VIEWERS
from shijing.core.clock import Clock
from shijing.core.errors import Conflict, NotFound

log = structlog.get_logger(__name__)


def _refresh_counters(session: Session, live_session_id: int) -> None:
    loaded = session.identity_map.get(session.identity_key(LiveSession, live_session_id))
    if loaded is not None:
        session.expire(
            loaded, ["viewer_count", "peak_viewers", "orders_count", "gmv_fen", "status"]
        )


# -- viewers (called by the real-time hub) ----------------------------------------------------


@dataclass(frozen=True)
class ViewerCounts:
    live_session_id: int
    viewer_count: int
    peak_viewers: int


def _counts(session: Session, live_session_id: int) -> ViewerCounts:
    row = session.execute(
        select(LiveSession.viewer_count, LiveSession.peak_viewers).where(
            LiveSession.id == live_session_id
        )
    ).one_or_none()
    if row is None:
        raise NotFound("no such live session", field="live_session_id")
    return ViewerCounts(live_session_id, int(row[0]), int(row[1]))


def viewer_joined(session: Session, clock: Clock, live_session_id: int) -> ViewerCounts:
    """One more viewer in a scheduled or live room; the peak follows. 409 ``not_open`` when the
    session has ended or was cancelled, 404 when there is no such session. One atomic UPDATE, so
    joins racing on many connections are all counted. No event: the hub pushes counts itself."""
    joined = LiveSession.viewer_count + 1
    row = session.execute(
        update(LiveSession)
        .where(LiveSession.id == live_session_id, LiveSession.status.in_(OPEN_TO_VIEWERS))
        .values(
            viewer_count=joined,
            peak_viewers=case(
                (LiveSession.peak_viewers < joined, joined), else_=LiveSession.peak_viewers
            ),
        )
        .returning(LiveSession.viewer_count, LiveSession.peak_viewers)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    _refresh_counters(session, live_session_id)
    if row is None:
        _counts(session, live_session_id)  # 404 when unknown
        raise Conflict("this live session is over", field="status", code="not_open")
    return ViewerCounts(live_session_id, int(row[0]), int(row[1]))


def viewer_left(session: Session, clock: Clock, live_session_id: int) -> ViewerCounts:
    """One viewer fewer; never below zero, and nothing changes once the session is over (its
    count is already 0). 404 when there is no such session."""
    row = session.execute(
        update(LiveSession)
        .where(
            LiveSession.id == live_session_id,
            LiveSession.status.in_(OPEN_TO_VIEWERS),
            LiveSession.viewer_count > 0,
        )
        .values(viewer_count=LiveSession.viewer_count - 1)
        .returning(LiveSession.viewer_count, LiveSession.peak_viewers)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    _refresh_counters(session, live_session_id)
    if row is None:
        return _counts(session, live_session_id)
    return ViewerCounts(live_session_id, int(row[0]), int(row[1]))


# -- sales (from the order.paid event) --------------------------------------------------------


def record_paid_order(
    session: Session, clock: Clock, *, order_id: int, live_session_id: int, amount_fen: int
) -> bool:
    """Count a paid order into its session's orders and GMV, once: True when counted now,
    False when it was counted before (the event was delivered again) or the session is gone."""
    if amount_fen < 0:
        raise ValueError(f"order {order_id}: a paid amount cannot be negative ({amount_fen})")
    if session.get(LiveSession, live_session_id) is None:
        log.warning("live.sale_for_unknown_session", order_id=order_id, session_id=live_session_id)
        return False
    already = select(LiveSessionSale.id).where(LiveSessionSale.order_id == order_id)
    if session.scalar(already) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(
                LiveSessionSale(
                    order_id=order_id,
                    session_id=live_session_id,
                    amount_fen=amount_fen,
                    counted_at=clock.now(),
                )
            )
            session.flush()
    except IntegrityError:
        if session.scalar(already) is not None:  # counted by a concurrent delivery
            return False
        raise
    session.execute(
        update(LiveSession)
        .where(LiveSession.id == live_session_id)
        .values(orders_count=LiveSession.orders_count + 1, gmv_fen=LiveSession.gmv_fen + amount_fen)
        .execution_options(synchronize_session=False)
    )
    _refresh_counters(session, live_session_id)
    return True


def sales_of(session: Session, live_session_id: int) -> list[LiveSessionSale]:
    return list(
        session.scalars(
            select(LiveSessionSale)
            .where(LiveSessionSale.session_id == live_session_id)
            .order_by(LiveSessionSale.id)
        )
    )
