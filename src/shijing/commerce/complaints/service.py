"""Use-cases of the complaints domain: buyers file, operators triage and rule.

An upheld complaint is what the shop's complaint rate counts; the governance capability will
open cases from them."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from shijing.accounts.service import Principal
from shijing.commerce.complaints import events as complaint_events
from shijing.commerce.complaints.models import Complaint, ComplaintStatus
from shijing.commerce.complaints.states import COMPLAINT
from shijing.commerce.creators.models import Creator
from shijing.commerce.orders.models import Order
from shijing.commerce.shops.access import is_shop_staff
from shijing.commerce.shops.models import Shop
from shijing.commerce.shops.service import clean_text
from shijing.core.clock import Clock
from shijing.core.errors import Conflict, InvalidInput, NotFound
from shijing.core.outbox import emit

OPEN_STATES = (ComplaintStatus.OPEN.value, ComplaintStatus.UNDER_REVIEW.value)


def file_complaint(
    session: Session,
    clock: Clock,
    principal: Principal,
    *,
    target_kind: str,
    shop_id: int | None,
    creator_id: int | None,
    order_id: int | None,
    category: str,
    description: str,
    evidence_urls: list[str],
) -> Complaint:
    """A buyer complains about a shop or a creator, optionally about one of their own orders."""
    if target_kind == "shop":
        creator_id = None
        shop = session.get(Shop, shop_id) if shop_id is not None else None
        if shop is None:
            raise InvalidInput("name the shop complained about", field="shop_id")
        if is_shop_staff(session, principal, shop.id):
            raise InvalidInput("you cannot complain about your own shop", field="shop_id")
    else:
        shop_id = None
        creator = session.get(Creator, creator_id) if creator_id is not None else None
        if creator is None:
            raise InvalidInput("name the creator complained about", field="creator_id")
        if creator.user_id == principal.id:
            raise InvalidInput("you cannot complain about yourself", field="creator_id")
    if order_id is not None:
        order = session.get(Order, order_id)
        if order is None or order.buyer_id != principal.id:
            raise InvalidInput("no such order of yours", field="order_id")
        if (shop_id is not None and order.shop_id != shop_id) or (
            creator_id is not None and order.creator_id != creator_id
        ):
            raise InvalidInput(
                "this order is not from the shop or creator complained about", field="order_id"
            )
    duplicate = session.scalar(
        select(Complaint.id).where(
            Complaint.complainant_id == principal.id,
            Complaint.target_kind == target_kind,
            Complaint.shop_id == shop_id if shop_id is not None else Complaint.shop_id.is_(None),
            Complaint.creator_id == creator_id
            if creator_id is not None
            else Complaint.creator_id.is_(None),
            Complaint.order_id == order_id
            if order_id is not None
            else Complaint.order_id.is_(None),
            Complaint.category == category,
            Complaint.status.in_(OPEN_STATES),
        )
    )
    if duplicate is not None:
        raise Conflict(
            "you have an open complaint about this already",
            field="category",
            code="duplicate_complaint",
        )
    now = clock.now()
    complaint = Complaint(
        complainant_id=principal.id,
        target_kind=target_kind,
        shop_id=shop_id,
        creator_id=creator_id,
        order_id=order_id,
        category=category,
        description=description.strip(),
        evidence_urls=evidence_urls,
        status=ComplaintStatus.OPEN.value,
        created_at=now,
    )
    session.add(complaint)
    session.flush()
    emit(
        session,
        clock,
        complaint_events.COMPLAINT_FILED,
        complaint_id=complaint.id,
        complainant_id=principal.id,
        target_kind=target_kind,
        shop_id=shop_id,
        creator_id=creator_id,
        order_id=order_id,
        category=category,
        at=now,
    )
    return complaint


def get_visible(session: Session, principal: Principal, complaint_id: int) -> Complaint:
    """The complainant, the target (shop staff or the creator) and operators see a complaint."""
    complaint = session.get(Complaint, complaint_id)
    if complaint is None or not can_see(session, principal, complaint):
        raise NotFound("no such complaint", field="complaint_id")
    return complaint


def can_see(session: Session, principal: Principal, complaint: Complaint) -> bool:
    if principal.is_operator or complaint.complainant_id == principal.id:
        return True
    if complaint.shop_id is not None and is_shop_staff(session, principal, complaint.shop_id):
        return True
    if complaint.creator_id is not None:
        creator = session.get(Creator, complaint.creator_id)
        return creator is not None and creator.user_id == principal.id
    return False


def _transition(
    session: Session,
    clock: Clock,
    complaint: Complaint,
    action: str,
    actor_id: int,
    note: str | None = None,
) -> Complaint:
    if note is not None:
        note = clean_text(note, "note", 500, multiline=True)
    before = complaint.status
    complaint.status = COMPLAINT.next(complaint.status, action)
    now = clock.now()
    if action == "take":
        complaint.assigned_to = actor_id
    if complaint.status not in OPEN_STATES:
        complaint.resolved_at = now
        complaint.resolved_by = actor_id
        complaint.resolution_note = note
    session.flush()
    emit(
        session,
        clock,
        complaint_events.BY_STATUS[complaint.status],
        complaint_id=complaint.id,
        shop_id=complaint.shop_id,
        creator_id=complaint.creator_id,
        order_id=complaint.order_id,
        category=complaint.category,
        from_status=before,
        by=actor_id,
        note=note,
        at=now,
        filed_at=complaint.created_at,
    )
    return complaint


def _for_operator(session: Session, complaint_id: int) -> Complaint:
    complaint = session.get(Complaint, complaint_id)
    if complaint is None:
        raise NotFound("no such complaint", field="complaint_id")
    return complaint


def take(session: Session, clock: Clock, operator: Principal, complaint_id: int) -> Complaint:
    return _transition(session, clock, _for_operator(session, complaint_id), "take", operator.id)


def uphold(
    session: Session, clock: Clock, operator: Principal, complaint_id: int, *, note: str
) -> Complaint:
    return _transition(
        session, clock, _for_operator(session, complaint_id), "uphold", operator.id, note
    )


def dismiss(
    session: Session, clock: Clock, operator: Principal, complaint_id: int, *, note: str
) -> Complaint:
    return _transition(
        session, clock, _for_operator(session, complaint_id), "dismiss", operator.id, note
    )


def withdraw(session: Session, clock: Clock, principal: Principal, complaint_id: int) -> Complaint:
    complaint = session.get(Complaint, complaint_id)
    if complaint is None or complaint.complainant_id != principal.id:
        raise NotFound("no such complaint", field="complaint_id")
    return _transition(session, clock, complaint, "withdraw", principal.id)


def queue(
    *,
    status: str | None = None,
    category: str | None = None,
    shop_id: int | None = None,
    creator_id: int | None = None,
) -> Select[Complaint]:
    """Complaints for triage, oldest first (the longest waiting at the top)."""
    query = select(Complaint)
    if status is not None:
        query = query.where(Complaint.status == status)
    if category is not None:
        query = query.where(Complaint.category == category)
    if shop_id is not None:
        query = query.where(Complaint.shop_id == shop_id)
    if creator_id is not None:
        query = query.where(Complaint.creator_id == creator_id)
    return query.order_by(Complaint.created_at, Complaint.id)
