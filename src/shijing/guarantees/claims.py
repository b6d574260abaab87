"""Claims under Trust Purchase: opened by events or by the buyer, decided by rules or by an
operator, paid exactly once.

Approval and payment are separate transactions: an approved claim is paid by the
``guarantee.claim_approved`` subscriber soon after, and by the ``guarantees.pay_claims`` due step
if that was lost (a process killed between the two). Payment locks the claim row and pays only a
claim still approved, and every money movement carries a key the database keeps unique — so an
event delivered twice, two workers racing or a crash mid-way pay once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlparse

import structlog
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shijing.accounts.models import User
from shijing.accounts.service import Principal
from shijing.commerce.aftersales.models import AfterSale, AfterSaleKind
from shijing.commerce.orders.access import get_order_for, viewer_role
from shijing.commerce.orders.billing import refund_order
from shijing.commerce.orders.models import Order
from shijing.commerce.shops import service as shops
from shijing.commerce.shops.models import Shop, ShopStatus
from shijing.commerce.shops.regions import find_province
from shijing.core.clock import Clock
from shijing.core.errors import Conflict, DomainError, InvalidInput, NotFound
from shijing.core.money import format_fen
from shijing.core.outbox import emit
from shijing.guarantees import coverage, enrolment, funds
from shijing.guarantees.catalogue import CODES, Compensation
from shijing.guarantees.deposits import DEBT_SUSPENSION
from shijing.guarantees.models import Claim, ClaimEvent, ClaimStatus, Promise
from shijing.guarantees.states import CLAIM
from shijing.ledger import service as ledger
from shijing.ledger.service import Leg
from shijing.trust.models import IntegrityFlag
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
MAX_EVIDENCE = 9


# -- helpers ------------------------------------------------------------------------------------


def _log(
    session: Session, clock: Clock, claim: Claim, kind: str, actor: int | None, **detail: Any
) -> None:
    session.add(
        ClaimEvent(claim_id=claim.id, kind=kind, at=clock.now(), actor_user_id=actor, detail=detail)
    )


def _payload(claim: Claim, **extra: Any) -> dict[str, Any]:
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


def _move(
    session: Session, clock: Clock, claim: Claim, action: str, actor: int | None, **detail: Any
) -> None:
    before = claim.status
    claim.status = CLAIM.next(claim.status, action)
    session.flush()
    _log(session, clock, claim, action, actor, from_status=before, **detail)
    emit(
        session,
        clock,
        f"guarantee.claim_{claim.status}",
        **_payload(claim, from_status=before, at=clock.now(), by=actor, **detail),
    )


def _lock(session: Session, claim_id: int) -> Claim | None:
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


def _compensation(promise: Promise) -> Compensation:
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
    _log(session, clock, claim, "opened", actor, trigger_key=claim.trigger_key)
    emit(session, clock, "guarantee.claim_opened", **_payload(claim, at=clock.now(), by=actor))


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
    _move(
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
        amount = postage_fen(_compensation(postage), order.ship_to_province, shop.return_province)
        claim = _insert(session, _postage_claim(postage, order, clock, sale.id, amount, shop, at))
        if claim is not None:
            _opened(session, clock, claim, None)
            _approve(session, clock, claim, "auto_approve", None, "return picked up by the carrier")
            opened.append(claim)
    fast = coverage.promise_for(session, order.id, "fast_refund")
    if fast is not None and sale.amount_fen > 0 and sale.refunded_at is None:
        threshold = float(_compensation(fast).min_buyer_credit or 0)
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
                    f"buyer credit {credit:.0f} ≥ {threshold:.0f}; refunded before the shop "
                    "receives the goods",
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
    if len(urls) > MAX_EVIDENCE:
        raise InvalidInput(f"at most {MAX_EVIDENCE} files", field="evidence_urls")
    cleaned = []
    for i, url in enumerate(urls):
        parsed = urlparse(url.strip())
        if parsed.scheme not in ("http", "https") or not parsed.netloc or len(url) > 500:
            raise InvalidInput("must be an http(s) address", field=f"evidence_urls.{i}")
        cleaned.append(url.strip())
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
            f"approved automatically: buyer credit {credit:.0f}, {format_fen(amount)}",
        )
    else:
        _move(session, clock, claim, "review", None, reason="needs an operator's decision")
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
    claim = _lock(session, claim_id)
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
    claim = _lock(session, claim_id)
    if claim is None:
        raise NotFound("no such claim", field="claim_id")
    CLAIM.next(claim.status, "reject")
    claim.decided_at, claim.decided_by, claim.decision_note = clock.now(), operator.id, text
    _move(session, clock, claim, "reject", operator.id, note=text)
    return claim


# -- paying ---------------------------------------------------------------------------------


def _pay_buyer(
    session: Session, clock: Clock, claim: Claim, source: list[Leg], amount: int
) -> None:
    """The compensation to the buyer's payable, then out through the provider to the buyer."""
    funds.ensure_buyer(session, clock, claim.buyer_id)
    payable = funds.buyer_payable(claim.buyer_id)
    meta = {"claim_id": claim.id, "order_id": claim.order_id, "shop_id": claim.shop_id}
    ledger.post(
        session,
        clock,
        idempotency_key=f"claim:{claim.id}:payout",
        kind="claim.payout",
        legs=[*source, Leg(payable, amount)],
        memo=f"{claim.code} claim {claim.id} for order {claim.order_id}",
        meta=meta,
    )
    ledger.post(
        session,
        clock,
        idempotency_key=f"claim:{claim.id}:sent",
        kind="payout.sent",
        legs=[Leg(payable, -amount), Leg(funds.CLEARING, amount)],
        memo=f"paid out to buyer {claim.buyer_id}",
        meta=meta,
    )


def _refund(session: Session, clock: Clock, claim: Claim, amount: int, key: str) -> int:
    order = session.get(Order, claim.order_id)
    assert order is not None
    left = order.total_fen - order.refunded_fen
    amount = min(amount, left)
    if amount <= 0:
        return 0
    refund = refund_order(
        session,
        clock,
        order_id=claim.order_id,
        amount_fen=amount,
        reason=f"claim:{claim.code}"[:40],
        aftersale_id=claim.aftersale_id,
        idempotency_key=key,
    )
    return int(refund.amount_fen)


def pay(session: Session, clock: Clock, claim_id: int) -> Claim | None:
    """Pay an approved claim. A claim that is not (or no longer) approved is left as it is."""
    claim = _lock(session, claim_id)
    if claim is None or claim.status != S.APPROVED.value:
        return claim
    amount = claim.amount_fen
    detail: dict[str, Any] = {}
    paid = 0
    if claim.remedy in ("reship", "repair", "replace"):
        detail["remedy"] = claim.remedy  # the shop acts; no money moves
    elif claim.code == "return_postage":
        funds.ensure_platform(session, clock)
        funds.ensure_buyer(session, clock, claim.buyer_id)
        funds.lock(session, funds.PREMIUM_POOL, funds.FUND, funds.buyer_payable(claim.buyer_id))
        _pay_buyer(session, clock, claim, funds.pool_charge_legs(session, amount), amount)
        paid = amount
    elif claim.code in COUNTERFEIT:
        funds.ensure_shop(session, clock, claim.shop_id)
        funds.ensure_buyer(session, clock, claim.buyer_id)
        funds.lock(
            session,
            *funds.shop_charge_accounts(claim.shop_id),
            funds.buyer_payable(claim.buyer_id),
        )
        legs, charge = funds.shop_charge_legs(session, claim.shop_id, amount)
        _pay_buyer(session, clock, claim, legs, amount)
        paid = amount
        detail.update(from_deposit_fen=charge.from_deposit, fronted_by_fund_fen=charge.shortfall)
        if claim.opened_by == "buyer":
            order = session.get(Order, claim.order_id)
            assert order is not None
            detail["price_refunded_fen"] = _refund(
                session, clock, claim, order.total_fen, f"claim-{claim.id}-price"
            )
        if charge.shortfall:
            shop = session.get(Shop, claim.shop_id)
            if shop is not None and shop.status == ShopStatus.ACTIVE.value:
                shops.suspend_by_system(session, clock, claim.shop_id, reason=DEBT_SUSPENSION)
    elif claim.code == "fast_refund":
        assert claim.aftersale_id is not None
        sale = session.get(AfterSale, claim.aftersale_id)
        if sale is not None and sale.refunded_at is not None:
            # The shop confirmed receipt between approval and payment: its refund went out,
            # nothing is fronted (and nothing would ever settle an advance made now).
            detail["refunded_by_aftersale"] = True
        else:
            # The same key the after-sale uses for its refund: when the shop later confirms
            # receipt, the after-sale's refund is this one, not a second.
            paid = _refund(session, clock, claim, amount, f"aftersale-{claim.aftersale_id}")
        if paid:
            funds.ensure_platform(session, clock)
            ledger.post(
                session,
                clock,
                idempotency_key=f"claim:{claim.id}:advance",
                kind="fast_refund.advance",
                legs=[Leg(funds.FUND, -paid), Leg(funds.FAST_REFUND_FLOAT, paid)],
                memo=f"fast refund fronted for order {claim.order_id}",
                meta={"claim_id": claim.id, "order_id": claim.order_id},
            )
            promise = session.get(Promise, claim.promise_id)
            days = 15
            if promise is not None:
                days = int(_compensation(promise).return_deadline_days or 15)
            claim.recover_due_at = clock.now() + timedelta(days=days)
    else:  # refund remedies: damage, allergy, warranty — from the order's payment (the shop's)
        paid = _refund(session, clock, claim, amount, f"claim-{claim.id}")
    claim.paid_at = clock.now()
    claim.paid_fen = paid
    claim.pay_due_at = None
    claim.detail = {**(claim.detail or {}), **detail}
    _move(session, clock, claim, "pay", None, paid_fen=paid, **detail)
    return claim


def pay_due(session: Session, clock: Clock, *, limit: int = 200) -> int:
    """Pay approved claims (each in its own savepoint: one that cannot be paid now — the fund is
    short — waits for the next run without holding up the others)."""
    ids = list(
        session.scalars(
            select(Claim.id)
            .where(Claim.status == S.APPROVED.value, Claim.pay_due_at <= clock.now())
            .order_by(Claim.pay_due_at, Claim.id)
            .limit(limit)
        )
    )
    paid = 0
    for claim_id in ids:
        try:
            with session.begin_nested():
                claim = pay(session, clock, claim_id)
        except DomainError as exc:
            log.warning("guarantees.claim_not_paid", claim_id=claim_id, reason=exc.message)
            continue
        if claim is not None and claim.status == S.PAID.value:
            paid += 1
    return paid


# -- fast refunds: settled or recovered -------------------------------------------------------


def _fast_claim(session: Session, aftersale_id: int) -> Claim | None:
    return session.scalar(
        select(Claim)
        .where(Claim.trigger_key == f"fast_refund:aftersale:{aftersale_id}")
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def settle_fast_refund(session: Session, clock: Clock, *, aftersale_id: int) -> Claim | None:
    """The shop has the goods back (the after-sale's refund is the one already paid): the
    money the fund fronted comes back to it."""
    claim = _fast_claim(session, aftersale_id)
    if claim is None or claim.settled_at is not None:
        return claim
    if claim.status == S.RECOVERED.value:
        return _undo_recovery(session, clock, claim)
    if claim.status != S.PAID.value:
        return claim
    if claim.paid_fen:
        ledger.post(
            session,
            clock,
            idempotency_key=f"claim:{claim.id}:settle",
            kind="fast_refund.settle",
            legs=[Leg(funds.FAST_REFUND_FLOAT, -claim.paid_fen), Leg(funds.FUND, claim.paid_fen)],
            memo=f"fast refund settled: the shop received the return of order {claim.order_id}",
            meta={"claim_id": claim.id},
        )
    claim.settled_at = clock.now()
    claim.recover_due_at = None
    _log(session, clock, claim, "settled", None)
    emit(session, clock, "guarantee.fast_refund_settled", **_payload(claim, at=clock.now()))
    return claim


def _undo_recovery(session: Session, clock: Clock, claim: Claim) -> Claim:
    """The return reached the shop after all, after the fast refund was taken back from the
    buyer: the buyer's debt is cleared and the shop gives back what made it whole."""
    amount = claim.recovered_fen
    if amount:
        legs, _ = funds.shop_charge_legs(session, claim.shop_id, amount)
        ledger.post(
            session,
            clock,
            idempotency_key=f"claim:{claim.id}:unrecover",
            kind="fast_refund.unrecover",
            legs=[*legs, Leg(funds.buyer_receivable(claim.buyer_id), amount)],
            memo=f"the return of order {claim.order_id} arrived late: the buyer owes nothing",
            meta={"claim_id": claim.id},
        )
    now = clock.now()
    claim.settled_at = now
    for flag in session.scalars(
        select(IntegrityFlag).where(
            IntegrityFlag.subject_kind == "buyer",
            IntegrityFlag.subject_id == claim.buyer_id,
            IntegrityFlag.reason.like(f"fast refund recovered (claim {claim.id})%"),
            IntegrityFlag.lifted_at.is_(None),
        )
    ):
        flag.lifted_at = now
    _log(session, clock, claim, "recovery_undone", None, amount_fen=amount)
    emit(session, clock, "guarantee.fast_refund_settled", **_payload(claim, at=now, late=True))
    return claim


def recover_fast_refund(
    session: Session, clock: Clock, claim: Claim, *, reason: str, actor: int | None = None
) -> Claim:
    """The return never arrived, or was not the item sold: the shop is made whole from the
    fund, the buyer owes the amount, and the buyer's credit reflects it (a flag)."""
    amount = claim.paid_fen
    funds.ensure_shop(session, clock, claim.shop_id)
    funds.ensure_buyer(session, clock, claim.buyer_id)
    if amount:
        ledger.post(
            session,
            clock,
            idempotency_key=f"claim:{claim.id}:recover",
            kind="fast_refund.recover",
            legs=[
                Leg(funds.FAST_REFUND_FLOAT, -amount),
                Leg(funds.deposit(claim.shop_id), amount),
                Leg(funds.buyer_receivable(claim.buyer_id), -amount),
                Leg(funds.FUND, amount),
            ],
            memo=f"fast refund recovered from buyer {claim.buyer_id}: {reason}"[:300],
            meta={"claim_id": claim.id},
        )
    claim.recovered_at = clock.now()
    claim.recovered_fen = amount
    claim.recover_due_at = None
    _move(session, clock, claim, "recover", actor, reason=reason, recovered_fen=amount)
    flag = IntegrityFlag(
        subject_kind="buyer",
        subject_id=claim.buyer_id,
        reason=f"fast refund recovered (claim {claim.id}): {reason}"[:300],
        source="integrity",
        created_by=actor,
        created_at=clock.now(),
        lifted_at=None,
    )
    session.add(flag)
    session.flush()
    emit(
        session,
        clock,
        "trust.flag_created",
        flag_id=flag.id,
        subject_kind="buyer",
        subject_id=claim.buyer_id,
        reason=flag.reason,
        by_user_id=actor,
    )
    return claim


def on_aftersale_closed_against_buyer(
    session: Session, clock: Clock, *, aftersale_id: int, operator_id: int | None, note: str
) -> Claim | None:
    claim = _fast_claim(session, aftersale_id)
    if claim is None or claim.status != S.PAID.value or claim.settled_at is not None:
        return claim
    return recover_fast_refund(
        session, clock, claim, reason=f"closed without a refund: {note}", actor=operator_id
    )


def recover_due(session: Session, clock: Clock, *, limit: int = 200) -> int:
    """Fast refunds whose return has not reached the shop by the deadline."""
    claims = list(
        session.scalars(
            select(Claim)
            .where(
                Claim.status == S.PAID.value,
                Claim.code == "fast_refund",
                Claim.settled_at.is_(None),
                Claim.recover_due_at <= clock.now(),
            )
            .order_by(Claim.id)
            .limit(limit)
            .with_for_update()
        )
    )
    handled = 0
    for claim in claims:
        sale = session.get(AfterSale, claim.aftersale_id) if claim.aftersale_id else None
        if sale is not None and sale.return_delivered_at is not None:
            continue  # it arrived; the shop's confirmation (or its deadline) settles it
        recover_fast_refund(session, clock, claim, reason="the return did not arrive in time")
        handled += 1
    return handled


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
