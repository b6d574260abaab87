"""A detection run: export the facts, run every detector over the window before ``as_of``, then
write what they found — flags with their evidence, and the blocks operators review — all or
nothing.

Everything is computed before anything is written. A detector that fails leaves the previous
flags in force: the run is recorded as failed, with the reason, and nothing it found is kept.
A subject already flagged is not flagged again, and one whose flag an operator lifted is not
re-flagged by a later run (the operator's decision stands; new orders are new subjects). A block
that a later run finds again (the same members, mostly) is updated rather than repeated, so the
review queue holds one entry per ring.
"""

from __future__ import annotations

import time as timer
import traceback
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.core.clock import Clock
from shijing.core.errors import DomainError
from shijing.core.outbox import emit
from shijing.facts.engines import FactsEngine, check_as_of, check_engine
from shijing.facts.export import export_facts
from shijing.facts.settings import get_facts_settings
from shijing.integrity import (
    brushing,
    events,
    features,
    fingerprints,
    flags,
    returns,
    reviews,
    rules,
)
from shijing.integrity.definition import IntegrityDefinition
from shijing.integrity.findings import Findings, FoundBlock
from shijing.integrity.models import (
    BlockStatus,
    IntegrityBlock,
    IntegrityRun,
    RunStatus,
)
from shijing.integrity.versions import definition_of

log = structlog.get_logger(__name__)

Progress = Callable[[str], None]
SAME_BLOCK = 0.5  # Jaccard of members above which a block found again is the same block


def find(
    scorer: FactsEngine, root: Path, day: date, definition: IntegrityDefinition, say: Progress
) -> Findings:
    """Every detector's findings over the facts before ``day`` (reads only)."""
    say("orders")
    window = features.load(scorer, root, day, definition.brushing.window_days)
    brushing_orders = scorer.collect_arrow(features.paid_orders(window))
    found = brushing.detect(brushing_orders, definition.brushing)
    found.merge(fingerprints.detect(brushing_orders, definition.fingerprints))
    found.counts.update(rules.report(brushing_orders, definition.rules))
    say("reviews")
    brushed = {f.subject_id for f in found.flags if f.subject_kind == "order"}
    review_facts = features.load(scorer, root, day, definition.reviews.window_days)
    found.merge(
        reviews.detect(
            scorer.collect_arrow(features.reviews(review_facts)), definition.reviews, brushed
        )
    )
    say("returns")
    return_facts = features.load(scorer, root, day, definition.returns.window_days)
    found.merge(
        returns.detect(
            scorer.collect_arrow(features.buyer_returns(return_facts)), definition.returns
        )
    )
    return found


def run_detection(
    session: Session,
    clock: Clock,
    *,
    as_of: date | None = None,
    engine: str = "duckdb",
    version: str | None = None,
    root: Path | None = None,
    export: bool = True,
    trigger: str = "manual",
    progress: Progress | None = None,
    spark_master: str | None = None,
) -> IntegrityRun:
    """Run every detector as of ``as_of`` and store the findings. Bad input (an unknown engine
    or version, a date in the future) is refused before anything happens; a detector that fails
    is recorded as a failed run and changes no flag."""
    say = progress or (lambda _step: None)
    check_engine(engine)
    day = check_as_of(clock, as_of)
    version_name, definition = definition_of(session, clock, version)
    settings = get_facts_settings()
    root = root or settings.facts_dir
    started_at, started = clock.now(), timer.monotonic()
    run = IntegrityRun(
        as_of=day,
        definition_version=version_name,
        engine=engine,
        trigger=trigger,
        status=RunStatus.SUCCEEDED.value,
        error=None,
        counts={},
        started_at=started_at,
        finished_at=started_at,
    )
    try:
        if export:
            say("export")
            export_facts(session, clock, root)
        scorer = FactsEngine(engine, spark_master=spark_master or settings.spark_master)
        try:
            found = find(scorer, root, day, definition, say)
        finally:
            scorer.close()
    except DomainError:
        raise
    except Exception as exc:  # a detector's failure is recorded, not raised: flags stay as they are
        log.error("integrity.run_failed", error=str(exc), trace=traceback.format_exc(limit=5))
        run.status = RunStatus.FAILED.value
        run.error = f"{type(exc).__name__}: {exc}"[:2000]
        return _finish(session, clock, run, started)
    say("write")
    session.add(run)
    session.flush()
    with session.begin_nested():
        run.counts = {**found.counts, "written": _write(session, clock, run, found)}
    return _finish(session, clock, run, started)


def _finish(session: Session, clock: Clock, run: IntegrityRun, started: float) -> IntegrityRun:
    run.finished_at = clock.now()
    run.seconds = round(timer.monotonic() - started, 3)
    session.add(run)
    session.flush()
    emit(
        session,
        clock,
        events.RUN_FINISHED,
        run_id=run.id,
        as_of=run.as_of,
        definition_version=run.definition_version,
        status=run.status,
        counts=run.counts,
        error=run.error,
    )
    return run


def latest_runs(session: Session, *, limit: int = 30) -> list[IntegrityRun]:
    return list(session.scalars(select(IntegrityRun).order_by(IntegrityRun.id.desc()).limit(limit)))


# -- writing -------------------------------------------------------------------------------------


def _jaccard(a: set[int], b: set[int]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def _store_block(
    session: Session,
    clock: Clock,
    run: IntegrityRun,
    block: FoundBlock,
    open_blocks: list[IntegrityBlock],
) -> IntegrityBlock:
    members = set(block.buyer_ids)
    same = next(
        (
            b
            for b in open_blocks
            if b.detector == block.detector
            and _jaccard(set(b.buyer_ids), members) >= SAME_BLOCK
            and (not block.shop_ids or set(b.shop_ids) & set(block.shop_ids))
        ),
        None,
    )
    row = same or IntegrityBlock(
        detector=block.detector, status=BlockStatus.OPEN.value, created_at=clock.now()
    )
    row.run_id = run.id
    row.definition_version = run.definition_version
    row.score = block.score
    row.density = block.density
    row.buyer_ids = sorted(members | set(row.buyer_ids or []))
    row.shop_ids = sorted(set(block.shop_ids) | set(row.shop_ids or []))
    row.order_ids = sorted(set(block.order_ids) | set(row.order_ids or []))
    row.review_ids = sorted(set(block.review_ids) | set(row.review_ids or []))
    row.reason = block.reason
    row.evidence = block.evidence
    if same is None:
        session.add(row)
        open_blocks.append(row)
    return row


def _write(session: Session, clock: Clock, run: IntegrityRun, found: Findings) -> dict[str, Any]:
    open_blocks = list(
        session.scalars(
            select(IntegrityBlock)
            .where(IntegrityBlock.status == BlockStatus.OPEN.value)
            .with_for_update()
        )
    )
    stored = [_store_block(session, clock, run, b, open_blocks) for b in found.blocks]
    session.flush()
    known = flags.known_subjects(session, {f.subject_kind for f in found.flags})
    written: dict[str, int] = {}
    for f in found.flags:
        key = (f.subject_kind, f.subject_id)
        if key in known:
            continue
        known.add(key)
        block = stored[f.block] if f.block is not None else None
        flags.record_detected(
            session,
            clock,
            f,
            definition_version=run.definition_version,
            run_id=run.id,
            block_id=block.id if block is not None else None,
        )
        written[f.detector] = written.get(f.detector, 0) + 1
    return {"flags": written, "blocks": len({id(b) for b in stored})}
