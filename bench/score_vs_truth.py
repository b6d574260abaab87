"""How well the shop experience score finds the truth: simulate a marketplace, score it, and
compare each shop's score with its true latent quality from the simulator's ground truth
(Spearman rank correlation; target ≥ 0.8).

    .venv/bin/python bench/score_vs_truth.py [--scale medium] [--days 90] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pandas as pd
from sqlalchemy import select

from bench.common import machine_line, record
from shijing.core.clock import ManualClock
from shijing.core.db import Database
from shijing.migrations import upgrade
from shijing.sim.config import SimConfig, get_scale
from shijing.sim.runner import run_simulation
from shijing.trust import service as trust
from shijing.trust.models import ShopScore


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="medium")
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        db = Database.from_url(f"sqlite:///{out / 'sim.sqlite'}")
        upgrade(db.engine)
        config = SimConfig(get_scale(args.scale), args.days, args.seed)
        started = time.perf_counter()
        result = run_simulation(db, config, out=out / "run")
        simulated = time.perf_counter() - started
        end = config.start + timedelta(days=args.days)
        clock = ManualClock(end + timedelta(days=1))
        with db.transaction() as session:
            summary = trust.run_scores(
                session, clock, as_of=(end + timedelta(days=1)).date(), root=out / "facts"
            )
        truth = json.loads((out / "run" / "ground_truth.json").read_text())
        with db.sessions() as session:
            rows = session.scalars(select(ShopScore).where(ShopScore.enough_data)).all()
            scores = pd.DataFrame(
                [{"shop_id": r.shop_id, "score": r.total} for r in rows if r.total is not None]
            )
        db.dispose()
    shops = pd.DataFrame(truth["shops"])[["shop_id", "quality", "dishonest"]]
    joined = scores.merge(shops, on="shop_id")
    rho = float(joined["score"].rank().corr(joined["quality"].rank()))  # Spearman
    honest_mean = joined.loc[~joined["dishonest"], "score"].mean()
    dishonest_mean = joined.loc[joined["dishonest"], "score"].mean()
    orders = result.summary.orders
    print(f"{len(joined)} shops scored (of {len(shops)}), Spearman {rho:.3f}")
    record(
        f"score_vs_truth_{args.scale}",
        f"""
## Shop experience score vs. the simulator's ground truth ({args.scale})

`.venv/bin/python bench/score_vs_truth.py --scale {args.scale} --days {args.days} --seed {args.seed}` — {machine_line()}

| | value |
|---|---|
| simulated | {orders:,} orders in {args.days} days, {len(shops)} shops ({simulated:.0f} s through the services on SQLite) |
| shops with enough data to score | {len(joined)} |
| **Spearman rank correlation, score vs. true latent quality** | **{rho:.3f}** (target ≥ 0.8) |
| mean score, honest / dishonest shops | {honest_mean:.1f} / {dishonest_mean:.1f} |
| scoring run | {summary.seconds:.1f} s |
""",
    )


if __name__ == "__main__":
    main()
