"""The programme's money at a glance, for operators: the platform's Trust Purchase accounts,
what shops hold on deposit and owe, and the claims paid and open. Read-only: an account not yet
opened reads 0."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shijing.guarantees import funds
from shijing.guarantees.deposits import OPEN_CLAIM
from shijing.guarantees.models import Claim, ClaimStatus
from shijing.ledger.models import LedgerAccount


@dataclass(frozen=True)
class FundBalances:
    accounts: dict[str, int]  # every platform account by code
    shop_deposits_fen: int
    claims_paid_fen: int  # ever (recovered fast refunds included: they were paid)
    claims_open: int

    @property
    def guarantee_fund_fen(self) -> int:
        return self.accounts[funds.FUND]

    @property
    def premium_pool_fen(self) -> int:
        return self.accounts[funds.PREMIUM_POOL]

    @property
    def fast_refund_float_fen(self) -> int:
        return self.accounts[funds.FAST_REFUND_FLOAT]

    @property
    def shop_receivables_fen(self) -> int:
        """What shops owe the platform beyond their deposits."""
        return self.accounts[funds.SHOP_RECEIVABLES]


def fund_balances(session: Session) -> FundBalances:
    found = dict(
        session.execute(
            select(LedgerAccount.code, LedgerAccount.balance_fen).where(
                LedgerAccount.code.in_(list(funds.PLATFORM_ACCOUNTS))
            )
        ).all()
    )
    deposits_total = session.scalar(
        select(func.coalesce(func.sum(LedgerAccount.balance_fen), 0)).where(
            LedgerAccount.code.like("shop:%:deposit")
        )
    )
    paid = session.scalar(
        select(func.coalesce(func.sum(Claim.paid_fen), 0)).where(
            Claim.status.in_([ClaimStatus.PAID.value, ClaimStatus.RECOVERED.value])
        )
    )
    open_claims = session.scalar(
        select(func.count()).select_from(Claim).where(Claim.status.in_(list(OPEN_CLAIM)))
    )
    return FundBalances(
        accounts={code: int(found.get(code, 0)) for code in funds.PLATFORM_ACCOUNTS},
        shop_deposits_fen=int(deposits_total or 0),
        claims_paid_fen=int(paid or 0),
        claims_open=int(open_claims or 0),
    )
