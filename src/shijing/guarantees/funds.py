"""Where Trust Purchase money sits in the ledger, and the movements between those places.

Every account holds the value its holder has (a positive balance is money held for them); the
outside world (the payment provider's clearing account) carries the opposite sign, so all balances
sum to zero. A shop's deposit never goes below zero: what a shop owes beyond its deposit is paid
by the platform guarantee fund and recorded as the shop's receivable (a negative balance, "owes
the platform"), mirrored by ``platform:shop_receivables``. Every movement has an idempotency key
the database keeps unique, so a retried or raced movement is made once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.core.clock import Clock
from shijing.core.errors import InvalidInput
from shijing.ledger import service as ledger
from shijing.ledger.models import LedgerAccount
from shijing.ledger.service import Leg

FUND = "platform:guarantee_fund"
PREMIUM_POOL = "platform:premium_pool"
SHOP_RECEIVABLES = "platform:shop_receivables"
FAST_REFUND_FLOAT = "platform:fast_refund_float"
CLEARING = "provider:clearing"

PLATFORM_ACCOUNTS = {
    FUND: ("平台保障基金 · platform guarantee fund", False),
    PREMIUM_POOL: ("运费险资金池 · return-postage premium pool", False),
    SHOP_RECEIVABLES: ("商家欠款 · owed by shops", False),
    FAST_REFUND_FLOAT: ("极速退款垫付 · fast refunds fronted", False),
    CLEARING: ("支付通道清算 · payment-provider clearing", True),
}


def deposit(shop_id: int) -> str:
    return f"shop:{shop_id}:deposit"


def receivable(shop_id: int) -> str:
    return f"shop:{shop_id}:receivable"


def buyer_payable(buyer_id: int) -> str:
    return f"buyer:{buyer_id}:payable"


def buyer_receivable(buyer_id: int) -> str:
    return f"buyer:{buyer_id}:receivable"


def ensure_platform(session: Session, clock: Clock) -> None:
    for code, (name, negative) in PLATFORM_ACCOUNTS.items():
        ledger.open_account(session, clock, code, name=name, allow_negative=negative)


def ensure_shop(session: Session, clock: Clock, shop_id: int) -> None:
    ensure_platform(session, clock)
    ledger.open_account(session, clock, deposit(shop_id), name=f"店铺{shop_id}保证金 deposit")
    ledger.open_account(
        session,
        clock,
        receivable(shop_id),
        name=f"店铺{shop_id}欠款 receivable",
        allow_negative=True,
    )


def ensure_buyer(session: Session, clock: Clock, buyer_id: int) -> None:
    ensure_platform(session, clock)
    ledger.open_account(session, clock, buyer_payable(buyer_id), name=f"买家{buyer_id}应付")
    ledger.open_account(
        session,
        clock,
        buyer_receivable(buyer_id),
        name=f"买家{buyer_id}欠款",
        allow_negative=True,
    )


def balance(session: Session, code: str) -> int:
    value = session.scalar(select(LedgerAccount.balance_fen).where(LedgerAccount.code == code))
    return int(value or 0)


def lock(session: Session, *codes: str) -> None:
    """Lock these account rows in id order — the order ``ledger.post`` locks them in, so lockers
    never deadlock — so that the balances read next stay true until the posting."""
    session.scalars(
        select(LedgerAccount.id)
        .where(LedgerAccount.code.in_(sorted(set(codes))))
        .order_by(LedgerAccount.id)
        .with_for_update()
    ).all()


def shop_charge_accounts(shop_id: int) -> tuple[str, ...]:
    """Every account a charge to the shop may touch (see ``shop_charge_legs``)."""
    return (deposit(shop_id), FUND, receivable(shop_id), SHOP_RECEIVABLES)


def owed_by_shop(session: Session, shop_id: int) -> int:
    """What the shop owes the platform beyond its deposit (≥ 0)."""
    return max(0, -balance(session, receivable(shop_id)))


def _positive(amount_fen: int, field: str = "amount_fen") -> int:
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        raise InvalidInput("must be a positive whole number of fen", field=field)
    return amount_fen


def fund_platform(session: Session, clock: Clock, *, amount_fen: int, key: str) -> None:
    """Capital paid into the guarantee fund (from the platform's account at the provider)."""
    ensure_platform(session, clock)
    ledger.post(
        session,
        clock,
        idempotency_key=key,
        kind="fund.capital",
        legs=[Leg(CLEARING, -_positive(amount_fen)), Leg(FUND, amount_fen)],
        memo="capital paid into the guarantee fund",
    )


def top_up_legs(session: Session, shop_id: int, amount_fen: int) -> list[Leg]:
    """Money the shop pays in: first it repays what it owes, the rest goes to its deposit."""
    repay = min(owed_by_shop(session, shop_id), amount_fen)
    legs = [Leg(CLEARING, -amount_fen)]
    if repay:
        legs += [
            Leg(FUND, repay),
            Leg(receivable(shop_id), repay),
            Leg(SHOP_RECEIVABLES, -repay),
        ]
    if amount_fen - repay:
        legs.append(Leg(deposit(shop_id), amount_fen - repay))
    return legs


@dataclass(frozen=True)
class Charge:
    from_deposit: int
    shortfall: int  # paid by the guarantee fund, now owed by the shop

    @property
    def total(self) -> int:
        return self.from_deposit + self.shortfall


def shop_charge_legs(session: Session, shop_id: int, amount_fen: int) -> tuple[list[Leg], Charge]:
    """Legs taking ``amount_fen`` from a shop: its deposit first, then the fund on its behalf,
    the shortfall booked as the shop's debt. The caller adds the leg that receives the money."""
    available = max(0, balance(session, deposit(shop_id)))
    from_deposit = min(available, amount_fen)
    shortfall = amount_fen - from_deposit
    legs: list[Leg] = []
    if from_deposit:
        legs.append(Leg(deposit(shop_id), -from_deposit))
    if shortfall:
        legs += [
            Leg(FUND, -shortfall),
            Leg(receivable(shop_id), -shortfall),
            Leg(SHOP_RECEIVABLES, shortfall),
        ]
    return legs, Charge(from_deposit, shortfall)


def pool_charge_legs(session: Session, amount_fen: int) -> list[Leg]:
    """Legs taking ``amount_fen`` from the premium pool, the fund covering what the pool lacks."""
    from_pool = min(max(0, balance(session, PREMIUM_POOL)), amount_fen)
    legs: list[Leg] = []
    if from_pool:
        legs.append(Leg(PREMIUM_POOL, -from_pool))
    if amount_fen - from_pool:
        legs.append(Leg(FUND, -(amount_fen - from_pool)))
    return legs
