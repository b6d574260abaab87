"""Checks an order makes when it says it came from a live room."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.commerce.live.models import LiveSession, LiveStatus, ShowcaseItem
from shijing.core.errors import InvalidInput


def live_session_for_order(
    session: Session, *, live_session_id: int, product_id: int
) -> LiveSession:
    """The live session, or 422 on ``live_session_id`` unless it is on air and the product is
    in its showcase."""
    live = session.get(LiveSession, live_session_id)
    if live is None:
        raise InvalidInput("no such live session", field="live_session_id")
    if live.status != LiveStatus.LIVE.value:
        raise InvalidInput("this live session is not on air", field="live_session_id")
    in_showcase = session.scalar(
        select(ShowcaseItem.id).where(
            ShowcaseItem.session_id == live.id, ShowcaseItem.product_id == product_id
        )
    )
    if in_showcase is None:
        raise InvalidInput(
            "this product is not in the live session's showcase", field="live_session_id"
        )
    return live
