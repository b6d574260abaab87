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


def run_floor_orders(root: Path, as_of: date) -> dict[str, Any]:
    """A stricter floor: one GROUP BY shop over the orders file that computes the pipeline's
    order-level indicator counts (pickup, delivery, cancellation), so it reads the same order
    columns; no other table, no join, no ranking."""
    import duckdb

    files = _files(root, "orders", as_of - timedelta(days=90), as_of)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    end, start = (
        f"TIMESTAMPTZ '{as_of} 00:00:00+00'",
        f"TIMESTAMPTZ '{as_of - timedelta(90)} 00:00:00+00'",
    )
    n = con.execute(
        f"""
        SELECT count(*) FROM (
          SELECT shop_id, root_category, count(*) AS orders,
            sum((picked_up_at < {end} OR (ship_due_at < {end}
                 AND coalesce(cancelled_by NOT IN ('buyer', 'system'), true)))::INT) AS pickup_n,
            sum((picked_up_at < {end} AND picked_up_at <= ship_due_at)::INT) AS pickup_x,
            sum((delivered_at < {end})::INT) AS delivered_n,
            sum(CASE WHEN delivered_at < {end} AND picked_up_at IS NOT NULL
                THEN epoch_us(delivered_at) // 1000000 - epoch_us(picked_up_at) // 1000000
                END) AS delivery_x,
            sum((cancelled_by = 'shop' AND cancelled_at < {end})::INT) AS cancel_x
          FROM read_parquet($files)
          WHERE placed_at >= {start} AND placed_at < {end} AND paid_at < {end}
          GROUP BY shop_id, root_category)
        """,
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
    fn = {
        "pipeline": run_pipeline,
        "floor": run_floor,
        "floor_orders": run_floor_orders,
        "pandas": run_pandas,
    }[target]
    # the libraries are imported before the clock starts, for every run alike: what is timed is
    # the work, not the interpreter loading Ibis, pandas or DuckDB
    import duckdb  # noqa: F401
    import pandas  # noqa: F401

    import shijing.trust.pipeline
    import shijing.trust.scoring  # noqa: F401

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
    names = ("floor", "floor_orders", "pipeline", "pandas")
    results = {name: measure(name, args.facts, as_of) for name in names}
    floor = results["floor"]["seconds"]
    floor_orders = results["floor_orders"]["seconds"]
    lines = [
        f"Scoring {orders:,} orders in the 90-day window as of {as_of} ({args.facts}); "
        f"{results['pipeline']['shops']:,} shops, {results['pipeline']['scored']:,} scored. "
        f"{machine_line()}",
        "",
        "| run | seconds | × floor | × order-columns floor | peak MiB |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, label in (
        ("floor", "floor: one GROUP BY over orders, count and sum (DuckDB)"),
        ("floor_orders", "floor: one GROUP BY over orders, the order indicators (DuckDB)"),
        ("pipeline", "Ibis pipeline, shop score (DuckDB)"),
        ("pandas", "pandas, same indicators"),
    ):
        r = results[name]
        lines.append(
            f"| {label} | {r['seconds']:.2f} | {r['seconds'] / floor:.1f} "
            f"| {r['seconds'] / floor_orders:.1f} | {r['peak_mib']:.0f} |"
        )
    pipeline_s, pandas_s = results["pipeline"]["seconds"], results["pandas"]["seconds"]
    lines += ["", f"pandas ÷ pipeline: **{pandas_s / pipeline_s:.1f}×**"]
    lines += [
        "",
        "Each run is a child process; imports happen before its clock starts, peak memory is its "
        "max RSS. The machine's 2 cores were shared with other work during the run, so the "
        "ratios move a lot between runs (on 2026-11-29, with a load average of 5 on the 2 "
        "cores, five runs gave the pipeline 3.1–5.6 s, 7.4–16.5× the order-columns floor, and "
        "pandas 4.4–7.4× slower).",
        "",
        "**Target not met** (within 3× of the floor, ≥ 10× faster than pandas). What was fixed: "
        "the pipeline compiled to a 52 kB query that planned the per-shop join eight times "
        "(once per indicator, as a UNION) and read the after-sales eight times; it is now one "
        "pass over the orders (by shop and root category, the after-sales joined in per order), "
        "one pass over reviews and complaints, and an unnest into (shop, indicator) rows. Whole "
        "epoch seconds cost a TIMESTAMPTZ→TIMESTAMP cast through the ICU calendar (≈ 0.5 s per "
        "10 M values on DuckDB); a DuckDB macro over `epoch_us` (Spark: `unix_seconds`) costs a "
        "twentieth. At 10 M orders that took the query alone from 7–9 s to about 2 s (both measured with other work on the cores). What limits it "
        "now: it reads ten order columns and three more fact tables (3 M reviews, 0.6 M "
        "after-sales), where the count-and-sum floor reads two order columns: about 2 s of the "
        "total is DuckDB scanning and aggregating (the order-columns floor, the same scan "
        "without the joins, takes about 0.4–0.5 s), about 0.5 s is building 40,000 "
        "explanation rows in Python (`scoring.shop_results`), and about 0.4 s is opening the "
        "day partitions and compiling. Next steps, by expected gain: build the explanation rows "
        "only for shops whose figures changed, or in Arrow; read the reviews' per-order rating "
        "from an orders-side column written by the exporter; open the fact folders with one "
        "glob instead of a file list per table.",
    ]
    text = "\n".join(lines)
    print(text)
    if args.record:
        record("score", "## Trust scoring\n\n" + text)


if __name__ == "__main__":
    main()
