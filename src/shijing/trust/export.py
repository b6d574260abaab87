"""Export the fact tables (facts.py) from the operational database to Parquet, by day.

Incremental by *changed days*: a day partition is rewritten whole when any row of that day has a
timestamp at or after the previous export's high-water mark (less a safety margin for
transactions that committed after the clock time they wrote), and the last ``reopen_days`` days
are always rewritten. Why not a plain high-water mark on the partition day: facts change long
after the day they are filed under (an order placed 60 days ago gets an after-sale ruling today),
so the day of a *change* and the day of the *partition* differ. The recent-days rewrite catches
edits that move no timestamp (a review hidden by moderation). The first export, or ``full=True``,
writes every day.

A first export starts the folder clean, so it refuses a folder that already holds day partitions
but no export state (say, one written by ``shijing sim bulk``): that Parquet is not this
database's and deleting it would lose it. Score such a folder as it is (``export=False``).

Partitions are written to a temporary file and renamed, so a reader never sees half a file.
"""

from __future__ import annotations

import json
import os
import shutil
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from shijing.accounts.models import User
from shijing.commerce.aftersales.models import AfterSale
from shijing.commerce.catalog.categories import CATEGORIES, root_of
from shijing.commerce.complaints.models import Complaint
from shijing.commerce.orders.models import Order
from shijing.commerce.payments.models import Payment, PaymentStatus
from shijing.commerce.reviews.models import Review
from shijing.commerce.shipping.models import Direction, Shipment
from shijing.core.clock import Clock
from shijing.core.errors import Conflict
from shijing.trust.facts import TABLES
from shijing.trust.models import IntegrityFlag

STATE_FILE = "_export_state.json"
SAFETY_MARGIN = timedelta(hours=1)
DEFAULT_REOPEN_DAYS = 14


@dataclass
class ExportReport:
    full: bool
    days: dict[str, int] = field(default_factory=dict)  # table → partitions rewritten
    rows: dict[str, int] = field(default_factory=dict)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _root_category(code: str) -> str:
    return root_of(code) if code in CATEGORIES else code.split(".", 1)[0]


def _any_since(columns: Iterable[Any], since: datetime) -> ColumnElement[bool]:
    return or_(*(c >= since for c in columns))


# -- per table: which days changed, and the rows of a range of days ---------------------------


def _order_days(session: Session, since: datetime) -> set[date]:
    o = Order
    stamps = (o.placed_at, o.paid_at, o.shipped_at, o.delivered_at, o.completed_at, o.cancelled_at)
    found = set(session.scalars(select(o.placed_at).where(_any_since(stamps, since))))
    found |= set(
        session.scalars(
            select(o.placed_at)
            .join(Shipment, Shipment.order_id == o.id)
            .where(_any_since((Shipment.picked_up_at, Shipment.delivered_at), since))
        )
    )
    found |= set(
        session.scalars(
            select(o.placed_at)
            .join(Payment, Payment.order_id == o.id)
            .where(Payment.updated_at >= since)
        )
    )
    found |= set(
        session.scalars(
            select(o.placed_at)
            .join(AfterSale, AfterSale.order_id == o.id)
            .where(_any_since((AfterSale.refunded_at, AfterSale.closed_at), since))
        )
    )
    return {_utc(t).date() for t in found if t is not None}  # type: ignore[union-attr]


def _order_rows(session: Session, start: datetime, end: datetime) -> list[dict[str, Any]]:
    pickup = (
        select(Shipment.order_id, func.min(Shipment.picked_up_at).label("picked_up_at"))
        .where(Shipment.direction == Direction.OUTBOUND.value)
        .group_by(Shipment.order_id)
        .subquery()
    )
    failures = (
        select(Payment.order_id, func.count().label("n"))
        .where(Payment.status == PaymentStatus.FAILED.value)
        .group_by(Payment.order_id)
        .subquery()
    )
    query = (
        select(Order, pickup.c.picked_up_at, failures.c.n, User.created_at)
        .outerjoin(pickup, pickup.c.order_id == Order.id)
        .outerjoin(failures, failures.c.order_id == Order.id)
        .join(User, User.id == Order.buyer_id)
        .where(Order.placed_at >= start, Order.placed_at < end)
        .order_by(Order.id)
    )
    rows = []
    for order, picked_up_at, n_failed, registered in session.execute(query):
        rows.append(
            {
                "order_id": order.id,
                "day": order.placed_at.date(),
                "placed_at": order.placed_at,
                "buyer_id": order.buyer_id,
                "shop_id": order.shop_id,
                "creator_id": order.creator_id,
                "product_id": order.product_id,
                "category": order.category,
                "root_category": _root_category(order.category),
                "traffic_source": order.traffic_source,
                "total_fen": order.total_fen,
                "status": order.status,
                "paid_at": order.paid_at,
                "ship_due_at": order.ship_due_at,
                "shipped_at": order.shipped_at,
                "picked_up_at": _utc(picked_up_at),
                "delivered_at": order.delivered_at,
                "completed_at": order.completed_at,
                "cancelled_at": order.cancelled_at,
                "cancelled_by": order.cancelled_by,
                "refunded_fen": order.refunded_fen,
                "payment_failures": int(n_failed or 0),
                "buyer_registered_at": _utc(registered),
            }
        )
    return rows


_AFTERSALE_STAMPS = (
    AfterSale.opened_at,
    AfterSale.responded_at,
    AfterSale.return_delivered_at,
    AfterSale.return_received_at,
    AfterSale.refunded_at,
    AfterSale.escalated_at,
    AfterSale.ruled_at,
    AfterSale.closed_at,
)


def _aftersale_days(session: Session, since: datetime) -> set[date]:
    found = session.scalars(select(AfterSale.opened_at).where(_any_since(_AFTERSALE_STAMPS, since)))
    return {_utc(t).date() for t in found}  # type: ignore[union-attr]


def _aftersale_rows(session: Session, start: datetime, end: datetime) -> list[dict[str, Any]]:
    query = (
        select(AfterSale, Order.creator_id)
        .join(Order, Order.id == AfterSale.order_id)
        .where(AfterSale.opened_at >= start, AfterSale.opened_at < end)
        .order_by(AfterSale.id)
    )
    return [
        {
            "aftersale_id": a.id,
            "day": a.opened_at.date(),
            "order_id": a.order_id,
            "shop_id": a.shop_id,
            "buyer_id": a.buyer_id,
            "creator_id": creator_id,
            "kind": a.kind,
            "reason": a.reason,
            "status": a.status,
            "opened_at": a.opened_at,
            "responded_at": a.responded_at,
            "auto_approved": a.auto_approved,
            "amount_fen": a.amount_fen,
            "refunded_fen": a.refunded_fen,
            "escalated_at": a.escalated_at,
            "ruled_at": a.ruled_at,
            "ruling": a.ruling,
            "fault": a.fault,
            "closed_at": a.closed_at,
        }
        for a, creator_id in session.execute(query)
    ]


def _review_days(session: Session, since: datetime) -> set[date]:
    r = Review
    stamps = (r.created_at, r.updated_at, r.followup_at, r.shop_replied_at)
    found = session.scalars(select(r.created_at).where(_any_since(stamps, since)))
    return {_utc(t).date() for t in found}  # type: ignore[union-attr]


def _review_rows(session: Session, start: datetime, end: datetime) -> list[dict[str, Any]]:
    query = (
        select(Review)
        .where(Review.created_at >= start, Review.created_at < end)
        .order_by(Review.id)
    )
    return [
        {
            "review_id": r.id,
            "day": r.created_at.date(),
            "order_id": r.order_id,
            "shop_id": r.shop_id,
            "creator_id": r.creator_id,
            "product_id": r.product_id,
            "buyer_id": r.buyer_id,
            "created_at": r.created_at,
            "product_rating": r.product_rating,
            "logistics_rating": r.logistics_rating,
            "service_rating": r.service_rating,
            "hidden": r.hidden_reason is not None,
        }
        for r in session.scalars(query)
    ]


def _complaint_days(session: Session, since: datetime) -> set[date]:
    c = Complaint
    found = session.scalars(
        select(c.created_at).where(_any_since((c.created_at, c.resolved_at), since))
    )
    return {_utc(t).date() for t in found}  # type: ignore[union-attr]


def _complaint_rows(session: Session, start: datetime, end: datetime) -> list[dict[str, Any]]:
    query = (
        select(Complaint)
        .where(Complaint.created_at >= start, Complaint.created_at < end)
        .order_by(Complaint.id)
    )
    return [
        {
            "complaint_id": c.id,
            "day": c.created_at.date(),
            "complainant_id": c.complainant_id,
            "target_kind": c.target_kind,
            "shop_id": c.shop_id,
            "creator_id": c.creator_id,
            "order_id": c.order_id,
            "category": c.category,
            "status": c.status,
            "created_at": c.created_at,
            "resolved_at": c.resolved_at,
        }
        for c in session.scalars(query)
    ]


def _flag_days(session: Session, since: datetime) -> set[date]:
    f = IntegrityFlag
    found = session.scalars(
        select(f.created_at).where(_any_since((f.created_at, f.lifted_at), since))
    )
    return {_utc(t).date() for t in found}  # type: ignore[union-attr]


def _flag_rows(session: Session, start: datetime, end: datetime) -> list[dict[str, Any]]:
    query = (
        select(IntegrityFlag)
        .where(IntegrityFlag.created_at >= start, IntegrityFlag.created_at < end)
        .order_by(IntegrityFlag.id)
    )
    return [
        {
            "flag_id": f.id,
            "day": f.created_at.date(),
            "subject_kind": f.subject_kind,
            "subject_id": f.subject_id,
            "reason": f.reason,
            "source": f.source,
            "created_at": f.created_at,
            "lifted_at": f.lifted_at,
        }
        for f in session.scalars(query)
    ]


def _all_days(session: Session, column: Any) -> set[date]:
    return {_utc(t).date() for t in session.scalars(select(column))}  # type: ignore[union-attr]


_Days = Callable[[Session, datetime], set[date]]
_Rows = Callable[[Session, datetime, datetime], list[dict[str, Any]]]
EXPORTERS: dict[str, tuple[Any, _Days, _Rows]] = {
    "orders": (Order.placed_at, _order_days, _order_rows),
    "aftersales": (AfterSale.opened_at, _aftersale_days, _aftersale_rows),
    "reviews": (Review.created_at, _review_days, _review_rows),
    "complaints": (Complaint.created_at, _complaint_days, _complaint_rows),
    "flags": (IntegrityFlag.created_at, _flag_days, _flag_rows),
}


# -- writing ------------------------------------------------------------------------------------


def partition_dir(root: Path, table: str, day: date) -> Path:
    return root / table / f"day={day.isoformat()}"


def write_partition(root: Path, table: str, day: date, rows: list[dict[str, Any]]) -> None:
    """Replace one day's partition (atomically); an empty day removes it."""
    folder = partition_dir(root, table, day)
    if not rows:
        shutil.rmtree(folder, ignore_errors=True)
        return
    folder.mkdir(parents=True, exist_ok=True)
    data = pa.Table.from_pylist(rows, schema=TABLES[table])
    tmp = folder / ".part-0.parquet.tmp"
    pq.write_table(data, tmp)
    os.replace(tmp, folder / "part-0.parquet")


def _read_state(root: Path) -> datetime | None:
    path = root / STATE_FILE
    if not path.exists():
        return None
    return datetime.fromisoformat(json.loads(path.read_text())["exported_at"])


def export_facts(
    session: Session,
    clock: Clock,
    root: Path,
    *,
    full: bool = False,
    reopen_days: int = DEFAULT_REOPEN_DAYS,
) -> ExportReport:
    """Bring the Parquet fact tables under ``root`` up to date with the database."""
    now = clock.now()
    previous = None if full else _read_state(root)
    if previous is None and not full:
        foreign = [table for table in EXPORTERS if exported_days(root, table)]
        if foreign:
            raise Conflict(
                f"{root} holds Parquet day partitions ({', '.join(foreign)}) but no "
                f"{STATE_FILE}: they were not exported from this database, and a first export "
                "would delete them; score the folder as it is (shijing score run --no-export) "
                "or choose an empty folder",
                field="facts_dir",
            )
    report = ExportReport(full=previous is None)
    today = now.date()
    recent = {today - timedelta(days=i) for i in range(reopen_days + 1)}
    for table, (first_time, changed_days, rows_of) in EXPORTERS.items():
        if previous is None:
            days = _all_days(session, first_time)
            # forget partitions whose rows are gone (a full export starts clean)
            shutil.rmtree(root / table, ignore_errors=True)
        else:
            days = changed_days(session, previous - SAFETY_MARGIN) | recent
        by_day: dict[date, list[dict[str, Any]]] = defaultdict(list)
        if days:
            rows = rows_of(session, _day_start(min(days)), _day_start(max(days) + timedelta(1)))
            for row in rows:
                if row["day"] in days:
                    by_day[row["day"]].append(row)
        for day in sorted(days):
            write_partition(root, table, day, by_day.get(day, []))
        report.days[table] = len(days)
        report.rows[table] = sum(len(v) for v in by_day.values())
    root.mkdir(parents=True, exist_ok=True)
    (root / STATE_FILE).write_text(json.dumps({"exported_at": now.isoformat()}))
    return report


def exported_days(root: Path, table: str) -> list[date]:
    """The day partitions present for a table."""
    folder = root / table
    if not folder.exists():
        return []
    return sorted(
        date.fromisoformat(p.name.removeprefix("day="))
        for p in folder.iterdir()
        if p.is_dir() and p.name.startswith("day=")
    )
