"""Versions of the detectors' definition: the one in force, new versions, switching over.

A new version is validated before it is stored and is inactive until activated; a run names the
version it used, and so does each flag it raised, so a flag can always be traced to the
thresholds that raised it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.core.clock import Clock
from shijing.core.errors import Conflict, InvalidInput, NotFound
from shijing.core.outbox import emit
from shijing.integrity import events
from shijing.integrity.definition import DEFAULT_VERSION, IntegrityDefinition, parse_definition
from shijing.integrity.models import IntegrityDefinitionRow


def ensure_default_definition(session: Session, clock: Clock) -> IntegrityDefinitionRow:
    """The active definition, creating version i1 (the defaults) on first use."""
    row = session.scalar(
        select(IntegrityDefinitionRow).where(IntegrityDefinitionRow.active.is_(True))
    )
    if row is not None:
        return row
    row = session.scalar(
        select(IntegrityDefinitionRow).where(IntegrityDefinitionRow.version == DEFAULT_VERSION)
    )
    if row is None:
        now = clock.now()
        row = IntegrityDefinitionRow(
            version=DEFAULT_VERSION,
            body=IntegrityDefinition().model_dump(mode="json"),
            active=True,
            note="defaults",
            created_at=now,
            activated_at=now,
        )
        session.add(row)
        session.flush()
    return row


def definition_of(
    session: Session, clock: Clock, version: str | None
) -> tuple[str, IntegrityDefinition]:
    """(version, validated definition): the named version, or the active one."""
    if version is None:
        row = ensure_default_definition(session, clock)
    else:
        found = session.scalar(
            select(IntegrityDefinitionRow).where(IntegrityDefinitionRow.version == version)
        )
        if found is None:
            raise InvalidInput(f"no integrity definition version {version!r}", field="definition")
        row = found
    return row.version, parse_definition(row.body)


def list_definitions(session: Session, clock: Clock) -> list[IntegrityDefinitionRow]:
    ensure_default_definition(session, clock)
    return list(
        session.scalars(select(IntegrityDefinitionRow).order_by(IntegrityDefinitionRow.id.desc()))
    )


def add_definition(
    session: Session, clock: Clock, *, version: str, body: object, note: str = ""
) -> IntegrityDefinitionRow:
    """Store a new version (validated; inactive until activated)."""
    version = version.strip()
    if not version or len(version) > 20:
        raise InvalidInput("a version is 1 to 20 characters", field="version")
    definition = parse_definition(body)
    ensure_default_definition(session, clock)
    taken = session.scalar(
        select(IntegrityDefinitionRow.id).where(IntegrityDefinitionRow.version == version)
    )
    if taken is not None:
        raise Conflict(f"version {version!r} exists already", field="version")
    row = IntegrityDefinitionRow(
        version=version,
        body=definition.model_dump(mode="json"),
        active=False,
        note=note.strip()[:300],
        created_at=clock.now(),
        activated_at=None,
    )
    session.add(row)
    session.flush()
    emit(session, clock, events.DEFINITION_ADDED, version=version)
    return row


def activate(session: Session, clock: Clock, *, version: str) -> IntegrityDefinitionRow:
    """Run the detectors under ``version`` from the next run on."""
    rows = list(session.scalars(select(IntegrityDefinitionRow).with_for_update()))
    target = next((r for r in rows if r.version == version), None)
    if target is None:
        raise NotFound(f"no integrity definition version {version!r}", field="version")
    if target.active:
        raise Conflict(f"version {version!r} is active already", field="version")
    previous = next((r.version for r in rows if r.active), None)
    for r in rows:
        r.active = r is target
    target.activated_at = clock.now()
    session.flush()
    emit(session, clock, events.DEFINITION_ACTIVATED, version=version, previous=previous)
    return target
