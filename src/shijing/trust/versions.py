"""Score definition versions: the one in force, new versions, trials beside it, switching over.

A version is validated before it is stored and is inactive until an operator activates it. A
version on trial is scored every day beside the active one (``service.run_daily``) so that
``comparison`` can show what switching it on would change; its scores serve nobody.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.core.clock import Clock
from shijing.core.errors import Conflict, InvalidInput, NotFound
from shijing.core.outbox import emit
from shijing.trust import events as trust_events
from shijing.trust.definition import DEFAULT_VERSION, ScoreDefinition, parse_definition
from shijing.trust.models import ScoreDefinitionRow, ScoreRun


def ensure_default_definition(session: Session, clock: Clock) -> ScoreDefinitionRow:
    """The active definition, creating version v1 (the defaults) on first use."""
    row = session.scalar(select(ScoreDefinitionRow).where(ScoreDefinitionRow.active.is_(True)))
    if row is not None:
        return row
    row = session.scalar(
        select(ScoreDefinitionRow).where(ScoreDefinitionRow.version == DEFAULT_VERSION)
    )
    if row is None:
        now = clock.now()
        row = ScoreDefinitionRow(
            version=DEFAULT_VERSION,
            body=ScoreDefinition().model_dump(mode="json"),
            active=True,
            trial=False,
            note="defaults",
            created_at=now,
            activated_at=now,
        )
        session.add(row)
        session.flush()
    return row


def active_version(session: Session) -> str:
    version = session.scalar(
        select(ScoreDefinitionRow.version).where(ScoreDefinitionRow.active.is_(True))
    )
    return version or DEFAULT_VERSION


def find_version(session: Session, version: str, *, field: str = "version") -> ScoreDefinitionRow:
    row = session.scalar(select(ScoreDefinitionRow).where(ScoreDefinitionRow.version == version))
    if row is None:
        raise NotFound(f"no score definition version {version!r}", field=field)
    return row


def definition_of(session: Session, clock: Clock, version: str | None) -> tuple[str, Any]:
    """(version, validated definition): the named version, or the active one."""
    if version is None:
        row = ensure_default_definition(session, clock)
    else:
        found = session.scalar(
            select(ScoreDefinitionRow).where(ScoreDefinitionRow.version == version)
        )
        if found is None:
            raise InvalidInput(f"no score definition version {version!r}", field="definition")
        row = found
    return row.version, parse_definition(row.body, stored=True)


def list_definitions(session: Session, clock: Clock) -> list[ScoreDefinitionRow]:
    """Every version, the newest first (the defaults are created on first use)."""
    ensure_default_definition(session, clock)
    return list(
        session.scalars(
            select(ScoreDefinitionRow).order_by(
                ScoreDefinitionRow.created_at.desc(), ScoreDefinitionRow.id.desc()
            )
        )
    )


def trial_versions(session: Session) -> list[str]:
    return list(
        session.scalars(
            select(ScoreDefinitionRow.version)
            .where(ScoreDefinitionRow.trial.is_(True), ScoreDefinitionRow.active.is_(False))
            .order_by(ScoreDefinitionRow.id)
        )
    )


def add_definition(
    session: Session,
    clock: Clock,
    *,
    version: str,
    body: dict[str, Any],
    note: str = "",
    trial: bool = False,
) -> ScoreDefinitionRow:
    """Store a new (inactive) definition version after validating it; ``trial`` puts it on
    trial at once."""
    definition = parse_definition(body)
    if not version or len(version) > 20:
        raise InvalidInput("a version is 1–20 characters", field="version")
    if session.scalar(select(ScoreDefinitionRow.id).where(ScoreDefinitionRow.version == version)):
        raise Conflict(f"version {version!r} exists", field="version")
    ensure_default_definition(session, clock)
    row = ScoreDefinitionRow(
        version=version,
        body=definition.model_dump(mode="json"),
        active=False,
        trial=trial,
        note=note,
        created_at=clock.now(),
        activated_at=None,
    )
    session.add(row)
    session.flush()
    emit(session, clock, trust_events.TRUST_DEFINITION_ADDED, version=version, trial=trial)
    return row


def start_trial(session: Session, clock: Clock, *, version: str) -> ScoreDefinitionRow:
    """Score ``version`` every day beside the active one, for comparison."""
    row = find_version(session, version)
    if row.active:
        raise Conflict(
            f"version {version!r} is the active one", field="version", code="already_active"
        )
    if row.trial:
        raise Conflict(
            f"version {version!r} is on trial already", field="version", code="already_on_trial"
        )
    row.trial = True
    session.flush()
    emit(session, clock, trust_events.TRUST_DEFINITION_TRIAL_STARTED, version=version)
    return row


def stop_trial(session: Session, clock: Clock, *, version: str) -> ScoreDefinitionRow:
    """Stop scoring ``version`` daily; the scores it has are kept for comparison."""
    row = find_version(session, version)
    if not row.trial:
        raise Conflict(f"version {version!r} is not on trial", field="version", code="not_on_trial")
    row.trial = False
    session.flush()
    emit(session, clock, trust_events.TRUST_DEFINITION_TRIAL_STOPPED, version=version)
    return row


def last_run_day(session: Session, version: str) -> date | None:
    return session.scalar(
        select(ScoreRun.as_of)
        .where(ScoreRun.definition_version == version)
        .order_by(ScoreRun.as_of.desc())
        .limit(1)
    )


def activate_definition(session: Session, clock: Clock, *, version: str) -> ScoreDefinitionRow:
    """Switch ``version`` on (its trial, if any, ends): its scores serve from now on. Once
    scores are being served, a version must have been scored up to the same day first, so
    that switching never leaves shops, creators and buyers without a score."""
    previous = ensure_default_definition(session, clock).version
    row = find_version(session, version)
    serving = last_run_day(session, previous)
    if not row.active and serving is not None:
        scored = last_run_day(session, version)
        if scored is None or scored < serving:
            raise Conflict(
                f"version {version!r} has no scores as of {serving} (the active version's "
                f"latest day): score it first (shijing score run --definition {version}, or "
                "put it on trial)",
                field="version",
                code="not_scored",
            )
    for other in session.scalars(
        select(ScoreDefinitionRow).where(ScoreDefinitionRow.active.is_(True))
    ):
        other.active = False
    session.flush()
    row.active = True
    row.trial = False
    row.activated_at = clock.now()
    session.flush()
    emit(
        session, clock, trust_events.TRUST_DEFINITION_ACTIVATED, version=version, previous=previous
    )
    return row
