"""Simulator benchmarks: orders per second through the services (small scale, 90 days, SQLite)
and the bulk Parquet generator's time and peak memory for 10 million orders.

    .venv/bin/python bench/sim_throughput.py [--orders 10000000]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("SHIJING_LOG_LEVEL", "WARNING")

from bench.common import machine_line, record
from shijing.core.db import Database
from shijing.migrations import upgrade
from shijing.sim.config import SimConfig, get_scale
from shijing.sim.runner import run_simulation

BULK = """
import sys, time, resource
from pathlib import Path
from shijing.sim.bulk import generate
t = time.perf_counter()
r = generate(Path(sys.argv[1]), orders=int(sys.argv[2]))
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, r.files)
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=90)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Database.from_url(f"sqlite:///{tmp}/sim.sqlite")
        upgrade(db.engine)
        result = run_simulation(db, SimConfig(get_scale("small"), args.days, 7))
        db.dispose()
        s = result.summary
        out = Path(tmp) / "bulk"
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-c", BULK, str(out), str(args.orders)],
            check=True,
            capture_output=True,
            text=True,
        )
        wall = time.perf_counter() - started
        inner, rss_kib, files = proc.stdout.split()
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    markdown = f"""
## Simulator (`bench/sim_throughput.py`)

{machine_line()}

| run | result |
|---|---|
| service-level sim, scale small, {args.days} days, SQLite | {s.orders:,} orders ({s.paid_orders:,} paid, {s.live_sessions:,} live sessions, {s.aftersales:,} after-sales, {s.reviews:,} reviews) in {result.seconds:.1f} s |
| orders per second through the services | **{s.orders / result.seconds:.1f}** (whole lifecycle: place, pay, ship, track, after-sales, reviews, events, deadlines) |
| invariants after the run | {"ok" if result.invariants.ok else "VIOLATED"} |
| bulk Parquet, {args.orders:,} orders | **{float(inner):.1f} s** generating ({wall:.1f} s with interpreter start), {files} files |
| bulk peak memory (ru_maxrss) | **{int(rss_kib) / 1024:.0f} MiB** (child process; {peak:.0f} MiB seen by the parent) |
"""
    record("sim", markdown)
    print(markdown)


if __name__ == "__main__":
    main()
