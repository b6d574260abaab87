"""Paying claims, exactly once, and what follows a fast refund.

An approved claim is paid by the ``guarantee.claim_approved`` subscriber soon after approval,
and by the ``guarantees.pay_claims`` due step if that was lost (a process killed between the
two). ``pay`` locks the claim row and pays only a claim still approved, and every money
movement carries a key the database keeps unique — so an event delivered twice, two workers
racing or a crash mid-way pay once. A fast refund is settled when the shop has the goods back,
and recovered from the buyer when they never arrive or the after-sale closes without a refund.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.commerce.aftersales.models import AfterSale
from shijing.commerce.orders.billing import refund_order
from shijing.commerce.orders.models import Order
from shijing.commerce.shops import service as shops
from shijing.commerce.shops.models import Shop, ShopStatus
from shijing.core.clock import Clock
from shijing.core.errors import DomainError
from shijing.core.outbox import emit
from shijing.guarantees import events as guarantee_events
from shijing.guarantees import funds
from shijing.guarantees.claims import (
    COUNTERFEIT,
    compensation_of,
    lock_claim,
    log_event,
    move,
    payload,
)
from shijing.guarantees.deposits import DEBT_SUSPENSION
from shijing.guarantees.models import Claim, ClaimStatus, Promise
from shijing.integrity import flags
from shijing.ledger import service as ledger
from shijing.ledger.service import Leg

log = structlog.get_logger(__name__)
S = ClaimStatus


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
    claim = lock_claim(session, claim_id)
    if claim is None or claim.status != S.APPROVED.value:
        return claim
    holding = flags.active_flags_on(session, buyer_id=claim.buyer_id, order_id=claim.order_id)
    if holding:
        claim.pay_due_at = None
        move(session, clock, claim, "hold", None, flag_ids=[f.id for f in holding])
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
                days = int(compensation_of(promise).return_deadline_days or 15)
            claim.recover_due_at = clock.now() + timedelta(days=days)
    else:  # refund remedies: damage, allergy, warranty — from the order's payment (the shop's)
        paid = _refund(session, clock, claim, amount, f"claim-{claim.id}")
    claim.paid_at = clock.now()
    claim.paid_fen = paid
    claim.pay_due_at = None
    claim.detail = {**(claim.detail or {}), **detail}
    move(session, clock, claim, "pay", None, paid_fen=paid, **detail)
    return claim


def release_held(session: Session, clock: Clock, *, subject_kind: str, subject_id: int) -> int:
    """After a flag is lifted: the claims it held whose buyer and order carry no other flag
    are approved again, due now (paid by the ``claim_approved`` subscriber or the next step)."""
    if subject_kind not in ("buyer", "order"):
        return 0
    column = Claim.buyer_id if subject_kind == "buyer" else Claim.order_id
    ids = list(
        session.scalars(select(Claim.id).where(Claim.status == S.HELD.value, column == subject_id))
    )
    released = 0
    for claim_id in ids:
        claim = lock_claim(session, claim_id)
        if claim is None or claim.status != S.HELD.value:
            continue
        if flags.active_flags_on(session, buyer_id=claim.buyer_id, order_id=claim.order_id):
            continue
        claim.pay_due_at = clock.now()
        move(session, clock, claim, "release", None)
        released += 1
    return released


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
    log_event(session, clock, claim, "settled", None)
    emit(
        session,
        clock,
        guarantee_events.GUARANTEE_FAST_REFUND_SETTLED,
        **payload(claim, at=clock.now()),
    )
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
    flag_id = (claim.detail or {}).get("buyer_flag_id")
    if isinstance(flag_id, int) and flags.get_flag(session, flag_id).lifted_at is None:
        flags.lift(
            session,
            clock,
            flag_id=flag_id,
            reason=f"the return of order {claim.order_id} arrived late (claim {claim.id})",
            actor_id=None,
        )
    log_event(session, clock, claim, "recovery_undone", None, amount_fen=amount)
    emit(
        session,
        clock,
        guarantee_events.GUARANTEE_FAST_REFUND_SETTLED,
        **payload(claim, at=now, late=True),
    )
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
    move(session, clock, claim, "recover", actor, reason=reason, recovered_fen=amount)
    flag = flags.raise_flag(
        session,
        clock,
        subject_kind="buyer",
        subject_id=claim.buyer_id,
        reason=f"fast refund recovered (claim {claim.id}): {reason}",
        source="integrity",
        actor_id=actor,
    )
    claim.detail = {**(claim.detail or {}), "buyer_flag_id": flag.id}
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
