"""HTTP API of the trust domain: score summaries (public), explanations (owners and operators),
the buyer's own credit and score definitions (flags are integrity's)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from shijing.accounts.deps import CurrentPrincipal, OperatorPrincipal, ensure_visible
from shijing.commerce.creators.service import creator_of_user, get_creator
from shijing.commerce.shops.access import require_shop_staff
from shijing.core.http import ClockDep, DbSession, Id
from shijing.trust import comparison, service, versions
from shijing.trust.models import ScoreDefinitionRow
from shijing.trust.schemas import (
    ComparisonOut,
    CreatorScoreDay,
    CreatorScoreExplanation,
    CreatorScoreSummary,
    CreditDay,
    CreditHistory,
    CreditOut,
    DefinitionIn,
    DefinitionList,
    DefinitionOut,
    ShopScoreDay,
    ShopScoreExplanation,
    ShopScoreSummary,
)

router = APIRouter(tags=["trust"])
Version = Annotated[str, Path(min_length=1, max_length=20, description="definition version")]
HistoryDays = Annotated[int, Query(ge=1, le=100, description="days of history")]


@router.get("/shops/{shop_id}/score", response_model=ShopScoreSummary)
def shop_score(shop_id: Id, session: DbSession) -> ShopScoreSummary:
    """The shop experience score as anyone sees it: band and total, or not enough data."""
    row = service.latest_shop_score(session, shop_id)
    if row is None:
        return ShopScoreSummary(
            shop_id=shop_id,
            as_of=None,
            enough_data=False,
            total=None,
            band=None,
            definition_version=None,
        )
    return ShopScoreSummary(
        shop_id=shop_id,
        as_of=row.as_of,
        enough_data=row.enough_data,
        total=row.total if row.enough_data else None,
        band=row.band if row.enough_data else None,
        definition_version=row.definition_version,
    )


@router.get("/shops/{shop_id}/score/explanation", response_model=ShopScoreExplanation)
def shop_score_explanation(
    shop_id: Id, principal: CurrentPrincipal, session: DbSession, days: HistoryDays = 30
) -> ShopScoreExplanation:
    """Every indicator, its peers, its points and history: the shop's staff and operators."""
    require_shop_staff(session, principal, shop_id)
    history = [
        ShopScoreDay.model_validate(r) for r in service.shop_history(session, shop_id, days=days)
    ]
    return ShopScoreExplanation(
        shop_id=shop_id, latest=history[0] if history else None, history=history
    )


@router.get("/creators/{creator_id}/score", response_model=CreatorScoreSummary)
def creator_score(creator_id: Id, session: DbSession) -> CreatorScoreSummary:
    get_creator(session, creator_id)
    row = service.latest_creator_score(session, creator_id)
    shown = row is not None and row.enough_data and row.score is not None
    return CreatorScoreSummary(
        creator_id=creator_id,
        as_of=row.as_of if row else None,
        enough_data=bool(row and row.enough_data),
        score=round(row.score, 1) if shown and row and row.score is not None else None,
        definition_version=row.definition_version if row else None,
    )


@router.get("/creators/{creator_id}/score/explanation", response_model=CreatorScoreExplanation)
def creator_score_explanation(
    creator_id: Id, principal: CurrentPrincipal, session: DbSession, days: HistoryDays = 30
) -> CreatorScoreExplanation:
    """The creator's own view (and operators'); 404 to everyone else."""
    own = creator_of_user(session, principal.id)
    ensure_visible(principal.is_operator or (own is not None and own.id == creator_id), "creator")
    history = [
        CreatorScoreDay.model_validate(r)
        for r in service.creator_history(session, creator_id, days=days)
    ]
    return CreatorScoreExplanation(
        creator_id=creator_id, latest=history[0] if history else None, history=history
    )


@router.get("/me/credit", response_model=CreditOut)
def my_credit(principal: CurrentPrincipal, session: DbSession, clock: ClockDep) -> CreditOut:
    """Your buyer credit and why (only you see it)."""
    return CreditOut(**service.buyer_credit(session, clock, principal.user))


@router.get("/me/credit/history", response_model=CreditHistory)
def my_credit_history(
    principal: CurrentPrincipal, session: DbSession, days: HistoryDays = 30
) -> CreditHistory:
    """Your buyer credit day by day, the newest first (only you see it)."""
    rows = service.buyer_credit_history(session, principal.user, days=days)
    return CreditHistory(items=[CreditDay.model_validate(r) for r in rows])


def _definition_out(session: DbSession, row: ScoreDefinitionRow) -> DefinitionOut:
    out = DefinitionOut.model_validate(row)
    out.last_scored = versions.last_run_day(session, row.version)
    return out


@router.get("/admin/score-definitions", response_model=DefinitionList)
def list_definitions(
    _principal: OperatorPrincipal, session: DbSession, clock: ClockDep
) -> DefinitionList:
    """Every definition version, the newest first: which is active, which are on trial."""
    rows = versions.list_definitions(session, clock)
    return DefinitionList(items=[_definition_out(session, row) for row in rows])


@router.post(
    "/admin/score-definitions", status_code=status.HTTP_201_CREATED, response_model=DefinitionOut
)
def add_definition(
    body: DefinitionIn, _principal: OperatorPrincipal, session: DbSession, clock: ClockDep
) -> DefinitionOut:
    """Store a new definition version (validated; inactive until activated; with ``trial`` it
    is scored daily beside the active one)."""
    row = versions.add_definition(
        session, clock, version=body.version, body=body.body, note=body.note, trial=body.trial
    )
    return _definition_out(session, row)


@router.get("/admin/score-definitions/{version}", response_model=DefinitionOut)
def get_definition(
    version: Version, _principal: OperatorPrincipal, session: DbSession
) -> DefinitionOut:
    return _definition_out(session, versions.find_version(session, version))


@router.post("/admin/score-definitions/{version}/trial", response_model=DefinitionOut)
def start_trial(
    version: Version, _principal: OperatorPrincipal, session: DbSession, clock: ClockDep
) -> DefinitionOut:
    """Score this version every day beside the active one, for comparison."""
    return _definition_out(session, versions.start_trial(session, clock, version=version))


@router.delete("/admin/score-definitions/{version}/trial", response_model=DefinitionOut)
def stop_trial(
    version: Version, _principal: OperatorPrincipal, session: DbSession, clock: ClockDep
) -> DefinitionOut:
    """Stop the daily trial scoring (the scores it made are kept)."""
    return _definition_out(session, versions.stop_trial(session, clock, version=version))


@router.get("/admin/score-definitions/{version}/comparison", response_model=ComparisonOut)
def compare_definition(
    version: Version,
    _principal: OperatorPrincipal,
    session: DbSession,
    clock: ClockDep,
    against: Annotated[
        str | None, Query(min_length=1, max_length=20, description="default: the active version")
    ] = None,
    as_of: Annotated[
        date | None, Query(description="default: the latest day both versions were scored")
    ] = None,
) -> ComparisonOut:
    """What switching this version on would change for shops, creators and buyers: bands
    before and after, rank correlation, the biggest movers."""
    found = comparison.compare(session, clock, candidate=version, baseline=against, as_of=as_of)
    return ComparisonOut.model_validate(found)


@router.post("/admin/score-definitions/{version}/activate", response_model=DefinitionOut)
def activate_definition(
    version: Version, _principal: OperatorPrincipal, session: DbSession, clock: ClockDep
) -> DefinitionOut:
    """Switch this version on (it must have been scored up to the active version's latest
    day, so that no score disappears)."""
    return _definition_out(session, versions.activate_definition(session, clock, version=version))
