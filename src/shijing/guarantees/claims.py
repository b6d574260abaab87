"""Claims under Trust Purchase: opened by events (a return picked up, a counterfeit ruling) or
by the buyer (damage, counterfeit, allergy, warranty), and decided by the promise's rules or by an
operator. Approval and payment are separate transactions; ``payouts`` pays an approved claim
exactly once."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shijing.accounts.models import User
from shijing.accounts.service import Principal
from shijing.commerce.aftersales.models import AfterSale, AfterSaleKind
from shijing.commerce.aftersales.service import clean_evidence
from shijing.commerce.orders.access import get_order_for, viewer_role
from shijing.commerce.orders.models import Order
from shijing.commerce.shops.models import Shop
from shijing.commerce.shops.regions import find_province
from shijing.core.clock import Clock
from shijing.core.errors import Conflict, InvalidInput, NotFound
from shijing.core.money import format_fen
from shijing.core.outbox import emit
from shijing.guarantees import coverage, enrolment
from shijing.guarantees import events as guarantee_events
from shijing.guarantees.catalogue import CODES, Compensation
from shijing.guarantees.models import Claim, ClaimEvent, ClaimStatus, Promise
from shijing.guarantees.states import CLAIM
from shijing.trust.service import buyer_credit

log = structlog.get_logger(__name__)
S = ClaimStatus
COUNTERFEIT = ("counterfeit_10x", "certified_jewellery")
BUYER_OPENED = (
    "counterfeit_10x",
    "damage_doa",
    "allergy_return",
    "certified_jewellery",
    "used_phone_warranty",
)


# -- helpers ------------------------------------------------------------------------------------


def log_event(
    session: Session, clock: Clock, claim: Claim, kind: str, actor: int | None, **detail: Any
) -> None:
    session.add(
        ClaimEvent(claim_id=claim.id, kind=kind, at=clock.now(), actor_user_id=actor, detail=detail)
    )


def payload(claim: Claim, **extra: Any) -> dict[str, Any]:
    return {
        "claim_id": claim.id,
        "code": claim.code,
        "order_id": claim.order_id,
        "shop_id": claim.shop_id,
        "buyer_id": claim.buyer_id,
        "status": claim.status,
        "amount_fen": claim.amount_fen,
        **extra,
    }


def move(
    session: Session, clock: Clock, claim: Claim, action: str, actor: int | None, **detail: Any
) -> None:
    before = claim.status
    claim.status = CLAIM.next(claim.status, action)
    session.flush()
    log_event(session, clock, claim, action, actor, from_status=before, **detail)
    emit(
        session,
        clock,
        guarantee_events.CLAIM_BY_STATUS[claim.status],
        **payload(claim, from_status=before, at=clock.now(), by=actor, **detail),
    )


def lock_claim(session: Session, claim_id: int) -> Claim | None:
    return session.scalar(
        select(Claim)
        .where(Claim.id == claim_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def postage_fen(rule: Compensation, buyer_province: str, shop_province: str) -> int:
    """Return postage by distance class between the buyer and the shop's return address."""
    buyer, shop = find_province(buyer_province), find_province(shop_province)
    cap = rule.cap_fen or 0
    if buyer is None or shop is None:
        amount = rule.far_fen or 0
    elif buyer.short in rule.remote_provinces or shop.short in rule.remote_provinces:
        amount = rule.remote_fen or 0
    elif buyer.short == shop.short:
        amount = rule.same_province_fen or 0
    elif buyer.region == shop.region:
        amount = rule.same_region_fen or 0
    else:
        amount = rule.far_fen or 0
    return min(amount, cap)


def compensation_of(promise: Promise) -> Compensation:
    return Compensation.model_validate(promise.terms["compensation"])


def _credit(session: Session, clock: Clock, buyer_id: int) -> float:
    user = session.get(User, buyer_id)
    if user is None:
        return 0.0
    return float(buyer_credit(session, clock, user)["score"])


def _insert(session: Session, claim: Claim) -> Claim | None:
    """Insert a claim; None when a claim with its trigger exists (the second of two)."""
    try:
        with session.begin_nested():
            session.add(claim)
            session.flush()
    except IntegrityError:
        return None
    return claim


def _new_claim(
    promise: Promise, order: Order, clock: Clock, *, trigger_key: str, opened_by: str, **values: Any
) -> Claim:
    terms = promise.terms
    return Claim(
        trigger_key=trigger_key,
        code=promise.code,
        promise_id=promise.id,
        order_id=order.id,
        buyer_id=order.buyer_id,
        shop_id=order.shop_id,
        opened_by=opened_by,
        status=S.OPENED.value,
        cap_fen=int(terms.get("max_fen", 0)),
        payer=str(terms["payer"]),
        opened_at=clock.now(),
        detail={},
        **values,
    )


def _opened(session: Session, clock: Clock, claim: Claim, actor: int | None) -> None:
    log_event(session, clock, claim, "opened", actor, trigger_key=claim.trigger_key)
    emit(
        session,
        clock,
        guarantee_events.GUARANTEE_CLAIM_OPENED,
        **payload(claim, at=clock.now(), by=actor),
    )


def _approve(
    session: Session, clock: Clock, claim: Claim, action: str, actor: int | None, note: str
) -> None:
    now = clock.now()
    claim.decided_at, claim.decided_by, claim.decision_note = now, actor, note[:500]
    claim.auto_approved = action == "auto_approve"
    promise = session.get(Promise, claim.promise_id)
    hours = int(promise.terms.get("pay_within_hours", 72)) if promise else 72
    # Paid at once by the subscriber; the due time is the promise's outer limit.
    claim.pay_due_at = now
    move(
        session,
        clock,
        claim,
        action,
        actor,
        note=note,
        pay_by=(now + timedelta(hours=hours)).isoformat(),
    )


# -- opened by events -------------------------------------------------------------------------


def on_return_picked_up(
    session: Session, clock: Clock, *, aftersale_id: int, at: datetime
) -> list[Claim]:
    """The carrier picked up a return: return postage is paid back, and a buyer in good
    standing gets a fast refund."""
    sale = session.get(AfterSale, aftersale_id)
    if sale is None or sale.kind == AfterSaleKind.EXCHANGE.value:
        return []
    order = session.get(Order, sale.order_id)
    if order is None:
        return []
    coverage.snapshot(session, clock, order.id)
    opened: list[Claim] = []
    postage = coverage.promise_for(session, order.id, "return_postage")
    if postage is not None:
        shop = session.get(Shop, order.shop_id)
        assert shop is not None
        amount = postage_fen(compensation_of(postage), order.ship_to_province, shop.return_province)
        claim = _insert(session, _postage_claim(postage, order, clock, sale.id, amount, shop, at))
        if claim is not None:
            _opened(session, clock, claim, None)
            _approve(session, clock, claim, "auto_approve", None, "return picked up by the carrier")
            opened.append(claim)
    fast = coverage.promise_for(session, order.id, "fast_refund")
    if fast is not None and sale.amount_fen > 0 and sale.refunded_at is None:
        threshold = float(compensation_of(fast).min_buyer_credit or 0)
        credit = _credit(session, clock, order.buyer_id)
        if credit >= threshold:
            claim = _insert(
                session,
                _new_claim(
                    fast,
                    order,
                    clock,
                    trigger_key=f"fast_refund:aftersale:{sale.id}",
                    opened_by="event",
                    aftersale_id=sale.id,
                    remedy="refund",
                    amount_fen=min(sale.amount_fen, int(fast.terms.get("max_fen", 0))),
                ),
            )
            if claim is not None:
                claim.detail = {"buyer_credit": credit, "picked_up_at": at.isoformat()}
                _opened(session, clock, claim, None)
                _approve(
                    session,
                    clock,
                    claim,
                    "auto_approve",
                    None,
                    # the shop sees this note: it says the rule held, never the buyer's
                    # credit (only the buyer and operators see that; operators in ``detail``)
                    "the buyer qualifies for fast refund; refunded before the shop receives "
                    "the goods",
                )
                opened.append(claim)
        else:
            log.info("guarantees.fast_refund_not_eligible", order_id=order.id, credit=credit)
    return opened


def _postage_claim(
    promise: Promise,
    order: Order,
    clock: Clock,
    aftersale_id: int,
    amount: int,
    shop: Shop,
    at: datetime,
) -> Claim:
    claim = _new_claim(
        promise,
        order,
        clock,
        trigger_key=f"return_postage:aftersale:{aftersale_id}",
        opened_by="event",
        aftersale_id=aftersale_id,
        remedy="compensate",
        amount_fen=amount,
    )
    claim.detail = {
        "from_province": order.ship_to_province,
        "to_province": shop.return_province,
        "picked_up_at": at.isoformat(),
    }
    return claim


def on_counterfeit_ruling(
    session: Session, clock: Clock, *, aftersale_id: int, operator_id: int | None, note: str
) -> Claim | None:
    """An operator ruled an item counterfeit (at the shop's fault): the badge goes at once, and a
    covered order's buyer is paid the multiple of the price."""
    sale = session.get(AfterSale, aftersale_id)
    if sale is None:
        return None
    enrolment.revoke_now(
        session,
        clock,
        sale.shop_id,
        reason=f"counterfeit ruling on after-sale {sale.id}: {note}",
        actor=operator_id,
    )
    order = session.get(Order, sale.order_id)
    assert order is not None
    coverage.snapshot(session, clock, order.id)
    promise = next(
        (p for p in coverage.promises_of(session, order.id) if p.code in COUNTERFEIT), None
    )
    if promise is None:
        return None
    claim = _insert(
        session,
        _new_claim(
            promise,
            order,
            clock,
            trigger_key=f"counterfeit:order:{order.id}",
            opened_by="event",
            aftersale_id=sale.id,
            remedy="compensate",
            amount_fen=int(promise.terms.get("max_fen", 0)),
        ),
    )
    if claim is None:
        return None
    claim.evidence_urls = list(sale.evidence_urls or [])
    _opened(session, clock, claim, operator_id)
    # The operator's ruling is the decision: the claim needs no second review.
    _approve(session, clock, claim, "auto_approve", operator_id, f"arbitration ruling: {note}")
    claim.auto_approved = False  # decided by the operator who ruled, not by a rule
    return claim


# -- opened by the buyer ------------------------------------------------------------------------


def _evidence(urls: list[str], required: list[str]) -> list[str]:
    """Links as an after-sale takes them, and at least one where the promise asks for it."""
    cleaned = clean_evidence(urls)
    if required and not cleaned:
        what = " and ".join(
            {"photo": "a photo", "appraisal": "the appraisal report"}[r] for r in required
        )
        raise InvalidInput(
            f"{what} is required for this claim", field="evidence_urls", code="evidence_required"
        )
    return cleaned


def open_claim(
    session: Session,
    clock: Clock,
    principal: Principal,
    *,
    order_id: int,
    code: str,
    remedy: str,
    description: str = "",
    evidence_urls: list[str] | None = None,
    amount_fen: int | None = None,
) -> Claim:
    """A buyer claims under a promise of their order. Validated before anything is written."""
    order = get_order_for(session, principal, order_id)
    if viewer_role(session, principal, order) != "buyer":
        raise NotFound("no such order", field="order_id")
    if code not in CODES:
        raise InvalidInput(f"unknown guarantee {code!r}", field="code")
    if code not in BUYER_OPENED:
        raise InvalidInput(
            "this guarantee pays by itself when its event happens; there is nothing to claim",
            field="code",
            code="opened_by_event",
        )
    promise = coverage.promise_for(session, order.id, code)
    if promise is None:
        raise Conflict(
            f"order {order.id} is not covered by {code}", field="code", code="not_covered"
        )
    terms = promise.terms
    if order.delivered_at is None:
        raise Conflict(
            "the order has not been delivered yet", field="order_id", code="not_delivered"
        )
    window = timedelta(hours=int(terms["claim_window_hours"]))
    closes = order.delivered_at + window
    if clock.now() > closes:
        raise Conflict(
            f"the claim window closed {closes.isoformat(timespec='minutes')} "
            f"({int(terms['claim_window_hours'])} hours after delivery)",
            field="order_id",
            code="window_closed",
        )
    if remedy not in terms["remedies"]:
        raise InvalidInput(f"must be one of {', '.join(terms['remedies'])}", field="remedy")
    text = description.strip()
    if len(text) > 2000:
        raise InvalidInput("at most 2000 characters", field="description")
    evidence = _evidence(evidence_urls or [], list(terms.get("evidence", [])))
    refundable = order.total_fen - order.refunded_fen
    if remedy == "compensate":
        cap = int(terms["max_fen"])
    elif remedy == "refund":
        cap = min(int(terms["max_fen"]), refundable)
    else:
        cap = 0
    if amount_fen is None:
        amount = cap
    elif isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen < 0:
        raise InvalidInput("must be a whole number of fen", field="amount_fen")
    elif amount_fen > cap:
        raise InvalidInput(
            f"at most {format_fen(cap)} under this promise", field="amount_fen", code="above_cap"
        )
    else:
        amount = amount_fen
    if remedy == "refund" and amount <= 0:
        raise Conflict("the order has been refunded already", field="remedy", code="refunded")
    family = "counterfeit" if code in COUNTERFEIT else code
    trigger = f"{family}:order:{order.id}"
    if session.scalar(select(Claim.id).where(Claim.trigger_key == trigger)):
        raise Conflict(
            "a claim for this has been opened already", field="code", code="duplicate_claim"
        )
    claim = _insert(
        session,
        _new_claim(
            promise,
            order,
            clock,
            trigger_key=trigger,
            opened_by="buyer",
            remedy=remedy,
            amount_fen=amount,
            description=text,
            evidence_urls=evidence,
        ),
    )
    if claim is None:
        raise Conflict(
            "a claim for this has been opened already", field="code", code="duplicate_claim"
        )
    _opened(session, clock, claim, principal.id)
    rule = promise.terms["auto_approve"]
    credit = _credit(session, clock, order.buyer_id)
    claim.detail = {"buyer_credit": credit}
    within = rule.get("max_amount_fen") is None or amount <= int(rule["max_amount_fen"])
    good_standing = rule.get("min_buyer_credit") is not None and credit >= float(
        rule["min_buyer_credit"]
    )
    if rule.get("always") or (good_standing and within):
        _approve(
            session,
            clock,
            claim,
            "auto_approve",
            None,
            f"approved automatically within the guarantee's rule: {format_fen(amount)}",
        )
    else:
        move(session, clock, claim, "review", None, reason="needs an operator's decision")
    return claim


# -- decided by an operator ---------------------------------------------------------------------


def _note(note: str) -> str:
    text = note.strip()
    if not text:
        raise InvalidInput("record the reasons", field="note")
    if len(text) > 500:
        raise InvalidInput("at most 500 characters", field="note")
    return text


def approve(
    session: Session,
    clock: Clock,
    operator: Principal,
    claim_id: int,
    *,
    note: str,
    amount_fen: int | None = None,
) -> Claim:
    text = _note(note)
    claim = lock_claim(session, claim_id)
    if claim is None:
        raise NotFound("no such claim", field="claim_id")
    CLAIM.next(claim.status, "approve")  # 409 naming the state before anything changes
    if amount_fen is not None:
        if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen < 0:
            raise InvalidInput("must be a whole number of fen", field="amount_fen")
        if amount_fen > claim.cap_fen:
            raise InvalidInput(
                f"at most {format_fen(claim.cap_fen)} under this promise",
                field="amount_fen",
                code="above_cap",
            )
        claim.amount_fen = amount_fen
    if claim.code in COUNTERFEIT:
        enrolment.revoke_now(
            session,
            clock,
            claim.shop_id,
            reason=f"counterfeit ruled on claim {claim.id}: {text}",
            actor=operator.id,
        )
    _approve(session, clock, claim, "approve", operator.id, text)
    return claim


def reject(
    session: Session, clock: Clock, operator: Principal, claim_id: int, *, note: str
) -> Claim:
    text = _note(note)
    claim = lock_claim(session, claim_id)
    if claim is None:
        raise NotFound("no such claim", field="claim_id")
    CLAIM.next(claim.status, "reject")
    claim.decided_at, claim.decided_by, claim.decision_note = clock.now(), operator.id, text
    move(session, clock, claim, "reject", operator.id, note=text)
    return claim


# -- reading ------------------------------------------------------------------------------------


def get_visible(session: Session, principal: Principal, claim_id: int) -> Claim:
    """A claim for its buyer, the shop's staff and operators; 404 for anyone else."""
    claim = session.get(Claim, claim_id)
    if claim is None:
        raise NotFound("no such claim", field="claim_id")
    if principal.is_operator or claim.buyer_id == principal.id:
        return claim
    from shijing.commerce.shops.access import is_shop_staff

    if is_shop_staff(session, principal, claim.shop_id):
        return claim
    raise NotFound("no such claim", field="claim_id")


def history(session: Session, claim_id: int) -> list[ClaimEvent]:
    return list(
        session.scalars(
            select(ClaimEvent).where(ClaimEvent.claim_id == claim_id).order_by(ClaimEvent.id)
        )
    )


def listing(
    *,
    buyer_id: int | None = None,
    shop_id: int | None = None,
    status: str | None = None,
    code: str | None = None,
) -> Select[Any]:
    query = select(Claim)
    if buyer_id is not None:
        query = query.where(Claim.buyer_id == buyer_id)
    if shop_id is not None:
        query = query.where(Claim.shop_id == shop_id)
    if status is not None:
        if status not in {s.value for s in S}:
            raise InvalidInput(f"unknown status {status!r}", field="status")
        query = query.where(Claim.status == status)
    if code is not None:
        if code not in CODES:
            raise InvalidInput(f"unknown guarantee {code!r}", field="code")
        query = query.where(Claim.code == code)
    return query
