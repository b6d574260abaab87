"""The operators' review queue: blocks a detector found, confirmed (the flags stay) or dismissed
as a false positive (every flag of the block is lifted, with the operator's reason, so the
scores restore at the next run and held payouts are released)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.accounts.service import Principal
from shijing.core.clock import Clock
from shijing.core.errors import InvalidInput, NotFound
from shijing.core.outbox import emit
from shijing.core.pagination import PageParams, fetch_page
from shijing.core.states import StateMachine
from shijing.integrity import events, flags
from shijing.integrity.models import BlockStatus, IntegrityBlock, IntegrityFlag

BLOCK_STATES = StateMachine.build(
    "block",
    [s.value for s in BlockStatus],
    {
        "confirm": (["open"], "confirmed"),
        # a confirmed block can still turn out to be honest buyers (an appeal, new evidence)
        "dismiss": (["open", "confirmed"], "dismissed"),
    },
)


def lock_block(session: Session, block_id: int) -> IntegrityBlock:
    block = session.scalar(
        select(IntegrityBlock).where(IntegrityBlock.id == block_id).with_for_update()
    )
    if block is None:
        raise NotFound("no such block", field="block_id")
    return block


def list_blocks(
    session: Session, page: PageParams, *, status: str | None = None
) -> tuple[list[IntegrityBlock], int]:
    """The review queue, the most suspicious first."""
    query = select(IntegrityBlock)
    if status is not None:
        if status not in {s.value for s in BlockStatus}:
            raise InvalidInput(f"unknown status {status!r}", field="status")
        query = query.where(IntegrityBlock.status == status)
    return fetch_page(session, query.order_by(IntegrityBlock.score.desc(), IntegrityBlock.id), page)


def get_block(session: Session, block_id: int) -> IntegrityBlock:
    block = session.get(IntegrityBlock, block_id)
    if block is None:
        raise NotFound("no such block", field="block_id")
    return block


def block_flags(session: Session, block_id: int) -> list[IntegrityFlag]:
    return list(
        session.scalars(
            select(IntegrityFlag)
            .where(IntegrityFlag.block_id == block_id)
            .order_by(IntegrityFlag.id)
        )
    )


def decide(
    session: Session,
    clock: Clock,
    principal: Principal,
    *,
    block_id: int,
    action: str,
    note: str,
) -> IntegrityBlock:
    """Confirm a block, or dismiss it and lift every active flag it raised."""
    note = note.strip()
    if not note:
        raise InvalidInput("say why", field="note")
    if action not in ("confirm", "dismiss"):
        raise InvalidInput("confirm or dismiss", field="action")
    block = lock_block(session, block_id)
    block.status = BLOCK_STATES.next(block.status, action)
    block.decided_at = clock.now()
    block.decided_by = principal.id
    block.decision_note = note[:300]
    lifted = 0
    if action == "dismiss":
        for flag in block_flags(session, block.id):
            if flag.lifted_at is None:
                flags.lift(
                    session,
                    clock,
                    flag_id=flag.id,
                    reason=f"block dismissed: {note}",
                    actor_id=principal.id,
                )
                lifted += 1
    session.flush()
    emit(
        session,
        clock,
        events.BLOCK_DECIDED,
        block_id=block.id,
        status=block.status,
        flags_lifted=lifted,
        by_user_id=principal.id,
        note=block.decision_note,
    )
    return block
