"""The operator dashboard's numbers: the marketplace over a window of days, and the balances of
the Trust Purchase funds.

Every number is one SQL aggregate (``COUNT``/``SUM`` with ``GROUP BY``), never a Python loop
over the rows, and runs on SQLite and PostgreSQL alike; only the day a timestamp falls on in
Beijing time needs a per-dialect expression. Read-only: nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Date, case, cast, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from shijing.commerce.aftersales.models import AfterSale, AfterSaleKind
from shijing.commerce.orders.models import Order
from shijing.core.clock import DISPLAY_TZ
from shijing.guarantees.models import Claim

WINDOW_DAYS = 30
RETURN_KINDS = (AfterSaleKind.RETURN_REFUND.value,)  # as the badge's return rate counts them


@dataclass(frozen=True)
class Window:
    """``days`` whole days in Beijing time, the last one being today, up to ``until``."""

    first_day: date
    days: int
    since: datetime  # the first day's midnight in Beijing, as UTC
    until: datetime

    @property
    def day_list(self) -> list[date]:
        return [self.first_day + timedelta(days=i) for i in range(self.days)]


def window(now: datetime, days: int = WINDOW_DAYS) -> Window:
    today = now.astimezone(DISPLAY_TZ).date()
    first = today - timedelta(days=days - 1)
    since = datetime.combine(first, time(0), tzinfo=DISPLAY_TZ).astimezone(UTC)
    return Window(first_day=first, days=days, since=since, until=now)


def _local_day(session: Session, column: Any) -> ColumnElement[Any]:
    """The Beijing calendar day of a stored UTC instant, as SQL. SQLite keeps the instant as
    naive UTC text (Beijing has no daylight saving, so +8 hours is exact); PostgreSQL keeps a
    ``timestamptz``."""
    if session.get_bind().dialect.name == "sqlite":
        return func.date(column, "+8 hours")
    return cast(func.timezone(str(DISPLAY_TZ), column), Date)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


@dataclass(frozen=True)
class DayTotals:
    day: date
    orders: int
    gmv_fen: int


@dataclass(frozen=True)
class Dashboard:
    window: Window
    per_day: list[DayTotals]  # one entry per day of the window, oldest first, zeros included
    orders: int
    gmv_fen: int
    buyers: int  # buyers with at least one paid order in the window
    repeat_buyers: int  # … of whom bought (and paid) at least twice
    returns: int
    delivered: int
    claims_paid: int
    claims_paid_fen: int

    @property
    def repurchase_pct(self) -> float | None:
        return round(self.repeat_buyers * 100 / self.buyers, 1) if self.buyers else None

    @property
    def return_pct(self) -> float | None:
        return round(self.returns * 100 / self.delivered, 1) if self.delivered else None


def orders_per_day(session: Session, span: Window) -> list[DayTotals]:
    """Paid orders and GMV per Beijing day, by the time each order was paid. GMV is what buyers
    paid (refunds are not taken off: they show in the return rate)."""
    day = _local_day(session, Order.paid_at).label("day")
    rows = session.execute(
        select(day, func.count(Order.id), func.coalesce(func.sum(Order.total_fen), 0))
        .where(Order.paid_at.is_not(None), Order.paid_at >= span.since, Order.paid_at <= span.until)
        .group_by(day)
    ).all()
    found = {_as_date(d): (int(n), int(fen)) for d, n, fen in rows}
    return [DayTotals(d, *found.get(d, (0, 0))) for d in span.day_list]


def repurchase(session: Session, span: Window) -> tuple[int, int]:
    """``(buyers, repeat buyers)``: the buyers with at least one order paid in the window, and
    those of them with at least two. The repurchase rate is the second over the first."""
    per_buyer = (
        select(Order.buyer_id, func.count(Order.id).label("paid"))
        .where(Order.paid_at.is_not(None), Order.paid_at >= span.since, Order.paid_at <= span.until)
        .group_by(Order.buyer_id)
        .subquery()
    )
    buyers, repeat = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((per_buyer.c.paid >= 2, 1), else_=0)), 0),
        ).select_from(per_buyer)
    ).one()
    return int(buyers), int(repeat)


def return_counts(session: Session, span: Window) -> tuple[int, int]:
    """``(returns, delivered)``: after-sales that send the goods back for a refund opened in the
    window, and orders delivered in the window. The return rate is the first over the second,
    counted as the Trust Purchase badge counts a shop's."""
    returns = session.scalar(
        select(func.count(AfterSale.id)).where(
            AfterSale.kind.in_(RETURN_KINDS),
            AfterSale.opened_at >= span.since,
            AfterSale.opened_at <= span.until,
        )
    )
    delivered = session.scalar(
        select(func.count(Order.id)).where(
            Order.delivered_at.is_not(None),
            Order.delivered_at >= span.since,
            Order.delivered_at <= span.until,
        )
    )
    return int(returns or 0), int(delivered or 0)


def claims_paid(session: Session, span: Window) -> tuple[int, int]:
    """``(count, fen)`` of Trust Purchase claims paid out in the window."""
    count, fen = session.execute(
        select(func.count(Claim.id), func.coalesce(func.sum(Claim.paid_fen), 0)).where(
            Claim.paid_at.is_not(None), Claim.paid_at >= span.since, Claim.paid_at <= span.until
        )
    ).one()
    return int(count), int(fen)


def dashboard(session: Session, now: datetime, days: int = WINDOW_DAYS) -> Dashboard:
    span = window(now, days)
    per_day = orders_per_day(session, span)
    buyers, repeat = repurchase(session, span)
    returns, delivered = return_counts(session, span)
    paid, paid_fen = claims_paid(session, span)
    return Dashboard(
        window=span,
        per_day=per_day,
        orders=sum(d.orders for d in per_day),
        gmv_fen=sum(d.gmv_fen for d in per_day),
        buyers=buyers,
        repeat_buyers=repeat,
        returns=returns,
        delivered=delivered,
        claims_paid=paid,
        claims_paid_fen=paid_fen,
    )
