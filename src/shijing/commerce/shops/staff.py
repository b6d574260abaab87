"""Use-cases of a shop's people: the owner invites existing accounts by email, the invitee
accepts within 7 days, the owner revokes invitations and removes staff (never the owner).

An invitation's state (pending, accepted, revoked, expired) is derived from its times, so an
invitation expires by the clock and needs no job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.exc import IntegrityError

from shijing.accounts import service as accounts
from shijing.accounts.models import User
from shijing.commerce.shops import events as shop_events
from shijing.commerce.shops.access import (
    require_shop_owner_to_act,
    require_shop_staff,
    shop_role,
)
from shijing.commerce.shops.models import MemberRole, Shop, ShopInvite, ShopMember, ShopStatus
from shijing.commerce.shops.service import clean_text, ensure_not_closed, get_shop
from shijing.commerce.shops.states import INVITE, InviteStatus
from shijing.core.errors import Conflict, InvalidInput, NotFound
from shijing.core.outbox import emit

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from shijing.accounts.service import Principal
    from shijing.core.clock import Clock

# Policy: how long an invitation may wait for its answer.
INVITE_VALID_FOR = timedelta(days=7)
EMAIL_MAX = 254


def invite_state(invite: ShopInvite, now: datetime) -> str:
    if invite.accepted_at is not None:
        return InviteStatus.ACCEPTED.value
    if invite.revoked_at is not None:
        return InviteStatus.REVOKED.value
    if invite.expires_at <= now:
        return InviteStatus.EXPIRED.value
    return InviteStatus.PENDING.value


def _pending(now: datetime) -> list[ColumnElement[bool]]:
    return [
        ShopInvite.accepted_at.is_(None),
        ShopInvite.revoked_at.is_(None),
        ShopInvite.expires_at > now,
    ]


def _invite_status_filter(status: InviteStatus, now: datetime) -> ColumnElement[bool]:
    if status is InviteStatus.PENDING:
        return and_(*_pending(now))
    if status is InviteStatus.ACCEPTED:
        return ShopInvite.accepted_at.is_not(None)
    if status is InviteStatus.REVOKED:
        return ShopInvite.revoked_at.is_not(None)
    return and_(
        ShopInvite.accepted_at.is_(None),
        ShopInvite.revoked_at.is_(None),
        ShopInvite.expires_at <= now,
    )


def invite_staff(
    session: Session, clock: Clock, principal: Principal, shop_id: int, *, email: str
) -> ShopInvite:
    """The owner invites an existing account, by its email, to join as staff for 7 days."""
    shop = get_shop(session, shop_id)
    require_shop_owner_to_act(session, principal, shop_id)
    ensure_not_closed(shop)
    if not isinstance(email, str):
        raise InvalidInput("must be an email address", field="email")
    address = clean_text(accounts.normalise_email(email), "email", EMAIL_MAX)
    invitee = accounts.find_user_by_email(session, address)
    if invitee is None or not invitee.is_active:
        raise InvalidInput("there is no account with this email", field="email")
    if shop_role(session, invitee.id, shop.id) is not None:
        raise Conflict("already works for this shop", field="email", code="already_member")
    now = clock.now()
    pending = session.scalar(
        select(ShopInvite.id).where(
            ShopInvite.shop_id == shop.id, ShopInvite.email == address, *_pending(now)
        )
    )
    if pending is not None:
        raise Conflict(
            "this account already has a pending invitation", field="email", code="already_invited"
        )
    invite = ShopInvite(
        shop_id=shop.id,
        email=address,
        invited_by=principal.id,
        created_at=now,
        expires_at=now + INVITE_VALID_FOR,
        accepted_at=None,
        revoked_at=None,
    )
    session.add(invite)
    session.flush()
    emit(
        session,
        clock,
        shop_events.SHOP_STAFF_INVITED,
        shop_id=shop.id,
        invite_id=invite.id,
        invitee_user_id=invitee.id,
        invited_by=principal.id,
        expires_at=invite.expires_at,
    )
    return invite


def list_invites(
    session: Session,
    clock: Clock,
    principal: Principal,
    shop_id: int,
    *,
    status: InviteStatus | None = None,
    limit: int = 20,
    offset: int = 0,
) -> tuple[list[ShopInvite], int]:
    """The shop's invitations, newest first (owner only)."""
    get_shop(session, shop_id)
    require_shop_owner_to_act(session, principal, shop_id)
    query = select(ShopInvite).where(ShopInvite.shop_id == shop_id)
    if status is not None:
        query = query.where(_invite_status_filter(status, clock.now()))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(ShopInvite.id.desc()).limit(limit).offset(offset))
    return list(rows), total


def revoke_invite(
    session: Session, clock: Clock, principal: Principal, shop_id: int, invite_id: int
) -> ShopInvite:
    get_shop(session, shop_id)
    require_shop_owner_to_act(session, principal, shop_id)
    invite = session.get(ShopInvite, invite_id, with_for_update=True)
    if invite is None or invite.shop_id != shop_id:
        raise NotFound("no such invitation", field="invite_id")
    now = clock.now()
    INVITE.next(invite_state(invite, now), "revoke")
    invite.revoked_at = now
    session.flush()
    emit(
        session,
        clock,
        shop_events.SHOP_INVITE_REVOKED,
        shop_id=shop_id,
        invite_id=invite.id,
        revoked_by=principal.id,
    )
    return invite


@dataclass(frozen=True)
class ReceivedInvite:
    invite: ShopInvite
    shop_name: str


def list_my_invites(
    session: Session, clock: Clock, principal: Principal, *, limit: int = 20, offset: int = 0
) -> tuple[list[ReceivedInvite], int]:
    """The pending invitations addressed to the caller, newest first."""
    query = (
        select(ShopInvite, Shop.name)
        .join(Shop, Shop.id == ShopInvite.shop_id)
        .where(
            ShopInvite.email == accounts.normalise_email(principal.user.email),
            Shop.status != ShopStatus.CLOSED.value,
            *_pending(clock.now()),
        )
    )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(ShopInvite.id.desc()).limit(limit).offset(offset))
    return [ReceivedInvite(invite, name) for invite, name in rows], total


def accept_invite(
    session: Session, clock: Clock, principal: Principal, invite_id: int
) -> ShopMember:
    """The invitee joins the shop as staff. Anyone else is told there is no such invitation."""
    invite = session.get(ShopInvite, invite_id, with_for_update=True)
    if invite is None or invite.email != accounts.normalise_email(principal.user.email):
        raise NotFound("no such invitation", field="invite_id")
    now = clock.now()
    INVITE.next(invite_state(invite, now), "accept")
    shop = get_shop(session, invite.shop_id)
    ensure_not_closed(shop)
    if shop_role(session, principal.id, shop.id) is not None:
        raise Conflict("already works for this shop", field="invite_id", code="already_member")
    member = ShopMember(
        shop_id=shop.id, user_id=principal.id, role=MemberRole.STAFF.value, joined_at=now
    )
    session.add(member)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:  # accepted twice at once
        raise Conflict(
            "already works for this shop", field="invite_id", code="already_member"
        ) from exc
    invite.accepted_at = now
    session.flush()
    emit(
        session,
        clock,
        shop_events.SHOP_STAFF_JOINED,
        shop_id=shop.id,
        user_id=principal.id,
        invite_id=invite.id,
        invited_by=invite.invited_by,
    )
    return member


@dataclass(frozen=True)
class Member:
    user_id: int
    display_name: str
    email: str
    role: str
    joined_at: datetime


def list_members(
    session: Session,
    principal: Principal,
    shop_id: int,
    *,
    role: MemberRole | None = None,
    limit: int = 20,
    offset: int = 0,
) -> tuple[list[Member], int]:
    """Who works for the shop, owner first (staff and operators)."""
    get_shop(session, shop_id)
    require_shop_staff(session, principal, shop_id)
    query = (
        select(ShopMember, User.display_name, User.email)
        .join(User, User.id == ShopMember.user_id)
        .where(ShopMember.shop_id == shop_id)
    )
    if role is not None:
        query = query.where(ShopMember.role == role.value)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    owner_first = case((ShopMember.role == MemberRole.OWNER.value, 0), else_=1)
    rows = session.execute(
        query.order_by(owner_first, ShopMember.id).limit(limit).offset(offset)
    ).all()
    return [
        Member(m.user_id, display_name, email, m.role, m.joined_at)
        for m, display_name, email in rows
    ], total


def remove_staff(
    session: Session, clock: Clock, principal: Principal, shop_id: int, user_id: int
) -> None:
    """The owner removes a staff member. The owner cannot be removed."""
    get_shop(session, shop_id)
    require_shop_owner_to_act(session, principal, shop_id)
    member = session.scalar(
        select(ShopMember).where(ShopMember.shop_id == shop_id, ShopMember.user_id == user_id)
    )
    if member is None:
        raise NotFound("no such member of this shop", field="user_id")
    if member.role == MemberRole.OWNER.value:
        raise Conflict("the shop owner cannot be removed", field="user_id", code="owner")
    session.delete(member)
    session.flush()
    emit(
        session,
        clock,
        shop_events.SHOP_STAFF_REMOVED,
        shop_id=shop_id,
        user_id=user_id,
        removed_by=principal.id,
    )
