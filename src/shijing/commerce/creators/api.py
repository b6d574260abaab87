"""HTTP API of the creators domain: profiles, follows, distribution plans."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, status

from shijing.accounts.deps import CurrentPrincipal, MaybePrincipal, require_role
from shijing.accounts.models import Role
from shijing.accounts.service import Principal
from shijing.commerce.creators import service
from shijing.commerce.creators.models import Creator, DistributionPlan
from shijing.commerce.creators.schemas import (
    CreatorOpenIn,
    CreatorOut,
    CreatorSummaryOut,
    CreatorUpdateIn,
    FollowerOut,
    FollowingOut,
    FollowStateOut,
    OpenPlanOut,
    PlanOut,
    PlanPublishIn,
    PlanStatusParam,
)
from shijing.core.http import MAX_ID, ClockDep, DbSession
from shijing.core.pagination import Page, PageParams, Paging

router = APIRouter(tags=["creators"])

CreatorId = Annotated[int, Path(ge=1, le=MAX_ID)]
ShopId = Annotated[int, Path(ge=1, le=MAX_ID)]
PlanId = Annotated[int, Path(ge=1, le=MAX_ID)]
CreatorPrincipal = Annotated[Principal, Depends(require_role(Role.CREATOR), scope="function")]


def creator_out(creator: Creator, followed_by_me: bool | None = None) -> CreatorOut:
    out = CreatorOut.model_validate(creator)
    out.followed_by_me = followed_by_me
    return out


def _plan_page(plans: list[DistributionPlan], total: int, page: PageParams) -> Page[PlanOut]:
    items = [PlanOut.model_validate(p) for p in plans]
    return Page[PlanOut](items=items, total=total, limit=page.limit, offset=page.offset)


# -- profiles ---------------------------------------------------------------------------------


@router.post("/creators", status_code=status.HTTP_201_CREATED, response_model=CreatorOut)
def open_profile(
    body: CreatorOpenIn, principal: CurrentPrincipal, session: DbSession, clock: ClockDep
) -> CreatorOut:
    """Open my creator profile; grants the creator role."""
    creator = service.open_creator_profile(
        session,
        clock,
        principal.user,
        handle=body.handle,
        display_name=body.display_name,
        bio=body.bio,
        avatar_url=body.avatar_url,
        categories=body.categories,
    )
    return creator_out(creator)


@router.get("/creators/me", response_model=CreatorOut)
def my_profile(principal: CurrentPrincipal, session: DbSession) -> CreatorOut:
    return creator_out(service.my_creator(session, principal))


@router.patch("/creators/me", response_model=CreatorOut)
def update_profile(
    body: CreatorUpdateIn, principal: CurrentPrincipal, session: DbSession, clock: ClockDep
) -> CreatorOut:
    """Change my profile; fields left out stay as they are (``avatar_url: null`` removes it)."""
    avatar = body.avatar_url
    if avatar is None and "avatar_url" in body.model_fields_set:
        avatar = ""
    creator = service.update_creator_profile(
        session,
        clock,
        principal,
        display_name=body.display_name,
        bio=body.bio,
        avatar_url=avatar,
        categories=body.categories,
    )
    return creator_out(creator)


@router.get("/creators/me/followers", response_model=Page[FollowerOut])
def my_followers(
    principal: CurrentPrincipal, session: DbSession, page: Paging
) -> Page[FollowerOut]:
    """Who follows me, newest first (the creator only)."""
    creator = service.my_creator(session, principal)
    rows, total = service.followers_of(session, creator.id, limit=page.limit, offset=page.offset)
    items = [
        FollowerOut(user_id=f.user_id, display_name=f.display_name, followed_at=f.followed_at)
        for f in rows
    ]
    return Page[FollowerOut](items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/creators/by-handle/{handle}", response_model=CreatorOut)
def profile_by_handle(
    handle: Annotated[str, Path(max_length=60)], principal: MaybePrincipal, session: DbSession
) -> CreatorOut:
    creator = service.get_creator_by_handle(session, handle)
    following = service.is_following(session, principal.id, creator.id) if principal else None
    return creator_out(creator, following)


@router.get("/creators/{creator_id}", response_model=CreatorOut)
def profile(creator_id: CreatorId, principal: MaybePrincipal, session: DbSession) -> CreatorOut:
    creator = service.get_creator(session, creator_id)
    following = service.is_following(session, principal.id, creator.id) if principal else None
    return creator_out(creator, following)


# -- follows ----------------------------------------------------------------------------------


@router.post("/creators/{creator_id}/follow", response_model=FollowStateOut)
def follow(
    creator_id: CreatorId, principal: CurrentPrincipal, session: DbSession, clock: ClockDep
) -> FollowStateOut:
    """Follow a creator. Idempotent: following again answers the same, 200."""
    state = service.follow_creator(session, clock, user_id=principal.id, creator_id=creator_id)
    return FollowStateOut(
        creator_id=state.creator_id, following=True, follower_count=state.follower_count
    )


@router.delete("/creators/{creator_id}/follow", response_model=FollowStateOut)
def unfollow(
    creator_id: CreatorId, principal: CurrentPrincipal, session: DbSession, clock: ClockDep
) -> FollowStateOut:
    """Stop following. Idempotent: when not following, nothing changes, 200."""
    state = service.unfollow_creator(session, clock, user_id=principal.id, creator_id=creator_id)
    return FollowStateOut(
        creator_id=state.creator_id, following=False, follower_count=state.follower_count
    )


@router.get("/me/follows", response_model=Page[FollowingOut])
def my_follows(principal: CurrentPrincipal, session: DbSession, page: Paging) -> Page[FollowingOut]:
    """The creators I follow, newest follow first."""
    rows, total = service.follows_of(session, principal.id, limit=page.limit, offset=page.offset)
    items = [
        FollowingOut(creator=CreatorSummaryOut.model_validate(c), followed_at=at) for c, at in rows
    ]
    return Page[FollowingOut](items=items, total=total, limit=page.limit, offset=page.offset)


# -- distribution plans -----------------------------------------------------------------------


@router.post(
    "/shops/{shop_id}/distribution-plans",
    status_code=status.HTTP_201_CREATED,
    response_model=PlanOut,
)
def publish_plan(
    shop_id: ShopId,
    body: PlanPublishIn,
    principal: CurrentPrincipal,
    session: DbSession,
    clock: ClockDep,
) -> PlanOut:
    """Offer one of the shop's products to creators at a commission (shop staff)."""
    plan = service.publish_distribution_plan(
        session,
        clock,
        principal,
        shop_id=shop_id,
        product_id=body.product_id,
        commission_bps=body.commission_bps,
    )
    return PlanOut.model_validate(plan)


@router.get("/shops/{shop_id}/distribution-plans", response_model=Page[PlanOut])
def list_shop_plans(
    shop_id: ShopId,
    principal: CurrentPrincipal,
    session: DbSession,
    page: Paging,
    plan_status: Annotated[PlanStatusParam | None, Query(alias="status")] = None,
) -> Page[PlanOut]:
    """The shop's plans, newest first (shop staff)."""
    plans, total = service.shop_plans(
        session,
        principal,
        shop_id=shop_id,
        status=plan_status,
        limit=page.limit,
        offset=page.offset,
    )
    return _plan_page(plans, total, page)


@router.post("/distribution-plans/{plan_id}/close", response_model=PlanOut)
def close_plan(
    plan_id: PlanId, principal: CurrentPrincipal, session: DbSession, clock: ClockDep
) -> PlanOut:
    """Close a plan (its shop's staff); 409 when already closed."""
    plan = service.close_distribution_plan(session, clock, principal, plan_id=plan_id)
    return PlanOut.model_validate(plan)


@router.get("/distribution-plans", response_model=Page[OpenPlanOut])
def browse_open_plans(
    _principal: CreatorPrincipal,
    session: DbSession,
    page: Paging,
    category: Annotated[str | None, Query(max_length=40)] = None,
    shop_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Page[OpenPlanOut]:
    """Open plans a creator can sell under; ``category`` includes its sub-categories."""
    rows, total = service.open_plans(
        session, category=category, shop_id=shop_id, limit=page.limit, offset=page.offset
    )
    items = [
        OpenPlanOut(
            id=r.plan.id,
            shop_id=r.plan.shop_id,
            shop_name=r.shop_name,
            product_id=r.plan.product_id,
            product_title=r.product_title,
            category=r.category,
            commission_bps=r.plan.commission_bps,
            created_at=r.plan.created_at,
        )
        for r in rows
    ]
    return Page[OpenPlanOut](items=items, total=total, limit=page.limit, offset=page.offset)
