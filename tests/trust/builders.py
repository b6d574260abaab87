"""Small hand-made fact tables (Arrow) for the scoring tests."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa

from shijing.facts.engines import FactsEngine
from shijing.facts.export import write_partition
from shijing.facts.registry import schema_of
from shijing.trust.definition import ScoreDefinition
from shijing.trust.pipeline import Facts, shop_indicator_values
from shijing.trust.scoring import ShopResult, shop_results

AS_OF = date(2026, 11, 1)
T0 = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)  # inside every default window before AS_OF
_ids = itertools.count(1)


# the fact tables the scoring pipeline reads (``trust.pipeline.Facts``)
SCORED_TABLES = ("orders", "aftersales", "reviews", "complaints", "flags")


@dataclass
class FactSet:
    orders: list[dict[str, Any]] = field(default_factory=list)
    aftersales: list[dict[str, Any]] = field(default_factory=list)
    reviews: list[dict[str, Any]] = field(default_factory=list)
    complaints: list[dict[str, Any]] = field(default_factory=list)
    flags: list[dict[str, Any]] = field(default_factory=list)

    def order(
        self,
        *,
        shop_id: int,
        placed_at: datetime = T0,
        category: str = "apparel.womens",
        creator_id: int | None = None,
        buyer_id: int = 1000,
        total_fen: int = 10_000,
        pickup_hours: float | None = 24,
        ship_within_hours: float = 48,
        delivery_hours: float | None = 48,
        cancelled_by: str | None = None,
        completed: bool = True,
        payment_failures: int = 0,
        registered_at: datetime = datetime(2025, 1, 1, tzinfo=UTC),
    ) -> int:
        order_id = next(_ids)
        paid = placed_at + timedelta(minutes=5)
        picked = paid + timedelta(hours=pickup_hours) if pickup_hours is not None else None
        delivered = (
            picked + timedelta(hours=delivery_hours)
            if picked is not None and delivery_hours is not None
            else None
        )
        cancelled_at = paid + timedelta(hours=1) if cancelled_by else None
        if cancelled_by:
            picked = delivered = None
        self.orders.append(
            {
                "order_id": order_id,
                "day": placed_at.date(),
                "placed_at": placed_at,
                "buyer_id": buyer_id,
                "shop_id": shop_id,
                "creator_id": creator_id,
                "product_id": shop_id * 10,
                "category": category,
                "root_category": category.split(".")[0],
                "traffic_source": "live_room",
                "total_fen": total_fen,
                "status": "cancelled" if cancelled_by else "completed",
                "paid_at": paid,
                "ship_due_at": paid + timedelta(hours=ship_within_hours),
                "shipped_at": picked,
                "picked_up_at": picked,
                "delivered_at": delivered,
                "completed_at": delivered + timedelta(days=7)
                if delivered is not None and completed
                else None,
                "cancelled_at": cancelled_at,
                "cancelled_by": cancelled_by,
                "refunded_fen": 0,
                "payment_failures": payment_failures,
                "buyer_registered_at": registered_at,
            }
        )
        return order_id

    def _order(self, order_id: int) -> dict[str, Any]:
        return next(o for o in self.orders if o["order_id"] == order_id)

    def review(self, order_id: int, rating: int, *, hidden: bool = False) -> int:
        o = self._order(order_id)
        review_id = next(_ids)
        at = o["placed_at"] + timedelta(days=3)
        self.reviews.append(
            {
                "review_id": review_id,
                "day": at.date(),
                "order_id": order_id,
                "shop_id": o["shop_id"],
                "creator_id": o["creator_id"],
                "product_id": o["product_id"],
                "buyer_id": o["buyer_id"],
                "created_at": at,
                "product_rating": rating,
                "logistics_rating": 5,
                "service_rating": 5,
                "hidden": hidden,
            }
        )
        return review_id

    def aftersale(
        self,
        order_id: int,
        *,
        reason: str = "quality",
        status: str = "refunded",
        fault: str | None = None,
        response_hours: float | None = 2,
        refunded_fen: int = 10_000,
    ) -> int:
        o = self._order(order_id)
        aftersale_id = next(_ids)
        opened = o["placed_at"] + timedelta(days=4)
        ruled = opened + timedelta(days=2) if fault else None
        self.aftersales.append(
            {
                "aftersale_id": aftersale_id,
                "day": opened.date(),
                "order_id": order_id,
                "shop_id": o["shop_id"],
                "buyer_id": o["buyer_id"],
                "creator_id": o["creator_id"],
                "kind": "return_refund",
                "reason": reason,
                "status": status,
                "opened_at": opened,
                "responded_at": opened + timedelta(hours=response_hours)
                if response_hours is not None
                else None,
                "auto_approved": False,
                "amount_fen": o["total_fen"],
                "refunded_fen": refunded_fen if status == "refunded" else 0,
                "escalated_at": opened + timedelta(days=1) if fault else None,
                "ruled_at": ruled,
                "ruling": ("refund" if fault == "shop" else "close") if fault else None,
                "fault": fault,
                "closed_at": opened + timedelta(days=3),
            }
        )
        return aftersale_id

    def complaint(self, order_id: int, *, status: str = "upheld", target: str = "shop") -> int:
        o = self._order(order_id)
        complaint_id = next(_ids)
        at = o["placed_at"] + timedelta(days=2)
        self.complaints.append(
            {
                "complaint_id": complaint_id,
                "day": at.date(),
                "complainant_id": o["buyer_id"],
                "target_kind": target,
                "shop_id": o["shop_id"],
                "creator_id": o["creator_id"],
                "order_id": order_id,
                "category": "other",
                "status": status,
                "created_at": at,
                "resolved_at": at + timedelta(days=1),
            }
        )
        return complaint_id

    def flag(self, kind: str, subject_id: int, *, lifted: bool = False) -> int:
        flag_id = next(_ids)
        at = T0 - timedelta(days=1)
        self.flags.append(
            {
                "flag_id": flag_id,
                "day": at.date(),
                "subject_kind": kind,
                "subject_id": subject_id,
                "reason": "test",
                "source": "operator",
                "created_at": at,
                "lifted_at": at + timedelta(hours=1) if lifted else None,
            }
        )
        return flag_id

    def arrow(self, table: str) -> pa.Table:
        return pa.Table.from_pylist(getattr(self, table), schema=schema_of(table))

    def facts(self, engine: FactsEngine) -> Facts:
        tables = {t: engine.from_arrow(t, self.arrow(t)) for t in SCORED_TABLES}
        return Facts(**tables, whole_seconds=engine.whole_seconds)

    def write(self, root: Path) -> None:
        """As Parquet partitions, the way the exporter and the simulator write them."""
        for table in SCORED_TABLES:
            by_day: dict[date, list[dict[str, Any]]] = {}
            for row in getattr(self, table):
                by_day.setdefault(row["day"], []).append(row)
            for day, rows in by_day.items():
                write_partition(root, table, day, rows)


def healthy_shop(
    fs: FactSet, shop_id: int, orders: int, *, category: str = "apparel.womens", **kw: Any
) -> list[int]:
    return [
        fs.order(shop_id=shop_id, category=category, placed_at=T0 + timedelta(hours=i), **kw)
        for i in range(orders)
    ]


def shop_rows(
    engine: FactsEngine, fs: FactSet, d: ScoreDefinition | None = None, as_of: date = AS_OF
) -> dict[tuple[int, str], dict[str, Any]]:
    d = d or ScoreDefinition()
    rows = engine.collect(shop_indicator_values(fs.facts(engine), as_of, d.shop))
    return {(r["shop_id"], r["indicator"]): r for r in rows}


def shop_scores(
    engine: FactsEngine, fs: FactSet, d: ScoreDefinition | None = None, as_of: date = AS_OF
) -> dict[int, ShopResult]:
    d = d or ScoreDefinition()
    rows = engine.collect(shop_indicator_values(fs.facts(engine), as_of, d.shop))
    return shop_results(rows, d.shop)


def definition(**shop: Any) -> ScoreDefinition:
    return ScoreDefinition.model_validate({"shop": shop})
