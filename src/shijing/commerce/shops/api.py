"""HTTP API of the shops domain: opening a shop, its staff and invitations, its status."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from shijing.accounts.deps import CurrentPrincipal, MaybePrincipal, OperatorPrincipal
from shijing.commerce.shops import service, staff
from shijing.commerce.shops.models import MemberRole, Shop, ShopInvite
from shijing.commerce.shops.schemas import (
    CloseIn,
    InviteIn,
    InviteOut,
    MemberOut,
    MyShopOut,
    ReasonIn,
    ReceivedInviteOut,
    ShopCreateIn,
    ShopOut,
    ShopPublicOut,
    ShopUpdateIn,
)
from shijing.commerce.shops.states import InviteStatus
from shijing.core.clock import Clock
from shijing.core.http import MAX_ID, ClockDep, DbSession
from shijing.core.pagination import Page

router = APIRouter(tags=["shops"])

Limit = Annotated[int, Query(ge=1, le=100)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
ShopId = Annotated[int, Path(ge=1, le=MAX_ID)]
InviteId = Annotated[int, Path(ge=1, le=MAX_ID)]
UserId = Annotated[int, Path(ge=1, le=MAX_ID)]


def invite_out(invite: ShopInvite, clock: Clock) -> InviteOut:
    return InviteOut(
        id=invite.id,
        shop_id=invite.shop_id,
        email=invite.email,
        invited_by=invite.invited_by,
        status=staff.invite_state(invite, clock.now()),
        created_at=invite.created_at,
        expires_at=invite.expires_at,
        accepted_at=invite.accepted_at,
        revoked_at=invite.revoked_at,
    )


def my_shop_out(shop: Shop, role: str) -> MyShopOut:
    return MyShopOut(**ShopOut.model_validate(shop).model_dump(), role=role)


@router.post("/shops", status_code=status.HTTP_201_CREATED, response_model=ShopOut)
def create_shop(
    body: ShopCreateIn, principal: CurrentPrincipal, session: DbSession, clock: ClockDep
) -> ShopOut:
    """Open a shop: the caller becomes its owner (and a merchant)."""
    shop = service.create_shop(session, clock, principal, **body.model_dump())
    return ShopOut.model_validate(shop)


@router.get("/shops/{shop_id}", response_model=ShopOut | ShopPublicOut)
def get_shop(
    shop_id: ShopId, principal: MaybePrincipal, session: DbSession
) -> ShopOut | ShopPublicOut:
    """An active shop for anyone; the full record (with the return address) for its staff and
    operators, whatever its status."""
    shop, full = service.view_shop(session, principal, shop_id)
    if full:
        return ShopOut.model_validate(shop)
    return ShopPublicOut.model_validate(shop)


@router.patch("/shops/{shop_id}", response_model=ShopOut)
def update_shop(
    shop_id: ShopId,
    body: ShopUpdateIn,
    principal: CurrentPrincipal,
    session: DbSession,
    clock: ClockDep,
) -> ShopOut:
    """Change the return address or the ship-within promise (the shop's staff)."""
    shop = service.update_shop(
        session, clock, principal, shop_id, **body.model_dump(exclude_none=True)
    )
    return ShopOut.model_validate(shop)


@router.get("/me/shops", response_model=Page[MyShopOut])
def my_shops(
    principal: CurrentPrincipal, session: DbSession, limit: Limit = 20, offset: Offset = 0
) -> Page[MyShopOut]:
    """The shops the caller owns or works for."""
    rows, total = service.list_my_shops(session, principal, limit=limit, offset=offset)
    return Page(
        items=[my_shop_out(m.shop, m.role) for m in rows], total=total, limit=limit, offset=offset
    )


# -- status -----------------------------------------------------------------------------------


@router.post("/shops/{shop_id}/close", response_model=ShopOut)
def close_shop(
    shop_id: ShopId,
    principal: CurrentPrincipal,
    session: DbSession,
    clock: ClockDep,
    body: CloseIn | None = None,
) -> ShopOut:
    """The owner closes the shop for good."""
    reason = body.reason if body is not None else None
    return ShopOut.model_validate(
        service.close_shop(session, clock, principal, shop_id, reason=reason)
    )


@router.post("/shops/{shop_id}/suspend", response_model=ShopOut)
def suspend_shop(
    shop_id: ShopId,
    body: ReasonIn,
    principal: OperatorPrincipal,
    session: DbSession,
    clock: ClockDep,
) -> ShopOut:
    """An operator suspends an active shop, giving a reason."""
    return ShopOut.model_validate(
        service.suspend_shop(session, clock, principal, shop_id, reason=body.reason)
    )


@router.post("/shops/{shop_id}/reinstate", response_model=ShopOut)
def reinstate_shop(
    shop_id: ShopId,
    body: ReasonIn,
    principal: OperatorPrincipal,
    session: DbSession,
    clock: ClockDep,
) -> ShopOut:
    """An operator reinstates a suspended shop, giving a reason."""
    return ShopOut.model_validate(
        service.reinstate_shop(session, clock, principal, shop_id, reason=body.reason)
    )


# -- staff ------------------------------------------------------------------------------------


@router.post(
    "/shops/{shop_id}/invites", status_code=status.HTTP_201_CREATED, response_model=InviteOut
)
def invite_staff(
    shop_id: ShopId,
    body: InviteIn,
    principal: CurrentPrincipal,
    session: DbSession,
    clock: ClockDep,
) -> InviteOut:
    """The owner invites an existing account to join as staff; the invitation lasts 7 days."""
    invite = staff.invite_staff(session, clock, principal, shop_id, email=str(body.email))
    return invite_out(invite, clock)


@router.get("/shops/{shop_id}/invites", response_model=Page[InviteOut])
def list_invites(
    shop_id: ShopId,
    principal: CurrentPrincipal,
    session: DbSession,
    clock: ClockDep,
    invite_status: Annotated[InviteStatus | None, Query(alias="status")] = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> Page[InviteOut]:
    """The shop's invitations (owner), optionally of one status."""
    rows, total = staff.list_invites(
        session, clock, principal, shop_id, status=invite_status, limit=limit, offset=offset
    )
    return Page(items=[invite_out(i, clock) for i in rows], total=total, limit=limit, offset=offset)


@router.delete("/shops/{shop_id}/invites/{invite_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_invite(
    shop_id: ShopId,
    invite_id: InviteId,
    principal: CurrentPrincipal,
    session: DbSession,
    clock: ClockDep,
) -> None:
    """The owner withdraws a pending invitation."""
    staff.revoke_invite(session, clock, principal, shop_id, invite_id)


@router.get("/me/shop-invites", response_model=Page[ReceivedInviteOut])
def my_invites(
    principal: CurrentPrincipal,
    session: DbSession,
    clock: ClockDep,
    limit: Limit = 20,
    offset: Offset = 0,
) -> Page[ReceivedInviteOut]:
    """The caller's pending invitations."""
    rows, total = staff.list_my_invites(session, clock, principal, limit=limit, offset=offset)
    items = [
        ReceivedInviteOut(
            id=r.invite.id,
            shop_id=r.invite.shop_id,
            shop_name=r.shop_name,
            created_at=r.invite.created_at,
            expires_at=r.invite.expires_at,
        )
        for r in rows
    ]
    return Page(items=items, total=total, limit=limit, offset=offset)


@router.post("/shop-invites/{invite_id}/accept", response_model=MyShopOut)
def accept_invite(
    invite_id: InviteId, principal: CurrentPrincipal, session: DbSession, clock: ClockDep
) -> MyShopOut:
    """The invitee joins the shop as staff; returns the shop."""
    member = staff.accept_invite(session, clock, principal, invite_id)
    return my_shop_out(service.get_shop(session, member.shop_id), member.role)


@router.get("/shops/{shop_id}/members", response_model=Page[MemberOut])
def list_members(
    shop_id: ShopId,
    principal: CurrentPrincipal,
    session: DbSession,
    role: MemberRole | None = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> Page[MemberOut]:
    """Who works for the shop (its staff and operators may look)."""
    rows, total = staff.list_members(
        session, principal, shop_id, role=role, limit=limit, offset=offset
    )
    return Page(
        items=[MemberOut.model_validate(m) for m in rows], total=total, limit=limit, offset=offset
    )


@router.delete("/shops/{shop_id}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_member(
    shop_id: ShopId,
    user_id: UserId,
    principal: CurrentPrincipal,
    session: DbSession,
    clock: ClockDep,
) -> None:
    """The owner removes a staff member (never the owner)."""
    staff.remove_staff(session, clock, principal, shop_id, user_id)
