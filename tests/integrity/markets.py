"""A small market planted through the ORM: 40 days of honest buying at 14 shops (10 loyal fans
of the first one come back every week or so, and everybody shops in the evening peak), and a
ring of 8 two-day-old accounts brushing 4 of those shops in that evening, sharing 2 devices."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from shijing.accounts.models import Role, User
from shijing.commerce.catalog.models import Product
from shijing.commerce.orders.models import Order
from shijing.commerce.shops.models import Shop
from shijing.core.clock import ManualClock
from tests.factories import make_order, make_product, make_shop, make_user


def _order(
    session: Session, clock: ManualClock, at: datetime, buyer: User, product: Product, **fp: str
) -> Order:
    clock.set(at)
    order = make_order(session, clock, buyer=buyer, product=product, status="completed")
    order.device_fp = fp.get("device", f"dev-{buyer.id}")
    order.address_fp = fp.get("address", f"addr-{buyer.id}")
    return order


def plant_market(
    session: Session,
    clock: ManualClock,
    *,
    on_order: Callable[[Order], None] | None = None,
    ring_accounts: int = 8,
    ring_shops: int = 4,
) -> dict[str, Any]:
    rng = random.Random(5)
    t0 = clock.now() + timedelta(days=60)

    def products_of(shops: list[Shop]) -> list[Product]:
        return [
            make_product(
                session, clock, shop=s, stock=1000, price_fen=rng.randrange(1990, 39900, 100)
            )
            for s in shops
            for _ in range(3)
        ]

    honest_shops = [make_shop(session, clock) for _ in range(10)]
    targets = [make_shop(session, clock) for _ in range(ring_shops)]
    honest_products = products_of(honest_shops)
    # the ring's targets are ordinary shops with ordinary buyers too
    target_products = products_of(targets)[::3]
    everyday = honest_products + products_of(targets)
    buyers = [make_user(session, clock) for _ in range(120)]
    operator = make_user(session, clock, roles=(Role.OPERATOR,))
    fans = buyers[:10]
    plan: list[tuple[datetime, User, Product, str | None]] = []
    for fan in fans:  # a shop whose fans come back: every week or so
        for week in range(6):
            at = t0 + timedelta(days=week * 6 + rng.uniform(0, 3), hours=rng.uniform(0, 12))
            plan.append((at, fan, honest_products[0], None))
    for buyer in buyers[10:]:
        for _ in range(rng.randint(1, 4)):
            plan.append(
                (t0 + timedelta(days=rng.uniform(0, 40)), buyer, rng.choice(everyday), None)
            )
    evening = t0 + timedelta(days=38, hours=12)
    for _ in range(80):  # the evening peak: everybody shops after work
        at = evening + timedelta(hours=rng.uniform(-3, 3))
        plan.append((at, rng.choice(buyers[10:]), rng.choice(everyday), None))
    ring = [make_user(session, clock) for _ in range(ring_accounts)]
    for member in ring:  # accounts opened two days before the evening they brush
        member.created_at = evening - timedelta(days=2)
    for j, product in enumerate(target_products):
        for i, member in enumerate(ring):
            plan.append((evening + timedelta(minutes=8 * j + i), member, product, f"ring-{i % 2}"))
    ring_ids = {u.id for u in ring}
    ring_orders = []
    for at, buyer, product, device in sorted(plan, key=lambda p: p[0]):
        fp = {"device": device} if device else {}
        order = _order(session, clock, at, buyer, product, **fp)
        if on_order is not None:
            on_order(order)
        if buyer.id in ring_ids:
            ring_orders.append(order)
    session.flush()
    clock.set(t0 + timedelta(days=41))
    return {
        "fans": fans,
        "honest": buyers,
        "ring": ring,
        "ring_orders": ring_orders,
        "targets": targets,
        "operator": operator,
    }
