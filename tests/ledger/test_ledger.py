"""The double-entry ledger: balanced, idempotent postings; balances under locks; a checker."""

from __future__ import annotations

import contextlib
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shijing.core.clock import ManualClock
from shijing.core.db import Database
from shijing.core.errors import Conflict, InvalidInput, NotFound
from shijing.ledger import service as ledger
from shijing.ledger.models import LedgerAccount, LedgerEntry
from shijing.ledger.service import Leg


def _accounts(session: Session, clock: ManualClock) -> None:
    ledger.open_account(session, clock, "platform:guarantee_fund", allow_negative=True)
    ledger.open_account(session, clock, "shop:1:deposit")
    ledger.open_account(session, clock, "provider:clearing", allow_negative=True)


def test_a_posting_moves_money_and_keeps_the_books(session: Session, clock: ManualClock) -> None:
    _accounts(session, clock)
    ledger.post(
        session,
        clock,
        idempotency_key="topup-1",
        kind="deposit.topup",
        legs=[Leg("provider:clearing", -200_000), Leg("shop:1:deposit", 200_000)],
    )
    ledger.post(
        session,
        clock,
        idempotency_key="claim-7",
        kind="claim.payout",
        legs=[Leg("shop:1:deposit", -5_000), Leg("platform:guarantee_fund", 5_000)],
    )
    assert ledger.get_account(session, "shop:1:deposit").balance_fen == 195_000
    lines = ledger.statement(session, "shop:1:deposit")
    assert [(line.amount_fen, line.balance_after_fen) for line in lines] == [
        (-5_000, 195_000),
        (200_000, 200_000),
    ]
    report = ledger.check(session)
    assert report.ok
    assert report.transactions == 2


def test_the_same_key_posts_once(session: Session, clock: ManualClock) -> None:
    _accounts(session, clock)
    legs = [Leg("provider:clearing", -100), Leg("shop:1:deposit", 100)]
    first = ledger.post(session, clock, idempotency_key="k", kind="deposit.topup", legs=legs)
    again = ledger.post(session, clock, idempotency_key="k", kind="deposit.topup", legs=legs)
    assert first.id == again.id
    assert ledger.get_account(session, "shop:1:deposit").balance_fen == 100
    with pytest.raises(Conflict) as info:
        ledger.post(
            session,
            clock,
            idempotency_key="k",
            kind="deposit.topup",
            legs=[Leg("provider:clearing", -999), Leg("shop:1:deposit", 999)],
        )
    assert info.value.code == "key_reused"


@pytest.mark.parametrize(
    ("legs", "field"),
    [
        ([Leg("shop:1:deposit", 100)], "legs"),
        ([Leg("shop:1:deposit", 100), Leg("provider:clearing", -99)], "legs"),
        ([Leg("shop:1:deposit", 0), Leg("provider:clearing", 0)], "legs"),
    ],
)
def test_unbalanced_postings_are_refused(
    session: Session, clock: ManualClock, legs: list[Leg], field: str
) -> None:
    _accounts(session, clock)
    with pytest.raises(InvalidInput) as info:
        ledger.post(session, clock, idempotency_key="bad", kind="x", legs=legs)
    assert info.value.field == field
    assert session.scalar(select(func.count()).select_from(LedgerEntry)) == 0


def test_a_deposit_cannot_go_negative_and_nothing_is_written(
    session: Session, clock: ManualClock
) -> None:
    _accounts(session, clock)
    with pytest.raises(Conflict) as info:
        ledger.post(
            session,
            clock,
            idempotency_key="overdraw",
            kind="claim.payout",
            legs=[Leg("shop:1:deposit", -1), Leg("platform:guarantee_fund", 1)],
        )
    assert info.value.code == "insufficient_funds"
    assert ledger.check(session).transactions == 0


def test_unknown_accounts_are_404(session: Session, clock: ManualClock) -> None:
    _accounts(session, clock)
    with pytest.raises(NotFound):
        ledger.post(
            session,
            clock,
            idempotency_key="x",
            kind="x",
            legs=[Leg("shop:404:deposit", 1), Leg("provider:clearing", -1)],
        )


def test_the_checker_finds_a_tampered_balance(session: Session, clock: ManualClock) -> None:
    _accounts(session, clock)
    ledger.post(
        session,
        clock,
        idempotency_key="t",
        kind="deposit.topup",
        legs=[Leg("provider:clearing", -100), Leg("shop:1:deposit", 100)],
    )
    ledger.get_account(session, "shop:1:deposit").balance_fen = 90
    session.flush()
    assert ledger.check(session).wrong_balances == ["shop:1:deposit"]


def test_racing_postings_on_one_hot_account_stay_exact(
    committing_db: Database, clock: ManualClock
) -> None:
    with committing_db.transaction() as s:
        ledger.open_account(s, clock, "platform:guarantee_fund", allow_negative=True)
        for n in range(8):
            ledger.open_account(s, clock, f"shop:{n}:deposit", allow_negative=True)

    def pay(n: int) -> int:
        # Every posting touches the hot fund row plus one of eight shops, in either order.
        with committing_db.transaction() as s:
            legs = [Leg("platform:guarantee_fund", -10), Leg(f"shop:{n % 60 % 8}:deposit", 10)]
            return ledger.post(
                s,
                clock,
                idempotency_key=f"p{n % 60}",
                kind="payout",
                legs=legs if n % 2 else legs[::-1],
            ).id

    with ThreadPoolExecutor(max_workers=16) as pool:
        ids = list(pool.map(pay, range(120)))
    assert len(set(ids)) == 60  # every key posted once, whatever raced
    with committing_db.sessions() as s:
        assert ledger.get_account(s, "platform:guarantee_fund").balance_fen == -600
        assert ledger.check(s).ok


class LedgerMachine(RuleBasedStateMachine):
    """Random postings between random accounts: the books always balance and the checker agrees."""

    def __init__(self) -> None:
        super().__init__()
        self.db: Database = LedgerMachine.db  # type: ignore[attr-defined]
        self.clock = ManualClock()
        self.session = self.db.sessions()
        self.session.begin_nested()
        self.codes = ["fund", "pool", "shop:a", "shop:b", "buyer:x"]
        for code in self.codes:
            ledger.open_account(
                self.session, self.clock, code, allow_negative=code in ("fund", "buyer:x")
            )
        self.n = 0

    @rule(
        src=st.integers(0, 4),
        dst=st.integers(0, 4),
        amount=st.integers(1, 50_000),
        repeat=st.booleans(),
    )
    def move(self, src: int, dst: int, amount: int, repeat: bool) -> None:
        if src == dst:
            return
        self.n += 1
        key = f"m{self.n - 1 if repeat and self.n > 1 else self.n}"
        legs = [Leg(self.codes[src], -amount), Leg(self.codes[dst], amount)]
        with contextlib.suppress(Conflict, InvalidInput):
            ledger.post(self.session, self.clock, idempotency_key=key, kind="move", legs=legs)

    @invariant()
    def books_balance(self) -> None:
        total = self.session.scalar(select(func.sum(LedgerAccount.balance_fen))) or 0
        assert total == 0
        assert ledger.check(self.session).ok

    def teardown(self) -> None:
        self.session.rollback()
        self.session.close()


def test_random_postings_keep_the_books(db: Database) -> None:
    LedgerMachine.db = db  # type: ignore[attr-defined]
    runner = LedgerMachine.TestCase()
    runner.settings = settings(
        max_examples=25,
        stateful_step_count=20,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    runner.runTest()
