"""One simulated run from start to finish: build, play the days, summarise, check, write truth."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from shijing.core.db import Database
from shijing.sim import invariants
from shijing.sim.config import SimConfig
from shijing.sim.engine import Progress, Simulation
from shijing.sim.summary import Summary, summarise


@dataclass
class RunResult:
    summary: Summary
    invariants: invariants.Report
    simulation: Simulation
    seconds: float


def run_simulation(
    db: Database,
    config: SimConfig,
    *,
    out: Path | None = None,
    tag: str = "",
    progress: Progress | None = None,
) -> RunResult:
    started = time.perf_counter()
    sim = Simulation(db, config, tag=tag)
    sim.run(progress)
    with db.sessions() as session:
        summary = summarise(session, brushing_orders=sim.truth.brushing_orders)
        report = invariants.check(session)
    seconds = time.perf_counter() - started
    if out is not None:
        sim.truth.write(out)
        (out / "summary.json").write_text(
            json.dumps(
                {
                    "seed": config.seed,
                    "scale": config.scale.name,
                    "days": config.days,
                    "summary": asdict(summary),
                    "invariants": {"ok": report.ok, "violations": report.violations},
                    "seconds": round(seconds, 2),
                },
                ensure_ascii=False,
                indent=1,
            )
        )
    return RunResult(summary, report, sim, seconds)
