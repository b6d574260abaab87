"""Building blocks for Trust Purchase tests: scored shops with deposits and badges, buyers with a
known credit, orders through the services, returns picked up, events delivered."""

from __future__ import annotations

import itertools

from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.accounts.models import Role, User
from shijing.commerce.aftersales import service as aftersales
from shijing.commerce.aftersales.models import AfterSale
from shijing.commerce.catalog.models import Product
from shijing.commerce.orders.models import Order
from shijing.commerce.shops.models import Shop
from shijing.core.clock import ManualClock
from shijing.core.db import Database
from shijing.core.outbox import Dispatcher
from shijing.guarantees import deposits, enrolment, funds
from shijing.guarantees.models import Claim
from shijing.trust.models import BuyerCredit, ShopScore
from shijing.trust.versions import ensure_default_definition
from tests.factories import (
    buy_and_deliver,
    deliver_parcel,
    make_product,
    make_shop,
    make_user,
    principal_of,
)

_seq = itertools.count(1)
FUND_CAPITAL = 10_000_000_00  # ¥10 million


def dispatch(session: Session, db: Database, clock: ManualClock) -> None:
    """Commit what the test wrote, then deliver every pending event to its subscribers."""
    session.commit()
    Dispatcher(db, clock).run_until_idle()
    session.expire_all()


def give_score(
    session: Session, clock: ManualClock, shop_id: int, total: float | None, *, enough: bool = True
) -> None:
    version = ensure_default_definition(session, clock).version
    session.add(
        ShopScore(
            shop_id=shop_id,
            definition_version=version,
            as_of=clock.now().date(),
            root_category=None,
            orders=500 if enough else 3,
            enough_data=enough,
            total=total,
            band="excellent" if (total or 0) >= 90 else "good",
            dimensions={},
            indicators=[],
            suggestions=[],
            computed_at=clock.now(),
        )
    )
    session.flush()


def set_score(session: Session, clock: ManualClock, shop_id: int, total: float) -> None:
    row = session.scalar(
        select(ShopScore).where(ShopScore.shop_id == shop_id, ShopScore.as_of == clock.now().date())
    )
    if row is None:
        give_score(session, clock, shop_id, total)
    else:
        row.total = total
        session.flush()


def give_credit(session: Session, clock: ManualClock, buyer: User, score: float) -> None:
    version = ensure_default_definition(session, clock).version
    session.add(
        BuyerCredit(
            buyer_id=buyer.id,
            definition_version=version,
            as_of=clock.now().date(),
            score=score,
            level="good" if score >= 70 else "fair",
            reasons=[],
            computed_at=clock.now(),
        )
    )
    session.flush()


def owner_of(session: Session, shop: Shop) -> User:
    owner = session.get(User, shop.owner_user_id)
    assert owner is not None
    return owner


def top_up(session: Session, clock: ManualClock, shop: Shop, amount_fen: int) -> None:
    deposits.top_up(
        session,
        clock,
        principal_of(session, owner_of(session, shop)),
        shop.id,
        amount_fen=amount_fen,
        idempotency_key=f"t{next(_seq)}",
    )


def fund(session: Session, clock: ManualClock, amount_fen: int = FUND_CAPITAL) -> None:
    funds.fund_platform(session, clock, amount_fen=amount_fen, key=f"capital-{next(_seq)}")


def trusted_shop(
    session: Session,
    clock: ManualClock,
    *,
    score: float = 92.0,
    deposit_fen: int = 500_000,
    main_category: str = "apparel.womens",
    return_province: str = "浙江",
) -> Shop:
    """A shop that carries the badge (score, deposit and terms), with the fund capitalised."""
    shop = make_shop(session, clock, main_category=main_category, return_province=return_province)
    give_score(session, clock, shop.id, score)
    if deposit_fen:
        top_up(session, clock, shop, deposit_fen)
    fund(session, clock)
    enrolment.apply(
        session, clock, principal_of(session, owner_of(session, shop)), shop.id, accept_terms=True
    )
    return shop


def buyer(session: Session, clock: ManualClock, *, credit: float | None = 85.0) -> User:
    user = make_user(session, clock)
    if credit is not None:
        give_credit(session, clock, user, credit)
    return user


def covered_order(
    session: Session,
    db: Database,
    clock: ManualClock,
    *,
    shop: Shop,
    who: User,
    price_fen: int = 20_000,
    category: str | None = None,
    product: Product | None = None,
) -> Order:
    """Placed, paid, shipped and delivered through the services; promises and premium taken."""
    product = product or make_product(
        session, clock, shop=shop, price_fen=price_fen, category=category
    )
    order = buy_and_deliver(session, clock, buyer=who, product=product)
    dispatch(session, db, clock)
    return order


def request_return(
    session: Session, clock: ManualClock, order: Order, *, reason: str = "no_reason_7d"
) -> AfterSale:
    """The buyer asks to return the order and the shop approves."""
    who = session.get(User, order.buyer_id)
    shop = session.get(Shop, order.shop_id)
    assert who is not None
    assert shop is not None
    sale = aftersales.open_aftersale(
        session,
        clock,
        principal_of(session, who),
        order_id=order.id,
        kind="return_refund",
        reason=reason,
        description="",
        evidence_urls=[],
        amount_fen=None,
    )
    aftersales.approve(session, clock, principal_of(session, owner_of(session, shop)), sale.id)
    return sale


def send_back(
    session: Session,
    db: Database,
    clock: ManualClock,
    sale: AfterSale,
    *,
    delivered: bool = False,
) -> str:
    """The buyer ships the return; the carrier picks it up (and delivers it, if asked)."""
    who = session.get(User, sale.buyer_id)
    assert who is not None
    tracking_no = f"SFR{next(_seq):09d}"
    aftersales.ship_return(
        session,
        clock,
        principal_of(session, who),
        sale.id,
        carrier_code="sf",
        tracking_no=tracking_no,
    )
    kinds = ("picked_up", "delivered") if delivered else ("picked_up",)
    deliver_parcel(session, clock, carrier_code="sf", tracking_no=tracking_no, kinds=kinds)
    dispatch(session, db, clock)
    return tracking_no


def claims_of(session: Session, order_id: int) -> list[Claim]:
    return list(session.scalars(select(Claim).where(Claim.order_id == order_id).order_by(Claim.id)))


def operator(session: Session, clock: ManualClock) -> User:
    return make_user(session, clock, roles=(Role.OPERATOR,))
