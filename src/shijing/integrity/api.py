"""HTTP API of the integrity domain: operators raise and lift flags, work through the review
queue of blocks the detectors found, and start a detection run."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from shijing.accounts.deps import OperatorPrincipal
from shijing.core.http import ClockDep, DbSession, Id
from shijing.core.pagination import Paging
from shijing.facts.settings import get_facts_settings
from shijing.integrity import blocks, flags, runs, versions
from shijing.integrity.models import (
    IntegrityBlock,
    IntegrityDefinitionRow,
    IntegrityFlag,
    IntegrityRun,
)
from shijing.integrity.schemas import (
    BlockDecisionIn,
    BlockOut,
    BlockPage,
    DefinitionIn,
    DefinitionOut,
    FlagIn,
    FlagLiftIn,
    FlagOut,
    RunIn,
    RunOut,
)

router = APIRouter(tags=["integrity"])
Version = Annotated[str, Path(min_length=1, max_length=20, description="definition version")]


@router.post("/admin/flags", status_code=status.HTTP_201_CREATED, response_model=FlagOut)
def create_flag(
    body: FlagIn, principal: OperatorPrincipal, session: DbSession, clock: ClockDep
) -> IntegrityFlag:
    """Exclude an order, review or buyer from scores (operators; the reason is recorded)."""
    return flags.create_flag(
        session,
        clock,
        principal,
        subject_kind=body.subject_kind,
        subject_id=body.subject_id,
        reason=body.reason,
    )


@router.post("/admin/flags/{flag_id}/lift", response_model=FlagOut)
def lift_flag(
    flag_id: Id, body: FlagLiftIn, principal: OperatorPrincipal, session: DbSession, clock: ClockDep
) -> IntegrityFlag:
    """Lift a flag (operators; the reason is recorded): from the next daily run the order,
    review or buyer counts in scores again."""
    return flags.lift_flag(session, clock, principal, flag_id=flag_id, reason=body.reason)


@router.get("/admin/integrity/blocks", response_model=BlockPage)
def list_blocks(
    _principal: OperatorPrincipal,
    session: DbSession,
    page: Paging,
    status: Annotated[
        str | None, Query(max_length=20, description="open, confirmed, dismissed")
    ] = None,
) -> BlockPage:
    """The review queue: blocks the detectors found, the most suspicious first."""
    rows, total = blocks.list_blocks(session, page, status=status)
    return BlockPage(
        items=[BlockOut.model_validate(r) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/admin/integrity/blocks/{block_id}", response_model=BlockOut)
def get_block(block_id: Id, _principal: OperatorPrincipal, session: DbSession) -> IntegrityBlock:
    """One block with its members, shops, orders, evidence and reason in words."""
    return blocks.get_block(session, block_id)


@router.post("/admin/integrity/blocks/{block_id}/decision", response_model=BlockOut)
def decide_block(
    block_id: Id,
    body: BlockDecisionIn,
    principal: OperatorPrincipal,
    session: DbSession,
    clock: ClockDep,
) -> IntegrityBlock:
    """Confirm a block, or dismiss it as a false positive (every flag it raised is lifted)."""
    return blocks.decide(
        session, clock, principal, block_id=block_id, action=body.action, note=body.note
    )


@router.post("/admin/integrity/runs", status_code=status.HTTP_201_CREATED, response_model=RunOut)
def start_run(
    body: RunIn, _principal: OperatorPrincipal, session: DbSession, clock: ClockDep
) -> IntegrityRun:
    """Run every detector now (the daily step does this before scoring)."""
    settings = get_facts_settings()
    return runs.run_detection(
        session,
        clock,
        as_of=body.as_of,
        engine=body.engine,
        version=body.definition,
        root=settings.facts_dir,
        spark_master=settings.spark_master,
    )


@router.get("/admin/integrity/runs", response_model=list[RunOut])
def list_runs(_principal: OperatorPrincipal, session: DbSession) -> list[IntegrityRun]:
    """The latest 30 detection runs, the newest first."""
    return runs.latest_runs(session, limit=30)


@router.get("/admin/integrity/definitions", response_model=list[DefinitionOut])
def list_definitions(
    _principal: OperatorPrincipal, session: DbSession, clock: ClockDep
) -> list[IntegrityDefinitionRow]:
    """Every version of the detectors' thresholds and weights, the newest first."""
    return versions.list_definitions(session, clock)


@router.post(
    "/admin/integrity/definitions",
    status_code=status.HTTP_201_CREATED,
    response_model=DefinitionOut,
)
def add_definition(
    body: DefinitionIn, _principal: OperatorPrincipal, session: DbSession, clock: ClockDep
) -> IntegrityDefinitionRow:
    """Store a new version (validated: a threshold out of range is a 422 naming it; inactive
    until activated)."""
    return versions.add_definition(
        session, clock, version=body.version, body=body.body, note=body.note
    )


@router.post("/admin/integrity/definitions/{version}/activate", response_model=DefinitionOut)
def activate_definition(
    version: Version, _principal: OperatorPrincipal, session: DbSession, clock: ClockDep
) -> IntegrityDefinitionRow:
    """Run the detectors under this version from the next run on."""
    return versions.activate(session, clock, version=version)
