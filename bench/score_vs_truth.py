"""How well the shop experience score finds the truth: simulate a marketplace, score it, and
compare each shop's score with its true latent quality from the simulator's ground truth
(Spearman rank correlation; target ≥ 0.8).

    .venv/bin/python bench/score_vs_truth.py [--scale medium] [--days 90] [--seed 7]
"""

from __future__ import annotations

import argparse
import hashlib
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
from shijing.trust import versions
from shijing.trust.definition import ScoreDefinition
from shijing.trust.models import ScoreDefinitionRow, ShopScore

CALIBRATION = (
    "How the points curve was chosen (2026-11-29): the kept medium runs of seeds 7 and 11 were "
    "rescored over a grid of the points at the peer average (78–88), the deviation for full "
    "points (+0.5 to +3 SD) and for the floor (−1.5 to −3 SD, floor 0 or 20 points). Spearman "
    "stays between 0.815 and 0.837 on both seeds over a broad plateau (the straight line it "
    "replaces, 50 points at −3 SD to 100 at +0.5 SD, gave 0.814 with 71% of shops excellent). "
    "The chosen point puts about a fifth of the scored shops in excellent over the two seeds "
    "together, most in good or fair and a tail in poor; band edges are the issue's. Losing "
    "ground costs more than gaining it earns (28⅓ points per SD below the average, 10 above), "
    "so a shop is not carried into excellent by one strong indicator. The scorer reads no "
    "ground truth. Of the dishonest shops that stay at 80 or above on the two medium seeds "
    "(2 of 7, 3 of 5), all are brushing-ring shops selling genuine goods; four have a true "
    "quality in the middle or upper part of the ranking (percentile 0.41–0.75), one (seed 11, "
    "percentile 0.27, late on a quarter of its pickups) is a miss its brushed reviews help "
    "hide. Every counterfeiter is poor."
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="medium")
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--keep",
        type=Path,
        default=None,
        help="keep the simulated run in this folder; if it holds one already, rescore it",
    )
    parser.add_argument("--no-record", action="store_true", help="do not touch BENCHMARKS.md")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        out = args.keep or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        db = Database.from_url(f"sqlite:///{out / 'sim.sqlite'}")
        config = SimConfig(get_scale(args.scale), args.days, args.seed)
        meta = out / "run" / "summary.json"
        if meta.exists():  # rescoring a kept run
            kept = json.loads(meta.read_text())
            orders, simulated = kept["summary"]["orders"], float(kept["seconds"])
        else:
            upgrade(db.engine)
            started = time.perf_counter()
            result = run_simulation(db, config, out=out / "run")
            simulated = time.perf_counter() - started
            orders = result.summary.orders
        end = config.start + timedelta(days=args.days)
        clock = ManualClock(end + timedelta(days=1))
        with db.transaction() as session:
            # the code's default definition (a kept run may hold an older stored version)
            body = ScoreDefinition().model_dump(mode="json")
            version = "d" + hashlib.sha1(json.dumps(body, sort_keys=True).encode()).hexdigest()[:12]
            if version not in {r.version for r in session.scalars(select(ScoreDefinitionRow))}:
                versions.add_definition(session, clock, version=version, body=body)
            # scored first, then switched on (a version is only activated once it has scores)
            summary = trust.run_scores(
                session,
                clock,
                as_of=(end + timedelta(days=1)).date(),
                version=version,
                root=out / "facts",
            )
            versions.activate_definition(session, clock, version=version)
        truth = json.loads((out / "run" / "ground_truth.json").read_text())
        with db.sessions() as session:
            rows = session.scalars(
                select(ShopScore).where(
                    ShopScore.enough_data, ShopScore.definition_version == version
                )
            ).all()
            scores = pd.DataFrame(
                [
                    {"shop_id": r.shop_id, "score": r.total, "band": r.band}
                    for r in rows
                    if r.total is not None
                ]
            )
        db.dispose()
    shops = pd.DataFrame(truth["shops"])[["shop_id", "quality", "dishonest"]]
    joined = scores.merge(shops, on="shop_id")
    rho = float(joined["score"].rank().corr(joined["quality"].rank()))  # Spearman
    honest_mean = joined.loc[~joined["dishonest"], "score"].mean()
    dishonest_mean = joined.loc[joined["dishonest"], "score"].mean()
    shop = ScoreDefinition().shop
    counts = joined["band"].value_counts()
    edges = [f"≥ {b.min_score:g}" for b in shop.bands[:-1]] + [f"< {shop.bands[-2].min_score:g}"]
    bands = " · ".join(
        f"{b.name} ({edge}) {counts.get(b.name, 0)} ({counts.get(b.name, 0) / len(joined):.0%})"
        for b, edge in zip(shop.bands, edges, strict=True)
    )
    dishonest = joined[joined["dishonest"]]
    below_80 = int((dishonest["score"] < 80).sum())
    print(f"{len(joined)} shops scored (of {len(shops)}), Spearman {rho:.3f}")
    print(f"bands: {bands}; dishonest below 80: {below_80} of {len(dishonest)}")
    if args.no_record:
        return
    section = f"score_vs_truth_{args.scale}" + ("" if args.seed == 7 else f"_seed{args.seed}")
    record(
        section,
        f"""
## Shop experience score vs. the simulator's ground truth ({args.scale}, seed {args.seed})

`.venv/bin/python bench/score_vs_truth.py --scale {args.scale} --days {args.days} --seed {args.seed}` — {machine_line()}

| | value |
|---|---|
| simulated | {orders:,} orders in {args.days} days, {len(shops)} shops ({simulated:.0f} s through the services on SQLite) |
| shops with enough data to score | {len(joined)} |
| **Spearman rank correlation, score vs. true latent quality** | **{rho:.3f}** (target ≥ 0.8) |
| bands (shops scored) | {bands} |
| mean score, all / honest / dishonest shops | {joined["score"].mean():.1f} / {honest_mean:.1f} / {dishonest_mean:.1f} |
| dishonest shops below 80 (Trust Purchase's bar) | {below_80} of {len(dishonest)} |
| scoring run | {summary.seconds:.1f} s |
| definition | points by {shop.points_by} ({shop.average_points:g} at the peer average, 100 at +{shop.full_points_at} peer SD, {shop.score_floor:g} at −{shop.floor_at}); category peers when ≥ {shop.min_peers} eligible shops, else all shops; prior {shop.prior_orders:g} pseudo-orders |

{CALIBRATION}
""",
    )


if __name__ == "__main__":
    main()
