"""HTTP API of the complaints domain."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from sqlalchemy import select

from shijing.accounts.deps import CurrentPrincipal, OperatorPrincipal
from shijing.commerce.complaints import service
from shijing.commerce.complaints.models import Complaint, ComplaintCategory, ComplaintStatus
from shijing.commerce.complaints.schemas import (
    ComplaintIn,
    ComplaintOut,
    ComplaintPage,
    ResolutionIn,
)
from shijing.commerce.creators.models import Creator
from shijing.commerce.shops.access import require_shop_staff
from shijing.core.errors import NotFound
from shijing.core.http import ClockDep, DbSession, Id
from shijing.core.pagination import Paging, fetch_page

router = APIRouter(tags=["complaints"])
StatusFilter = Annotated[ComplaintStatus | None, Query()]
CategoryFilter = Annotated[ComplaintCategory | None, Query()]


def _page(rows: list[Complaint], total: int, paging: Paging) -> ComplaintPage:
    return ComplaintPage(
        items=[ComplaintOut.model_validate(c) for c in rows],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.post("/complaints", status_code=status.HTTP_201_CREATED, response_model=ComplaintOut)
def file_complaint(
    body: ComplaintIn, principal: CurrentPrincipal, session: DbSession, clock: ClockDep
) -> Complaint:
    return service.file_complaint(
        session,
        clock,
        principal,
        target_kind=body.target_kind,
        shop_id=body.shop_id,
        creator_id=body.creator_id,
        order_id=body.order_id,
        category=body.category.value,
        description=body.description,
        evidence_urls=[str(u) for u in body.evidence_urls],
    )


@router.get("/complaints/{complaint_id}", response_model=ComplaintOut)
def get_complaint(complaint_id: Id, principal: CurrentPrincipal, session: DbSession) -> Complaint:
    return service.get_visible(session, principal, complaint_id)


@router.post("/complaints/{complaint_id}/withdraw", response_model=ComplaintOut)
def withdraw(
    complaint_id: Id, principal: CurrentPrincipal, session: DbSession, clock: ClockDep
) -> Complaint:
    return service.withdraw(session, clock, principal, complaint_id)


@router.get("/me/complaints", response_model=ComplaintPage)
def my_complaints(
    principal: CurrentPrincipal, session: DbSession, paging: Paging, status: StatusFilter = None
) -> ComplaintPage:
    query = select(Complaint).where(Complaint.complainant_id == principal.id)
    if status is not None:
        query = query.where(Complaint.status == status.value)
    rows, total = fetch_page(session, query.order_by(Complaint.id.desc()), paging)
    return _page(rows, total, paging)


@router.get("/shops/{shop_id}/complaints", response_model=ComplaintPage)
def shop_complaints(
    shop_id: Id,
    principal: CurrentPrincipal,
    session: DbSession,
    paging: Paging,
    status: StatusFilter = None,
) -> ComplaintPage:
    require_shop_staff(session, principal, shop_id)
    query = service.queue(shop_id=shop_id, status=status.value if status else None)
    rows, total = fetch_page(session, query, paging)
    return _page(rows, total, paging)


@router.get("/creators/me/complaints", response_model=ComplaintPage)
def creator_complaints(
    principal: CurrentPrincipal, session: DbSession, paging: Paging, status: StatusFilter = None
) -> ComplaintPage:
    creator_id = session.scalar(select(Creator.id).where(Creator.user_id == principal.id))
    if creator_id is None:
        raise NotFound("you have no creator profile")
    query = service.queue(creator_id=creator_id, status=status.value if status else None)
    rows, total = fetch_page(session, query, paging)
    return _page(rows, total, paging)


@router.get("/admin/complaints", response_model=ComplaintPage)
def triage_queue(
    _operator: OperatorPrincipal,
    session: DbSession,
    paging: Paging,
    status: StatusFilter = None,
    category: CategoryFilter = None,
) -> ComplaintPage:
    query = service.queue(
        status=status.value if status else None, category=category.value if category else None
    )
    rows, total = fetch_page(session, query, paging)
    return _page(rows, total, paging)


@router.post("/admin/complaints/{complaint_id}/take", response_model=ComplaintOut)
def take(
    complaint_id: Id, operator: OperatorPrincipal, session: DbSession, clock: ClockDep
) -> Complaint:
    return service.take(session, clock, operator, complaint_id)


@router.post("/admin/complaints/{complaint_id}/uphold", response_model=ComplaintOut)
def uphold(
    complaint_id: Id,
    body: ResolutionIn,
    operator: OperatorPrincipal,
    session: DbSession,
    clock: ClockDep,
) -> Complaint:
    return service.uphold(session, clock, operator, complaint_id, note=body.note)


@router.post("/admin/complaints/{complaint_id}/dismiss", response_model=ComplaintOut)
def dismiss(
    complaint_id: Id,
    body: ResolutionIn,
    operator: OperatorPrincipal,
    session: DbSession,
    clock: ClockDep,
) -> Complaint:
    return service.dismiss(session, clock, operator, complaint_id, note=body.note)
