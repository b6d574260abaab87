"""Integrity detection against the simulator's ground truth, and what it does to the scores.

Simulates a marketplace (or reuses a kept one), then on copies of its database:

- **off**: the shop scores with no detection (the platform before integrity);
- **on**: the daily step's order — detection, then scoring;
- **oracle**: scoring with every truly fake order and review flagged (what an honest score is).

Reports precision, recall and F1 for brushing orders, ring accounts, target shops, fake reviews
and return abusers; the false-positive rate on honest buyers and on loyal fans; the shop score's
Spearman against true quality with detection off and on; ring targets at 80 or above; and the
score a ring buys its shop (on − oracle) against what it buys without detection (off − oracle).

    .venv/bin/python bench/integrity_vs_truth.py --scale small --seed 7 [--keep DIR] [--tuning]

Live detection is off while simulating (``SHIJING_INTEGRITY_LIVE=false``), so the kept run holds
no detector flags and every variant starts from the same database.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("SHIJING_INTEGRITY_LIVE", "false")

import pandas as pd
from sqlalchemy import select

from bench.common import machine_line, record
from shijing.core.clock import ManualClock
from shijing.core.db import Database
from shijing.integrity import flags as integrity_flags
from shijing.integrity.models import IntegrityBlock, IntegrityFlag
from shijing.integrity.runs import run_detection
from shijing.migrations import upgrade
from shijing.sim.config import SimConfig, get_scale
from shijing.sim.runner import run_simulation
from shijing.trust import service as trust
from shijing.trust.models import ShopScore

REPLAY_FROM_DAY, REPLAY_EVERY_DAYS = 14, 7


@dataclass
class Prf:
    p: float
    r: float
    f1: float
    n_true: int
    n_pred: int

    def cell(self) -> str:
        return f"{self.p:.2f} / {self.r:.2f} / **{self.f1:.2f}** ({self.n_true} true, {self.n_pred} flagged)"


def prf(truth: set[int], predicted: set[int]) -> Prf:
    hit = len(truth & predicted)
    p = hit / len(predicted) if predicted else (1.0 if not truth else 0.0)
    r = hit / len(truth) if truth else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return Prf(p, r, f1, len(truth), len(predicted))


def simulate(out: Path, config: SimConfig) -> tuple[int, float]:
    meta = out / "run" / "summary.json"
    if meta.exists():
        kept = json.loads(meta.read_text())
        return int(kept["summary"]["orders"]), float(kept["seconds"])
    db = Database.from_url(f"sqlite:///{out / 'sim.sqlite'}")
    upgrade(db.engine)
    started = time.perf_counter()
    result = run_simulation(db, config, out=out / "run")
    db.dispose()
    return result.summary.orders, time.perf_counter() - started


def _copy(out: Path, work: Path, name: str) -> Database:
    target = work / f"{name}.sqlite"
    shutil.copy(out / "sim.sqlite", target)
    return Database.from_url(f"sqlite:///{target}")


def _scores(db: Database) -> dict[int, float]:
    with db.sessions() as session:
        return {
            r.shop_id: float(r.total)
            for r in session.scalars(select(ShopScore).where(ShopScore.enough_data))
            if r.total is not None
        }


def variant(
    out: Path, work: Path, name: str, clock: ManualClock, truth: dict[str, Any], start: date
) -> tuple[dict[int, float], dict[str, Any]]:
    db = _copy(out, work, name)
    facts = work / f"facts-{name}"
    day = clock.now().date()
    found: dict[str, Any] = {}
    with db.transaction() as session:
        if name == "on":
            # as in production: the daily step runs detection every day; replayed weekly here
            # (each run reads the window before its day, so nothing older goes unexamined)
            started = time.perf_counter()
            statuses = []
            for as_of in range(REPLAY_FROM_DAY, (day - start).days + 1, REPLAY_EVERY_DAYS):
                run = run_detection(session, clock, as_of=start + timedelta(days=as_of), root=facts)
                statuses.append(run.status)
            run = run_detection(session, clock, as_of=day, root=facts)
            statuses.append(run.status)
            found["seconds"] = (time.perf_counter() - started) / len(statuses)
            found["status"] = f"{statuses.count('succeeded')} of {len(statuses)} runs succeeded"
        if name == "oracle":
            # raised before the day being scored, so that its scores leave them out
            before = ManualClock(clock.now() - timedelta(hours=1))
            for o in truth["labelled_orders"]:
                if o.get("brushing"):
                    integrity_flags.raise_flag(
                        session,
                        before,
                        subject_kind="order",
                        subject_id=int(o["order_id"]),
                        reason="truth",
                        source="integrity",
                        actor_id=None,
                    )
            for r in truth.get("reviews", []):
                if r.get("fake"):
                    integrity_flags.raise_flag(
                        session,
                        before,
                        subject_kind="review",
                        subject_id=int(r["review_id"]),
                        reason="truth",
                        source="integrity",
                        actor_id=None,
                    )
        trust.run_scores(session, clock, as_of=day, root=facts)
        flags = session.scalars(
            select(IntegrityFlag).where(IntegrityFlag.lifted_at.is_(None))
        ).all()
        found["flags"] = [(f.subject_kind, f.subject_id, f.detector or "") for f in flags]
        found["block_shops"] = sorted(
            {
                s
                for b in session.scalars(
                    select(IntegrityBlock).where(IntegrityBlock.detector.like("brushing%"))
                )
                for s in b.shop_ids
            }
        )
    scores = _scores(db)
    db.dispose()
    return scores, found


def spearman(scores: dict[int, float], quality: dict[int, float]) -> tuple[float, int]:
    frame = pd.DataFrame(
        [{"score": s, "quality": quality[i]} for i, s in scores.items() if i in quality]
    )
    if len(frame) < 3:
        return float("nan"), len(frame)
    return float(frame["score"].rank().corr(frame["quality"].rank())), len(frame)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="small")
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, default=None, help="keep (or reuse) the simulated run")
    parser.add_argument("--tuning", action="store_true", help="label this seed as a tuning seed")
    parser.add_argument("--no-record", action="store_true", help="do not touch BENCHMARKS.md")
    args = parser.parse_args()
    config = SimConfig(get_scale(args.scale), args.days, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        out = args.keep or Path(tmp) / "kept"
        out.mkdir(parents=True, exist_ok=True)
        orders, simulated = simulate(out, config)
        truth = json.loads((out / "run" / "ground_truth.json").read_text())
        end = config.start + timedelta(days=args.days)
        work = Path(tmp) / "work"
        work.mkdir()
        results = {}
        for name in ("off", "on", "oracle"):
            clock = ManualClock(end + timedelta(days=1))
            results[name] = variant(out, work, name, clock, truth, config.start.date())
    report(args, truth, results, orders, simulated)


def report(
    args: argparse.Namespace,
    truth: dict[str, Any],
    results: dict[str, Any],
    orders: int,
    simulated: float,
) -> None:
    flags = results["on"][1]["flags"]

    def flagged(kind: str, prefix: str) -> set[int]:
        return {i for k, i, d in flags if k == kind and d.startswith(prefix)}

    buyers = truth["buyers"]
    ring_accounts = {
        b["user_id"]
        for b in buyers
        if b.get("ring") is not None and b["kind"] in ("fake", "hijacked")
    }
    abusers = {b["user_id"] for b in buyers if b["kind"] == "return_abuser"}
    honest = {b["user_id"] for b in buyers if b["kind"] in ("normal", "loyal_fan")}
    loyal = {b["user_id"] for b in buyers if b["kind"] == "loyal_fan"}
    brushing_orders = {o["order_id"] for o in truth["labelled_orders"] if o.get("brushing")}
    fake_reviews = {r["review_id"] for r in truth.get("reviews", []) if r.get("fake")}
    targets = {
        s["shop_id"]
        for s in truth["shops"]
        if s.get("brushed_by_rings") or s.get("brushed_by_ring") is not None
    }
    any_buyer = {i for k, i, _d in flags if k == "buyer"}
    rows = {
        "brushing orders": prf(brushing_orders, flagged("order", "brushing")),
        "ring accounts": prf(ring_accounts, flagged("buyer", "brushing")),
        "target shops": prf(targets, set(results["on"][1]["block_shops"])),
        "fake reviews": prf(fake_reviews, flagged("review", "reviews")),
        "return abusers": prf(abusers, flagged("buyer", "returns")),
    }
    fpr_honest = len(any_buyer & honest) / max(len(honest), 1)
    by_detector = Counter(d for k, i, d in flags if k == "buyer" and i in honest)
    false_by = ", ".join(f"{d} {n}" for d, n in sorted(by_detector.items())) or "none"
    fpr_loyal = len(any_buyer & loyal) / max(len(loyal), 1)
    quality = {s["shop_id"]: s["quality"] for s in truth["shops"]}
    off, on, oracle = (results[n][0] for n in ("off", "on", "oracle"))
    rho_off, n_off = spearman(off, quality)
    rho_on, n_on = spearman(on, quality)
    rho_oracle, _ = spearman(oracle, quality)
    high_off = sorted(s for s in targets if off.get(s, 0) >= 80)
    high_on = sorted(s for s in targets if on.get(s, 0) >= 80)
    high_oracle = sorted(s for s in targets if oracle.get(s, 0) >= 80)
    bought_off = [off[s] - oracle[s] for s in targets if s in off and s in oracle]
    bought_on = [on[s] - oracle[s] for s in targets if s in on and s in oracle]
    mean_off = sum(bought_off) / len(bought_off) if bought_off else float("nan")
    mean_on = sum(bought_on) / len(bought_on) if bought_on else float("nan")
    ratio = mean_on / mean_off if bought_off and mean_off > 0 else float("nan")
    group = "tuning" if args.tuning else "held-out"
    lines = "\n".join(f"| {name} | {value.cell()} |" for name, value in rows.items())
    text = f"""
## Integrity detection vs. the simulator's ground truth ({args.scale}, seed {args.seed}, {group})

`.venv/bin/python bench/integrity_vs_truth.py --scale {args.scale} --days {args.days} --seed {args.seed}{" --tuning" if args.tuning else ""}` — {machine_line()}

{orders:,} orders in {args.days} days ({simulated:.0f} s through the services on SQLite); detection run {results["on"][1].get("seconds", float("nan")):.1f} s ({results["on"][1].get("status")}).

| what | precision / recall / **F1** |
|---|---|
{lines}

| | value |
|---|---|
| false-positive rate, honest buyers / loyal fans (any detector) | {fpr_honest:.2%} of {len(honest)} / {fpr_loyal:.2%} of {len(loyal)} (goal ≤ 0.1%); honest buyers flagged by: {false_by} |
| shop score vs true quality (Spearman), detection off → on (oracle) | {rho_off:.3f} ({n_off} scored) → **{rho_on:.3f}** ({n_on} scored) (oracle {rho_oracle:.3f}; goal ≥ 0.85) |
| ring targets with a score (enough unflagged orders), off → on (oracle) | {sum(1 for t in targets if t in off)} → {sum(1 for t in targets if t in on)} ({sum(1 for t in targets if t in oracle)}) of {len(targets)} |
| ring targets scoring ≥ 80, off → on (oracle: what their own orders earn them) | {len(high_off)} → **{len(high_on)}** ({len(high_oracle)}) of {len(targets)} |
| score a ring buys its shop (mean over scored targets, vs. the oracle) | off {mean_off:+.2f} → on {mean_on:+.2f} (ratio {ratio:.2f}; goal ≤ 0.1) |
"""
    print(text)
    if not args.no_record:
        record(f"integrity_vs_truth_{args.scale}_seed{args.seed}", text)


if __name__ == "__main__":
    main()
