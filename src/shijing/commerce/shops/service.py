"""Use-cases of the shops domain: opening a shop, its return address and ship-within promise,
and its status (staff and invitations are in ``staff.py``). Functions take a Session and a
Clock and only flush.

Access is checked here, not only in the API, so the simulator and the CLI get the same rules:
outsiders get 404 (a shop's private objects do not leak), a role that may never act gets 403.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError

from shijing.accounts import service as accounts
from shijing.accounts.models import Role
from shijing.commerce.catalog.categories import get_category
from shijing.commerce.shops import events as shop_events
from shijing.commerce.shops.access import (
    require_shop_owner_to_act,
    require_shop_staff,
    require_shop_staff_to_act,
    shop_role,
)
from shijing.commerce.shops.models import MemberRole, Shop, ShopMember, ShopStatus
from shijing.commerce.shops.regions import find_province
from shijing.commerce.shops.states import SHOP
from shijing.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from shijing.core.outbox import emit

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from shijing.accounts.service import Principal
    from shijing.core.clock import Clock

# Policy: a platform decision, not a law of nature.
SHIP_WITHIN_DEFAULT_HOURS = 48
SHIP_WITHIN_MIN_HOURS = 1
SHIP_WITHIN_MAX_HOURS = 168

NAME_MAX = 60
CITY_MAX = 40
ADDRESS_MAX = 200
REASON_MAX = 200


# -- validation -------------------------------------------------------------------------------


def clean_text(
    value: str, field: str, max_len: int, *, required: bool = True, multiline: bool = False
) -> str:
    """The text trimmed, or 422 on ``field`` when it is empty, too long or holds control
    characters (which PostgreSQL text cannot store, or no person means)."""
    if not isinstance(value, str):
        raise InvalidInput("must be text", field=field)
    text = unicodedata.normalize("NFC", value).strip()
    if required and not text:
        raise InvalidInput("must not be empty", field=field)
    if len(text) > max_len:
        raise InvalidInput(f"must be at most {max_len} characters", field=field)
    for ch in text:
        kind = unicodedata.category(ch)
        if kind == "Cs" or (kind == "Cc" and not (multiline and ch in "\n\r\t")):
            raise InvalidInput("must not contain control characters", field=field)
    return text


def _shop_name(name: str) -> str:
    # NFKC folds full-width letters and digits, so "ＡＢＣ旗舰店" cannot pose as "ABC旗舰店".
    text = clean_text(
        unicodedata.normalize("NFKC", name) if isinstance(name, str) else name, "name", NAME_MAX
    )
    return " ".join(text.split())


def _province(value: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput("must be text", field="return_province")
    province = find_province(value)
    if province is None:
        raise InvalidInput(
            "is not one of China's 34 provincial-level divisions (e.g. 浙江, 广东, 北京)",
            field="return_province",
        )
    return province.short


def _ship_within(hours: int) -> int:
    if not isinstance(hours, int) or isinstance(hours, bool):
        raise InvalidInput("must be a whole number of hours", field="ship_within_hours")
    if not SHIP_WITHIN_MIN_HOURS <= hours <= SHIP_WITHIN_MAX_HOURS:
        raise InvalidInput(
            f"must be from {SHIP_WITHIN_MIN_HOURS} to {SHIP_WITHIN_MAX_HOURS} hours",
            field="ship_within_hours",
        )
    return hours


def _reason(reason: str | None, *, required: bool) -> str | None:
    if reason is None:
        if required:
            raise InvalidInput("a reason is required", field="reason")
        return None
    text = clean_text(reason, "reason", REASON_MAX, required=required)
    return text or None


def _name_taken(session: Session, name: str) -> bool:
    return (
        session.scalar(select(Shop.id).where(func.lower(Shop.name) == name.lower()).limit(1))
        is not None
    )


def _name_conflict() -> Conflict:
    return Conflict("a shop with this name already exists", field="name", code="name_taken")


# -- reading ----------------------------------------------------------------------------------


def get_shop(session: Session, shop_id: int) -> Shop:
    """The shop whatever its status, or 404. No access check: for other domains' services."""
    shop = session.get(Shop, shop_id)
    if shop is None:
        raise NotFound("no such shop", field="shop_id")
    return shop


def _locked_shop(session: Session, shop_id: int) -> Shop:
    shop = session.scalars(
        select(Shop)
        .where(Shop.id == shop_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if shop is None:
        raise NotFound("no such shop", field="shop_id")
    return shop


def is_active(session: Session, shop_id: int) -> bool:
    """Whether the shop is open for business (public, taking orders)."""
    status = session.scalar(select(Shop.status).where(Shop.id == shop_id))
    return status == ShopStatus.ACTIVE.value


def active_shop_ids() -> Select[int]:
    """A subquery of the ids of active shops, for other domains' public listings."""
    return select(Shop.id).where(Shop.status == ShopStatus.ACTIVE.value)


def view_shop(session: Session, principal: Principal | None, shop_id: int) -> tuple[Shop, bool]:
    """The shop and whether the caller may see the full record (its staff and operators).
    The public sees active shops only: a suspended or closed shop is 404 to them."""
    shop = session.get(Shop, shop_id)
    if shop is None:
        raise NotFound("no such shop", field="shop_id")
    if principal is not None and (
        principal.is_operator or shop_role(session, principal.id, shop_id) is not None
    ):
        return shop, True
    if shop.status != ShopStatus.ACTIVE.value:
        raise NotFound("no such shop", field="shop_id")
    return shop, False


def shop_for_staff(session: Session, principal: Principal, shop_id: int) -> Shop:
    """The shop, for reading by its staff or an operator; 404 for anyone else."""
    shop = get_shop(session, shop_id)
    require_shop_staff(session, principal, shop_id)
    return shop


def shop_for_staff_action(session: Session, principal: Principal, shop_id: int) -> Shop:
    """The shop, for a change made by its staff: 404 for outsiders, 403 for operators, 409 when
    the shop is closed (closed is final; a suspended shop may still tidy its catalogue)."""
    shop = get_shop(session, shop_id)
    require_shop_staff_to_act(session, principal, shop_id)
    ensure_not_closed(shop)
    return shop


def ensure_not_closed(shop: Shop) -> None:
    """409 when the shop is closed: closed is final."""
    if shop.status == ShopStatus.CLOSED.value:
        raise Conflict("this shop is closed", field="shop_id", code="shop_closed")


@dataclass(frozen=True)
class Membership:
    shop: Shop
    role: str


def list_my_shops(
    session: Session, principal: Principal, *, limit: int = 20, offset: int = 0
) -> tuple[list[Membership], int]:
    """The shops the caller owns or works for, newest first, whatever their status."""
    query = (
        select(Shop, ShopMember.role)
        .join(ShopMember, ShopMember.shop_id == Shop.id)
        .where(ShopMember.user_id == principal.id)
    )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(Shop.id.desc()).limit(limit).offset(offset)).all()
    return [Membership(shop, role) for shop, role in rows], total


# -- opening and changing a shop --------------------------------------------------------------


def create_shop(
    session: Session,
    clock: Clock,
    principal: Principal,
    *,
    name: str,
    main_category: str,
    return_province: str,
    return_city: str,
    return_address: str,
    ship_within_hours: int = SHIP_WITHIN_DEFAULT_HOURS,
) -> Shop:
    """Open a shop; the caller becomes its owner and a merchant."""
    name = _shop_name(name)
    if not isinstance(main_category, str):
        raise InvalidInput("must be a category code", field="main_category")
    category = get_category(main_category, "main_category")
    province = _province(return_province)
    city = clean_text(return_city, "return_city", CITY_MAX)
    address = clean_text(return_address, "return_address", ADDRESS_MAX)
    hours = _ship_within(ship_within_hours)
    if _name_taken(session, name):
        raise _name_conflict()

    now = clock.now()
    shop = Shop(
        name=name,
        owner_user_id=principal.id,
        main_category=category.code,
        return_province=province,
        return_city=city,
        return_address=address,
        ship_within_hours=hours,
        status=ShopStatus.ACTIVE.value,
        status_reason=None,
        created_at=now,
        updated_at=now,
    )
    session.add(shop)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:  # a concurrent request took the name
        raise _name_conflict() from exc
    session.add(
        ShopMember(
            shop_id=shop.id, user_id=principal.id, role=MemberRole.OWNER.value, joined_at=now
        )
    )
    accounts.grant_role(session, clock, principal.user, Role.MERCHANT)
    session.flush()
    emit(
        session,
        clock,
        shop_events.SHOP_CREATED,
        shop_id=shop.id,
        owner_user_id=principal.id,
        shop_name=shop.name,
        main_category=shop.main_category,
        return_province=shop.return_province,
        ship_within_hours=shop.ship_within_hours,
    )
    return shop


def update_shop(
    session: Session,
    clock: Clock,
    principal: Principal,
    shop_id: int,
    *,
    return_province: str | None = None,
    return_city: str | None = None,
    return_address: str | None = None,
    ship_within_hours: int | None = None,
) -> Shop:
    """Change the return address or the ship-within promise (any staff member). ``None`` keeps
    a value. Orders already paid keep the promise they were made under."""
    shop = shop_for_staff_action(session, principal, shop_id)
    wanted: dict[str, object] = {}
    if return_province is not None:
        wanted["return_province"] = _province(return_province)
    if return_city is not None:
        wanted["return_city"] = clean_text(return_city, "return_city", CITY_MAX)
    if return_address is not None:
        wanted["return_address"] = clean_text(return_address, "return_address", ADDRESS_MAX)
    if ship_within_hours is not None:
        wanted["ship_within_hours"] = _ship_within(ship_within_hours)
    changed = {k: v for k, v in wanted.items() if getattr(shop, k) != v}
    if not changed:
        return shop
    before = {k: getattr(shop, k) for k in changed}
    for key, value in changed.items():
        setattr(shop, key, value)
    shop.updated_at = clock.now()
    session.flush()
    emit(
        session,
        clock,
        shop_events.SHOP_UPDATED,
        shop_id=shop.id,
        actor=principal.id,
        changed=sorted(changed),
        before={k: v for k, v in before.items() if k != "return_address"},
        after={k: v for k, v in changed.items() if k != "return_address"},
    )
    return shop


# -- status -----------------------------------------------------------------------------------


def _change_status(
    session: Session,
    clock: Clock,
    principal: Principal | None,
    shop_id: int,
    action: str,
    reason: str | None,
) -> Shop:
    """``principal`` None: the platform itself acts (a rule enforced, not a person's choice)."""
    shop = _locked_shop(session, shop_id)
    before = shop.status
    after = SHOP.next(before, action)
    shop.status = after
    shop.status_reason = reason
    shop.updated_at = clock.now()
    session.flush()
    emit(
        session,
        clock,
        shop_events.SHOP_STATUS_CHANGED,
        shop_id=shop.id,
        action=action,
        reason=reason,
        actor=principal.id if principal else None,
        actor_is_operator=principal.is_operator if principal else True,
        **{"from": before, "to": after},
    )
    return shop


def _require_operator(principal: Principal) -> None:
    if not principal.is_operator:
        raise Forbidden("only an operator may do this")


def suspend_shop(
    session: Session, clock: Clock, principal: Principal, shop_id: int, *, reason: str
) -> Shop:
    """An operator takes an active shop off the market: hidden from the public, no orders."""
    _require_operator(principal)
    text = _reason(reason, required=True)
    return _change_status(session, clock, principal, shop_id, "suspend", text)


def reinstate_shop(
    session: Session, clock: Clock, principal: Principal, shop_id: int, *, reason: str
) -> Shop:
    _require_operator(principal)
    text = _reason(reason, required=True)
    return _change_status(session, clock, principal, shop_id, "reinstate", text)


def suspend_by_system(session: Session, clock: Clock, shop_id: int, *, reason: str) -> Shop:
    """The platform suspends a shop under a rule (e.g. it owes the guarantee fund)."""
    return _change_status(session, clock, None, shop_id, "suspend", _reason(reason, required=True))


def reinstate_by_system(session: Session, clock: Clock, shop_id: int, *, reason: str) -> Shop:
    return _change_status(
        session, clock, None, shop_id, "reinstate", _reason(reason, required=True)
    )


def close_shop(
    session: Session,
    clock: Clock,
    principal: Principal,
    shop_id: int,
    *,
    reason: str | None = None,
) -> Shop:
    """The owner closes the shop for good."""
    get_shop(session, shop_id)
    require_shop_owner_to_act(session, principal, shop_id)
    text = _reason(reason, required=False)
    return _change_status(session, clock, principal, shop_id, "close", text)
