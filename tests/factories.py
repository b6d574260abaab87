"""Factories: keyword-only functions with good defaults that build data through the services."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.accounts import service as accounts
from shijing.accounts.models import Role, User
from shijing.accounts.passwords import Passwords
from shijing.commerce.catalog.models import Product, Sku
from shijing.commerce.creators.models import Creator
from shijing.commerce.orders.models import Order
from shijing.commerce.shops.models import MemberRole, Shop, ShopMember, ShopStatus
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
    owner = owner or make_user(session, clock, roles=(Role.MERCHANT,))
    now = clock.now()
    shop = Shop(
        name=name or f"店铺{next(_seq)}",
        owner_user_id=owner.id,
        main_category=main_category,
        return_province=return_province,
        return_city=return_city,
        return_address="余杭区文一西路 1 号",
        ship_within_hours=ship_within_hours,
        status=ShopStatus.ACTIVE.value,
        created_at=now,
        updated_at=now,
    )
    session.add(shop)
    session.flush()
    session.add(
        ShopMember(shop_id=shop.id, user_id=owner.id, role=MemberRole.OWNER.value, joined_at=now)
    )
    for member in staff:
        session.add(
            ShopMember(
                shop_id=shop.id, user_id=member.id, role=MemberRole.STAFF.value, joined_at=now
            )
        )
    session.flush()
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
    """A product with one SKU per variant, each at ``price_fen`` with ``stock`` units."""
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
    user = user or make_user(session, clock, roles=(Role.CREATOR,))
    n = next(_seq)
    creator = Creator(
        user_id=user.id,
        handle=handle or f"creator{n}",
        display_name=user.display_name,
        bio="",
        categories=list(categories),
        follower_count=0,
        created_at=clock.now(),
    )
    session.add(creator)
    session.flush()
    return creator


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
