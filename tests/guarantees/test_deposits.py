"""A shop's deposit: top-ups (which repay a debt first and reinstate a shop suspended for it),
withdrawals down to the minimum and never below, never with open claims, and retries with the
same key moving the money once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shijing.accounts.service import Principal
from shijing.commerce.aftersales import service as aftersales
from shijing.commerce.shops import service as shops
from shijing.commerce.shops.models import Shop
from shijing.core.clock import ManualClock
from shijing.core.db import Database
from shijing.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from shijing.guarantees import deposits, enrolment, funds
from shijing.guarantees.deposits import DEBT_SUSPENSION
from shijing.guarantees.models import Claim
from shijing.ledger import service as ledger
from shijing.ledger.models import LedgerEntry, LedgerTransaction
from shijing.ledger.service import Leg
from tests.factories import make_shop, make_user, principal_of
from tests.guarantees.builders import (
    buyer,
    claims_of,
    covered_order,
    dispatch,
    fund,
    operator,
    owner_of,
    trusted_shop,
)


def _owner(session: Session, shop: Shop) -> Principal:
    return principal_of(session, owner_of(session, shop))


def _postings(session: Session) -> int:
    session.flush()
    return session.scalar(select(func.count()).select_from(LedgerTransaction)) or 0


def _entries(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(LedgerEntry)) or 0


def _deposit(session: Session, shop: Shop) -> int:
    return funds.balance(session, funds.deposit(shop.id))


def _top_up(session: Session, clock: ManualClock, shop: Shop, amount: int, key: str):
    return deposits.top_up(
        session, clock, _owner(session, shop), shop.id, amount_fen=amount, idempotency_key=key
    )


def _withdraw(session: Session, clock: ManualClock, shop: Shop, amount: int, key: str):
    return deposits.withdraw(
        session, clock, _owner(session, shop), shop.id, amount_fen=amount, idempotency_key=key
    )


def _refused(
    session: Session, error: type[Exception], call: object, *args: object, **kwargs: object
) -> Exception:
    before = (_postings(session), _entries(session))
    with pytest.raises(error) as caught:  # type: ignore[call-overload]
        call(*args, **kwargs)  # type: ignore[operator]
    assert (_postings(session), _entries(session)) == before  # nothing written
    return caught.value  # type: ignore[no-any-return]


def _owe(session: Session, clock: ManualClock, shop: Shop, amount: int, key: str) -> None:
    """Charge the shop ``amount`` (its deposit first, the fund fronting the rest)."""
    funds.ensure_shop(session, clock, shop.id)
    legs, _ = funds.shop_charge_legs(session, shop.id, amount)
    ledger.post(
        session,
        clock,
        idempotency_key=key,
        kind="test.charge",
        legs=[*legs, Leg(funds.CLEARING, amount)],
    )


# -- top-up ---------------------------------------------------------------------------------


def test_a_top_up_goes_to_the_deposit(session: Session, clock: ManualClock) -> None:
    shop = make_shop(session, clock)
    txn = _top_up(session, clock, shop, 300_000, "k1")
    assert txn.kind == "deposit.topup"
    assert _deposit(session, shop) == 300_000
    assert funds.balance(session, funds.CLEARING) == -300_000
    statement = deposits.statement(session, clock, shop.id)
    assert (statement.deposit_fen, statement.owed_fen, statement.minimum_fen) == (
        300_000,
        0,
        200_000,
    )
    [line] = statement.lines
    assert (line.amount_fen, line.balance_after_fen, line.kind) == (
        300_000,
        300_000,
        "deposit.topup",
    )
    assert ledger.check(session).ok


def test_staff_may_top_up_outsiders_and_operators_may_not(
    session: Session, clock: ManualClock
) -> None:
    member = make_user(session, clock)
    shop = make_shop(session, clock, staff=(member,))
    deposits.top_up(
        session, clock, principal_of(session, member), shop.id, amount_fen=100, idempotency_key="s"
    )
    assert _deposit(session, shop) == 100
    stranger = principal_of(session, make_user(session, clock))
    _refused(
        session,
        NotFound,
        deposits.top_up,
        session,
        clock,
        stranger,
        shop.id,
        amount_fen=100,
        idempotency_key="x",
    )
    staff_of_other = _owner(session, make_shop(session, clock))
    _refused(
        session,
        NotFound,
        deposits.withdraw,
        session,
        clock,
        staff_of_other,
        shop.id,
        amount_fen=100,
        idempotency_key="x",
    )
    op = principal_of(session, operator(session, clock))
    _refused(
        session,
        Forbidden,
        deposits.top_up,
        session,
        clock,
        op,
        shop.id,
        amount_fen=100,
        idempotency_key="x",
    )
    _refused(
        session,
        Forbidden,
        deposits.withdraw,
        session,
        clock,
        op,
        shop.id,
        amount_fen=100,
        idempotency_key="x",
    )
    assert _deposit(session, shop) == 100


@pytest.mark.parametrize(
    ("amount", "key", "field"),
    [
        (0, "k", "amount_fen"),
        (-5, "k", "amount_fen"),
        (True, "k", "amount_fen"),
        (1.5, "k", "amount_fen"),
        (100_000_000_01, "k", "amount_fen"),
        (100, "", "idempotency_key"),
        (100, "   ", "idempotency_key"),
        (100, "k" * 81, "idempotency_key"),
    ],
)
def test_bad_amounts_and_keys_are_refused(
    session: Session, clock: ManualClock, amount: object, key: str, field: str
) -> None:
    shop = make_shop(session, clock)
    _top_up(session, clock, shop, 300_000, "seed")
    for call in (deposits.top_up, deposits.withdraw):
        error = _refused(
            session,
            InvalidInput,
            call,
            session,
            clock,
            _owner(session, shop),
            shop.id,
            amount_fen=amount,
            idempotency_key=key,
        )
        assert error.field == field  # type: ignore[attr-defined]
    assert _deposit(session, shop) == 300_000


def test_a_retried_top_up_posts_once(session: Session, clock: ManualClock) -> None:
    shop = make_shop(session, clock)
    first = _top_up(session, clock, shop, 50_000, "same")
    count = _postings(session)
    again = _top_up(session, clock, shop, 50_000, " same ")
    assert again.id == first.id
    assert _postings(session) == count
    assert _deposit(session, shop) == 50_000
    # The same key for another amount is not the same request.
    error = _refused(session, Conflict, _top_up, session, clock, shop, 60_000, "same")
    assert error.field == "idempotency_key"  # type: ignore[attr-defined]
    # A key is the shop's own: another shop may use the same one.
    other = make_shop(session, clock)
    assert _top_up(session, clock, other, 50_000, "same").id != first.id
    assert ledger.check(session).ok


# -- withdrawal -----------------------------------------------------------------------------


def test_withdraw_down_to_the_minimum_but_not_below(session: Session, clock: ManualClock) -> None:
    shop = trusted_shop(session, clock, deposit_fen=500_000)
    held = _deposit(session, shop)
    minimum = deposits.statement(session, clock, shop.id).minimum_fen
    assert (held, minimum) == (500_000, 200_000)

    error = _refused(session, Conflict, _withdraw, session, clock, shop, 300_001, "w1")
    assert error.field == "amount_fen"
    assert error.code == "below_minimum"
    assert "at most ¥3,000.00 can be withdrawn" in str(error)

    txn = _withdraw(session, clock, shop, 300_000, "w1")
    assert txn.kind == "deposit.withdraw"
    assert _deposit(session, shop) == 200_000
    assert funds.balance(session, funds.CLEARING) < 0

    error = _refused(session, Conflict, _withdraw, session, clock, shop, 1, "w2")
    assert "at most ¥0.00 can be withdrawn" in str(error)
    assert enrolment.holds_badge(session, shop.id)  # the badge is untouched
    assert ledger.check(session).ok


def test_without_the_badge_everything_can_be_withdrawn_but_no_more(
    session: Session, clock: ManualClock
) -> None:
    shop = trusted_shop(session, clock, deposit_fen=500_000)
    enrolment.withdraw(session, clock, _owner(session, shop), shop.id)
    error = _refused(session, Conflict, _withdraw, session, clock, shop, 500_001, "w")
    assert "at most ¥5,000.00" in str(error)
    _withdraw(session, clock, shop, 500_000, "w")
    assert _deposit(session, shop) == 0
    _refused(session, Conflict, _withdraw, session, clock, shop, 1, "w-more")
    assert ledger.check(session).ok


def test_a_retried_withdrawal_posts_once(session: Session, clock: ManualClock) -> None:
    shop = trusted_shop(session, clock, deposit_fen=500_000)
    first = _withdraw(session, clock, shop, 200_000, "same")
    count = _postings(session)
    # Retried after the balance moved: still the first answer, not a second withdrawal and not
    # a refusal because the remaining deposit is now at the minimum.
    again = _withdraw(session, clock, shop, 200_000, "same")
    assert again.id == first.id
    assert _postings(session) == count
    assert _deposit(session, shop) == 300_000
    error = _refused(session, Conflict, _withdraw, session, clock, shop, 100, "same")
    assert error.code == "key_reused"  # type: ignore[attr-defined]
    # Top-up and withdrawal keys live apart.
    assert _top_up(session, clock, shop, 100, "same").kind == "deposit.topup"


def test_no_withdrawal_while_claims_against_the_shop_are_open(
    session: Session, db: Database, clock: ManualClock
) -> None:
    shop = trusted_shop(session, clock, deposit_fen=500_000)
    who = buyer(session, clock)
    order = covered_order(session, db, clock, shop=shop, who=who)
    from shijing.guarantees import claims

    claim = claims.open_claim(
        session,
        clock,
        principal_of(session, who),
        order_id=order.id,
        code="counterfeit_10x",
        remedy="compensate",
        description="鉴定为假",
        evidence_urls=["https://example.com/appraisal.jpg"],
        amount_fen=None,
    )
    assert claim.status == "under_review"
    error = _refused(session, Conflict, _withdraw, session, clock, shop, 1, "w")
    assert error.code == "claims_open"
    assert "1 claim(s)" in str(error)
    assert deposits.statement(session, clock, shop.id).open_claims == 1
    claims.reject(
        session, clock, principal_of(session, operator(session, clock)), claim.id, note="正品"
    )
    _withdraw(session, clock, shop, 1, "w")
    assert deposits.open_claims_against(session, shop.id) == 0


# -- debt -----------------------------------------------------------------------------------


def test_a_top_up_repays_the_debt_first_and_reinstates_the_shop(
    session: Session, clock: ManualClock
) -> None:
    shop = make_shop(session, clock)
    fund(session, clock)
    _top_up(session, clock, shop, 1_000, "seed")
    _owe(session, clock, shop, 6_000, "charge")  # 1,000 from the deposit, 5,000 fronted
    assert (_deposit(session, shop), funds.owed_by_shop(session, shop.id)) == (0, 5_000)
    assert funds.balance(session, funds.SHOP_RECEIVABLES) == 5_000
    shops.suspend_by_system(session, clock, shop.id, reason=DEBT_SUSPENSION)
    fund_before = funds.balance(session, funds.FUND)

    _top_up(session, clock, shop, 3_000, "part")  # all of it repays
    assert (_deposit(session, shop), funds.owed_by_shop(session, shop.id)) == (0, 2_000)
    assert funds.balance(session, funds.FUND) == fund_before + 3_000
    session.refresh(shop)
    assert shop.status == "suspended"  # still owes

    _top_up(session, clock, shop, 10_000, "rest")  # 2,000 repays, 8,000 is the deposit
    assert (_deposit(session, shop), funds.owed_by_shop(session, shop.id)) == (8_000, 0)
    assert funds.balance(session, funds.receivable(shop.id)) == 0
    assert funds.balance(session, funds.SHOP_RECEIVABLES) == 0
    assert funds.balance(session, funds.FUND) == fund_before + 5_000
    session.refresh(shop)
    assert shop.status == "active"
    assert ledger.check(session).ok


def test_a_retried_top_up_that_repaid_a_debt_posts_once(
    session: Session, clock: ManualClock
) -> None:
    shop = make_shop(session, clock)
    fund(session, clock)
    _owe(session, clock, shop, 5_000, "charge")
    first = _top_up(session, clock, shop, 8_000, "pay")
    count = _postings(session)
    # The debt is gone now, so the legs a retry would compute differ: still the same request.
    again = _top_up(session, clock, shop, 8_000, "pay")
    assert again.id == first.id
    assert _postings(session) == count
    assert (_deposit(session, shop), funds.owed_by_shop(session, shop.id)) == (3_000, 0)
    assert ledger.check(session).ok


def test_a_shop_suspended_for_another_reason_stays_suspended(
    session: Session, clock: ManualClock
) -> None:
    shop = make_shop(session, clock)
    fund(session, clock)
    _owe(session, clock, shop, 5_000, "charge")
    shops.suspend_shop(
        session, clock, principal_of(session, operator(session, clock)), shop.id, reason="售假调查"
    )
    _top_up(session, clock, shop, 5_000, "pay")
    assert funds.owed_by_shop(session, shop.id) == 0
    session.refresh(shop)
    assert shop.status == "suspended"


def test_a_counterfeit_claim_beyond_the_deposit_is_owed_then_repaid(
    session: Session, db: Database, clock: ManualClock
) -> None:
    shop = trusted_shop(session, clock, deposit_fen=200_000)
    who = buyer(session, clock)
    order = covered_order(session, db, clock, shop=shop, who=who, price_fen=30_000)
    held = _deposit(session, shop)  # the minimum less the premium
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
    [claim] = claims_of(session, order.id)
    assert (claim.status, claim.paid_fen) == ("paid", 300_000)
    owed = 300_000 - held
    assert (_deposit(session, shop), funds.owed_by_shop(session, shop.id)) == (0, owed)
    session.refresh(shop)
    assert shop.status == "suspended"
    assert shop.status_reason == DEBT_SUSPENSION
    assert not enrolment.holds_badge(session, shop.id)

    _top_up(session, clock, shop, owed + 1_000, "repay")
    session.refresh(shop)
    assert shop.status == "active"
    assert (_deposit(session, shop), funds.owed_by_shop(session, shop.id)) == (1_000, 0)
    # Not badged any more and no open claims: the rest can be withdrawn.
    assert session.scalar(select(func.count()).select_from(Claim)) == 1
    _withdraw(session, clock, shop, 1_000, "out")
    assert _deposit(session, shop) == 0
    assert ledger.check(session).ok


def test_the_statement_of_no_shop_is_404_and_opens_no_account(
    session: Session, clock: ManualClock
) -> None:
    before = _postings(session)
    with pytest.raises(NotFound):
        deposits.statement(session, clock, 987_654)
    assert funds.balance(session, funds.deposit(987_654)) == 0
    from shijing.ledger.models import LedgerAccount

    assert (
        session.scalar(select(LedgerAccount.id).where(LedgerAccount.code == funds.deposit(987_654)))
        is None
    )
    assert _postings(session) == before


def test_capital_paid_in_once_per_key(session: Session, clock: ManualClock) -> None:
    funds.fund_platform(session, clock, amount_fen=1_000, key="cap-1")
    funds.fund_platform(session, clock, amount_fen=1_000, key="cap-1")
    assert funds.balance(session, funds.FUND) == 1_000
    with pytest.raises(InvalidInput):
        funds.fund_platform(session, clock, amount_fen=0, key="cap-2")
    with pytest.raises(Conflict):
        funds.fund_platform(session, clock, amount_fen=2_000, key="cap-1")
    assert ledger.check(session).ok
