"""Flags: an order, a review or a buyer left out of every score from the next run on, raised by
an operator or a rule of the platform, lifted with a reason; each change is audited as an event."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.accounts.models import User
from shijing.accounts.service import Principal
from shijing.commerce.orders.models import Order
from shijing.commerce.reviews.models import Review
from shijing.core.clock import Clock
from shijing.core.errors import Conflict, InvalidInput, NotFound
from shijing.core.outbox import emit
from shijing.integrity import events
from shijing.integrity.findings import FoundFlag
from shijing.integrity.models import IntegrityFlag

DETECTED = "integrity"  # the source of a flag a detector raised

FLAG_KINDS = ("order", "review", "buyer")


def create_flag(
    session: Session,
    clock: Clock,
    principal: Principal,
    *,
    subject_kind: str,
    subject_id: int,
    reason: str,
    source: str = "operator",
) -> IntegrityFlag:
    """Exclude an order, a review or a buyer from scores from the next run on (audited)."""
    return raise_flag(
        session,
        clock,
        subject_kind=subject_kind,
        subject_id=subject_id,
        reason=reason,
        source=source,
        actor_id=principal.id,
    )


def raise_flag(
    session: Session,
    clock: Clock,
    *,
    subject_kind: str,
    subject_id: int,
    reason: str,
    source: str,
    actor_id: int | None,
) -> IntegrityFlag:
    """``create_flag`` for a rule of the platform as well as a person (``actor_id`` None)."""
    if subject_kind not in FLAG_KINDS:
        raise InvalidInput(f"subject_kind is one of {', '.join(FLAG_KINDS)}", field="subject_kind")
    if not reason.strip():
        raise InvalidInput("give a reason", field="reason")
    model: Any = {"order": Order, "review": Review, "buyer": User}[subject_kind]
    if session.get(model, subject_id) is None:
        raise NotFound(f"no such {subject_kind}", field="subject_id")
    flag = IntegrityFlag(
        subject_kind=subject_kind,
        subject_id=subject_id,
        reason=reason.strip()[:300],
        source=source,
        created_by=actor_id,
        created_at=clock.now(),
        lifted_at=None,
    )
    session.add(flag)
    session.flush()
    emit(
        session,
        clock,
        events.FLAG_RAISED,
        flag_id=flag.id,
        subject_kind=subject_kind,
        subject_id=subject_id,
        reason=flag.reason,
        by_user_id=actor_id,
    )
    return flag


def get_flag(session: Session, flag_id: int) -> IntegrityFlag:
    flag = session.get(IntegrityFlag, flag_id)
    if flag is None:
        raise NotFound("no such flag", field="flag_id")
    return flag


def lift_flag(
    session: Session, clock: Clock, principal: Principal, *, flag_id: int, reason: str
) -> IntegrityFlag:
    """An operator lifts a flag: from the next run on (T+1) the order, review or buyer counts in
    scores again. The reason and who lifted it are kept in the ``integrity.flag_lifted`` event
    (the audit trail, as for raising a flag)."""
    return lift(session, clock, flag_id=flag_id, reason=reason, actor_id=principal.id)


def lift(
    session: Session, clock: Clock, *, flag_id: int, reason: str, actor_id: int | None
) -> IntegrityFlag:
    """``lift_flag`` for a rule of the platform as well as a person (``actor_id`` None)."""
    if not reason.strip():
        raise InvalidInput("give a reason", field="reason")
    flag = session.scalar(
        select(IntegrityFlag)
        .where(IntegrityFlag.id == flag_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if flag is None:
        raise NotFound("no such flag", field="flag_id")
    if flag.lifted_at is not None:
        raise Conflict("the flag is lifted already", field="flag_id")
    flag.lifted_at = clock.now()
    flag.lifted_by = actor_id
    flag.lift_reason = reason.strip()[:300]
    session.flush()
    emit(
        session,
        clock,
        events.FLAG_LIFTED,
        flag_id=flag.id,
        subject_kind=flag.subject_kind,
        subject_id=flag.subject_id,
        reason=reason.strip(),
        by_user_id=actor_id,
    )
    return flag


def active_flags_on(
    session: Session, *, buyer_id: int, order_id: int | None = None
) -> list[IntegrityFlag]:
    """The flags in force on a buyer or on one of their orders (what holds their payouts)."""
    subjects = IntegrityFlag.subject_kind == "buyer"
    subjects = subjects & (IntegrityFlag.subject_id == buyer_id)
    if order_id is not None:
        subjects = subjects | (
            (IntegrityFlag.subject_kind == "order") & (IntegrityFlag.subject_id == order_id)
        )
    return list(
        session.scalars(
            select(IntegrityFlag)
            .where(subjects, IntegrityFlag.lifted_at.is_(None))
            .order_by(IntegrityFlag.id)
        )
    )


def known_subjects(
    session: Session, kinds: set[str], ids: set[int] | None = None
) -> set[tuple[str, int]]:
    """The subjects a detector must not flag (again): flagged now, by anyone, or once flagged by
    a detector and lifted (an operator's decision stands; new orders are new subjects)."""
    if not kinds:
        return set()
    query = select(IntegrityFlag.subject_kind, IntegrityFlag.subject_id).where(
        IntegrityFlag.subject_kind.in_(sorted(kinds)),
        IntegrityFlag.lifted_at.is_(None) | (IntegrityFlag.source == DETECTED),
    )
    if ids is not None:
        query = query.where(IntegrityFlag.subject_id.in_(sorted(ids)))
    return {(k, int(i)) for k, i in session.execute(query)}


def record_detected(
    session: Session,
    clock: Clock,
    found: FoundFlag,
    *,
    definition_version: str,
    run_id: int | None,
    block_id: int | None,
) -> IntegrityFlag:
    """Store a detector's flag with its evidence and announce it (the caller checked with
    ``known_subjects`` that the subject is not flagged already)."""
    flag = IntegrityFlag(
        subject_kind=found.subject_kind,
        subject_id=found.subject_id,
        reason=found.reason[:300],
        source=DETECTED,
        created_by=None,
        created_at=clock.now(),
        lifted_at=None,
        detector=found.detector,
        definition_version=definition_version,
        run_id=run_id,
        block_id=block_id,
        score=found.score,
        evidence=found.evidence,
    )
    session.add(flag)
    session.flush()
    emit(
        session,
        clock,
        events.FLAG_RAISED,
        flag_id=flag.id,
        subject_kind=flag.subject_kind,
        subject_id=flag.subject_id,
        reason=flag.reason,
        detector=flag.detector,
        block_id=block_id,
        run_id=run_id,
        by_user_id=None,
    )
    return flag
