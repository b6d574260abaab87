"""A detection run over the platform's own orders (SQLite and PostgreSQL): a hidden ring is
flagged with its evidence and lands in the review queue once, loyal fans are not, a dismissed
block lifts its flags for good, bad input changes nothing and a failing detector keeps the
previous flags."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shijing.commerce.orders.models import Order
from shijing.core.clock import ManualClock
from shijing.core.errors import Conflict, InvalidInput
from shijing.core.outbox import OutboxEvent
from shijing.integrity import blocks, brushing, events, runs
from shijing.integrity.models import IntegrityBlock, IntegrityFlag, IntegrityRun
from tests.factories import principal_of
from tests.integrity.markets import plant_market


@pytest.fixture
def market(session: Session, clock: ManualClock) -> dict[str, Any]:
    return plant_market(session, clock)


def _flags(session: Session, kind: str) -> set[int]:
    rows = session.scalars(
        select(IntegrityFlag.subject_id).where(
            IntegrityFlag.subject_kind == kind, IntegrityFlag.lifted_at.is_(None)
        )
    )
    return set(rows)


def test_a_ring_is_flagged_and_queued_once_and_loyal_fans_are_not(
    session: Session,
    clock: ManualClock,
    market: dict[str, Any],
    tmp_path: Path,  # type: ignore[type-arg]
) -> None:
    run = runs.run_detection(session, clock, root=tmp_path)
    assert run.status == "succeeded", run.error
    ring_orders = {o.id for o in market["ring_orders"]}
    flagged = _flags(session, "order")
    assert ring_orders <= flagged
    honest_orders = set(
        session.scalars(
            select(Order.id).where(Order.buyer_id.in_([b.id for b in market["honest"]]))
        )
    )
    assert not flagged & honest_orders  # loyal fans and everyday buyers untouched
    assert {u.id for u in market["ring"]} <= _flags(session, "buyer")
    assert not _flags(session, "buyer") & {b.id for b in market["honest"]}

    queue = session.scalars(
        select(IntegrityBlock).where(IntegrityBlock.detector == brushing.DETECTOR)
    ).all()
    assert len(queue) == 1
    block = queue[0]
    assert set(block.shop_ids) == {s.id for s in market["targets"]}
    assert set(block.buyer_ids) == {u.id for u in market["ring"]}
    assert "devices" in block.reason  # the shared devices are part of the reason in words
    assert block.evidence["shared_fingerprints"]["device_fp"] == 2
    assert sum(n for _day, n in block.evidence["timeline"]) == len(ring_orders)
    flag = session.scalars(
        select(IntegrityFlag).where(IntegrityFlag.subject_id.in_(ring_orders))
    ).first()
    assert flag is not None
    assert (flag.source, flag.detector, flag.definition_version) == (
        "integrity",
        "brushing.dense",
        "i1",
    )
    assert (flag.run_id, flag.block_id) == (run.id, block.id)
    raised = session.scalar(select(func.count()).where(OutboxEvent.name == events.FLAG_RAISED))
    assert raised == len(flagged) + len(_flags(session, "buyer")) + len(_flags(session, "review"))

    # the next day's run finds the same ring: no second entry in the queue, no flag twice
    clock.advance(timedelta(days=1))
    before = session.scalar(select(func.count()).select_from(IntegrityFlag))
    again = runs.run_detection(session, clock, root=tmp_path)
    assert again.status == "succeeded"
    assert session.scalar(select(func.count()).select_from(IntegrityFlag)) == before
    assert session.scalar(select(func.count()).select_from(IntegrityBlock)) == len(
        session.scalars(select(IntegrityBlock)).all()
    )
    assert (
        len(
            session.scalars(
                select(IntegrityBlock).where(IntegrityBlock.detector == brushing.DETECTOR)
            ).all()
        )
        == 1
    )


def test_dismissing_a_block_lifts_its_flags_and_they_stay_lifted(
    session: Session,
    clock: ManualClock,
    market: dict[str, Any],
    tmp_path: Path,  # type: ignore[type-arg]
) -> None:
    runs.run_detection(session, clock, root=tmp_path)
    block = session.scalars(
        select(IntegrityBlock).where(IntegrityBlock.detector == brushing.DETECTOR)
    ).one()
    operator = principal_of(session, market["operator"])
    with pytest.raises(InvalidInput) as blank:
        blocks.decide(session, clock, operator, block_id=block.id, action="dismiss", note=" ")
    assert blank.value.field == "note"
    assert block.status == "open"
    blocks.decide(session, clock, operator, block_id=block.id, action="dismiss", note="a club")
    assert block.status == "dismissed"
    lifted = blocks.block_flags(session, block.id)
    assert lifted
    assert all(f.lifted_at is not None for f in lifted)
    assert {f.lifted_by for f in lifted} == {market["operator"].id}
    assert all(f.lift_reason == "block dismissed: a club" for f in lifted)
    with pytest.raises(Conflict):
        blocks.decide(session, clock, operator, block_id=block.id, action="confirm", note="no")
    decided = session.scalars(
        select(OutboxEvent).where(OutboxEvent.name == events.BLOCK_DECIDED)
    ).one()
    assert decided.payload["flags_lifted"] == len(lifted)

    # an operator's decision stands: a later run does not flag the same orders again
    clock.advance(timedelta(days=1))
    runs.run_detection(session, clock, root=tmp_path)
    assert not _flags(session, "order") & {o.id for o in market["ring_orders"]}


def test_bad_input_is_refused_before_anything_runs(
    session: Session,
    clock: ManualClock,
    market: dict[str, Any],
    tmp_path: Path,  # type: ignore[type-arg]
) -> None:
    cases = [
        ({"as_of": clock.now().date() + timedelta(days=1)}, "as_of"),
        ({"version": "nope"}, "definition"),
        ({"engine": "oracle"}, "engine"),
    ]
    for kwargs, field in cases:
        with pytest.raises(InvalidInput) as refused:
            runs.run_detection(session, clock, root=tmp_path, **kwargs)  # type: ignore[arg-type]
        assert refused.value.field == field
    assert session.scalar(select(func.count()).select_from(IntegrityRun)) == 0
    assert session.scalar(select(func.count()).select_from(IntegrityFlag)) == 0


def test_a_failing_detector_keeps_the_previous_flags_and_says_why(
    session: Session,
    clock: ManualClock,
    market: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runs.run_detection(session, clock, root=tmp_path)
    before = {(f.id, f.lifted_at) for f in session.scalars(select(IntegrityFlag))}

    def broken(*_args: object, **_kw: object) -> None:
        raise RuntimeError("the graph did not fit in memory")

    monkeypatch.setattr(brushing, "detect", broken)
    clock.advance(timedelta(days=1))
    failed = runs.run_detection(session, clock, root=tmp_path)
    assert failed.status == "failed"
    assert failed.error == "RuntimeError: the graph did not fit in memory"
    assert {(f.id, f.lifted_at) for f in session.scalars(select(IntegrityFlag))} == before
    finished = session.scalars(
        select(OutboxEvent).where(OutboxEvent.name == events.RUN_FINISHED)
    ).all()
    assert [e.payload["status"] for e in finished] == ["succeeded", "failed"]
