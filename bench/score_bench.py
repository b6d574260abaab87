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
import json
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
    rows = engine.collect_arrow(pipeline.shop_indicator_values(facts, as_of, d.shop))
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
    """The same shop indicators, the obvious vectorised pandas way: each fact table read once
    (only the columns needed, Arrow's reader), boolean columns and groupby sums per shop, the
    after-sales reduced per order and joined to the window's orders, shrinkage toward the
    category average and peer ranks with groupby transforms. No Python loop over rows or
    shops; the explanation rows are not built (the pipeline's are)."""
    import numpy as np
    import pandas as pd
    import pyarrow.parquet as pq

    from shijing.trust.definition import (
        APPROVED_AFTERSALE_STATUSES,
        EXCUSED_FAULTS,
        QUALITY_REASONS,
    )

    start, end = as_of - timedelta(days=90), as_of
    t_end = pd.Timestamp(end, tz="UTC")
    t_start = pd.Timestamp(start, tz="UTC")

    def read(table: str, columns: list[str], first: date | None = start) -> pd.DataFrame:
        files = _files(root, table, first or date.min, end)
        return (
            pq.read_table(files, columns=columns, partitioning=None).to_pandas()
            if files
            else pd.DataFrame()
        )

    o = read(
        "orders",
        [
            "order_id",
            "shop_id",
            "root_category",
            "placed_at",
            "paid_at",
            "ship_due_at",
            "picked_up_at",
            "delivered_at",
            "cancelled_at",
            "cancelled_by",
        ],
    )
    flags = read("flags", ["subject_kind", "subject_id", "created_at", "lifted_at"], None)
    if len(flags):
        active = (flags.created_at < t_end) & (flags.lifted_at.isna() | (flags.lifted_at >= t_end))
        flags = flags[active]
    flagged = set(flags.subject_id[flags.subject_kind == "order"]) if len(flags) else set()
    o = o[(o.placed_at >= t_start) & (o.placed_at < t_end) & (o.paid_at < t_end)]
    if flagged:
        o = o[~o.order_id.isin(flagged)]
    picked = o.picked_up_at < t_end
    known = picked | (o.ship_due_at < t_end) & ~o.cancelled_by.isin(["buyer", "system"])
    delivered = o.delivered_at < t_end
    a = read(
        "aftersales",
        [
            "order_id",
            "reason",
            "status",
            "fault",
            "opened_at",
            "responded_at",
            "ruled_at",
            "closed_at",
        ],
    )
    a = a[a.opened_at < t_end]
    ruled = a.ruled_at < t_end
    a = a[~(a.fault.isin(EXCUSED_FAULTS) & ruled)]
    ruled = a.ruled_at < t_end
    shop_fault = (a.fault == "shop") & ruled
    quality = a.reason.isin(QUALITY_REASONS) & (
        a.status.isin(APPROVED_AFTERSALE_STATUSES) | shop_fault
    )
    answered = a.responded_at.fillna(a.closed_at).fillna(t_end).clip(upper=t_end)
    per_order = (
        a.assign(
            quality=quality,
            dispute=shop_fault,
            response=(answered - a.opened_at).dt.total_seconds(),
        )
        .groupby("order_id")
        .agg(
            quality=("quality", "max"),
            dispute=("dispute", "max"),
            response_n=("response", "count"),
            response_x=("response", "sum"),
        )
    )
    o = o.assign(
        pickup_n=known,
        pickup_x=known & picked & (o.picked_up_at <= o.ship_due_at),
        delivered_n=delivered,
        delivery_s=((o.delivered_at - o.picked_up_at).dt.total_seconds()).where(delivered),
        cancel_x=(o.cancelled_by == "shop") & (o.cancelled_at < t_end),
    ).join(per_order, on="order_id")
    o = o.fillna({"quality": False, "dispute": False, "response_n": 0, "response_x": 0.0}).astype(
        {"quality": bool, "dispute": bool}
    )
    by_cat = (
        o.groupby(["shop_id", "root_category"])
        .agg(
            orders=("order_id", "count"),
            pickup_n=("pickup_n", "sum"),
            pickup_x=("pickup_x", "sum"),
            delivered_n=("delivered_n", "sum"),
            delivery_n=("delivery_s", "count"),
            delivery_x=("delivery_s", "sum"),
            cancel_x=("cancel_x", "sum"),
            quality_x=("quality", "sum"),
            dispute_x=("dispute", "sum"),
            response_n=("response_n", "sum"),
            response_x=("response_x", "sum"),
        )
        .reset_index()
    )
    root_of = (
        by_cat.sort_values(["shop_id", "orders"], ascending=[True, False])
        .drop_duplicates("shop_id")
        .set_index("shop_id")
        .root_category
    )
    per = by_cat.drop(columns="root_category").groupby("shop_id").sum()
    per["root"] = root_of
    r = read(
        "reviews", ["review_id", "order_id", "shop_id", "created_at", "product_rating", "hidden"]
    )
    r = r[(r.created_at >= t_start) & (r.created_at < t_end) & ~r.hidden.fillna(False)]
    if flagged:
        r = r[
            ~r.order_id.isin(flagged)
            & ~r.review_id.isin(set(flags.subject_id[flags.subject_kind == "review"]))
        ]
    per = per.join(
        r.assign(neg=r.product_rating <= 2)
        .groupby("shop_id")
        .agg(review_n=("review_id", "count"), negative_x=("neg", "sum"))
    )
    c = read(
        "complaints",
        [
            "complaint_id",
            "shop_id",
            "order_id",
            "target_kind",
            "status",
            "created_at",
            "resolved_at",
        ],
    )
    c = c[
        (c.target_kind == "shop")
        & (c.status == "upheld")
        & (c.created_at >= t_start)
        & (c.created_at < t_end)
        & (c.resolved_at < t_end)
    ]
    if flagged:
        c = c[~c.order_id.isin(flagged)]
    per = per.join(c.groupby("shop_id").complaint_id.count().rename("complaint_x")).fillna(0)
    # long: one row per (shop, indicator), shrunk toward the category and ranked among peers
    pairs = {
        "negative_review_rate": ("negative_x", "review_n", -1),
        "quality_return_rate": ("quality_x", "delivered_n", -1),
        "on_time_pickup_rate": ("pickup_x", "pickup_n", 1),
        "delivery_hours": ("delivery_x", "delivery_n", -1),
        "complaint_rate": ("complaint_x", "orders", -1),
        "dispute_shop_fault_rate": ("dispute_x", "orders", -1),
        "aftersale_response_hours": ("response_x", "response_n", -1),
        "shop_cancel_rate": ("cancel_x", "orders", -1),
    }
    long = pd.concat(
        [
            pd.DataFrame(
                {
                    "shop_id": per.index,
                    "root": per.root.values,
                    "orders": per.orders.values,
                    "indicator": name,
                    "x": per[x].to_numpy(dtype=float),
                    "n": per[n].to_numpy(dtype=float),
                    "sign": sign,
                }
            )
            for name, (x, n, sign) in pairs.items()
        ]
    )
    long["eligible"] = long.orders >= 30
    g = long.groupby(["root", "indicator"])
    cat_x, cat_n, cat_o = g.x.transform("sum"), g.n.transform("sum"), g.orders.transform("sum")
    prior = cat_x / cat_n.where(cat_n > 0)
    k = 50.0 * cat_n / cat_o.where(cat_o > 0)
    long["shrunk"] = (long.x + k * prior.fillna(0)) / (long.n + k)
    long["goodness"] = long.sign * long.shrunk
    e = long[long.eligible]
    pg = e.groupby(["root", "indicator"]).goodness
    dev = (e.goodness - pg.transform("mean")) / pg.transform("std")
    points = np.where(
        dev >= 0, 85 + 15 * np.minimum(1, dev / 1.5), 85 - 85 * np.minimum(1, -dev / 3)
    )
    ranks = pg.rank(pct=True)
    totals = pd.Series(points, index=e.index).groupby(e.shop_id.values).mean()
    return {"shops": len(per), "scored": len(totals), "ranked": int(ranks.notna().sum())}


def _child(target: str, root: str, as_of: str, repeat: int, queue: Any) -> None:
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

    times = []
    for _ in range(repeat):  # the first in a fresh process (cold), then again in it (warm)
        began = time.perf_counter()
        result = fn(Path(root), date.fromisoformat(as_of))
        times.append(time.perf_counter() - began)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    warm = min(times[1:]) if len(times) > 1 else times[0]
    queue.put({"cold": times[0], "seconds": warm, "peak_mib": peak_mib, **result})


def measure(target: str, root: Path, as_of: date, repeat: int) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(target, str(root), as_of.isoformat(), repeat, queue))
    proc.start()
    out: dict[str, Any] = queue.get()
    proc.join()
    return out


NOTES = """\
**Targets not met**: within 3× of the order-columns floor — **6.6×** warm (3.5× cold), the \
pipeline would need about 0.7 s, 0.8 s less; at least 10× faster than pandas — **3.2×** warm \
(4.5× cold), against a fair pandas; 10× would need the pipeline at about 0.5 s.

What changed in this pass (2026-11-29): (1) `scoring.shop_results` is vectorised with numpy: \
peer averages, spreads and medians per peer group (still exact sums over sorted values), points, \
totals (added in row order), bands, dimensions and the two suggestions per shop, for all shops \
at once; a shop's `IndicatorResult` objects are built only when read (when the scores are \
stored or served). At 10 M orders it takes 0.10 s instead of 0.56 s, and gives the same \
totals, bands, points and suggestions as before (compared field by field on the kept medium \
runs, both point methods). (2) The pipeline's rows come back as one Arrow table, not 40,000 \
Python dicts. (3) DuckDB runs with `preserve_insertion_order` off. (4) The pandas baseline was \
not fair: it read every column of each of the 757 day files one by one with `pd.read_parquet` \
and concatenated them (most of its 41 s), and skipped flags, response times, shrinkage and \
peers. It now reads each table once (only its columns, with Arrow's reader) and computes the \
same indicators vectorised — after-sales reduced per order and joined, flags, shrinkage toward \
the category, peer deviations and points. Against it the pipeline is 3.2× faster, where the \
old 7.4× was mostly pandas reading files.

What limits it (warm, 10 M orders, DuckDB's JSON profile): of the pipeline's ~1.5 s, opening \
the partitions of five tables takes 0.06 s, building the Ibis expression 0.04 s, compiling it \
to SQL 0.06–0.15 s, scoring the 40,000 (shop, indicator) rows 0.10 s, and DuckDB 1.1–1.2 s. \
Inside DuckDB (CPU seconds over the 2 threads, 2.0 in all): reading the 9.7 M orders' ten \
columns 0.68, the order-level expressions 0.35, the LEFT JOIN of every order with the \
0.59 M after-sales reduced per order 0.30, the GROUP BY shop and category (11 aggregates) \
0.39, reading and reducing the after-sales 0.12, the 3.1 M reviews 0.13, complaints 0.04; \
the windows over 40,000 rows cost nothing measurable. The order-columns floor is the read, \
the expressions and a 6-aggregate GROUP BY, nothing else. A hand-written SQL query of the \
orders plus the same after-sales join already takes about 2× the floor (0.39 s vs 0.20 s at \
10 M; 0.11 vs 0.05 s at 1 M). That leaves one floor's worth (0.2 s) for reading reviews \
and complaints, ranking peers, compiling the Ibis expression and scoring in Python, which \
take 0.3–0.4 s on their own: 3× looks out of reach on 2 cores for anything that reads these \
tables; 4× may not be. Aggregating the after-sales separately through a semi-join on the \
window's orders was slower (0.43 s). Measured in one process, alternating (load average \
4): the order-columns floor 0.35–0.43 s, the hand-written orders + after-sales query \
0.66–0.72 s, the pipeline's whole query 1.72–2.07 s. The same orders-only aggregate compiled \
by Ibis ran as fast as the hand-written one, so the remaining ~1 s is in the after-sales join \
as Ibis writes it, the reviews and complaints aggregates, and the second GROUP BY from (shop, \
category) to shop with its windows; it was not separated further (load average 4–8 on the 2 \
cores while measuring). Next step: split those three on a quiet machine.

Noise: the 2 cores were shared with other engineers' tests during every run (load average \
2.4–8); on 2026-11-29 the pipeline's warm time moved between 1.4 and 2.2 s across bench runs, \
the order-columns floor between 0.20 and 0.25 s, pandas between 4.3 and 4.8 s."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--facts", type=Path, required=True)
    parser.add_argument("--as-of", type=date.fromisoformat, default=None)
    parser.add_argument("--repeat", type=int, default=3, help="runs per child: 1 cold + warm")
    parser.add_argument("--record", action="store_true", help="write BENCHMARKS.md section")
    parser.add_argument("--save", type=Path, default=None, help="keep the measurements (JSON)")
    parser.add_argument(
        "--load", type=Path, default=None, help="report saved measurements instead of measuring"
    )
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
    if args.load:
        saved = json.loads(args.load.read_text())
        results, stamp = saved["results"], saved["machine"]
        args.repeat = saved.get("repeat", args.repeat)
    else:
        results = {name: measure(name, args.facts, as_of, args.repeat) for name in names}
        stamp = machine_line()
    if args.save:
        args.save.write_text(
            json.dumps({"results": results, "machine": stamp, "repeat": args.repeat})
        )
    floor = results["floor"]["seconds"]
    floor_orders = results["floor_orders"]["seconds"]
    lines = [
        f"Scoring {orders:,} orders in the 90-day window as of {as_of} ({args.facts}); "
        f"{results['pipeline']['shops']:,} shops, {results['pipeline']['scored']:,} scored. "
        f"{stamp}",
        "",
        f"Each run is a child process that runs its target {args.repeat} times: the first in "
        "the fresh process (cold: Ibis, sqlglot and DuckDB set themselves up on first use), the "
        "best of the others (warm, as in a server that scores every day) is what the ratios "
        "use. Imports happen before the clock starts; peak memory is the child's max RSS.",
        "",
        "| run | cold s | warm s | × count-and-sum floor | × order-columns floor | peak MiB |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, label in (
        ("floor", "floor: one GROUP BY over orders, count and sum (DuckDB)"),
        ("floor_orders", "floor: one GROUP BY over orders, the order indicators (DuckDB)"),
        ("pipeline", "Ibis pipeline, shop score with explanations (DuckDB)"),
        ("pandas", "pandas (vectorised), same indicators, shrinkage and peers"),
    ):
        r = results[name]
        lines.append(
            f"| {label} | {r['cold']:.2f} | {r['seconds']:.2f} | {r['seconds'] / floor:.1f} "
            f"| {r['seconds'] / floor_orders:.1f} | {r['peak_mib']:.0f} |"
        )
    pipeline_s, pandas_s = results["pipeline"]["seconds"], results["pandas"]["seconds"]
    lines += [
        "",
        f"pipeline ÷ order-columns floor: **{pipeline_s / floor_orders:.1f}×** (target ≤ 3×); "
        f"pandas ÷ pipeline: **{pandas_s / pipeline_s:.1f}×** (target ≥ 10×); cold: "
        f"{results['pipeline']['cold'] / results['floor_orders']['cold']:.1f}× and "
        f"{results['pandas']['cold'] / results['pipeline']['cold']:.1f}×.",
        "",
        NOTES,
    ]
    text = "\n".join(lines)
    print(text)
    if args.record:
        record("score", "## Trust scoring\n\n" + text)


if __name__ == "__main__":
    main()
