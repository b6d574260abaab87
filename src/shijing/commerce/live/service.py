"""Use-cases of the live domain: sessions and their lifecycle, the showcase (小黄车) and its pinned
item. The counters (viewers, orders and GMV) are in ``counters.py``.

Every change to one session (lifecycle, showcase, pin) first locks its row (``FOR UPDATE`` on
PostgreSQL; SQLite serialises writers), so two requests cannot both end a session or both pin.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, case, func, select, update
from sqlalchemy.orm import Session

from shijing.accounts.service import Principal
from shijing.commerce.catalog.models import Product, Sku
from shijing.commerce.creators import service as creators
from shijing.commerce.creators.terms import sale_terms
from shijing.commerce.live import events as live_events
from shijing.commerce.live.models import (
    LiveSession,
    LiveStatus,
    ShowcaseItem,
    ShowcasePin,
)
from shijing.commerce.live.states import LIVE_SESSION, require_showcase_editable
from shijing.commerce.shops.models import Shop, ShopStatus
from shijing.core.clock import Clock
from shijing.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from shijing.core.outbox import emit

MAX_TITLE = 100
MAX_SCHEDULE_AHEAD = timedelta(days=90)
MAX_SHOWCASE_ITEMS = 100
DISCOVERABLE = (LiveStatus.LIVE.value, LiveStatus.SCHEDULED.value, LiveStatus.ENDED.value)


# -- loading ----------------------------------------------------------------------------------


def get_live_session(session: Session, live_session_id: int) -> LiveSession:
    """A session, whatever its status (public)."""
    live = session.get(LiveSession, live_session_id)
    if live is None:
        raise NotFound("no such live session", field="live_session_id")
    return live


def _own_session(session: Session, principal: Principal, live_session_id: int) -> LiveSession:
    """The caller's own session, locked for the rest of the transaction; 404 for anyone else's."""
    creator = creators.creator_of_user(session, principal.id)
    live = None
    if creator is not None:
        live = session.scalar(
            select(LiveSession)
            .where(LiveSession.id == live_session_id, LiveSession.creator_id == creator.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    if live is None:
        raise NotFound("no such live session", field="live_session_id")
    return live


def is_own_session(session: Session, principal: Principal | None, live: LiveSession) -> bool:
    if principal is None:
        return False
    creator = creators.creator_of_user(session, principal.id)
    return creator is not None and creator.id == live.creator_id


# -- lifecycle --------------------------------------------------------------------------------


def schedule_live_session(
    session: Session,
    clock: Clock,
    principal: Principal,
    *,
    title: str,
    scheduled_at: datetime,
    stream_url: str | None = None,
) -> LiveSession:
    """A creator announces a stream. ``scheduled_at`` must be in the future (up to 90 days);
    ``stream_url`` (an external player) must be http or https."""
    creator = creators.creator_of_user(session, principal.id)
    if creator is None:
        raise Forbidden("open a creator profile first", code="not_a_creator")
    title = creators.clean_text(title, field="title", max_len=MAX_TITLE)
    now = clock.now()
    if scheduled_at.tzinfo is None:
        raise InvalidInput("must include a time zone", field="scheduled_at")
    if scheduled_at <= now:
        raise InvalidInput("must be in the future", field="scheduled_at")
    if scheduled_at > now + MAX_SCHEDULE_AHEAD:
        raise InvalidInput(
            f"must be within {MAX_SCHEDULE_AHEAD.days} days from now", field="scheduled_at"
        )
    url = creators.clean_web_url(stream_url, field="stream_url")
    live = LiveSession(
        creator_id=creator.id,
        title=title,
        status=LiveStatus.SCHEDULED.value,
        scheduled_at=scheduled_at,
        stream_url=url,
        viewer_count=0,
        peak_viewers=0,
        orders_count=0,
        gmv_fen=0,
        created_at=now,
    )
    session.add(live)
    session.flush()
    emit(
        session,
        clock,
        live_events.LIVE_SCHEDULED,
        live_session_id=live.id,
        creator_id=creator.id,
        title=title,
        scheduled_at=scheduled_at,
        at=now,
    )
    return live


def start_live_session(
    session: Session, clock: Clock, principal: Principal, *, live_session_id: int
) -> LiveSession:
    """Go live (its creator only). A creator is on air in one room at a time (409
    ``already_live``)."""
    live = _own_session(session, principal, live_session_id)
    target = LIVE_SESSION.next(live.status, "start")
    other = session.scalar(
        select(LiveSession.id).where(
            LiveSession.creator_id == live.creator_id,
            LiveSession.status == LiveStatus.LIVE.value,
            LiveSession.id != live.id,
        )
    )
    if other is not None:
        raise Conflict(
            f"you are already live in session {other}; end it first", code="already_live"
        )
    live.status = target
    live.started_at = clock.now()
    session.flush()
    emit(
        session,
        clock,
        live_events.LIVE_STARTED,
        live_session_id=live.id,
        creator_id=live.creator_id,
        scheduled_at=live.scheduled_at,
        started_at=live.started_at,
        viewer_count=live.viewer_count,
    )
    return live


def end_live_session(
    session: Session, clock: Clock, principal: Principal, *, live_session_id: int
) -> LiveSession:
    """End the stream (its creator only): the pinned item is unpinned and viewers drop to 0."""
    live = _own_session(session, principal, live_session_id)
    target = LIVE_SESSION.next(live.status, "end")
    now = clock.now()
    _unpin(session, clock, live, reason="ended")
    live.status = target
    live.ended_at = now
    live.viewer_count = 0
    session.flush()
    emit(
        session,
        clock,
        live_events.LIVE_ENDED,
        live_session_id=live.id,
        creator_id=live.creator_id,
        started_at=live.started_at,
        ended_at=now,
        peak_viewers=live.peak_viewers,
        orders_count=live.orders_count,
        gmv_fen=live.gmv_fen,
    )
    return live


def cancel_live_session(
    session: Session, clock: Clock, principal: Principal, *, live_session_id: int
) -> LiveSession:
    """Call off a scheduled session (its creator only); anyone waiting in the room leaves."""
    live = _own_session(session, principal, live_session_id)
    target = LIVE_SESSION.next(live.status, "cancel")
    now = clock.now()
    _unpin(session, clock, live, reason="cancelled")
    live.status = target
    live.cancelled_at = now
    live.viewer_count = 0
    session.flush()
    emit(
        session,
        clock,
        live_events.LIVE_CANCELLED,
        live_session_id=live.id,
        creator_id=live.creator_id,
        scheduled_at=live.scheduled_at,
        cancelled_at=now,
    )
    return live


# -- showcase ---------------------------------------------------------------------------------


def showcase_items(session: Session, live_session_id: int) -> list[ShowcaseItem]:
    """The showcase in display order."""
    return list(
        session.scalars(
            select(ShowcaseItem)
            .where(ShowcaseItem.session_id == live_session_id)
            .order_by(ShowcaseItem.position, ShowcaseItem.id)
        )
    )


@dataclass(frozen=True)
class ShowcaseEntry:
    """A showcase item with what a viewer sees of its product."""

    item: ShowcaseItem
    product_title: str
    price_fen: int | None  # the lowest SKU price
    published: bool


def showcase_entries(session: Session, live_session_id: int) -> list[ShowcaseEntry]:
    """The showcase in display order, with product titles and prices, in one query."""
    lowest = (
        select(Sku.product_id, func.min(Sku.price_fen).label("price_fen"))
        .group_by(Sku.product_id)
        .subquery()
    )
    rows = session.execute(
        select(ShowcaseItem, Product.title, lowest.c.price_fen, Product.published)
        .join(Product, Product.id == ShowcaseItem.product_id)
        .outerjoin(lowest, lowest.c.product_id == ShowcaseItem.product_id)
        .where(ShowcaseItem.session_id == live_session_id)
        .order_by(ShowcaseItem.position, ShowcaseItem.id)
    ).all()
    return [ShowcaseEntry(item, title, price, bool(pub)) for item, title, price, pub in rows]


def _item_of(session: Session, live: LiveSession, item_id: int) -> ShowcaseItem:
    item = session.get(ShowcaseItem, item_id)
    if item is None or item.session_id != live.id:
        raise NotFound("no such item in this showcase", field="item_id")
    return item


def _showcase_changed(session: Session, clock: Clock, live: LiveSession) -> None:
    items = showcase_items(session, live.id)
    emit(
        session,
        clock,
        live_events.LIVE_SHOWCASE_CHANGED,
        live_session_id=live.id,
        items=[
            {"item_id": i.id, "product_id": i.product_id, "position": i.position} for i in items
        ],
        pinned_item_id=live.pinned_item_id,
    )


def _check_sellable(session: Session, creator_id: int, product_id: int) -> Product:
    """The product, or 422 on ``product_id`` unless this creator may sell it now."""
    product = session.get(Product, product_id)
    if product is None:
        raise InvalidInput("no such product", field="product_id", code="unknown_product")
    if not product.published:
        raise InvalidInput("this product is not on sale", field="product_id", code="unpublished")
    shop = session.get(Shop, product.shop_id)
    if shop is None or shop.status != ShopStatus.ACTIVE.value:
        raise InvalidInput("this shop is not taking orders", field="product_id", code="shop_closed")
    try:
        sale_terms(session, creator_id=creator_id, product=product)
    except InvalidInput as exc:
        raise InvalidInput(
            "you may not sell this product: not its shop's staff and no open distribution plan",
            field="product_id",
            code="not_sellable",
        ) from exc
    return product


def add_showcase_item(
    session: Session, clock: Clock, principal: Principal, *, live_session_id: int, product_id: int
) -> ShowcaseItem:
    """Put a product at the end of the showcase. The product must be published and one the
    creator may sell (own shop, or an open distribution plan); once per showcase."""
    live = _own_session(session, principal, live_session_id)
    require_showcase_editable(live.status)
    product = _check_sellable(session, live.creator_id, product_id)
    if session.scalar(
        select(ShowcaseItem.id).where(
            ShowcaseItem.session_id == live.id, ShowcaseItem.product_id == product.id
        )
    ):
        raise Conflict(
            "this product is already in the showcase",
            field="product_id",
            code="already_in_showcase",
        )
    count, last = session.execute(
        select(func.count(), func.max(ShowcaseItem.position)).where(
            ShowcaseItem.session_id == live.id
        )
    ).one()
    if count >= MAX_SHOWCASE_ITEMS:
        raise Conflict(
            f"a showcase holds at most {MAX_SHOWCASE_ITEMS} products",
            field="product_id",
            code="showcase_full",
        )
    item = ShowcaseItem(
        session_id=live.id, product_id=product.id, position=(last or 0) + 1, added_at=clock.now()
    )
    session.add(item)
    session.flush()
    emit(
        session,
        clock,
        live_events.LIVE_SHOWCASE_ADDED,
        live_session_id=live.id,
        item_id=item.id,
        product_id=product.id,
        position=item.position,
        at=item.added_at,
    )
    _showcase_changed(session, clock, live)
    return item


def remove_showcase_item(
    session: Session, clock: Clock, principal: Principal, *, live_session_id: int, item_id: int
) -> None:
    """Take an item out (unpinning it if it was pinned); later items move up."""
    live = _own_session(session, principal, live_session_id)
    require_showcase_editable(live.status)
    item = _item_of(session, live, item_id)
    if live.pinned_item_id == item.id:
        _unpin(session, clock, live, reason="removed")
    position, product_id = item.position, item.product_id
    session.delete(item)
    session.flush()
    session.execute(
        update(ShowcaseItem)
        .where(ShowcaseItem.session_id == live.id, ShowcaseItem.position > position)
        .values(position=ShowcaseItem.position - 1)
        .execution_options(synchronize_session="fetch")
    )
    emit(
        session,
        clock,
        live_events.LIVE_SHOWCASE_REMOVED,
        live_session_id=live.id,
        item_id=item_id,
        product_id=product_id,
        at=clock.now(),
    )
    _showcase_changed(session, clock, live)


def reorder_showcase(
    session: Session,
    clock: Clock,
    principal: Principal,
    *,
    live_session_id: int,
    item_ids: Sequence[int],
) -> list[ShowcaseItem]:
    """Put the showcase in the order given: every item id of it, each exactly once (422 on
    ``item_ids`` otherwise)."""
    live = _own_session(session, principal, live_session_id)
    require_showcase_editable(live.status)
    items = {i.id: i for i in showcase_items(session, live.id)}
    if len(set(item_ids)) != len(item_ids):
        raise InvalidInput("lists an item more than once", field="item_ids")
    if set(item_ids) != set(items):
        raise InvalidInput(
            "must list every item of this showcase exactly once, and nothing else",
            field="item_ids",
        )
    for position, item_id in enumerate(item_ids, start=1):
        items[item_id].position = position
    session.flush()
    emit(
        session,
        clock,
        live_events.LIVE_SHOWCASE_REORDERED,
        live_session_id=live.id,
        item_ids=list(item_ids),
        at=clock.now(),
    )
    _showcase_changed(session, clock, live)
    return [items[i] for i in item_ids]


def _unpin(session: Session, clock: Clock, live: LiveSession, *, reason: str) -> None:
    """Close the current presentation, if any (the caller holds the session's lock)."""
    if live.pinned_item_id is None:
        return
    now = clock.now()
    item = session.get(ShowcaseItem, live.pinned_item_id)
    pin = session.scalar(
        select(ShowcasePin)
        .where(ShowcasePin.session_id == live.id, ShowcasePin.unpinned_at.is_(None))
        .order_by(ShowcasePin.id.desc())
    )
    if pin is not None:
        pin.unpinned_at = now
        pin.unpin_reason = reason
    pinned_at = item.pinned_at if item is not None else None
    if item is not None:
        item.pinned_at = None
    emit(
        session,
        clock,
        live_events.LIVE_UNPINNED,
        live_session_id=live.id,
        item_id=live.pinned_item_id,
        product_id=item.product_id if item is not None else None,
        pinned_at=pinned_at,
        unpinned_at=now,
        reason=reason,
    )
    live.pinned_item_id = None
    session.flush()


def pin_showcase_item(
    session: Session, clock: Clock, principal: Principal, *, live_session_id: int, item_id: int
) -> ShowcaseItem:
    """Present an item ("now presenting"); the item pinned before is unpinned. Pinning the item
    already pinned changes nothing."""
    live = _own_session(session, principal, live_session_id)
    require_showcase_editable(live.status)
    item = _item_of(session, live, item_id)
    if live.pinned_item_id == item.id:
        return item
    previous = live.pinned_item_id
    _unpin(session, clock, live, reason="replaced")
    now = clock.now()
    item.pinned_at = now
    live.pinned_item_id = item.id
    session.add(
        ShowcasePin(session_id=live.id, item_id=item.id, product_id=item.product_id, pinned_at=now)
    )
    session.flush()
    emit(
        session,
        clock,
        live_events.LIVE_PINNED,
        live_session_id=live.id,
        item_id=item.id,
        product_id=item.product_id,
        pinned_at=now,
        previous_item_id=previous,
    )
    return item


def unpin_showcase_item(
    session: Session, clock: Clock, principal: Principal, *, live_session_id: int
) -> None:
    """Stop presenting; nothing happens when nothing is pinned."""
    live = _own_session(session, principal, live_session_id)
    require_showcase_editable(live.status)
    _unpin(session, clock, live, reason="unpinned")


def pin_history(session: Session, live_session_id: int) -> list[ShowcasePin]:
    """Every presentation of the session, in order."""
    return list(
        session.scalars(
            select(ShowcasePin)
            .where(ShowcasePin.session_id == live_session_id)
            .order_by(ShowcasePin.id)
        )
    )


# -- lists ------------------------------------------------------------------------------------


def discover_live_sessions(
    session: Session,
    *,
    status: str | None = None,
    creator_id: int | None = None,
    limit: int = 20,
    offset: int = 0,
) -> tuple[list[LiveSession], int]:
    """Public discovery: live rooms first (latest started first), then scheduled ones (soonest
    first), then ended ones; by default live and scheduled only. Cancelled ones are not listed."""
    creators.check_page(limit, offset)
    if status is not None and status not in DISCOVERABLE:
        raise InvalidInput(f"must be one of {', '.join(DISCOVERABLE)}", field="status")
    statuses = [status] if status else [LiveStatus.LIVE.value, LiveStatus.SCHEDULED.value]
    where: list[ColumnElement[bool]] = [LiveSession.status.in_(statuses)]
    if creator_id is not None:
        where.append(LiveSession.creator_id == creator_id)
    total = session.scalar(select(func.count()).select_from(LiveSession).where(*where)) or 0
    rank = case(
        (LiveSession.status == LiveStatus.LIVE.value, 0),
        (LiveSession.status == LiveStatus.SCHEDULED.value, 1),
        else_=2,
    )
    rows = session.scalars(
        select(LiveSession)
        .where(*where)
        .order_by(
            rank,
            LiveSession.started_at.desc(),
            LiveSession.scheduled_at,
            LiveSession.id.desc(),
        )
        .limit(limit)
        .offset(offset)
    )
    return list(rows), total


def my_live_sessions(
    session: Session,
    principal: Principal,
    *,
    status: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> tuple[list[LiveSession], int]:
    """The caller's own sessions in every status, newest first; 404 without a profile."""
    creator = creators.my_creator(session, principal)
    creators.check_page(limit, offset)
    where: list[ColumnElement[bool]] = [LiveSession.creator_id == creator.id]
    if status is not None:
        if status not in {s.value for s in LiveStatus}:
            raise InvalidInput("is not a live session status", field="status")
        where.append(LiveSession.status == status)
    total = session.scalar(select(func.count()).select_from(LiveSession).where(*where)) or 0
    rows = session.scalars(
        select(LiveSession)
        .where(*where)
        .order_by(LiveSession.scheduled_at.desc(), LiveSession.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), total
