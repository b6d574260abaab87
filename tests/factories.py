"""Factories: keyword-only functions with good defaults that build data through the services."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.accounts import service as accounts
from shijing.accounts.models import Role, User
from shijing.accounts.passwords import Passwords
from shijing.accounts.service import Principal
from shijing.commerce.catalog.models import Product, Sku
from shijing.commerce.creators import service as creators
from shijing.commerce.creators.models import Creator
from shijing.commerce.live import service as lives
from shijing.commerce.live.models import LiveSession
from shijing.commerce.orders.models import Order
from shijing.commerce.shops import access as shop_access
from shijing.commerce.shops import service as shops
from shijing.commerce.shops import staff as shop_staff
from shijing.commerce.shops.models import Shop
from shijing.core.clock import Clock

PASSWORD = "correct horse battery"
_seq = itertools.count(1)
_passwords = Passwords(time_cost=1, memory_kib=1024)


def make_user(
    session: Session,
    clock: Clock,
    *,
    email: str | None = None,
    password: str = PASSWORD,
    display_name: str | None = None,
    roles: tuple[Role, ...] = (),
) -> User:
    n = next(_seq)
    return accounts.register_user(
        session,
        clock,
        _passwords,
        email=email or f"user{n}@example.com",
        password=password,
        display_name=display_name or f"用户{n}",
        roles=roles,
    )


def principal_of(session: Session, user: User) -> Principal:
    """The user as a caller of services, with the roles they hold now."""
    return Principal(user=user, roles=accounts.roles_of(session, user.id))


def api_login(client: TestClient, email: str, password: str = PASSWORD) -> dict[str, str]:
    """Log in through the API; returns headers carrying the bearer token."""
    response = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def signed_up(client: TestClient, *, email: str | None = None) -> tuple[str, dict[str, str]]:
    """Register through the API and log in; returns the email and auth headers."""
    email = email or f"api{next(_seq)}@example.com"
    response = client.post(
        "/api/v1/auth/register", json={"email": email, "password": PASSWORD, "display_name": "老铁"}
    )
    assert response.status_code == 201, response.text
    return email, api_login(client, email)


# -- commerce ---------------------------------------------------------------------------------
# These build rows with the ORM so that every domain's tests can start at once; the domain that
# owns a table may switch its factory to its service, keeping the signature.


def make_shop(
    session: Session,
    clock: Clock,
    *,
    owner: User | None = None,
    name: str | None = None,
    main_category: str = "apparel.womens",
    return_province: str = "浙江",
    return_city: str = "杭州",
    ship_within_hours: int = 48,
    staff: tuple[User, ...] = (),
) -> Shop:
    """An active shop opened through the shops service; ``staff`` are invited and accept."""
    owner = owner or make_user(session, clock, roles=(Role.MERCHANT,))
    shop = shops.create_shop(
        session,
        clock,
        principal_of(session, owner),
        name=name or f"店铺{next(_seq)}",
        main_category=main_category,
        return_province=return_province,
        return_city=return_city,
        return_address="余杭区文一西路 1 号",
        ship_within_hours=ship_within_hours,
    )
    for member in staff:
        invite = shop_staff.invite_staff(
            session, clock, principal_of(session, owner), shop.id, email=member.email
        )
        shop_staff.accept_invite(session, clock, principal_of(session, member), invite.id)
    return shop


def make_product(
    session: Session,
    clock: Clock,
    *,
    shop: Shop | None = None,
    title: str | None = None,
    category: str | None = None,
    attributes: dict[str, Any] | None = None,
    price_fen: int = 9_900,
    stock: int = 100,
    published: bool = True,
    max_per_order: int = 10,
    variants: tuple[dict[str, str], ...] = ({"尺码": "M"},),
) -> Product:
    """A product with one SKU per variant, each at ``price_fen`` with ``stock`` units.

    Built with the ORM rather than ``catalog.service.create_product``: the service records
    initial stock as a movement (and validates category attributes), while tests here expect a
    SKU's stock trail to start empty and may use attribute-less categories."""
    shop = shop or make_shop(session, clock)
    now = clock.now()
    product = Product(
        shop_id=shop.id,
        title=title or f"商品{next(_seq)}",
        category=category or shop.main_category,
        description="",
        image_urls=[],
        attributes=attributes or {},
        max_per_order=max_per_order,
        published=published,
        created_at=now,
        updated_at=now,
    )
    session.add(product)
    session.flush()
    for i, variant in enumerate(variants):
        session.add(
            Sku(
                product_id=product.id,
                code=f"V{i + 1}",
                variant=variant,
                price_fen=price_fen,
                stock=stock,
                created_at=now,
                updated_at=now,
            )
        )
    session.flush()
    return product


def first_sku(session: Session, product: Product) -> Sku:
    sku = session.scalar(select(Sku).where(Sku.product_id == product.id).order_by(Sku.id))
    assert sku is not None
    return sku


def make_creator(
    session: Session,
    clock: Clock,
    *,
    user: User | None = None,
    handle: str | None = None,
    categories: tuple[str, ...] = ("apparel.womens",),
) -> Creator:
    """A creator profile opened through the creators service (which grants the role)."""
    user = user or make_user(session, clock)
    return creators.open_creator_profile(
        session, clock, user, handle=handle or f"creator{next(_seq)}", categories=categories
    )


def make_live_session(
    session: Session,
    clock: Clock,
    *,
    creator: Creator | None = None,
    title: str | None = None,
    scheduled_at: datetime | None = None,
    stream_url: str | None = None,
    products: tuple[Product, ...] = (),
    status: str = "scheduled",
    pinned: Product | None = None,
) -> LiveSession:
    """A live session built through the live service, ``products`` in its showcase (in order),
    ``pinned`` presented, then taken to ``status`` (scheduled, live, ended or cancelled).

    The creator must be able to sell the products (shop staff, or an open distribution plan);
    a creator made here is made staff of each product's shop. A creator is live in one session
    at a time."""
    if creator is None:
        creator = make_creator(session, clock)
        user = accounts.get_user(session, creator.user_id)
        for product in products:
            if shop_access.shop_role(session, user.id, product.shop_id) is None:
                shop = session.get(Shop, product.shop_id)
                assert shop is not None
                owner = principal_of(session, accounts.get_user(session, shop.owner_user_id))
                invite = shop_staff.invite_staff(session, clock, owner, shop.id, email=user.email)
                shop_staff.accept_invite(session, clock, principal_of(session, user), invite.id)
    me = principal_of(session, accounts.get_user(session, creator.user_id))
    live = lives.schedule_live_session(
        session,
        clock,
        me,
        title=title or f"直播{next(_seq)}",
        scheduled_at=scheduled_at or clock.now() + timedelta(hours=1),
        stream_url=stream_url,
    )
    items = {}
    for product in products:
        item = lives.add_showcase_item(
            session, clock, me, live_session_id=live.id, product_id=product.id
        )
        items[product.id] = item.id
    if pinned is not None:
        lives.pin_showcase_item(
            session, clock, me, live_session_id=live.id, item_id=items[pinned.id]
        )
    if status in ("live", "ended"):
        lives.start_live_session(session, clock, me, live_session_id=live.id)
    if status == "ended":
        lives.end_live_session(session, clock, me, live_session_id=live.id)
    if status == "cancelled":
        lives.cancel_live_session(session, clock, me, live_session_id=live.id)
    return live


_STATUS_STEPS = ["pending_payment", "paid", "shipped", "delivered", "completed"]


def make_order(
    session: Session,
    clock: Clock,
    *,
    buyer: User | None = None,
    product: Product | None = None,
    quantity: int = 1,
    status: str = "delivered",
    creator: Creator | None = None,
    ship_to_province: str = "江苏",
) -> Order:
    """An order already at ``status`` with consistent times, built with the ORM (no payment or
    shipment rows): for tests of domains that start from an order in a given state."""
    buyer = buyer or make_user(session, clock)
    product = product or make_product(session, clock)
    sku = first_sku(session, product)
    shop = session.get(Shop, product.shop_id)
    assert shop is not None
    now = clock.now()
    reached = _STATUS_STEPS.index(status) if status in _STATUS_STEPS else 0
    order = Order(
        buyer_id=buyer.id,
        shop_id=product.shop_id,
        product_id=product.id,
        sku_id=sku.id,
        category=product.category,
        quantity=quantity,
        unit_price_fen=sku.price_fen,
        total_fen=sku.price_fen * quantity,
        creator_id=creator.id if creator else None,
        traffic_source="direct",
        ship_to_name="张三",
        ship_to_phone="13800000000",
        ship_to_province=ship_to_province,
        ship_to_city="南京",
        ship_to_address="鼓楼区 1 号",
        status=status,
        placed_at=now,
        pay_due_at=now + timedelta(minutes=30) if reached == 0 else None,
        paid_at=now if reached >= 1 else None,
        ship_due_at=now + timedelta(hours=shop.ship_within_hours) if reached >= 1 else None,
        shipped_at=now if reached >= 2 else None,
        delivered_at=now if reached >= 3 else None,
        complete_due_at=now + timedelta(days=7) if reached == 3 else None,
        completed_at=now if reached >= 4 else None,
    )
    session.add(order)
    session.flush()
    return order


def buy_and_deliver(
    session: Session,
    clock: Clock,
    *,
    buyer: User | None = None,
    product: Product | None = None,
    quantity: int = 1,
    carrier_code: str = "sf",
) -> Order:
    """An order that went the whole way through the services: placed, paid through the simulated
    gateway, shipped with a carrier, picked up and delivered by tracking events."""
    from shijing.commerce.orders import billing
    from shijing.commerce.orders import service as orders
    from shijing.commerce.shipping import carriers
    from shijing.commerce.shipping import service as shipping
    from shijing.commerce.shipping.models import Carrier

    buyer = buyer or make_user(session, clock)
    product = product or make_product(session, clock)
    sku = first_sku(session, product)
    order = orders.place_order(
        session,
        clock,
        principal_of(session, buyer),
        sku_id=sku.id,
        quantity=quantity,
        traffic_source="direct",
        ship_to=orders.ShipTo(
            name="李四", phone="13912345678", province="江苏", city="南京", address="鼓楼区 1 号"
        ),
    )
    billing.pay_order(
        session, clock, principal_of(session, buyer), order_id=order.id, payment_method="sim_ok"
    )
    carrier = session.scalar(select(Carrier).where(Carrier.code == carrier_code))
    if carrier is None:
        carrier, _ = carriers.register_carrier(session, clock, code=carrier_code, name="顺丰速运")
    owner = session.get(User, session.get(Shop, product.shop_id).owner_user_id)  # type: ignore[union-attr]
    assert owner is not None
    tracking_no = f"SF{next(_seq):010d}"
    shipping.ship_order(
        session,
        clock,
        principal_of(session, owner),
        order_id=order.id,
        carrier_code=carrier_code,
        tracking_no=tracking_no,
    )
    deliver_parcel(session, clock, carrier_code=carrier_code, tracking_no=tracking_no)
    session.refresh(order)
    return order


def deliver_parcel(
    session: Session,
    clock: Clock,
    *,
    carrier_code: str,
    tracking_no: str,
    kinds: tuple[str, ...] = ("picked_up", "delivered"),
) -> None:
    """The carrier reports a parcel picked up and delivered, now."""
    from shijing.commerce.shipping import service as shipping
    from shijing.commerce.shipping.models import Carrier

    carrier = session.scalar(select(Carrier).where(Carrier.code == carrier_code))
    assert carrier is not None
    shipping.record_tracking_events(
        session,
        clock,
        carrier,
        reports=[
            shipping.TrackingReport(
                event_id=f"{tracking_no}-{kind}", tracking_no=tracking_no, kind=kind, at=clock.now()
            )
            for kind in kinds
        ],
    )
