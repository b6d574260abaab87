"""What the detectors read from the fact tables, as Ibis expressions that run unchanged on DuckDB
and on Spark (``facts.engines``). Each returns a narrow table the engine collects to Arrow; the
graph work on it is numpy (``dense``), the same on both engines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy.typing as npt
import pyarrow as pa

from shijing.facts.engines import FactsEngine, Seconds

FINGERPRINTS = ("device_fp", "address_fp", "instrument_fp")
# The after-sale a buyer opens for a parcel that came empty: the platform has no reason of its
# own for it, so it is a refund without return for the wrong item ("nothing" came).
EMPTY_BOX_REASON, EMPTY_BOX_KIND = "wrong_item", "refund_only"


def column(table: pa.Table, name: str) -> npt.NDArray[Any]:
    """One collected column as numpy (nulls as None or NaN)."""
    values: npt.NDArray[Any] = table.column(name).to_numpy(zero_copy_only=False)
    return values


@dataclass
class DetectionFacts:
    orders: ir.Table
    aftersales: ir.Table
    reviews: ir.Table
    whole_seconds: Seconds
    start: ir.TimestampScalar
    end: ir.TimestampScalar


def _instant(day: date) -> ir.TimestampScalar:
    return ibis.literal(datetime.combine(day, time(0), tzinfo=UTC), type="timestamp('UTC')")


def load(engine: FactsEngine, root: Path, as_of: date, days: int) -> DetectionFacts:
    """The facts of the ``days`` before ``as_of`` (the run's window)."""
    first = as_of - timedelta(days=days)
    return DetectionFacts(
        orders=engine.table(root, "orders", first, as_of),
        aftersales=engine.table(root, "aftersales", first, as_of),
        reviews=engine.table(root, "reviews", first, as_of),
        whole_seconds=engine.whole_seconds,
        start=_instant(first),
        end=_instant(as_of),
    )


def _paid(f: DetectionFacts) -> ir.Table:
    o = f.orders
    return o.filter(o.placed_at >= f.start, o.placed_at < f.end, o.paid_at.notnull())


def paid_orders(f: DetectionFacts) -> ir.Table:
    """One row per paid order in the window: the edge of the buyer–shop graph, with how many
    distinct buyers share each of its fingerprints (device, address, payment instrument)."""
    o = _paid(f)
    edges = o.select(
        "order_id",
        "buyer_id",
        "shop_id",
        "total_fen",
        "ship_province",
        *FINGERPRINTS,
        ts=f.whole_seconds(o.paid_at),
        registered=f.whole_seconds(o.buyer_registered_at),
    )
    for column in FINGERPRINTS:
        value = o[column]
        sharing = (
            o.filter(value.notnull())
            .group_by(value.name("fp"))
            .aggregate(n=o.buyer_id.nunique())
            .rename({f"{column}_buyers": "n"})
        )
        edges = edges.left_join(sharing, edges[column] == sharing.fp).drop("fp")
        edges = edges.mutate(**{f"{column}_buyers": edges[f"{column}_buyers"].fill_null(0)})
    return edges.order_by("order_id")


def reviews(f: DetectionFacts) -> ir.Table:
    """Reviews written in the window, with their text and the reviewer's account age."""
    r = f.reviews
    o = f.orders.select(o_id=f.orders.order_id, registered=f.orders.buyer_registered_at)
    r = r.filter(r.created_at >= f.start, r.created_at < f.end)
    joined = r.left_join(o, r.order_id == o.o_id)
    return joined.select(
        "review_id",
        "order_id",
        "buyer_id",
        "shop_id",
        "product_rating",
        "text",
        ts=f.whole_seconds(joined.created_at),
        registered=f.whole_seconds(joined.registered),
    ).order_by("review_id")


def buyer_returns(f: DetectionFacts) -> ir.Table:
    """Per paid order in the window: whether it was returned or refunded through an after-sale
    (and for what reason), with the order's category and ship-to province."""
    o = _paid(f)
    a = f.aftersales
    a = a.filter(a.opened_at < f.end, a.status != "withdrawn", a.status != "rejected")
    per_order = a.group_by(a.order_id.name("a_order")).aggregate(
        returns=a.aftersale_id.count(),
        empty_box=((a.reason == EMPTY_BOX_REASON) & (a.kind == EMPTY_BOX_KIND)).cast("int64").sum(),
    )
    joined = o.left_join(per_order, o.order_id == per_order.a_order)
    return joined.select(
        "order_id",
        "buyer_id",
        "shop_id",
        "root_category",
        "ship_province",
        "address_fp",
        returned=(joined.returns.fill_null(0) > 0).cast("int64"),
        empty_box=joined.empty_box.fill_null(0),
    ).order_by("order_id")
