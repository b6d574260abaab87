"""Use-cases of the after-sales domain.

A request waits for the shop's answer until a deadline, then is approved automatically. Returns
come back with a tracking number; the shop confirms receipt (or the deadline does) and the refund
goes out through the payment provider. A rejection may be taken to arbitration, where an operator
rules and records who was at fault; the ruling is enforced.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from shijing.accounts.service import Principal
from shijing.commerce.aftersales import events as aftersale_events
from shijing.commerce.aftersales.models import (
    AfterSale,
    AfterSaleEvent,
    AfterSaleKind,
    AfterSaleStatus,
    Fault,
)
from shijing.commerce.aftersales.policy import KINDS_FOR_REASON, POLICY, AfterSalePolicy
from shijing.commerce.aftersales.states import AFTERSALE, OPEN
from shijing.commerce.catalog.categories import get_category
from shijing.commerce.orders.billing import refund_order
from shijing.commerce.orders.models import Order, OrderStatus
from shijing.commerce.shipping.carriers import normalise_code
from shijing.commerce.shipping.service import create_return_shipment, normalise_tracking_no
from shijing.commerce.shops.access import is_shop_staff, require_shop_staff
from shijing.commerce.shops.service import clean_text
from shijing.core.clock import Clock
from shijing.core.errors import Conflict, InvalidInput, NotFound
from shijing.core.outbox import emit

ELIGIBLE_ORDER_STATES = {OrderStatus.DELIVERED.value, OrderStatus.COMPLETED.value}
S = AfterSaleStatus


MAX_EVIDENCE = 9


def clean_evidence(urls: list[str]) -> list[str]:
    """Links to photos or documents: at most nine, each an http(s) address."""
    if len(urls) > MAX_EVIDENCE:
        raise InvalidInput(f"at most {MAX_EVIDENCE} files", field="evidence_urls")
    cleaned = []
    for i, url in enumerate(urls):
        text = url.strip() if isinstance(url, str) else ""
        parsed = urlparse(text)
        if parsed.scheme not in ("http", "https") or not parsed.netloc or len(text) > 500:
            raise InvalidInput("must be an http(s) address", field=f"evidence_urls.{i}")
        cleaned.append(text)
    return cleaned


def _log(
    session: Session, clock: Clock, sale: AfterSale, kind: str, actor: int | None, **detail: Any
) -> None:
    session.add(
        AfterSaleEvent(
            aftersale_id=sale.id, kind=kind, at=clock.now(), actor_user_id=actor, detail=detail
        )
    )


def _payload(sale: AfterSale, **extra: Any) -> dict[str, Any]:
    return {
        "aftersale_id": sale.id,
        "order_id": sale.order_id,
        "shop_id": sale.shop_id,
        "buyer_id": sale.buyer_id,
        "kind": sale.kind,
        "reason": sale.reason,
        "status": sale.status,
        **extra,
    }


def _move(
    session: Session,
    clock: Clock,
    sale: AfterSale,
    action: str,
    actor: int | None,
    *,
    due_at: datetime | None = None,
    **detail: Any,
) -> None:
    before = sale.status
    sale.status = AFTERSALE.next(sale.status, action)
    sale.due_at = due_at
    if sale.status not in OPEN:
        sale.closed_at = clock.now()
    session.flush()
    _log(session, clock, sale, action, actor, from_status=before, **detail)
    emit(
        session,
        clock,
        aftersale_events.BY_ACTION[action],
        **_payload(sale, from_status=before, at=clock.now(), by=actor, **detail),
    )


# -- opening ----------------------------------------------------------------------------------


def open_aftersale(
    session: Session,
    clock: Clock,
    principal: Principal,
    *,
    order_id: int,
    kind: str,
    reason: str,
    description: str = "",
    evidence_urls: list[str] | None = None,
    amount_fen: int | None = None,
    policy: AfterSalePolicy = POLICY,
) -> AfterSale:
    """The buyer asks for a refund, a return or an exchange on a delivered order."""
    order = session.get(Order, order_id)
    if order is None or order.buyer_id != principal.id:
        raise NotFound("no such order", field="order_id")
    if order.status not in ELIGIBLE_ORDER_STATES or order.delivered_at is None:
        raise Conflict(
            "after-sales open once the order is delivered", field="order_id", code="not_delivered"
        )
    now = clock.now()
    allowed_kinds = KINDS_FOR_REASON.get(reason)
    if allowed_kinds is not None and kind not in allowed_kinds:
        raise InvalidInput(
            "a no-reason request sends the goods back: choose return or exchange", field="kind"
        )
    if reason == "no_reason_7d" and not get_category(order.category).no_reason_return:
        raise InvalidInput(
            "this category does not take 7-day no-reason returns",
            field="reason",
            code="no_reason_exempt",
        )
    window = policy.window(reason)
    if now > order.delivered_at + window:
        raise Conflict(
            f"the window for this reason closed {window} after delivery",
            field="reason",
            code="window_closed",
        )
    evidence = clean_evidence(evidence_urls or [])
    if reason in policy.evidence_required and not evidence:
        raise InvalidInput(
            "photos or documents are required for this reason", field="evidence_urls"
        )
    remaining = order.total_fen - order.refunded_fen
    if kind == AfterSaleKind.EXCHANGE.value:
        amount = 0
    else:
        amount = remaining if amount_fen is None else amount_fen
        if amount <= 0 or amount > remaining:
            raise InvalidInput(
                f"must be between 1 and {remaining} fen (what is left to refund)",
                field="amount_fen",
            )
    if (
        session.scalar(
            select(AfterSale.id).where(AfterSale.order_id == order.id, AfterSale.status.in_(OPEN))
        )
        is not None
    ):
        raise Conflict(
            "this order has an open after-sale already", field="order_id", code="aftersale_open"
        )
    sale = AfterSale(
        order_id=order.id,
        buyer_id=order.buyer_id,
        shop_id=order.shop_id,
        kind=kind,
        reason=reason,
        description=description.strip(),
        evidence_urls=evidence,
        amount_fen=amount,
        status=S.REQUESTED.value,
        opened_at=now,
        respond_due_at=now + policy.shop_response,
        due_at=now + policy.shop_response,
    )
    session.add(sale)
    session.flush()
    _log(session, clock, sale, "requested", principal.id, amount_fen=amount)
    emit(
        session,
        clock,
        aftersale_events.AFTERSALE_REQUESTED,
        **_payload(
            sale,
            amount_fen=amount,
            opened_at=now,
            delivered_at=order.delivered_at,
            category=order.category,
            creator_id=order.creator_id,
            respond_due_at=sale.respond_due_at,
        ),
    )
    return sale


# -- the shop's answer ------------------------------------------------------------------------


def _for_shop(session: Session, principal: Principal, aftersale_id: int) -> AfterSale:
    sale = session.get(AfterSale, aftersale_id)
    if sale is None:
        raise NotFound("no such after-sale", field="aftersale_id")
    require_shop_staff(session, principal, sale.shop_id, allow_operator=False)
    return sale


def _refund(
    session: Session, clock: Clock, sale: AfterSale, actor: int | None, **detail: Any
) -> None:
    AFTERSALE.next(sale.status, "refund")  # check before money moves
    refund_order(
        session,
        clock,
        order_id=sale.order_id,
        amount_fen=sale.amount_fen,
        reason=f"aftersale:{sale.reason}",
        aftersale_id=sale.id,
        idempotency_key=f"aftersale-{sale.id}",
    )
    sale.refunded_at = clock.now()
    sale.refunded_fen = sale.amount_fen
    _move(session, clock, sale, "refund", actor, amount_fen=sale.amount_fen, **detail)


def _approve(
    session: Session,
    clock: Clock,
    sale: AfterSale,
    actor: int | None,
    *,
    auto: bool,
    policy: AfterSalePolicy = POLICY,
) -> None:
    now = clock.now()
    sale.responded_at = now
    sale.auto_approved = auto
    response_hours = round((now - sale.opened_at).total_seconds() / 3600, 2)
    if sale.kind == AfterSaleKind.REFUND_ONLY.value:
        _refund(session, clock, sale, actor, auto=auto, response_hours=response_hours)
    else:
        _move(
            session,
            clock,
            sale,
            "approve_return",
            actor,
            due_at=now + policy.buyer_return,
            auto=auto,
            response_hours=response_hours,
        )


def approve(session: Session, clock: Clock, principal: Principal, aftersale_id: int) -> AfterSale:
    sale = _for_shop(session, principal, aftersale_id)
    if sale.status != S.REQUESTED.value:
        AFTERSALE.next(sale.status, "approve_return")  # raises the 409 with the current state
    _approve(session, clock, sale, principal.id, auto=False)
    return sale


def reject(
    session: Session,
    clock: Clock,
    principal: Principal,
    aftersale_id: int,
    *,
    reason: str,
    policy: AfterSalePolicy = POLICY,
) -> AfterSale:
    sale = _for_shop(session, principal, aftersale_id)
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidInput("say why", field="reason")
    reason = clean_text(reason, "reason", 300, multiline=True)
    now = clock.now()
    if sale.status == S.RETURN_SHIPPED.value:
        if sale.return_delivered_at is None:
            raise Conflict(
                "the return has not reached the shop yet", field="status", code="not_arrived"
            )
        sale.return_received_at = now  # the shop has the parcel and disputes what is in it
    if sale.status == S.REQUESTED.value:
        sale.responded_at = now
    sale.reject_reason = reason.strip()
    _move(
        session,
        clock,
        sale,
        "reject",
        principal.id,
        due_at=now + policy.escalation,
        reject_reason=sale.reject_reason,
    )
    return sale


def receive_return(
    session: Session, clock: Clock, principal: Principal, aftersale_id: int
) -> AfterSale:
    """The shop confirms the returned goods arrived; a return is then refunded at once."""
    sale = _for_shop(session, principal, aftersale_id)
    _receive(session, clock, sale, principal.id, auto=False)
    return sale


def _receive(
    session: Session, clock: Clock, sale: AfterSale, actor: int | None, *, auto: bool
) -> None:
    sale.return_received_at = clock.now()
    _move(session, clock, sale, "receive_return", actor, auto=auto)
    if sale.kind == AfterSaleKind.RETURN_REFUND.value:
        _refund(session, clock, sale, actor, auto=auto)


def reship(
    session: Session,
    clock: Clock,
    principal: Principal,
    aftersale_id: int,
    *,
    carrier_code: str,
    tracking_no: str,
) -> AfterSale:
    """An exchange ends with the replacement on its way."""
    sale = _for_shop(session, principal, aftersale_id)
    if sale.kind != AfterSaleKind.EXCHANGE.value:
        raise Conflict("only exchanges are reshipped", field="aftersale_id", code="not_exchange")
    code = normalise_code(carrier_code)
    number = normalise_tracking_no(tracking_no)
    _move(session, clock, sale, "reship", principal.id, carrier_code=code, tracking_no=number)
    return sale


# -- the buyer's side -------------------------------------------------------------------------


def _for_buyer(session: Session, principal: Principal, aftersale_id: int) -> AfterSale:
    sale = session.get(AfterSale, aftersale_id)
    if sale is None or sale.buyer_id != principal.id:
        raise NotFound("no such after-sale", field="aftersale_id")
    return sale


def ship_return(
    session: Session,
    clock: Clock,
    principal: Principal,
    aftersale_id: int,
    *,
    carrier_code: str,
    tracking_no: str,
) -> AfterSale:
    sale = _for_buyer(session, principal, aftersale_id)
    AFTERSALE.next(sale.status, "ship_return")  # refuse before creating a shipment
    shipment = create_return_shipment(
        session,
        clock,
        order_id=sale.order_id,
        aftersale_id=sale.id,
        carrier_code=carrier_code,
        tracking_no=tracking_no,
        created_by_user_id=principal.id,
    )
    sale.return_shipment_id = shipment.id
    _move(
        session,
        clock,
        sale,
        "ship_return",
        principal.id,
        shipment_id=shipment.id,
        carrier_code=shipment.carrier_code,
        tracking_no=shipment.tracking_no,
    )
    return sale


def withdraw(session: Session, clock: Clock, principal: Principal, aftersale_id: int) -> AfterSale:
    sale = _for_buyer(session, principal, aftersale_id)
    _move(session, clock, sale, "withdraw", principal.id)
    return sale


def escalate(
    session: Session, clock: Clock, principal: Principal, aftersale_id: int, *, statement: str
) -> AfterSale:
    """The buyer takes a rejection to platform arbitration."""
    sale = _for_buyer(session, principal, aftersale_id)
    if not isinstance(statement, str) or not statement.strip():
        raise InvalidInput("tell the arbitrator what happened", field="statement")
    statement = clean_text(statement, "statement", 1000, multiline=True)
    sale.escalated_at = clock.now()
    _move(session, clock, sale, "escalate", principal.id, statement=statement.strip())
    return sale


# -- arbitration ------------------------------------------------------------------------------


def rule(
    session: Session,
    clock: Clock,
    operator: Principal,
    aftersale_id: int,
    *,
    ruling: str,
    fault: str,
    note: str,
    policy: AfterSalePolicy = POLICY,
) -> AfterSale:
    """An operator rules on an escalated after-sale and the ruling is enforced: for the buyer,
    money goes back (after the goods, for a return); for the shop, the request is closed."""
    sale = session.get(AfterSale, aftersale_id)
    if sale is None:
        raise NotFound("no such after-sale", field="aftersale_id")
    if ruling not in ("refund", "close"):
        raise InvalidInput("must be refund or close", field="ruling")
    if fault not in {f.value for f in Fault}:
        raise InvalidInput("must be shop, buyer, carrier or none", field="fault")
    if not isinstance(note, str) or not note.strip():
        raise InvalidInput("record the reasons", field="note")
    note = clean_text(note, "note", 500, multiline=True)
    if sale.status != S.IN_ARBITRATION.value:
        AFTERSALE.next(sale.status, "rule_return")  # raises the 409 naming the state
    sale.ruling, sale.fault, sale.ruling_note = ruling, fault, note.strip()
    sale.ruled_at, sale.ruled_by = clock.now(), operator.id
    detail: dict[str, Any] = {"ruling": ruling, "fault": fault, "note": sale.ruling_note}
    emit(
        session,
        clock,
        aftersale_events.AFTERSALE_RULED,
        **_payload(sale, at=clock.now(), by=operator.id, **detail),
    )
    if ruling == "close":
        _move(session, clock, sale, "close", operator.id, **detail)
    elif sale.kind == AfterSaleKind.REFUND_ONLY.value or sale.return_received_at is not None:
        _refund(session, clock, sale, operator.id, **detail)
    else:
        _move(
            session,
            clock,
            sale,
            "rule_return",
            operator.id,
            due_at=clock.now() + policy.buyer_return,
            **detail,
        )
    return sale


# -- deadlines --------------------------------------------------------------------------------


def return_delivered(
    session: Session,
    clock: Clock,
    *,
    aftersale_id: int,
    at: datetime,
    policy: AfterSalePolicy = POLICY,
) -> None:
    """The carrier delivered the return to the shop: the shop now has a deadline to confirm."""
    sale = session.get(AfterSale, aftersale_id)
    if sale is None or sale.status != S.RETURN_SHIPPED.value or sale.return_delivered_at:
        return
    sale.return_delivered_at = at
    sale.due_at = at + policy.shop_receipt
    _log(session, clock, sale, "return_delivered", None, at=at.isoformat())


def run_deadlines(session: Session, clock: Clock, *, limit: int = 500) -> int:
    """Everything whose deadline has passed: unanswered requests are approved, returns never
    sent and rejections never escalated are closed, delivered returns never confirmed are
    received."""
    now = clock.now()
    due = session.scalars(
        select(AfterSale)
        .where(AfterSale.status.in_(OPEN), AfterSale.due_at.is_not(None), AfterSale.due_at <= now)
        .order_by(AfterSale.due_at, AfterSale.id)
        .limit(limit)
    ).all()
    for sale in due:
        if sale.status == S.REQUESTED.value:
            _approve(session, clock, sale, None, auto=True)
        elif sale.status in (S.AWAITING_RETURN.value, S.REJECTED.value):
            _move(session, clock, sale, "close", None, auto=True, why="deadline passed")
        elif sale.status == S.RETURN_SHIPPED.value:
            _receive(session, clock, sale, None, auto=True)
        else:  # a state without a deadline of its own
            sale.due_at = None
    return len(due)


# -- reading ----------------------------------------------------------------------------------


def get_visible(session: Session, principal: Principal, aftersale_id: int) -> AfterSale:
    """The buyer, the shop's staff and operators see an after-sale; anyone else gets 404."""
    sale = session.get(AfterSale, aftersale_id)
    if sale is None or not (
        principal.is_operator
        or sale.buyer_id == principal.id
        or is_shop_staff(session, principal, sale.shop_id)
    ):
        raise NotFound("no such after-sale", field="aftersale_id")
    return sale


def history(session: Session, aftersale_id: int) -> list[AfterSaleEvent]:
    return list(
        session.scalars(
            select(AfterSaleEvent)
            .where(AfterSaleEvent.aftersale_id == aftersale_id)
            .order_by(AfterSaleEvent.id)
        )
    )


def listing(
    *, buyer_id: int | None = None, shop_id: int | None = None, status: str | None = None
) -> Select[AfterSale]:
    query = select(AfterSale)
    if buyer_id is not None:
        query = query.where(AfterSale.buyer_id == buyer_id)
    if shop_id is not None:
        query = query.where(AfterSale.shop_id == shop_id)
    if status is not None:
        query = query.where(AfterSale.status == status)
    # The most urgent first: what is due soonest.
    return query.order_by(AfterSale.due_at.is_(None), AfterSale.due_at, AfterSale.id)
