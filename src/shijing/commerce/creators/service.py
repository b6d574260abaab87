"""Use-cases of the creators domain: profiles, follows, and the distribution plans shops publish.

Follows are idempotent both ways: following twice leaves one follow (no error, no second event),
unfollowing someone you do not follow changes nothing. ``follower_count`` moves only by an atomic
``UPDATE … SET follower_count = follower_count ± 1`` in the transaction that inserted or deleted
the unique (creator_id, user_id) row, so concurrent follows keep it equal to ``COUNT(*)``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shijing.accounts.models import Role, User
from shijing.accounts.service import Principal, grant_role
from shijing.commerce.catalog.categories import get_category
from shijing.commerce.catalog.models import Product
from shijing.commerce.creators import events as creator_events
from shijing.commerce.creators.models import Creator, DistributionPlan, Follow, PlanStatus
from shijing.commerce.shops.access import is_shop_staff, require_shop_staff
from shijing.commerce.shops.models import Shop, ShopStatus
from shijing.core.clock import Clock
from shijing.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from shijing.core.outbox import emit
from shijing.core.states import StateMachine

HANDLE_RE = re.compile(r"[A-Za-z0-9_]{3,30}")
MAX_DISPLAY_NAME = 60
MAX_BIO = 500
MAX_URL = 500
MAX_CATEGORIES = 10
MAX_COMMISSION_BPS = 9000  # 90%: a shop keeps at least a tenth of every sale
MAX_PAGE = 100

PLAN = StateMachine.build(
    "distribution plan",
    [s.value for s in PlanStatus],
    {"close": ([PlanStatus.ACTIVE], PlanStatus.CLOSED)},
)


# -- input checks shared with the live domain -------------------------------------------------


def clean_text(
    value: str, *, field: str, max_len: int, required: bool = True, multiline: bool = False
) -> str:
    """``value`` stripped, or 422 on ``field`` when empty (if required), too long, or holding
    control characters or lone surrogates (which the databases would refuse with an error)."""
    value = value.strip()
    if required and not value:
        raise InvalidInput("must not be empty", field=field)
    if len(value) > max_len:
        raise InvalidInput(f"must be at most {max_len} characters", field=field)
    allowed = {"\n", "\t"} if multiline else set()
    if any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in allowed for ch in value):
        raise InvalidInput("must not contain control characters", field=field)
    return value


def clean_web_url(value: str | None, *, field: str, max_len: int = MAX_URL) -> str | None:
    """An absolute http(s) URL, or None for blank; 422 on ``field`` otherwise."""
    if value is None or not value.strip():
        return None
    value = clean_text(value, field=field, max_len=max_len)
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError as exc:
        raise InvalidInput("is not a valid URL", field=field) from exc
    if parts.scheme.lower() not in ("http", "https"):
        raise InvalidInput("must be an http or https URL", field=field)
    if not host or any(ch.isspace() for ch in value):
        raise InvalidInput("is not a valid URL", field=field)
    return value


def check_page(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"must be between 1 and {MAX_PAGE}", field="limit")
    if offset < 0:
        raise InvalidInput("must not be negative", field="offset")


def _clean_handle(handle: str) -> str:
    handle = handle.strip()
    if not HANDLE_RE.fullmatch(handle):
        raise InvalidInput("must be 3 to 30 letters, digits or underscores", field="handle")
    return handle.lower()


def _clean_categories(codes: Sequence[str]) -> list[str]:
    if len(codes) > MAX_CATEGORIES:
        raise InvalidInput(f"at most {MAX_CATEGORIES} categories", field="categories")
    cleaned: list[str] = []
    for i, code in enumerate(codes):
        get_category(code, f"categories.{i}")
        if code not in cleaned:
            cleaned.append(code)
    return cleaned


# -- profiles ---------------------------------------------------------------------------------


def creator_of_user(session: Session, user_id: int) -> Creator | None:
    """The creator profile of this account, if it has opened one."""
    return session.scalar(select(Creator).where(Creator.user_id == user_id))


def get_creator(session: Session, creator_id: int) -> Creator:
    creator = session.get(Creator, creator_id)
    if creator is None:
        raise NotFound("no such creator", field="creator_id")
    return creator


def get_creator_by_handle(session: Session, handle: str) -> Creator:
    creator = None
    if HANDLE_RE.fullmatch(handle):
        creator = session.scalar(select(Creator).where(Creator.handle == handle.lower()))
    if creator is None:
        raise NotFound("no such creator", field="handle")
    return creator


def creators_by_ids(session: Session, ids: Iterable[int]) -> dict[int, Creator]:
    """Several creators in one query (for lists that show who is selling)."""
    wanted = set(ids)
    if not wanted:
        return {}
    return {c.id: c for c in session.scalars(select(Creator).where(Creator.id.in_(wanted)))}


def my_creator(session: Session, principal: Principal) -> Creator:
    """The caller's own profile; 404 when they have not opened one."""
    creator = creator_of_user(session, principal.id)
    if creator is None:
        raise NotFound("you have not opened a creator profile")
    return creator


def open_creator_profile(
    session: Session,
    clock: Clock,
    user: User,
    *,
    handle: str,
    display_name: str | None = None,
    bio: str = "",
    avatar_url: str | None = None,
    categories: Sequence[str] = (),
) -> Creator:
    """Open the account's creator profile and grant it the creator role.

    409 ``creator_exists`` when it has one already, 409 ``handle_taken`` when the handle (in any
    case) belongs to someone else."""
    key = _clean_handle(handle)
    name = clean_text(
        display_name if display_name is not None else user.display_name,
        field="display_name",
        max_len=MAX_DISPLAY_NAME,
    )
    bio = clean_text(bio, field="bio", max_len=MAX_BIO, required=False, multiline=True)
    avatar = clean_web_url(avatar_url, field="avatar_url")
    codes = _clean_categories(categories)
    if creator_of_user(session, user.id) is not None:
        raise Conflict("you already have a creator profile", code="creator_exists")
    if session.scalar(select(Creator.id).where(Creator.handle == key)) is not None:
        raise Conflict("this handle is taken", field="handle", code="handle_taken")
    creator = Creator(
        user_id=user.id,
        handle=key,
        display_name=name,
        bio=bio,
        avatar_url=avatar,
        categories=codes,
        follower_count=0,
        created_at=clock.now(),
    )
    session.add(creator)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:  # a concurrent request won the race for the handle or user
        if creator_of_user(session, user.id) is not None:
            raise Conflict("you already have a creator profile", code="creator_exists") from exc
        raise Conflict("this handle is taken", field="handle", code="handle_taken") from exc
    grant_role(session, clock, user, Role.CREATOR)
    emit(
        session,
        clock,
        creator_events.CREATOR_OPENED,
        creator_id=creator.id,
        user_id=user.id,
        handle=creator.handle,
        categories=codes,
        at=creator.created_at,
    )
    return creator


def update_creator_profile(
    session: Session,
    clock: Clock,
    principal: Principal,
    *,
    display_name: str | None = None,
    bio: str | None = None,
    avatar_url: str | None = None,
    categories: Sequence[str] | None = None,
) -> Creator:
    """Change the caller's profile; arguments left out (None) stay as they are. An empty
    ``avatar_url`` removes the avatar."""
    creator = my_creator(session, principal)
    changes: dict[str, object] = {}
    if display_name is not None:
        changes["display_name"] = clean_text(
            display_name, field="display_name", max_len=MAX_DISPLAY_NAME
        )
    if bio is not None:
        changes["bio"] = clean_text(
            bio, field="bio", max_len=MAX_BIO, required=False, multiline=True
        )
    if avatar_url is not None:
        changes["avatar_url"] = clean_web_url(avatar_url, field="avatar_url")
    if categories is not None:
        changes["categories"] = _clean_categories(categories)
    changed = sorted(k for k, v in changes.items() if getattr(creator, k) != v)
    if not changed:
        return creator
    for key in changed:
        setattr(creator, key, changes[key])
    creator.updated_at = clock.now()
    session.flush()
    emit(
        session,
        clock,
        creator_events.CREATOR_UPDATED,
        creator_id=creator.id,
        user_id=creator.user_id,
        fields=changed,
        at=creator.updated_at,
    )
    return creator


# -- follows ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowState:
    creator_id: int
    following: bool
    follower_count: int
    changed: bool


def _bump_followers(session: Session, creator_id: int, delta: int) -> int:
    new_count = session.execute(
        update(Creator)
        .where(Creator.id == creator_id)
        .values(follower_count=Creator.follower_count + delta)
        .returning(Creator.follower_count)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    loaded = session.identity_map.get(session.identity_key(Creator, creator_id))
    if loaded is not None:
        session.expire(loaded, ["follower_count"])
    return int(new_count)


def _follower_count(session: Session, creator_id: int) -> int:
    count = session.scalar(select(Creator.follower_count).where(Creator.id == creator_id))
    return int(count or 0)


def follow_creator(session: Session, clock: Clock, *, user_id: int, creator_id: int) -> FollowState:
    """Follow a creator. Idempotent: following again changes nothing and emits nothing.
    404 for an unknown creator, 422 ``self_follow`` on ``creator_id`` for one's own profile."""
    creator = get_creator(session, creator_id)
    if creator.user_id == user_id:
        raise InvalidInput("you cannot follow yourself", field="creator_id", code="self_follow")
    now = clock.now()
    try:
        with session.begin_nested():
            session.add(Follow(creator_id=creator_id, user_id=user_id, created_at=now))
            session.flush()
    except IntegrityError:  # already following (perhaps since a moment ago, in another request)
        return FollowState(creator_id, True, _follower_count(session, creator_id), changed=False)
    count = _bump_followers(session, creator_id, +1)
    emit(
        session,
        clock,
        creator_events.CREATOR_FOLLOWED,
        creator_id=creator_id,
        user_id=user_id,
        follower_count=count,
        at=now,
    )
    return FollowState(creator_id, True, count, changed=True)


def unfollow_creator(
    session: Session, clock: Clock, *, user_id: int, creator_id: int
) -> FollowState:
    """Stop following. Idempotent: unfollowing someone not followed changes nothing."""
    get_creator(session, creator_id)
    deleted = session.execute(
        delete(Follow)
        .where(Follow.creator_id == creator_id, Follow.user_id == user_id)
        .execution_options(synchronize_session=False)
    )
    if getattr(deleted, "rowcount", 0) != 1:
        return FollowState(creator_id, False, _follower_count(session, creator_id), changed=False)
    count = _bump_followers(session, creator_id, -1)
    emit(
        session,
        clock,
        creator_events.CREATOR_UNFOLLOWED,
        creator_id=creator_id,
        user_id=user_id,
        follower_count=count,
        at=clock.now(),
    )
    return FollowState(creator_id, False, count, changed=True)


def is_following(session: Session, user_id: int, creator_id: int) -> bool:
    return (
        session.scalar(
            select(Follow.id).where(Follow.creator_id == creator_id, Follow.user_id == user_id)
        )
        is not None
    )


def follows_of(
    session: Session, user_id: int, *, limit: int = 20, offset: int = 0
) -> tuple[list[tuple[Creator, datetime]], int]:
    """The creators a user follows, newest follow first, and how many in all."""
    check_page(limit, offset)
    total = session.scalar(select(func.count()).where(Follow.user_id == user_id)) or 0
    rows = session.execute(
        select(Creator, Follow.created_at)
        .join(Follow, Follow.creator_id == Creator.id)
        .where(Follow.user_id == user_id)
        .order_by(Follow.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return [(c, at) for c, at in rows], total


@dataclass(frozen=True)
class Follower:
    user_id: int
    display_name: str
    followed_at: datetime


def followers_of(
    session: Session, creator_id: int, *, limit: int = 20, offset: int = 0
) -> tuple[list[Follower], int]:
    """A creator's followers, newest first (callers show this to the creator only)."""
    check_page(limit, offset)
    total = session.scalar(select(func.count()).where(Follow.creator_id == creator_id)) or 0
    rows = session.execute(
        select(User.id, User.display_name, Follow.created_at)
        .join(Follow, Follow.user_id == User.id)
        .where(Follow.creator_id == creator_id)
        .order_by(Follow.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return [Follower(uid, name, at) for uid, name, at in rows], total


# -- distribution plans -----------------------------------------------------------------------


def publish_distribution_plan(
    session: Session,
    clock: Clock,
    principal: Principal,
    *,
    shop_id: int,
    product_id: int,
    commission_bps: int,
) -> DistributionPlan:
    """A shop offers one of its products to every creator at a commission (shop staff only).

    One active plan per product: close it before publishing new terms (409 ``plan_exists``).
    Operators may close plans but never set a shop's terms (403)."""
    if principal.is_operator and not is_shop_staff(session, principal, shop_id):
        raise Forbidden("only the shop's own staff may publish its distribution plans")
    require_shop_staff(session, principal, shop_id, allow_operator=False)
    if not 0 <= commission_bps <= MAX_COMMISSION_BPS:
        raise InvalidInput(
            f"must be between 0 and {MAX_COMMISSION_BPS} basis points", field="commission_bps"
        )
    product = session.get(Product, product_id)
    if product is None or product.shop_id != shop_id:
        raise InvalidInput("no such product in this shop", field="product_id")
    active = session.scalar(
        select(DistributionPlan.id).where(
            DistributionPlan.product_id == product_id,
            DistributionPlan.status == PlanStatus.ACTIVE.value,
        )
    )
    if active is not None:
        raise Conflict(
            f"this product already has an open plan ({active}); close it first",
            field="product_id",
            code="plan_exists",
        )
    plan = DistributionPlan(
        shop_id=shop_id,
        product_id=product_id,
        commission_bps=commission_bps,
        status=PlanStatus.ACTIVE.value,
        created_at=clock.now(),
        published_by_user_id=principal.id,
    )
    session.add(plan)
    session.flush()
    emit(
        session,
        clock,
        creator_events.DISTRIBUTION_PLAN_PUBLISHED,
        plan_id=plan.id,
        shop_id=shop_id,
        product_id=product_id,
        commission_bps=commission_bps,
        user_id=principal.id,
        at=plan.created_at,
    )
    return plan


def _plan_for_staff(session: Session, principal: Principal, plan_id: int) -> DistributionPlan:
    plan = session.get(DistributionPlan, plan_id)
    if plan is None:
        raise NotFound("no such distribution plan", field="plan_id")
    try:
        require_shop_staff(session, principal, plan.shop_id)
    except NotFound as exc:  # someone else's plan looks exactly like no plan
        raise NotFound("no such distribution plan", field="plan_id") from exc
    return plan


def close_distribution_plan(
    session: Session, clock: Clock, principal: Principal, *, plan_id: int
) -> DistributionPlan:
    """Close a plan (its shop's staff, or an operator): no new showcase entries or orders under
    it; orders already placed keep the commission they recorded. 409 when already closed."""
    plan = _plan_for_staff(session, principal, plan_id)
    plan.status = PLAN.next(plan.status, "close")
    plan.closed_at = clock.now()
    plan.closed_by_user_id = principal.id
    session.flush()
    emit(
        session,
        clock,
        creator_events.DISTRIBUTION_PLAN_CLOSED,
        plan_id=plan.id,
        shop_id=plan.shop_id,
        product_id=plan.product_id,
        user_id=principal.id,
        at=plan.closed_at,
    )
    return plan


def shop_plans(
    session: Session,
    principal: Principal,
    *,
    shop_id: int,
    status: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> tuple[list[DistributionPlan], int]:
    """A shop's plans, newest first (its staff, or an operator)."""
    require_shop_staff(session, principal, shop_id)
    check_page(limit, offset)
    where = [DistributionPlan.shop_id == shop_id]
    if status is not None:
        where.append(DistributionPlan.status == status)
    total = session.scalar(select(func.count()).select_from(DistributionPlan).where(*where)) or 0
    plans = session.scalars(
        select(DistributionPlan)
        .where(*where)
        .order_by(DistributionPlan.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(plans), total


@dataclass(frozen=True)
class OpenPlan:
    plan: DistributionPlan
    shop_name: str
    product_title: str
    category: str


def open_plans(
    session: Session,
    *,
    category: str | None = None,
    shop_id: int | None = None,
    limit: int = 20,
    offset: int = 0,
) -> tuple[list[OpenPlan], int]:
    """Plans a creator can sell under now: active, for a published product of an active shop.
    ``category`` matches the category and everything beneath it (``apparel`` → ``apparel.mens``);
    highest commission first."""
    check_page(limit, offset)
    where = [
        DistributionPlan.status == PlanStatus.ACTIVE.value,
        Product.published.is_(True),
        Shop.status == ShopStatus.ACTIVE.value,
    ]
    if category is not None:
        get_category(category)
        where.append(
            or_(
                Product.category == category,
                Product.category.startswith(f"{category}.", autoescape=True),
            )
        )
    if shop_id is not None:
        where.append(DistributionPlan.shop_id == shop_id)
    base = (
        select(DistributionPlan, Shop.name, Product.title, Product.category)
        .join(Product, Product.id == DistributionPlan.product_id)
        .join(Shop, Shop.id == DistributionPlan.shop_id)
        .where(*where)
    )
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.execute(
        base.order_by(DistributionPlan.commission_bps.desc(), DistributionPlan.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return [OpenPlan(plan, name, title, cat) for plan, name, title, cat in rows], total
