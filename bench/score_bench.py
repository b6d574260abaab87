"""Scoring benchmark: the Ibis pipeline on DuckDB over a Parquet folder from `shijing sim bulk`,
against two baselines measured in the same run:

  floor   a single-pass GROUP BY shop over the same orders files (DuckDB): no scoring is faster
  pandas  a straightforward pandas implementation of the same shop indicators

Each measurement runs in a child process so that its peak memory (max RSS) is its own.

    .venv/bin/shijing sim bulk --orders 1000000 --out var/bulk
    .venv/bin/python bench/score_bench.py --facts var/bulk [--as-of 2026-04-01]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import machine_line, record


def _files(root: Path, table: str, first: date, end: date) -> list[str]:
    from shijing.trust.export import exported_days

    return [
        str(p)
        for d in exported_days(root, table)
        if first <= d < end
        for p in sorted((root / table / f"day={d}").glob("*.parquet"))
    ]


def run_pipeline(root: Path, as_of: date) -> dict[str, Any]:
    from shijing.trust import pipeline, scoring
    from shijing.trust.definition import ScoreDefinition
    from shijing.trust.engines import ScoringEngine

    d = ScoreDefinition()
    engine = ScoringEngine("duckdb")
    facts = pipeline.load_facts(engine, root, as_of, d.shop.window_days)
    rows = engine.collect(pipeline.shop_indicator_values(facts, as_of, d.shop))
    shops = scoring.shop_results(rows, d.shop)
    return {"shops": len(shops), "scored": sum(1 for s in shops.values() if s.enough_data)}


def run_floor(root: Path, as_of: date) -> dict[str, Any]:
    import duckdb

    files = _files(root, "orders", as_of - timedelta(days=90), as_of)
    con = duckdb.connect()
    n = con.execute(
        "SELECT count(*) FROM (SELECT shop_id, count(*), sum(total_fen) "
        "FROM read_parquet($files) GROUP BY shop_id)",
        {"files": files},
    ).fetchone()
    return {"shops": n[0] if n else 0}


def run_pandas(root: Path, as_of: date) -> dict[str, Any]:
    """The same shop indicators, the obvious way (no shrinkage or peers beyond a rank)."""
    import pandas as pd

    start, end = as_of - timedelta(days=90), as_of
    t_end = pd.Timestamp(end, tz="UTC")
    t_start = pd.Timestamp(start, tz="UTC")

    def read(table: str) -> pd.DataFrame:
        files = _files(root, table, start, end)
        return pd.concat([pd.read_parquet(f) for f in files]) if files else pd.DataFrame()

    o = read("orders")
    o = o[(o.placed_at >= t_start) & (o.placed_at < t_end) & o.paid_at.notna()]
    picked = o.picked_up_at.notna() & (o.picked_up_at < t_end)
    known = picked | (o.ship_due_at < t_end) & ~o.cancelled_by.isin(["buyer", "system"])
    o = o.assign(
        pickup_n=known.astype(int),
        pickup_x=(known & picked & (o.picked_up_at <= o.ship_due_at)).astype(int),
        delivery_s=(o.delivered_at - o.picked_up_at).dt.total_seconds(),
        cancel_x=(o.cancelled_by == "shop").astype(int),
    )
    per = o.groupby("shop_id").agg(
        orders=("order_id", "count"),
        pickup_n=("pickup_n", "sum"),
        pickup_x=("pickup_x", "sum"),
        delivery=("delivery_s", "mean"),
        cancel_x=("cancel_x", "sum"),
        root=("root_category", "first"),
    )
    r = read("reviews")
    r = r[(r.created_at >= t_start) & (r.created_at < t_end) & ~r.hidden]
    per = per.join(
        r.assign(neg=(r.product_rating <= 2).astype(int))
        .groupby("shop_id")
        .agg(review_n=("review_id", "count"), neg_x=("neg", "sum"))
    )
    a = read("aftersales")
    a = a[a.order_id.isin(o.order_id) & ~a.fault.isin(["buyer", "carrier"])]
    q = a[a.reason.isin(["quality", "not_as_described", "damaged_in_transit", "wrong_item"])]
    per = per.join(q.groupby("shop_id").order_id.nunique().rename("quality_x"))
    per = per.join(a[a.fault == "shop"].groupby("shop_id").order_id.nunique().rename("dispute_x"))
    c = read("complaints")
    c = c[(c.status == "upheld") & (c.target_kind == "shop")]
    per = per.join(c.groupby("shop_id").complaint_id.count().rename("complaint_x")).fillna(0)
    per["pickup_rate"] = per.pickup_x / per.pickup_n.where(per.pickup_n > 0)
    per["neg_rate"] = per.neg_x / per.review_n.where(per.review_n > 0)
    eligible = per[per.orders >= 30]
    ranks = eligible.groupby("root")[["pickup_rate", "neg_rate"]].rank(pct=True)
    return {"shops": len(per), "scored": len(ranks)}


def _child(target: str, root: str, as_of: str, queue: Any) -> None:
    fn = {"pipeline": run_pipeline, "floor": run_floor, "pandas": run_pandas}[target]
    began = time.perf_counter()
    result = fn(Path(root), date.fromisoformat(as_of))
    seconds = time.perf_counter() - began
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put({"seconds": seconds, "peak_mib": peak_mib, **result})


def measure(target: str, root: Path, as_of: date) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(target, str(root), as_of.isoformat(), queue))
    proc.start()
    out: dict[str, Any] = queue.get()
    proc.join()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--facts", type=Path, required=True)
    parser.add_argument("--as-of", type=date.fromisoformat, default=None)
    parser.add_argument("--record", action="store_true", help="write BENCHMARKS.md section")
    args = parser.parse_args()
    from shijing.trust.export import exported_days

    days = exported_days(args.facts, "orders")
    if not days:
        raise SystemExit(f"no orders partitions under {args.facts}")
    as_of = args.as_of or days[-1] + timedelta(days=1)
    orders = sum(
        __import__("pyarrow.parquet", fromlist=["x"]).ParquetFile(f).metadata.num_rows
        for f in _files(args.facts, "orders", as_of - timedelta(days=90), as_of)
    )
    results = {name: measure(name, args.facts, as_of) for name in ("floor", "pipeline", "pandas")}
    floor = results["floor"]["seconds"]
    lines = [
        f"Scoring {orders:,} orders in the 90-day window as of {as_of} ({args.facts}); "
        f"{results['pipeline']['shops']:,} shops, {results['pipeline']['scored']:,} scored. "
        f"{machine_line()}",
        "",
        "| run | seconds | × floor | peak MiB |",
        "|---|---:|---:|---:|",
    ]
    for name, label in (
        ("floor", "floor: one GROUP BY over orders (DuckDB)"),
        ("pipeline", "Ibis pipeline, shop score (DuckDB)"),
        ("pandas", "pandas, same indicators"),
    ):
        r = results[name]
        lines.append(
            f"| {label} | {r['seconds']:.2f} | {r['seconds'] / floor:.1f} | {r['peak_mib']:.0f} |"
        )
    text = "\n".join(lines)
    print(text)
    if args.record:
        record("score", "## Trust scoring\n\n" + text)


if __name__ == "__main__":
    main()
