"""Two operators dismissing the same block at once on PostgreSQL: the row lock lets exactly one
through, the other is refused, and each flag is lifted (and announced) once."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from shijing.accounts.models import Role
from shijing.core.clock import ManualClock
from shijing.core.db import Database
from shijing.core.errors import Conflict
from shijing.core.outbox import OutboxEvent
from shijing.integrity import blocks
from shijing.integrity import events as integrity_events
from shijing.integrity.models import BlockStatus, IntegrityBlock, IntegrityFlag, IntegrityRun
from tests.factories import make_user, principal_of


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_two_dismissals_racing_one_wins(committing_db: Database, clock: ManualClock) -> None:
    db = committing_db
    with db.transaction() as s:
        now = clock.now()
        ops = [make_user(s, clock, roles=(Role.OPERATOR,)) for _ in range(2)]
        buyer = make_user(s, clock)
        run = IntegrityRun(
            as_of=now.date(),
            definition_version="i1",
            engine="duckdb",
            trigger="manual",
            status="succeeded",
            counts={},
            started_at=now,
            finished_at=now,
            seconds=0.0,
        )
        s.add(run)
        s.flush()
        block = IntegrityBlock(
            run_id=run.id,
            detector="brushing.dense",
            definition_version="i1",
            score=0.9,
            buyer_ids=[buyer.id],
            shop_ids=[],
            order_ids=[],
            review_ids=[],
            reason="a ring",
            evidence={},
            status=BlockStatus.OPEN.value,
            created_at=now,
        )
        s.add(block)
        s.flush()
        s.add(
            IntegrityFlag(
                subject_kind="buyer",
                subject_id=buyer.id,
                reason="ring",
                source="integrity",
                created_at=now,
                block_id=block.id,
                run_id=run.id,
                evidence={},
            )
        )
        block_id, operator_ids = block.id, [u.id for u in ops]

    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(operator_id: int, action: str) -> None:
        barrier.wait()
        try:
            with db.transaction() as s:
                from shijing.accounts.models import User

                me = principal_of(s, s.get(User, operator_id))  # type: ignore[arg-type]
                blocks.decide(s, clock, me, block_id=block_id, action=action, note=action)
            outcomes.append(action)
        except Conflict:
            outcomes.append("refused")

    threads = [
        threading.Thread(target=decide, args=(operator_ids[0], "dismiss")),
        threading.Thread(target=decide, args=(operator_ids[1], "dismiss")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["dismiss", "refused"]
    with db.sessions() as s:
        final = s.get(IntegrityBlock, block_id)
        assert final is not None
        assert final.status == "dismissed"
        flag = s.scalars(select(IntegrityFlag).where(IntegrityFlag.block_id == block_id)).one()
        assert flag.lifted_at is not None
        lifted = s.scalars(
            select(OutboxEvent).where(OutboxEvent.name == integrity_events.FLAG_LIFTED)
        ).all()
        decided = s.scalars(
            select(OutboxEvent).where(OutboxEvent.name == integrity_events.BLOCK_DECIDED)
        ).all()
        assert (len(lifted), len(decided)) == (1, 1)
