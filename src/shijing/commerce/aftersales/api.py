"""HTTP API of the after-sales domain."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from shijing.accounts.deps import CurrentPrincipal, OperatorPrincipal
from shijing.commerce.aftersales import service
from shijing.commerce.aftersales.models import AfterSale, AfterSaleStatus
from shijing.commerce.aftersales.schemas import (
    AfterSaleEventOut,
    AfterSaleIn,
    AfterSaleOut,
    AfterSalePage,
    EscalateIn,
    RejectIn,
    RulingIn,
    ShipmentIn,
)
from shijing.commerce.shops.access import require_shop_staff
from shijing.core.http import ClockDep, DbSession, Id
from shijing.core.pagination import Paging, fetch_page

router = APIRouter(tags=["aftersales"])
StatusFilter = Annotated[AfterSaleStatus | None, Query()]


def _page(
    session: DbSession,
    paging: Paging,
    *,
    buyer_id: int | None = None,
    shop_id: int | None = None,
    status: str | None = None,
) -> AfterSalePage:
    query = service.listing(buyer_id=buyer_id, shop_id=shop_id, status=status)
    rows, total = fetch_page(session, query, paging)
    return AfterSalePage(
        items=[AfterSaleOut.model_validate(r) for r in rows],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.post(
    "/orders/{order_id}/aftersales",
    status_code=status.HTTP_201_CREATED,
    response_model=AfterSaleOut,
)
def open_aftersale(
    order_id: Id,
    body: AfterSaleIn,
    principal: CurrentPrincipal,
    session: DbSession,
    clock: ClockDep,
) -> AfterSale:
    return service.open_aftersale(
        session,
        clock,
        principal,
        order_id=order_id,
        kind=body.kind.value,
        reason=body.reason.value,
        description=body.description,
        evidence_urls=[str(u) for u in body.evidence_urls],
        amount_fen=body.amount_fen,
    )


@router.get("/aftersales/{aftersale_id}", response_model=AfterSaleOut)
def get_aftersale(aftersale_id: Id, principal: CurrentPrincipal, session: DbSession) -> AfterSale:
    return service.get_visible(session, principal, aftersale_id)


@router.get("/aftersales/{aftersale_id}/history", response_model=list[AfterSaleEventOut])
def aftersale_history(
    aftersale_id: Id, principal: CurrentPrincipal, session: DbSession
) -> list[AfterSaleEventOut]:
    service.get_visible(session, principal, aftersale_id)
    return [AfterSaleEventOut.model_validate(e) for e in service.history(session, aftersale_id)]


@router.get("/me/aftersales", response_model=AfterSalePage)
def my_aftersales(
    principal: CurrentPrincipal, session: DbSession, paging: Paging, status: StatusFilter = None
) -> AfterSalePage:
    return _page(session, paging, buyer_id=principal.id, status=status.value if status else None)


@router.get("/shops/{shop_id}/aftersales", response_model=AfterSalePage)
def shop_aftersales(
    shop_id: Id,
    principal: CurrentPrincipal,
    session: DbSession,
    paging: Paging,
    status: StatusFilter = None,
) -> AfterSalePage:
    """The shop's queue, most urgent deadline first."""
    require_shop_staff(session, principal, shop_id)
    return _page(session, paging, shop_id=shop_id, status=status.value if status else None)


@router.post("/aftersales/{aftersale_id}/approve", response_model=AfterSaleOut)
def approve(
    aftersale_id: Id, principal: CurrentPrincipal, session: DbSession, clock: ClockDep
) -> AfterSale:
    return service.approve(session, clock, principal, aftersale_id)


@router.post("/aftersales/{aftersale_id}/reject", response_model=AfterSaleOut)
def reject(
    aftersale_id: Id,
    body: RejectIn,
    principal: CurrentPrincipal,
    session: DbSession,
    clock: ClockDep,
) -> AfterSale:
    return service.reject(session, clock, principal, aftersale_id, reason=body.reason)


@router.post("/aftersales/{aftersale_id}/receive", response_model=AfterSaleOut)
def receive(
    aftersale_id: Id, principal: CurrentPrincipal, session: DbSession, clock: ClockDep
) -> AfterSale:
    return service.receive_return(session, clock, principal, aftersale_id)


@router.post("/aftersales/{aftersale_id}/reship", response_model=AfterSaleOut)
def reship(
    aftersale_id: Id,
    body: ShipmentIn,
    principal: CurrentPrincipal,
    session: DbSession,
    clock: ClockDep,
) -> AfterSale:
    return service.reship(
        session,
        clock,
        principal,
        aftersale_id,
        carrier_code=body.carrier_code,
        tracking_no=body.tracking_no,
    )


@router.post("/aftersales/{aftersale_id}/return-shipment", response_model=AfterSaleOut)
def ship_return(
    aftersale_id: Id,
    body: ShipmentIn,
    principal: CurrentPrincipal,
    session: DbSession,
    clock: ClockDep,
) -> AfterSale:
    return service.ship_return(
        session,
        clock,
        principal,
        aftersale_id,
        carrier_code=body.carrier_code,
        tracking_no=body.tracking_no,
    )


@router.post("/aftersales/{aftersale_id}/withdraw", response_model=AfterSaleOut)
def withdraw(
    aftersale_id: Id, principal: CurrentPrincipal, session: DbSession, clock: ClockDep
) -> AfterSale:
    return service.withdraw(session, clock, principal, aftersale_id)


@router.post("/aftersales/{aftersale_id}/escalate", response_model=AfterSaleOut)
def escalate(
    aftersale_id: Id,
    body: EscalateIn,
    principal: CurrentPrincipal,
    session: DbSession,
    clock: ClockDep,
) -> AfterSale:
    return service.escalate(session, clock, principal, aftersale_id, statement=body.statement)


@router.get("/admin/aftersales", response_model=AfterSalePage)
def arbitration_queue(
    _operator: OperatorPrincipal,
    session: DbSession,
    paging: Paging,
    status: StatusFilter = AfterSaleStatus.IN_ARBITRATION,
) -> AfterSalePage:
    return _page(session, paging, status=status.value if status else None)


@router.post("/admin/aftersales/{aftersale_id}/rule", response_model=AfterSaleOut)
def rule(
    aftersale_id: Id,
    body: RulingIn,
    operator: OperatorPrincipal,
    session: DbSession,
    clock: ClockDep,
) -> AfterSale:
    return service.rule(
        session,
        clock,
        operator,
        aftersale_id,
        ruling=body.ruling,
        fault=body.fault.value,
        note=body.note,
    )
