"""A shop's deposit: topping it up (which first repays anything the shop owes) and withdrawing
from it (never below the programme minimum while the shop carries the badge, never while claims
against the shop are open)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shijing.accounts.service import Principal
from shijing.commerce.shops import service as shops
from shijing.commerce.shops.access import require_shop_staff_to_act
from shijing.commerce.shops.models import Shop, ShopStatus
from shijing.core.clock import Clock
from shijing.core.errors import Conflict, InvalidInput, NotFound
from shijing.core.money import format_fen
from shijing.guarantees import coverage, funds
from shijing.guarantees import enrolment as enrolments
from shijing.guarantees.models import Claim, ClaimStatus
from shijing.ledger import service as ledger
from shijing.ledger.models import LedgerAccount, LedgerEntry, LedgerTransaction
from shijing.ledger.service import Leg, StatementLine

OPEN_CLAIM = (ClaimStatus.OPENED.value, ClaimStatus.UNDER_REVIEW.value, ClaimStatus.APPROVED.value)
MAX_MOVE_FEN = 100_000_000_00  # ¥100 million: a typo guard, not a business rule


def _amount(amount_fen: object) -> int:
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int):
        raise InvalidInput("must be a whole number of fen", field="amount_fen")
    if amount_fen <= 0 or amount_fen > MAX_MOVE_FEN:
        raise InvalidInput(
            f"must be between 1 and {MAX_MOVE_FEN} fen", field="amount_fen", code="out_of_range"
        )
    return amount_fen


def _key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > 80:
        raise InvalidInput("must be 1 to 80 characters", field="idempotency_key")
    return key


def _retried(session: Session, key: str, account: str, amount_fen: int) -> LedgerTransaction | None:
    """The posting made earlier under ``key``, when this is the same request again (the amount
    that moved through ``account`` matches); 409 when the key was used for another amount."""
    txn = session.scalar(select(LedgerTransaction).where(LedgerTransaction.idempotency_key == key))
    if txn is None:
        return None
    moved = session.scalar(
        select(func.sum(LedgerEntry.amount_fen))
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(LedgerEntry.transaction_id == txn.id, LedgerAccount.code == account)
    )
    if int(moved or 0) != amount_fen:
        raise Conflict(
            "this idempotency key was used for a different amount",
            field="idempotency_key",
            code="key_reused",
        )
    return txn


def open_claims_against(session: Session, shop_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Claim)
            .where(Claim.shop_id == shop_id, Claim.status.in_(OPEN_CLAIM))
        )
        or 0
    )


def top_up(
    session: Session,
    clock: Clock,
    principal: Principal,
    shop_id: int,
    *,
    amount_fen: int,
    idempotency_key: str,
) -> LedgerTransaction:
    """Money paid in by the shop: what it owes is repaid first; a shop suspended only for its
    debt is reinstated once the debt is repaid. The same key again answers with the first
    posting (even when that one repaid a debt the retry would no longer find)."""
    require_shop_staff_to_act(session, principal, shop_id)
    amount = _amount(amount_fen)
    key = f"deposit:{shop_id}:topup:{_key(idempotency_key)}"
    funds.ensure_shop(session, clock, shop_id)
    earlier = _retried(session, key, funds.CLEARING, -amount)
    if earlier is not None:
        return earlier
    # The debt is read under the locks of the accounts the posting moves, so a concurrent
    # charge cannot change it between the read and the posting.
    funds.lock(
        session,
        funds.CLEARING,
        funds.FUND,
        funds.SHOP_RECEIVABLES,
        funds.deposit(shop_id),
        funds.receivable(shop_id),
    )
    txn = ledger.post(
        session,
        clock,
        idempotency_key=key,
        kind="deposit.topup",
        legs=funds.top_up_legs(session, shop_id, amount),
        memo=f"deposit top-up {format_fen(amount)}",
        meta={"shop_id": shop_id, "by_user_id": principal.id},
    )
    shop = session.get(Shop, shop_id)
    if (
        shop is not None
        and shop.status == ShopStatus.SUSPENDED.value
        and shop.status_reason == DEBT_SUSPENSION
        and funds.owed_by_shop(session, shop_id) == 0
    ):
        shops.reinstate_by_system(session, clock, shop_id, reason="debt to the platform repaid")
    return txn


DEBT_SUSPENSION = "owes the platform guarantee fund"


def withdraw(
    session: Session,
    clock: Clock,
    principal: Principal,
    shop_id: int,
    *,
    amount_fen: int,
    idempotency_key: str,
) -> LedgerTransaction:
    """Money paid back to the shop from its deposit: refused while claims against the shop are
    open, and below the programme minimum while the shop carries the badge."""
    require_shop_staff_to_act(session, principal, shop_id)
    amount = _amount(amount_fen)
    key = f"deposit:{shop_id}:withdraw:{_key(idempotency_key)}"
    funds.ensure_shop(session, clock, shop_id)
    earlier = _retried(session, key, funds.CLEARING, amount)
    if earlier is not None:  # the same request again: answered with the first posting
        return earlier
    # Two withdrawals racing must not both pass the minimum: the balance is read under lock.
    funds.lock(session, funds.CLEARING, funds.deposit(shop_id))
    open_claims = open_claims_against(session, shop_id)
    if open_claims:
        raise Conflict(
            f"{open_claims} claim(s) against the shop are open; withdraw when they are settled",
            field="amount_fen",
            code="claims_open",
        )
    held = funds.balance(session, funds.deposit(shop_id))
    badge = enrolments.holds_badge(session, shop_id)
    promised = 0 if badge else coverage.open_promises(session, clock, shop_id)
    floor = enrolments.deposit_minimum(session, clock, shop_id) if badge or promised else 0
    if held - amount < floor:
        why = "" if badge else f" while {promised} order(s) sold under the badge can still claim"
        raise Conflict(
            f"the deposit would fall to {format_fen(held - amount)}, below the minimum "
            f"{format_fen(floor)}{why} (at most {format_fen(max(0, held - floor))} can be "
            "withdrawn)",
            field="amount_fen",
            code="below_minimum",
        )
    return ledger.post(
        session,
        clock,
        idempotency_key=key,
        kind="deposit.withdraw",
        legs=[Leg(funds.deposit(shop_id), -amount), Leg(funds.CLEARING, amount)],
        memo=f"deposit withdrawal {format_fen(amount)}",
        meta={"shop_id": shop_id, "by_user_id": principal.id},
    )


@dataclass(frozen=True)
class Statement:
    shop_id: int
    deposit_fen: int
    owed_fen: int
    minimum_fen: int
    open_claims: int
    lines: list[StatementLine]


def statement(session: Session, clock: Clock, shop_id: int, *, limit: int = 100) -> Statement:
    """The shop's deposit, debt, minimum and open claims, and the deposit's entries (newest
    first). 404 for a shop that does not exist (no accounts are opened for it)."""
    minimum = enrolments.deposit_minimum(session, clock, shop_id)
    try:  # a read writes nothing: a shop that never paid in has no account, and no lines
        lines = ledger.statement(session, funds.deposit(shop_id), limit=limit)
    except NotFound:
        lines = []
    return Statement(
        shop_id=shop_id,
        deposit_fen=funds.balance(session, funds.deposit(shop_id)),
        owed_fen=funds.owed_by_shop(session, shop_id),
        minimum_fen=minimum,
        open_claims=open_claims_against(session, shop_id),
        lines=lines,
    )
