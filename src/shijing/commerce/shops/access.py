"""Who may act for a shop. Every endpoint that touches a shop's objects asks here first."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.accounts.service import Principal
from shijing.commerce.shops.models import MemberRole, ShopMember
from shijing.core.errors import Forbidden, NotFound


def shop_role(session: Session, user_id: int, shop_id: int) -> str | None:
    """``owner``, ``staff`` or None."""
    return session.scalar(
        select(ShopMember.role).where(ShopMember.shop_id == shop_id, ShopMember.user_id == user_id)
    )


def is_shop_staff(session: Session, principal: Principal, shop_id: int) -> bool:
    """Owner or staff of the shop (operators are not staff; check ``is_operator`` separately)."""
    return shop_role(session, principal.id, shop_id) is not None


def require_shop_staff(
    session: Session, principal: Principal, shop_id: int, *, allow_operator: bool = True
) -> None:
    """404 unless the caller works for the shop (or is an operator, when allowed)."""
    if allow_operator and principal.is_operator:
        return
    if not is_shop_staff(session, principal, shop_id):
        raise NotFound("no such shop", field="shop_id")


def require_shop_owner(session: Session, principal: Principal, shop_id: int) -> None:
    role = shop_role(session, principal.id, shop_id)
    if role is None:
        raise NotFound("no such shop", field="shop_id")
    if role != MemberRole.OWNER.value:
        raise Forbidden("only the shop owner may do this")


def shops_of(session: Session, user_id: int) -> list[int]:
    return list(session.scalars(select(ShopMember.shop_id).where(ShopMember.user_id == user_id)))


def require_shop_staff_to_act(session: Session, principal: Principal, shop_id: int) -> str:
    """The caller's role (``owner`` or ``staff``) for an action that changes the shop or its
    catalogue: 404 for outsiders, 403 for operators, who see every shop but never act for one."""
    role = shop_role(session, principal.id, shop_id)
    if role is not None:
        return role
    if principal.is_operator:
        raise Forbidden("operators moderate shops; only the shop's own staff may do this")
    raise NotFound("no such shop", field="shop_id")


def require_shop_owner_to_act(session: Session, principal: Principal, shop_id: int) -> None:
    """Like ``require_shop_owner``, but an operator (who may see the shop) gets 403, not 404."""
    if principal.is_operator and shop_role(session, principal.id, shop_id) is None:
        raise Forbidden("only the shop owner may do this")
    require_shop_owner(session, principal, shop_id)
