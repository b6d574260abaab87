"""HTTP API of the live domain: sessions, their lifecycle, and the showcase (小黄车)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from sqlalchemy.orm import Session

from shijing.accounts.deps import CurrentPrincipal, MaybePrincipal
from shijing.commerce.creators import service as creators
from shijing.commerce.live import service
from shijing.commerce.live.models import LiveSession
from shijing.commerce.live.schemas import (
    AnyStatus,
    DiscoverStatus,
    LiveCreatorOut,
    LiveSessionDetailOut,
    LiveSessionIn,
    LiveSessionOut,
    SalesOut,
    ShowcaseAddIn,
    ShowcaseItemOut,
    ShowcaseOrderIn,
)
from shijing.core.http import MAX_ID, ClockDep, DbSession
from shijing.core.pagination import Page, Paging

router = APIRouter(tags=["live"])

SessionId = Annotated[int, Path(ge=1, le=MAX_ID)]
ItemId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _outs(
    session: Session, lives: list[LiveSession], *, with_sales: bool = False
) -> list[LiveSessionOut]:
    by_id = creators.creators_by_ids(session, {live.creator_id for live in lives})
    return [
        LiveSessionOut(
            id=live.id,
            creator=LiveCreatorOut.model_validate(by_id[live.creator_id]),
            title=live.title,
            status=live.status,
            scheduled_at=live.scheduled_at,
            started_at=live.started_at,
            ended_at=live.ended_at,
            cancelled_at=live.cancelled_at,
            stream_url=live.stream_url,
            viewer_count=live.viewer_count,
            peak_viewers=live.peak_viewers,
            pinned_item_id=live.pinned_item_id,
            created_at=live.created_at,
            sales=SalesOut(orders_count=live.orders_count, gmv_fen=live.gmv_fen)
            if with_sales
            else None,
        )
        for live in lives
    ]


def _showcase(session: Session, live: LiveSession) -> list[ShowcaseItemOut]:
    return [
        ShowcaseItemOut(
            id=e.item.id,
            product_id=e.item.product_id,
            product_title=e.product_title,
            price_fen=e.price_fen,
            on_sale=e.published,
            position=e.item.position,
            added_at=e.item.added_at,
            pinned=e.item.id == live.pinned_item_id,
            pinned_at=e.item.pinned_at,
        )
        for e in service.showcase_entries(session, live.id)
    ]


def _detail(session: Session, live: LiveSession, *, with_sales: bool) -> LiveSessionDetailOut:
    [out] = _outs(session, [live], with_sales=with_sales)
    items = _showcase(session, live)
    pinned = next((i for i in items if i.pinned), None)
    return LiveSessionDetailOut(**out.model_dump(), showcase=items, pinned_item=pinned)


def _item_out(session: Session, live: LiveSession, item_id: int) -> ShowcaseItemOut:
    return next(i for i in _showcase(session, live) if i.id == item_id)


# -- sessions ---------------------------------------------------------------------------------


@router.post(
    "/live-sessions", status_code=status.HTTP_201_CREATED, response_model=LiveSessionDetailOut
)
def schedule(
    body: LiveSessionIn, principal: CurrentPrincipal, session: DbSession, clock: ClockDep
) -> LiveSessionDetailOut:
    """Schedule a live session (creators only)."""
    live = service.schedule_live_session(
        session,
        clock,
        principal,
        title=body.title,
        scheduled_at=body.scheduled_at,
        stream_url=body.stream_url,
    )
    return _detail(session, live, with_sales=True)


@router.get("/live-sessions", response_model=Page[LiveSessionOut])
def discover(
    session: DbSession,
    page: Paging,
    live_status: Annotated[DiscoverStatus | None, Query(alias="status")] = None,
    creator_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Page[LiveSessionOut]:
    """Public discovery: live rooms, then scheduled ones (by default); or ``status=ended``."""
    lives, total = service.discover_live_sessions(
        session, status=live_status, creator_id=creator_id, limit=page.limit, offset=page.offset
    )
    return Page[LiveSessionOut](
        items=_outs(session, lives), total=total, limit=page.limit, offset=page.offset
    )


@router.get("/creators/me/live-sessions", response_model=Page[LiveSessionOut])
def my_sessions(
    principal: CurrentPrincipal,
    session: DbSession,
    page: Paging,
    live_status: Annotated[AnyStatus | None, Query(alias="status")] = None,
) -> Page[LiveSessionOut]:
    """My sessions in every status, newest first, with their orders and GMV."""
    lives, total = service.my_live_sessions(
        session, principal, status=live_status, limit=page.limit, offset=page.offset
    )
    return Page[LiveSessionOut](
        items=_outs(session, lives, with_sales=True),
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/live-sessions/{live_session_id}", response_model=LiveSessionDetailOut)
def detail(
    live_session_id: SessionId, principal: MaybePrincipal, session: DbSession
) -> LiveSessionDetailOut:
    """A session with its showcase in order and the pinned item (public); orders and GMV for
    its creator only."""
    live = service.get_live_session(session, live_session_id)
    return _detail(session, live, with_sales=service.is_own_session(session, principal, live))


@router.post("/live-sessions/{live_session_id}/start", response_model=LiveSessionDetailOut)
def start(
    live_session_id: SessionId, principal: CurrentPrincipal, session: DbSession, clock: ClockDep
) -> LiveSessionDetailOut:
    live = service.start_live_session(session, clock, principal, live_session_id=live_session_id)
    return _detail(session, live, with_sales=True)


@router.post("/live-sessions/{live_session_id}/end", response_model=LiveSessionDetailOut)
def end(
    live_session_id: SessionId, principal: CurrentPrincipal, session: DbSession, clock: ClockDep
) -> LiveSessionDetailOut:
    live = service.end_live_session(session, clock, principal, live_session_id=live_session_id)
    return _detail(session, live, with_sales=True)


@router.post("/live-sessions/{live_session_id}/cancel", response_model=LiveSessionDetailOut)
def cancel(
    live_session_id: SessionId, principal: CurrentPrincipal, session: DbSession, clock: ClockDep
) -> LiveSessionDetailOut:
    live = service.cancel_live_session(session, clock, principal, live_session_id=live_session_id)
    return _detail(session, live, with_sales=True)


# -- showcase ---------------------------------------------------------------------------------


@router.post(
    "/live-sessions/{live_session_id}/showcase",
    status_code=status.HTTP_201_CREATED,
    response_model=ShowcaseItemOut,
)
def add_item(
    live_session_id: SessionId,
    body: ShowcaseAddIn,
    principal: CurrentPrincipal,
    session: DbSession,
    clock: ClockDep,
) -> ShowcaseItemOut:
    """Add a product I may sell to the end of the showcase."""
    item = service.add_showcase_item(
        session, clock, principal, live_session_id=live_session_id, product_id=body.product_id
    )
    return _item_out(session, service.get_live_session(session, live_session_id), item.id)


@router.delete(
    "/live-sessions/{live_session_id}/showcase/{item_id}",
    status_code=status.HTTP_204_NO_CONTENT,
)
def remove_item(
    live_session_id: SessionId,
    item_id: ItemId,
    principal: CurrentPrincipal,
    session: DbSession,
    clock: ClockDep,
) -> None:
    service.remove_showcase_item(
        session, clock, principal, live_session_id=live_session_id, item_id=item_id
    )


@router.put("/live-sessions/{live_session_id}/showcase/order", response_model=list[ShowcaseItemOut])
def reorder(
    live_session_id: SessionId,
    body: ShowcaseOrderIn,
    principal: CurrentPrincipal,
    session: DbSession,
    clock: ClockDep,
) -> list[ShowcaseItemOut]:
    """Put the showcase in this order: every item id of it, once each. Returns the showcase."""
    service.reorder_showcase(
        session, clock, principal, live_session_id=live_session_id, item_ids=body.item_ids
    )
    return _showcase(session, service.get_live_session(session, live_session_id))


@router.post(
    "/live-sessions/{live_session_id}/showcase/{item_id}/pin", response_model=ShowcaseItemOut
)
def pin(
    live_session_id: SessionId,
    item_id: ItemId,
    principal: CurrentPrincipal,
    session: DbSession,
    clock: ClockDep,
) -> ShowcaseItemOut:
    """Present this item now; the one pinned before is unpinned."""
    item = service.pin_showcase_item(
        session, clock, principal, live_session_id=live_session_id, item_id=item_id
    )
    return _item_out(session, service.get_live_session(session, live_session_id), item.id)


@router.delete("/live-sessions/{live_session_id}/pin", status_code=status.HTTP_204_NO_CONTENT)
def unpin(
    live_session_id: SessionId, principal: CurrentPrincipal, session: DbSession, clock: ClockDep
) -> None:
    """Stop presenting (nothing happens when nothing is pinned)."""
    service.unpin_showcase_item(session, clock, principal, live_session_id=live_session_id)
