"""Posting to the double-entry ledger.

A posting is a set of entries that sums to zero, under an idempotency key the database keeps
unique. Balances are kept on the account rows and updated under row locks taken in account-id
order, so two postings touching the same accounts never deadlock; an account that may not go
negative refuses a posting that would take it there (409 naming the account) and nothing is
written.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shijing.core.clock import Clock
from shijing.core.errors import Conflict, InvalidInput, NotFound
from shijing.core.outbox import emit
from shijing.ledger import events as ledger_events
from shijing.ledger.models import LedgerAccount, LedgerEntry, LedgerTransaction


@dataclass(frozen=True)
class Leg:
    """One line of a posting: ``amount_fen`` > 0 debits the account, < 0 credits it."""

    account: str
    amount_fen: int


def open_account(
    session: Session,
    clock: Clock,
    code: str,
    *,
    name: str | None = None,
    allow_negative: bool = False,
) -> LedgerAccount:
    """The account with this code, opened if it does not exist yet."""
    account = session.scalar(select(LedgerAccount).where(LedgerAccount.code == code))
    if account is not None:
        return account
    account = LedgerAccount(
        code=code,
        name=name or code,
        allow_negative=allow_negative,
        balance_fen=0,
        created_at=clock.now(),
    )
    try:
        with session.begin_nested():
            session.add(account)
            session.flush()
    except IntegrityError:  # opened meanwhile by a concurrent posting
        account = session.scalar(select(LedgerAccount).where(LedgerAccount.code == code))
        assert account is not None
    return account


def get_account(session: Session, code: str) -> LedgerAccount:
    account = session.scalar(select(LedgerAccount).where(LedgerAccount.code == code))
    if account is None:
        raise NotFound("no such ledger account", field="account")
    return account


def _validate(key: str, kind: str, legs: Sequence[Leg]) -> dict[str, int]:
    if not key or len(key) > 120:
        raise InvalidInput("must be 1 to 120 characters", field="idempotency_key")
    if not kind or len(kind) > 40:
        raise InvalidInput("must be 1 to 40 characters", field="kind")
    if len(legs) < 2:
        raise InvalidInput("a posting has at least two entries", field="legs")
    net: dict[str, int] = defaultdict(int)
    for leg in legs:
        if not isinstance(leg.amount_fen, int) or isinstance(leg.amount_fen, bool):
            raise InvalidInput("amounts are whole fen", field="legs")
        if leg.amount_fen == 0:
            raise InvalidInput("an entry of zero is not an entry", field="legs")
        net[leg.account] += leg.amount_fen
    if sum(net.values()) != 0:
        raise InvalidInput("the entries do not balance (they must sum to zero)", field="legs")
    return {code: amount for code, amount in net.items() if amount != 0}


def _same(existing: LedgerTransaction, session: Session, net: dict[str, int]) -> bool:
    rows = session.execute(
        select(LedgerAccount.code, func.sum(LedgerEntry.amount_fen))
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(LedgerEntry.transaction_id == existing.id)
        .group_by(LedgerAccount.code)
    ).all()
    return {code: int(total) for code, total in rows} == net


def post(
    session: Session,
    clock: Clock,
    *,
    idempotency_key: str,
    kind: str,
    legs: Sequence[Leg],
    memo: str = "",
    meta: dict[str, Any] | None = None,
) -> LedgerTransaction:
    """Post balanced entries once. The same key with the same entries returns the first posting;
    with different entries it is a 409. Accounts must exist (``open_account``)."""
    net = _validate(idempotency_key, kind, legs)
    existing = session.scalar(
        select(LedgerTransaction).where(LedgerTransaction.idempotency_key == idempotency_key)
    )
    if existing is not None:
        if not _same(existing, session, net):
            raise Conflict(
                "this idempotency key was used for a different posting",
                field="idempotency_key",
                code="key_reused",
            )
        return existing
    accounts = {
        a.code: a
        for a in session.scalars(
            select(LedgerAccount)
            .where(LedgerAccount.code.in_(sorted(net)))
            .order_by(LedgerAccount.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    }
    missing = sorted(set(net) - set(accounts))
    if missing:
        raise NotFound(f"no such ledger account: {missing[0]}", field="legs")
    for code in sorted(net, key=lambda c: accounts[c].id):
        account = accounts[code]
        if not account.allow_negative and account.balance_fen + net[code] < 0:
            raise Conflict(f"{code} would go below zero", field="legs", code="insufficient_funds")
    now = clock.now()
    txn = LedgerTransaction(
        idempotency_key=idempotency_key, kind=kind, memo=memo[:300], meta=meta or {}, posted_at=now
    )
    try:
        with session.begin_nested():
            session.add(txn)
            session.flush()
    except IntegrityError:
        # A concurrent posting with this key committed first: answer with it.
        session.expire_all()
        existing = session.scalar(
            select(LedgerTransaction).where(LedgerTransaction.idempotency_key == idempotency_key)
        )
        if existing is None or not _same(existing, session, net):
            raise Conflict(
                "this idempotency key was used for a different posting",
                field="idempotency_key",
                code="key_reused",
            ) from None
        return existing
    for code in sorted(net, key=lambda c: accounts[c].id):
        account = accounts[code]
        account.balance_fen += net[code]
        session.add(
            LedgerEntry(
                transaction_id=txn.id,
                account_id=account.id,
                amount_fen=net[code],
                balance_after_fen=account.balance_fen,
            )
        )
    session.flush()
    emit(
        session,
        clock,
        ledger_events.LEDGER_POSTED,
        transaction_id=txn.id,
        kind=kind,
        idempotency_key=idempotency_key,
        legs={c: net[c] for c in sorted(net)},
        at=now,
    )
    return txn


# -- checking and reading ---------------------------------------------------------------------


@dataclass
class CheckReport:
    transactions: int
    accounts: int
    unbalanced: list[int]
    wrong_balances: list[str]
    duplicate_keys: list[str]
    negative_not_allowed: list[str]

    @property
    def ok(self) -> bool:
        return not (
            self.unbalanced
            or self.wrong_balances
            or self.duplicate_keys
            or self.negative_not_allowed
        )


def check(session: Session) -> CheckReport:
    """Every transaction balances, every balance equals the sum of its entries, no key is used
    twice, and no account that may not go negative is negative."""
    unbalanced = list(
        session.scalars(
            select(LedgerEntry.transaction_id)
            .group_by(LedgerEntry.transaction_id)
            .having(func.sum(LedgerEntry.amount_fen) != 0)
        )
    )
    sums = dict(
        session.execute(
            select(LedgerEntry.account_id, func.sum(LedgerEntry.amount_fen)).group_by(
                LedgerEntry.account_id
            )
        ).all()
    )
    accounts = list(session.scalars(select(LedgerAccount).order_by(LedgerAccount.id)))
    wrong = [a.code for a in accounts if a.balance_fen != int(sums.get(a.id, 0))]
    negative = [a.code for a in accounts if not a.allow_negative and a.balance_fen < 0]
    duplicates = list(
        session.scalars(
            select(LedgerTransaction.idempotency_key)
            .group_by(LedgerTransaction.idempotency_key)
            .having(func.count() > 1)
        )
    )
    total = session.scalar(select(func.count()).select_from(LedgerTransaction)) or 0
    return CheckReport(total, len(accounts), unbalanced, wrong, duplicates, negative)


@dataclass(frozen=True)
class StatementLine:
    transaction_id: int
    posted_at: datetime
    kind: str
    memo: str
    amount_fen: int
    balance_after_fen: int


def statement(
    session: Session, code: str, *, limit: int = 200, before_id: int | None = None
) -> list[StatementLine]:
    """An account's entries, newest first, each with the balance it left."""
    account = get_account(session, code)
    query = (
        select(LedgerEntry, LedgerTransaction)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(LedgerEntry.account_id == account.id)
        .order_by(LedgerEntry.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        query = query.where(LedgerEntry.id < before_id)
    return [
        StatementLine(
            txn.id, txn.posted_at, txn.kind, txn.memo, entry.amount_fen, entry.balance_after_fen
        )
        for entry, txn in session.execute(query).all()
    ]
