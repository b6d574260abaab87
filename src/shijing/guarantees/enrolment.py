"""Enrolment in Trust Purchase and the badge.

A shop applies and is admitted at once when it qualifies: a shop experience score at or above the
programme's minimum (and not "not enough data"), a deposit of at least its category's minimum, no
counterfeit ruling against it in the look-back window, and the terms accepted. Every day after
the scores, each badge is re-evaluated: a shop that no longer qualifies is warned and keeps the
badge through a grace period, then loses it; a counterfeit ruling removes it at once. Every
change is kept in the badge history with its reason, which the shop sees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from shijing.accounts.service import Principal
from shijing.commerce.aftersales.models import AfterSale, AfterSaleKind, AfterSaleReason, Fault
from shijing.commerce.orders.models import Order
from shijing.commerce.shops.access import require_shop_staff_to_act
from shijing.commerce.shops.models import Shop, ShopStatus
from shijing.core.clock import Clock
from shijing.core.errors import Conflict, NotFound
from shijing.core.money import format_fen
from shijing.core.outbox import emit
from shijing.guarantees import catalogue as catalogues
from shijing.guarantees import events as guarantee_events
from shijing.guarantees import funds
from shijing.guarantees.catalogue import Programme
from shijing.guarantees.models import (
    BADGE_HOLDING,
    BadgeEvent,
    BadgeStatus,
    Claim,
    ClaimStatus,
    Enrolment,
)
from shijing.trust.service import latest_shop_score

COUNTERFEIT_CODES = ("counterfeit_10x", "certified_jewellery")


@dataclass
class Qualification:
    """Whether a shop qualifies, and for each condition that fails, which and why."""

    failures: list[tuple[str, str]] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failures

    def reason(self) -> str:
        return "; ".join(f"{where}: {why}" for where, why in self.failures)


def _shop(session: Session, shop_id: int) -> Shop:
    shop = session.get(Shop, shop_id)
    if shop is None:
        raise NotFound("no such shop", field="shop_id")
    return shop


def counterfeit_rulings(session: Session, shop_id: int, since: datetime) -> int:
    """Counterfeit rulings against the shop since ``since``: arbitration rulings of a counterfeit
    after-sale at the shop's fault, and counterfeit claims approved by an operator."""
    ruled = select(AfterSale.id).where(
        AfterSale.shop_id == shop_id,
        AfterSale.reason == AfterSaleReason.COUNTERFEIT.value,
        AfterSale.fault == Fault.SHOP.value,
        AfterSale.ruling == "refund",  # upheld: a request closed is no counterfeit ruling
        AfterSale.ruled_at >= since,
    )
    rulings = session.scalar(select(func.count()).select_from(ruled.subquery()))
    # A ruling opens a claim of its own (with the after-sale's id): one ruling counts once.
    claims = session.scalar(
        select(func.count())
        .select_from(Claim)
        .where(
            Claim.shop_id == shop_id,
            Claim.code.in_(COUNTERFEIT_CODES),
            Claim.status.in_([ClaimStatus.APPROVED.value, ClaimStatus.PAID.value]),
            Claim.decided_at >= since,
            or_(Claim.aftersale_id.is_(None), Claim.aftersale_id.not_in(ruled)),
        )
    )
    return int(rulings or 0) + int(claims or 0)


def qualification(
    session: Session, clock: Clock, shop_id: int, *, accept_terms: bool = True
) -> Qualification:
    shop = _shop(session, shop_id)
    _, catalogue = catalogues.in_force(session, clock)
    programme = catalogue.programme
    result = Qualification()
    score = latest_shop_score(session, shop_id)
    result.facts["score"] = score.total if score is not None else None
    result.facts["min_score"] = programme.min_score
    if score is None or not score.enough_data or score.total is None:
        result.failures.append(("score", "the shop experience score is not enough data yet"))
    elif score.total < programme.min_score:
        result.failures.append(
            (
                "score",
                f"the shop experience score {score.total:.1f} is below {programme.min_score:g}",
            )
        )
    minimum = programme.deposit_minimum(shop.main_category)
    held = funds.balance(session, funds.deposit(shop_id))
    result.facts.update(deposit_fen=held, deposit_minimum_fen=minimum)
    if held < minimum:
        result.failures.append(
            (
                "deposit",
                f"the deposit {format_fen(held)} is below the minimum {format_fen(minimum)}"
                f" for {shop.main_category}",
            )
        )
    owed = funds.owed_by_shop(session, shop_id)
    if owed:
        result.failures.append(("deposit", f"the shop owes the platform {format_fen(owed)}"))
    since = clock.now() - timedelta(days=programme.counterfeit_lookback_days)
    rulings = counterfeit_rulings(session, shop_id, since)
    result.facts["counterfeit_rulings"] = rulings
    if rulings:
        result.failures.append(
            (
                "counterfeit",
                f"{rulings} counterfeit ruling(s) in the last "
                f"{programme.counterfeit_lookback_days} days",
            )
        )
    if shop.status != ShopStatus.ACTIVE.value:
        result.failures.append(("shop", f"the shop is {shop.status}, not active"))
    if not accept_terms:
        result.failures.append(("accept_terms", "the programme's terms must be accepted"))
    return result


def return_rate_bps(session: Session, clock: Clock, shop_id: int, window_days: int) -> int:
    """Returns per delivered order over the window, in basis points."""
    since = clock.now() - timedelta(days=window_days)
    delivered = session.scalar(
        select(func.count())
        .select_from(Order)
        .where(Order.shop_id == shop_id, Order.delivered_at >= since)
    )
    returns = session.scalar(
        select(func.count())
        .select_from(AfterSale)
        .where(
            AfterSale.shop_id == shop_id,
            AfterSale.kind == AfterSaleKind.RETURN_REFUND.value,
            AfterSale.opened_at >= since,
        )
    )
    if not delivered:
        return 0
    return min(10_000, int(returns or 0) * 10_000 // int(delivered))


def _price(session: Session, clock: Clock, enrolment: Enrolment, programme: Programme) -> None:
    rate = return_rate_bps(session, clock, enrolment.shop_id, programme.premium.window_days)
    enrolment.return_rate_bps = rate
    enrolment.premium_fen = programme.premium.price(rate)


def get_enrolment(session: Session, shop_id: int) -> Enrolment | None:
    return session.scalar(select(Enrolment).where(Enrolment.shop_id == shop_id))


def _lock_enrolment(session: Session, shop_id: int) -> Enrolment | None:
    return session.scalar(
        select(Enrolment)
        .where(Enrolment.shop_id == shop_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _record(
    session: Session,
    clock: Clock,
    enrolment: Enrolment,
    kind: str,
    reason: str,
    *,
    actor: int | None,
    **detail: Any,
) -> None:
    now = clock.now()
    enrolment.reason = reason[:300]
    enrolment.updated_at = now
    session.add(
        BadgeEvent(
            shop_id=enrolment.shop_id,
            kind=kind,
            status=enrolment.status,
            at=now,
            reason=reason[:300],
            actor_user_id=actor,
            detail=detail,
        )
    )
    session.flush()
    emit(
        session,
        clock,
        guarantee_events.BADGE_BY_KIND[kind],
        shop_id=enrolment.shop_id,
        status=enrolment.status,
        reason=reason,
        at=now,
        grace_until=enrolment.grace_until,
    )


def apply(
    session: Session, clock: Clock, principal: Principal, shop_id: int, *, accept_terms: bool
) -> Enrolment:
    """The shop applies; admitted at once when it qualifies, otherwise 409 naming every
    condition that failed (and nothing is written)."""
    require_shop_staff_to_act(session, principal, shop_id)
    existing = _lock_enrolment(session, shop_id)
    if existing is not None and existing.status in BADGE_HOLDING:
        raise Conflict("the shop already carries the badge", field="shop_id", code="enrolled")
    result = qualification(session, clock, shop_id, accept_terms=accept_terms)
    if not result.ok:
        where = result.failures[0][0]
        raise Conflict(
            f"the shop does not qualify: {result.reason()}", field=where, code="not_qualified"
        )
    version, catalogue = catalogues.in_force(session, clock)
    funds.ensure_shop(session, clock, shop_id)
    now = clock.now()
    enrolment = existing or Enrolment(shop_id=shop_id, applied_at=now, updated_at=now)
    enrolment.status = BadgeStatus.ACTIVE.value
    enrolment.terms_version = version
    enrolment.applied_at = now
    enrolment.badge_since = now
    enrolment.grace_until = None
    enrolment.evaluated_at = now
    _price(session, clock, enrolment, catalogue.programme)
    session.add(enrolment)
    session.flush()
    _record(
        session,
        clock,
        enrolment,
        "granted",
        f"qualified: score {result.facts['score']:.1f}, deposit "
        f"{format_fen(result.facts['deposit_fen'])}",
        actor=principal.id,
        **result.facts,
    )
    return enrolment


def withdraw(session: Session, clock: Clock, principal: Principal, shop_id: int) -> Enrolment:
    """The shop leaves the programme (promises already made are kept)."""
    require_shop_staff_to_act(session, principal, shop_id)
    enrolment = _lock_enrolment(session, shop_id)
    if enrolment is None or enrolment.status not in BADGE_HOLDING:
        raise Conflict("the shop does not carry the badge", field="shop_id", code="not_enrolled")
    enrolment.status = BadgeStatus.WITHDRAWN.value
    enrolment.grace_until = None
    _record(
        session, clock, enrolment, "withdrawn", "the shop left the programme", actor=principal.id
    )
    return enrolment


def revoke_now(
    session: Session, clock: Clock, shop_id: int, *, reason: str, actor: int | None = None
) -> bool:
    """Remove the badge at once (a counterfeit ruling). False when there was none."""
    enrolment = _lock_enrolment(session, shop_id)
    if enrolment is None or enrolment.status not in BADGE_HOLDING:
        return False
    enrolment.status = BadgeStatus.REVOKED.value
    enrolment.grace_until = None
    _record(session, clock, enrolment, "revoked", reason, actor=actor)
    return True


def evaluate(session: Session, clock: Clock, shop_id: int) -> Enrolment | None:
    """Re-evaluate one badge: warn (with a grace period), restore, or revoke at grace's end."""
    enrolment = _lock_enrolment(session, shop_id)
    if enrolment is None or enrolment.status not in BADGE_HOLDING:
        return enrolment
    _, catalogue = catalogues.in_force(session, clock)
    programme = catalogue.programme
    result = qualification(session, clock, shop_id)
    now = clock.now()
    enrolment.evaluated_at = now
    _price(session, clock, enrolment, programme)
    counterfeit = any(where == "counterfeit" for where, _ in result.failures)
    if counterfeit:
        enrolment.status = BadgeStatus.REVOKED.value
        enrolment.grace_until = None
        _record(session, clock, enrolment, "revoked", result.reason(), actor=None, **result.facts)
    elif result.ok and enrolment.status == BadgeStatus.WARNED.value:
        enrolment.status = BadgeStatus.ACTIVE.value
        enrolment.grace_until = None
        _record(
            session, clock, enrolment, "restored", "qualifies again", actor=None, **result.facts
        )
    elif not result.ok and enrolment.status == BadgeStatus.ACTIVE.value:
        enrolment.status = BadgeStatus.WARNED.value
        enrolment.grace_until = now + timedelta(days=programme.grace_days)
        _record(session, clock, enrolment, "warned", result.reason(), actor=None, **result.facts)
    elif not result.ok and enrolment.grace_until is not None and now >= enrolment.grace_until:
        _expire(session, clock, enrolment, result.reason())
    session.flush()
    return enrolment


def _expire(session: Session, clock: Clock, enrolment: Enrolment, reason: str) -> None:
    enrolment.status = BadgeStatus.REVOKED.value
    enrolment.grace_until = None
    _record(
        session,
        clock,
        enrolment,
        "revoked",
        f"grace period ended without qualifying: {reason}",
        actor=None,
    )


def evaluate_all(session: Session, clock: Clock) -> int:
    """The daily re-evaluation of every badge (after the scores)."""
    shop_ids = list(
        session.scalars(
            select(Enrolment.shop_id)
            .where(Enrolment.status.in_(BADGE_HOLDING))
            .order_by(Enrolment.shop_id)
        )
    )
    for shop_id in shop_ids:
        evaluate(session, clock, shop_id)
    return len(shop_ids)


def expire_grace(session: Session, clock: Clock) -> int:
    """Warned badges whose grace period has ended: re-evaluated once more, removed if the shop
    still does not qualify."""
    due = list(
        session.scalars(
            select(Enrolment.shop_id).where(
                Enrolment.status == BadgeStatus.WARNED.value,
                Enrolment.grace_until <= clock.now(),
            )
        )
    )
    for shop_id in due:
        evaluate(session, clock, shop_id)
    return len(due)


def history(session: Session, shop_id: int, *, limit: int = 100) -> list[BadgeEvent]:
    return list(
        session.scalars(
            select(BadgeEvent)
            .where(BadgeEvent.shop_id == shop_id)
            .order_by(BadgeEvent.at.desc(), BadgeEvent.id.desc())
            .limit(limit)
        )
    )


def badge_holders(session: Session, shop_ids: list[int]) -> set[int]:
    """Which of these shops carry the badge now (one query)."""
    if not shop_ids:
        return set()
    return set(
        session.scalars(
            select(Enrolment.shop_id).where(
                Enrolment.shop_id.in_(shop_ids), Enrolment.status.in_(BADGE_HOLDING)
            )
        )
    )


def holds_badge(session: Session, shop_id: int) -> bool:
    status = session.scalar(select(Enrolment.status).where(Enrolment.shop_id == shop_id))
    return status in BADGE_HOLDING


def deposit_minimum(session: Session, clock: Clock, shop_id: int) -> int:
    shop = _shop(session, shop_id)
    _, catalogue = catalogues.in_force(session, clock)
    return catalogue.programme.deposit_minimum(shop.main_category)
