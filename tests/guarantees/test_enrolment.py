"""Enrolment in Trust Purchase and the badge: qualifying, every refusal named, the daily
re-evaluation with its grace period, revocation, withdrawal and the premium's repricing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shijing.commerce.aftersales import service as aftersales
from shijing.commerce.shops import service as shops
from shijing.commerce.shops.models import Shop
from shijing.core.clock import ManualClock
from shijing.core.db import Database
from shijing.core.deadlines import run_due
from shijing.core.errors import Conflict, Forbidden, NotFound
from shijing.core.outbox import OutboxEvent, emit
from shijing.guarantees import catalogue, deposits, enrolment, funds
from shijing.guarantees.catalogue import PremiumRule, PremiumStep
from shijing.guarantees.models import BadgeEvent, Enrolment
from shijing.ledger import service as ledger
from shijing.ledger.service import Leg
from tests.factories import make_order, make_product, make_shop, make_user, principal_of
from tests.guarantees.builders import (
    buyer,
    dispatch,
    fund,
    give_score,
    operator,
    owner_of,
    set_score,
    top_up,
    trusted_shop,
)


def _written(session: Session) -> tuple[int, int, int]:
    session.flush()
    return (
        session.scalar(select(func.count()).select_from(Enrolment)) or 0,
        session.scalar(select(func.count()).select_from(BadgeEvent)) or 0,
        session.scalar(select(func.count()).select_from(OutboxEvent)) or 0,
    )


def _owner(session: Session, shop: Shop):
    return principal_of(session, owner_of(session, shop))


def _candidate(
    session: Session,
    clock: ManualClock,
    *,
    score: float | None = 88.0,
    enough: bool = True,
    deposit_fen: int = 200_000,
    main_category: str = "apparel.womens",
) -> Shop:
    shop = make_shop(session, clock, main_category=main_category)
    if score is not None or not enough:
        give_score(session, clock, shop.id, score, enough=enough)
    if deposit_fen:
        top_up(session, clock, shop, deposit_fen)
    fund(session, clock)
    catalogue.in_force(session, clock)  # the default stored before anything is counted
    return shop


def _refused(
    session: Session, clock: ManualClock, shop: Shop, *, accept_terms: bool = True
) -> Conflict:
    before = _written(session)
    with pytest.raises(Conflict) as caught:
        enrolment.apply(session, clock, _owner(session, shop), shop.id, accept_terms=accept_terms)
    assert caught.value.code == "not_qualified"
    assert _written(session) == before  # nothing written
    assert enrolment.get_enrolment(session, shop.id) is None
    assert not enrolment.holds_badge(session, shop.id)
    return caught.value


# -- applying -------------------------------------------------------------------------------


def test_a_qualifying_shop_gets_the_badge_and_a_history_row(
    session: Session, clock: ManualClock
) -> None:
    shop = _candidate(session, clock, score=88.0, deposit_fen=200_000)  # exactly the minimum
    row = enrolment.apply(session, clock, _owner(session, shop), shop.id, accept_terms=True)
    assert row.status == "active"
    assert row.badge_since == clock.now()
    assert row.grace_until is None
    assert row.terms_version == catalogue.DEFAULT_VERSION
    assert row.premium_fen == 10
    assert row.return_rate_bps == 0
    assert enrolment.holds_badge(session, shop.id)
    [event] = enrolment.history(session, shop.id)
    assert (event.kind, event.status) == ("granted", "active")
    assert "88.0" in event.reason
    assert "deposit ¥2,000.00" in event.reason
    assert event.actor_user_id == shop.owner_user_id
    assert event.detail["deposit_fen"] == 200_000
    names = session.scalars(select(OutboxEvent.name).where(OutboxEvent.name.like("guarantee.%")))
    assert "guarantee.badge_granted" in list(names)


def test_staff_may_apply_for_their_shop(session: Session, clock: ManualClock) -> None:
    member = make_user(session, clock)
    shop = make_shop(session, clock, staff=(member,))
    give_score(session, clock, shop.id, 90.0)
    top_up(session, clock, shop, 200_000)
    row = enrolment.apply(session, clock, principal_of(session, member), shop.id, accept_terms=True)
    assert row.status == "active"


@pytest.mark.parametrize(
    ("score", "enough", "deposit_fen", "accept", "field", "words"),
    [
        (79.9, True, 200_000, True, "score", "below 80"),
        (None, False, 200_000, True, "score", "not enough data"),
        (95.0, False, 200_000, True, "score", "not enough data"),
        (None, True, 200_000, True, "score", "not enough data"),  # never scored
        (90.0, True, 199_999, True, "deposit", "below the minimum ¥2,000.00"),
        (90.0, True, 0, True, "deposit", "below the minimum"),
        (90.0, True, 200_000, False, "accept_terms", "terms must be accepted"),
    ],
)
def test_each_failing_condition_is_named_and_nothing_is_written(
    session: Session,
    clock: ManualClock,
    score: float | None,
    enough: bool,
    deposit_fen: int,
    accept: bool,
    field: str,
    words: str,
) -> None:
    shop = _candidate(session, clock, score=score, enough=enough, deposit_fen=deposit_fen)
    error = _refused(session, clock, shop, accept_terms=accept)
    assert error.field == field
    assert words in error.message


def test_every_failing_condition_is_listed_the_first_one_named(
    session: Session, clock: ManualClock
) -> None:
    shop = _candidate(session, clock, score=50.0, deposit_fen=0)
    error = _refused(session, clock, shop, accept_terms=False)
    assert error.field == "score"
    for where in ("score:", "deposit:", "accept_terms:"):
        assert where in error.message
    result = enrolment.qualification(session, clock, shop.id, accept_terms=False)
    assert [f for f, _ in result.failures] == ["score", "deposit", "accept_terms"]


def test_the_minimum_deposit_is_the_categorys(session: Session, clock: ManualClock) -> None:
    shop = _candidate(session, clock, main_category="jewellery", deposit_fen=1_000_000)
    error = _refused(session, clock, shop)
    assert error.field == "deposit"
    assert "¥20,000.00" in error.message
    top_up(session, clock, shop, 1_000_000)
    assert enrolment.apply(session, clock, _owner(session, shop), shop.id, accept_terms=True)


def test_a_shop_that_owes_the_platform_does_not_qualify(
    session: Session, clock: ManualClock
) -> None:
    shop = _candidate(session, clock, deposit_fen=0)
    funds.ensure_shop(session, clock, shop.id)
    legs, charge = funds.shop_charge_legs(session, shop.id, 5_000)
    assert charge.shortfall == 5_000
    ledger.post(
        session,
        clock,
        idempotency_key="test-debt",
        kind="test",
        legs=[*legs, Leg(funds.CLEARING, 5_000)],
    )
    # Deposit the minimum on top: the top-up repays the debt first, so pay the debt separately.
    top_up(session, clock, shop, 5_000)
    assert funds.owed_by_shop(session, shop.id) == 0
    legs, _ = funds.shop_charge_legs(session, shop.id, 1)
    ledger.post(
        session,
        clock,
        idempotency_key="test-debt-2",
        kind="test",
        legs=[*legs, Leg(funds.CLEARING, 1)],
    )
    assert funds.owed_by_shop(session, shop.id) == 1
    error = _refused(session, clock, shop)
    assert error.field == "deposit"
    assert "owes the platform ¥0.01" in error.message


def test_a_recent_counterfeit_ruling_refuses_until_it_is_90_days_old(
    session: Session, db: Database, clock: ManualClock
) -> None:
    shop = trusted_shop(session, clock)
    _counterfeit_ruling(session, db, clock, shop)
    assert not enrolment.holds_badge(session, shop.id)
    top_up(session, clock, shop, 10_000_000)  # whatever the claim cost, the deposit is back
    error = _refused_again(session, clock, shop)
    assert error.field == "counterfeit"
    assert "1 counterfeit ruling(s)" in error.message
    clock.advance(timedelta(days=91))
    give_score(session, clock, shop.id, 92.0)
    row = enrolment.apply(session, clock, _owner(session, shop), shop.id, accept_terms=True)
    assert row.status == "active"


def _refused_again(session: Session, clock: ManualClock, shop: Shop) -> Conflict:
    """Like ``_refused`` for a shop that has an enrolment row already."""
    before = _written(session)
    row = enrolment.get_enrolment(session, shop.id)
    status = row.status if row else None
    with pytest.raises(Conflict) as caught:
        enrolment.apply(session, clock, _owner(session, shop), shop.id, accept_terms=True)
    assert _written(session) == before
    after = enrolment.get_enrolment(session, shop.id)
    assert (after.status if after else None) == status
    return caught.value


def test_a_suspended_shop_does_not_qualify(session: Session, clock: ManualClock) -> None:
    shop = _candidate(session, clock)
    shops.suspend_shop(
        session, clock, principal_of(session, operator(session, clock)), shop.id, reason="审核"
    )
    error = _refused(session, clock, shop)
    assert error.field == "shop"
    assert "suspended" in error.message


def test_applying_twice_is_a_conflict(session: Session, clock: ManualClock) -> None:
    shop = trusted_shop(session, clock)
    before = _written(session)
    with pytest.raises(Conflict) as caught:
        enrolment.apply(session, clock, _owner(session, shop), shop.id, accept_terms=True)
    assert caught.value.code == "enrolled"
    assert _written(session) == before


def test_outsiders_cannot_apply_and_operators_may_not_act_for_a_shop(
    session: Session, clock: ManualClock
) -> None:
    shop = _candidate(session, clock)
    stranger = principal_of(session, make_user(session, clock))
    with pytest.raises(NotFound):
        enrolment.apply(session, clock, stranger, shop.id, accept_terms=True)
    with pytest.raises(Forbidden):
        enrolment.apply(
            session,
            clock,
            principal_of(session, operator(session, clock)),
            shop.id,
            accept_terms=True,
        )
    with pytest.raises(NotFound):
        enrolment.qualification(session, clock, 999_999)
    assert enrolment.get_enrolment(session, shop.id) is None


# -- the daily re-evaluation ------------------------------------------------------------------


def _next_day(session: Session, clock: ManualClock, shop: Shop, score: float) -> None:
    clock.advance(timedelta(days=1))
    set_score(session, clock, shop.id, score)


def test_a_score_drop_warns_with_a_grace_period_and_keeps_the_badge(
    session: Session, db: Database, clock: ManualClock
) -> None:
    shop = trusted_shop(session, clock)
    _next_day(session, clock, shop, 70.0)
    emit(session, clock, "trust.scores_computed", as_of=str(clock.now().date()))
    dispatch(session, db, clock)  # the subscriber re-evaluates every badge
    row = enrolment.get_enrolment(session, shop.id)
    assert row is not None
    assert row.status == "warned"
    assert row.grace_until == clock.now() + timedelta(days=7)
    assert enrolment.holds_badge(session, shop.id)
    latest = enrolment.history(session, shop.id)[0]
    assert (latest.kind, latest.status) == ("warned", "warned")
    assert "score" in latest.reason
    assert "below 80" in latest.reason
    # Evaluated again the same day: still warned, the grace period does not restart.
    grace = row.grace_until
    enrolment.evaluate_all(session, clock)
    assert enrolment.get_enrolment(session, shop.id).grace_until == grace  # type: ignore[union-attr]
    assert len(enrolment.history(session, shop.id)) == 2


def test_a_warned_shop_that_qualifies_again_is_restored(
    session: Session, clock: ManualClock
) -> None:
    shop = trusted_shop(session, clock)
    _next_day(session, clock, shop, 70.0)
    assert enrolment.evaluate_all(session, clock) == 1
    _next_day(session, clock, shop, 85.0)
    enrolment.evaluate_all(session, clock)
    row = enrolment.get_enrolment(session, shop.id)
    assert row is not None
    assert row.status == "active"
    assert row.grace_until is None
    kinds = [e.kind for e in reversed(enrolment.history(session, shop.id))]
    assert kinds == ["granted", "warned", "restored"]
    # The grace step finds nothing to do once the shop is restored.
    clock.advance(timedelta(days=8))
    assert enrolment.expire_grace(session, clock) == 0


def test_still_failing_when_the_grace_ends_the_due_step_revokes(
    session: Session, db: Database, clock: ManualClock
) -> None:
    shop = trusted_shop(session, clock)
    _next_day(session, clock, shop, 70.0)
    enrolment.evaluate_all(session, clock)
    warned_at = clock.now()
    session.commit()

    clock.advance(timedelta(days=7) - timedelta(seconds=1))
    assert run_due(db, clock)["guarantees.badge_grace"] == 0
    session.expire_all()
    assert enrolment.holds_badge(session, shop.id)

    clock.advance(timedelta(seconds=1))
    assert clock.now() == warned_at + timedelta(days=7)
    assert run_due(db, clock)["guarantees.badge_grace"] == 1
    session.expire_all()
    row = enrolment.get_enrolment(session, shop.id)
    assert row is not None
    assert row.status == "revoked"
    assert row.grace_until is None
    assert not enrolment.holds_badge(session, shop.id)
    latest = enrolment.history(session, shop.id)[0]
    assert latest.kind == "revoked"
    assert "grace period ended" in latest.reason
    assert run_due(db, clock)["guarantees.badge_grace"] == 0  # done once


def test_a_shop_that_qualifies_by_the_grace_end_keeps_the_badge(
    session: Session, db: Database, clock: ManualClock
) -> None:
    shop = trusted_shop(session, clock)
    _next_day(session, clock, shop, 70.0)
    enrolment.evaluate_all(session, clock)
    clock.advance(timedelta(days=7))
    set_score(session, clock, shop.id, 90.0)  # the scores improved, not yet re-evaluated
    session.commit()
    assert run_due(db, clock)["guarantees.badge_grace"] == 1
    session.expire_all()
    row = enrolment.get_enrolment(session, shop.id)
    assert row is not None
    assert row.status == "active"
    assert enrolment.history(session, shop.id)[0].kind == "restored"


def test_a_deposit_below_the_minimum_warns_too(session: Session, clock: ManualClock) -> None:
    shop = trusted_shop(session, clock, deposit_fen=200_000)  # the minimum, less one premium
    funds.ensure_shop(session, clock, shop.id)
    legs, _ = funds.shop_charge_legs(session, shop.id, 1)
    ledger.post(
        session,
        clock,
        idempotency_key="charge-1",
        kind="test",
        legs=[*legs, Leg(funds.CLEARING, 1)],
    )
    enrolment.evaluate(session, clock, shop.id)
    row = enrolment.get_enrolment(session, shop.id)
    assert row is not None
    assert row.status == "warned"
    assert "deposit" in (row.reason or "")


def _counterfeit_ruling(session: Session, db: Database, clock: ManualClock, shop: Shop) -> None:
    """A buyer's counterfeit after-sale, rejected by the shop, ruled at the shop's fault."""
    from tests.guarantees.builders import covered_order

    who = buyer(session, clock)
    order = covered_order(session, db, clock, shop=shop, who=who, price_fen=1_000)
    sale = aftersales.open_aftersale(
        session,
        clock,
        principal_of(session, who),
        order_id=order.id,
        kind="refund_only",
        reason="counterfeit",
        description="鉴定为假",
        evidence_urls=["https://example.com/appraisal.jpg"],
        amount_fen=None,
    )
    aftersales.reject(session, clock, _owner(session, shop), sale.id, reason="正品")
    aftersales.escalate(session, clock, principal_of(session, who), sale.id, statement="假货")
    aftersales.rule(
        session,
        clock,
        principal_of(session, operator(session, clock)),
        sale.id,
        ruling="refund",
        fault="shop",
        note="appraisal: counterfeit",
    )
    dispatch(session, db, clock)


def test_a_counterfeit_ruling_revokes_at_once(
    session: Session, db: Database, clock: ManualClock
) -> None:
    shop = trusted_shop(session, clock)
    _counterfeit_ruling(session, db, clock, shop)
    row = enrolment.get_enrolment(session, shop.id)
    assert row is not None
    assert row.status == "revoked"
    assert row.grace_until is None
    latest = enrolment.history(session, shop.id)[0]
    assert latest.kind == "revoked"
    assert "counterfeit" in latest.reason
    assert latest.actor_user_id is not None  # the operator who ruled
    # The daily run leaves a revoked badge alone.
    assert enrolment.evaluate_all(session, clock) == 0


def test_the_daily_run_revokes_a_warned_badge_on_a_counterfeit_ruling(
    session: Session, clock: ManualClock
) -> None:
    shop = trusted_shop(session, clock)
    _next_day(session, clock, shop, 70.0)
    enrolment.evaluate_all(session, clock)
    assert enrolment.revoke_now(session, clock, shop.id, reason="counterfeit ruling") is True
    assert enrolment.revoke_now(session, clock, shop.id, reason="again") is False
    assert [e.kind for e in enrolment.history(session, shop.id)][:2] == ["revoked", "warned"]


# -- leaving ----------------------------------------------------------------------------------


def test_withdraw_leaves_the_programme_and_may_rejoin(session: Session, clock: ManualClock) -> None:
    shop = trusted_shop(session, clock)
    row = enrolment.withdraw(session, clock, _owner(session, shop), shop.id)
    assert row.status == "withdrawn"
    assert not enrolment.holds_badge(session, shop.id)
    assert enrolment.history(session, shop.id)[0].kind == "withdrawn"
    assert enrolment.evaluate_all(session, clock) == 0

    before = _written(session)
    with pytest.raises(Conflict) as caught:
        enrolment.withdraw(session, clock, _owner(session, shop), shop.id)
    assert caught.value.code == "not_enrolled"
    assert _written(session) == before

    clock.advance(timedelta(hours=1))
    row = enrolment.apply(session, clock, _owner(session, shop), shop.id, accept_terms=True)
    assert row.status == "active"
    assert row.badge_since == clock.now()
    kinds = [e.kind for e in reversed(enrolment.history(session, shop.id))]
    assert kinds == ["granted", "withdrawn", "granted"]


def test_withdraw_refused_without_a_badge_and_for_outsiders(
    session: Session, clock: ManualClock
) -> None:
    shop = _candidate(session, clock)
    with pytest.raises(Conflict):
        enrolment.withdraw(session, clock, _owner(session, shop), shop.id)
    enrolment.apply(session, clock, _owner(session, shop), shop.id, accept_terms=True)
    with pytest.raises(NotFound):
        enrolment.withdraw(
            session, clock, principal_of(session, make_user(session, clock)), shop.id
        )
    with pytest.raises(Forbidden):
        enrolment.withdraw(session, clock, principal_of(session, operator(session, clock)), shop.id)
    assert enrolment.holds_badge(session, shop.id)


# -- the premium ------------------------------------------------------------------------------


def test_the_premium_is_repriced_from_the_90_day_return_rate(
    session: Session, clock: ManualClock
) -> None:
    shop = trusted_shop(session, clock)
    row = enrolment.get_enrolment(session, shop.id)
    assert row is not None
    assert (row.premium_fen, row.return_rate_bps) == (10, 0)
    product = make_product(session, clock, shop=shop)
    who = make_user(session, clock)
    orders = [make_order(session, clock, buyer=who, product=product) for _ in range(20)]
    aftersales.open_aftersale(
        session,
        clock,
        principal_of(session, who),
        order_id=orders[0].id,
        kind="return_refund",
        reason="no_reason_7d",
    )
    enrolment.evaluate(session, clock, shop.id)
    assert (row.return_rate_bps, row.premium_fen) == (500, 150)  # 1 in 20: 5%
    for order in orders[1:3]:
        aftersales.open_aftersale(
            session,
            clock,
            principal_of(session, who),
            order_id=order.id,
            kind="return_refund",
            reason="no_reason_7d",
        )
    enrolment.evaluate(session, clock, shop.id)
    assert (row.return_rate_bps, row.premium_fen) == (1500, 220)  # 3 in 20
    # 91 days on, nothing is in the window any more: back to the lowest step.
    clock.advance(timedelta(days=91))
    give_score(session, clock, shop.id, 92.0)
    enrolment.evaluate(session, clock, shop.id)
    assert (row.return_rate_bps, row.premium_fen) == (0, 10)
    assert row.status == "active"


def test_a_repriced_premium_is_what_new_orders_are_charged(
    session: Session, db: Database, clock: ManualClock
) -> None:
    from tests.guarantees.builders import covered_order

    shop = trusted_shop(session, clock)
    row = enrolment.get_enrolment(session, shop.id)
    assert row is not None
    row.premium_fen = 220  # as the daily run would set it
    session.flush()
    deposit = funds.balance(session, funds.deposit(shop.id))
    covered_order(session, db, clock, shop=shop, who=buyer(session, clock))
    assert funds.balance(session, funds.deposit(shop.id)) == deposit - 220
    assert funds.balance(session, funds.PREMIUM_POOL) == 220


DEFAULT_RULE = PremiumRule.model_validate(catalogue.default_body()["programme"]["premium"])


@given(st.integers(0, 10_000), st.integers(0, 10_000))
def test_the_default_premium_is_monotone_and_capped(a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert DEFAULT_RULE.price(low) <= DEFAULT_RULE.price(high)
    assert 10 <= DEFAULT_RULE.price(low) <= DEFAULT_RULE.price(high) <= 300


@st.composite
def _rules(draw: st.DrawFn) -> PremiumRule:
    min_fen = draw(st.integers(0, 500))
    cap_fen = draw(st.integers(max(1, min_fen), 1_000))
    edges = sorted(draw(st.sets(st.integers(1, 10_000), min_size=1, max_size=8)))
    fens = sorted(
        draw(st.lists(st.integers(min_fen, cap_fen), min_size=len(edges), max_size=len(edges)))
    )
    return PremiumRule(
        window_days=90,
        min_fen=min_fen,
        cap_fen=cap_fen,
        steps=tuple(PremiumStep(below_bps=e, fen=f) for e, f in zip(edges, fens, strict=True)),
    )


@given(_rules(), st.integers(0, 10_000), st.integers(0, 10_000))
def test_any_valid_premium_rule_prices_monotonically(rule: PremiumRule, a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert rule.min_fen <= rule.price(low) <= rule.price(high) <= rule.cap_fen


@given(_rules())
def test_a_rule_whose_premiums_fall_is_refused(rule: PremiumRule) -> None:
    steps = list(rule.steps)
    if len(steps) < 2 or steps[0].fen == steps[-1].fen:
        return
    body = rule.model_dump()
    body["steps"] = [
        {"below_bps": s.below_bps, "fen": f}
        for s, f in zip(steps, reversed([s.fen for s in steps]), strict=True)
    ]
    with pytest.raises(ValueError, match="must not fall"):
        PremiumRule.model_validate(body)


def test_deposit_minimum_follows_the_category_lineage(session: Session, clock: ManualClock) -> None:
    _, body = catalogue.in_force(session, clock)
    programme = body.programme
    assert programme.deposit_minimum("apparel.womens") == 200_000
    assert programme.deposit_minimum("phones.used") == 1_000_000
    assert programme.deposit_minimum("jewellery") == 2_000_000
    assert programme.deposit_minimum("no.such.category") == 200_000  # the default
    shop = make_shop(session, clock, main_category="phones.used")
    assert deposits.statement(session, clock, shop.id).minimum_fen == 1_000_000
