"""Trust Purchase reacting to the marketplace: promises copied onto new orders, premiums on paid
ones, claims opened by returns and rulings, fast refunds settled, badges re-evaluated after the
daily scores, and the deadlines (payouts, fast-refund recoveries, grace periods)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from shijing.commerce.aftersales import events as aftersale_events
from shijing.commerce.orders import events as order_events
from shijing.commerce.shipping import events as shipping_events
from shijing.core.clock import Clock
from shijing.core.deadlines import due
from shijing.core.outbox import OutboxEvent, bus
from shijing.guarantees import claims, coverage, enrolment, payouts, programmes
from shijing.guarantees import events as guarantee_events
from shijing.integrity import events as integrity_events
from shijing.trust import events as trust_events


@bus.subscribe(integrity_events.FLAG_LIFTED)
def release_claims_on_lift(session: Session, event: OutboxEvent, clock: Clock) -> None:
    payouts.release_held(
        session,
        clock,
        subject_kind=str(event.payload["subject_kind"]),
        subject_id=int(event.payload["subject_id"]),
    )


@bus.subscribe(order_events.ORDER_PLACED)
def promise_on_placed(session: Session, event: OutboxEvent, clock: Clock) -> None:
    coverage.snapshot(session, clock, int(event.payload["order_id"]))


@bus.subscribe(order_events.ORDER_PAID)
def premium_on_paid(session: Session, event: OutboxEvent, clock: Clock) -> None:
    order_id = int(event.payload["order_id"])
    coverage.charge_premium(session, clock, order_id)
    programmes.phone_sold(session, clock, order_id=order_id)


@bus.subscribe(shipping_events.SHIPMENT_PICKED_UP)
def claims_on_return_pickup(session: Session, event: OutboxEvent, clock: Clock) -> None:
    payload = event.payload
    if payload.get("direction") != "return" or payload.get("aftersale_id") is None:
        return
    claims.on_return_picked_up(
        session,
        clock,
        aftersale_id=int(payload["aftersale_id"]),
        at=datetime.fromisoformat(payload["at"]),
    )


@bus.subscribe(aftersale_events.AFTERSALE_RULED)
def claims_on_ruling(session: Session, event: OutboxEvent, clock: Clock) -> None:
    payload = event.payload
    by = payload.get("by")
    note = str(payload.get("note") or "")
    aftersale_id = int(payload["aftersale_id"])
    if (
        payload.get("reason") == "counterfeit"
        and payload.get("fault") == "shop"
        and payload.get("ruling") == "refund"
    ):
        claims.on_counterfeit_ruling(
            session, clock, aftersale_id=aftersale_id, operator_id=by, note=note
        )


@bus.subscribe(aftersale_events.AFTERSALE_CLOSE)
def recover_on_close(session: Session, event: OutboxEvent, clock: Clock) -> None:
    """An after-sale closed without a refund (a ruling against the buyer, or the shop's
    rejection of the returned goods left standing): a fast refund paid on it is taken back."""
    payload = event.payload
    note = str(payload.get("note") or payload.get("reject_reason") or "the after-sale was closed")
    payouts.on_aftersale_closed_against_buyer(
        session,
        clock,
        aftersale_id=int(payload["aftersale_id"]),
        operator_id=payload.get("by"),
        note=note,
    )


@bus.subscribe(aftersale_events.AFTERSALE_REFUND)
def settle_on_refund(session: Session, event: OutboxEvent, clock: Clock) -> None:
    payouts.settle_fast_refund(session, clock, aftersale_id=int(event.payload["aftersale_id"]))


@bus.subscribe(guarantee_events.GUARANTEE_CLAIM_APPROVED)
def pay_on_approval(session: Session, event: OutboxEvent, clock: Clock) -> None:
    payouts.pay(session, clock, int(event.payload["claim_id"]))


@bus.subscribe(trust_events.TRUST_SCORES_COMPUTED)
def badges_after_scores(session: Session, event: OutboxEvent, clock: Clock) -> None:
    # a version on trial is scored for comparison only: badges follow the scores in force
    if event.payload.get("active", True):
        enrolment.evaluate_all(session, clock)


@due.register("guarantees.pay_claims")
def pay_claims(session: Session, clock: Clock) -> int:
    return payouts.pay_due(session, clock)


@due.register("guarantees.recover_fast_refunds")
def recover_fast_refunds(session: Session, clock: Clock) -> int:
    return payouts.recover_due(session, clock)


@due.register("guarantees.badge_grace")
def badge_grace(session: Session, clock: Clock) -> int:
    return enrolment.expire_grace(session, clock)
