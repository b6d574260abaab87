"""A delivered, paid order with its buyer, shop staff and an operator signed in."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from shijing.accounts.models import Role, User
from shijing.commerce.catalog.models import Product
from shijing.commerce.orders.models import Order
from shijing.core.clock import ManualClock
from tests.factories import api_login, buy_and_deliver, make_product, make_shop, make_user


@dataclass
class World:
    order: Order
    product: Product
    buyer: User
    buyer_h: dict[str, str]
    staff_h: dict[str, str]
    operator_h: dict[str, str]
    stranger_h: dict[str, str]
    other_staff_h: dict[str, str]


@pytest.fixture
def world(session: Session, clock: ManualClock, client: TestClient) -> World:
    staff = make_user(session, clock)
    shop = make_shop(session, clock, staff=(staff,), return_province="浙江")
    product = make_product(session, clock, shop=shop, price_fen=20_000)
    buyer = make_user(session, clock)
    order = buy_and_deliver(session, clock, buyer=buyer, product=product)
    operator = make_user(session, clock, roles=(Role.OPERATOR,))
    stranger = make_user(session, clock)
    other_staff = make_user(session, clock)
    make_shop(session, clock, staff=(other_staff,))
    session.commit()
    return World(
        order=order,
        product=product,
        buyer=buyer,
        buyer_h=api_login(client, buyer.email),
        staff_h=api_login(client, staff.email),
        operator_h=api_login(client, operator.email),
        stranger_h=api_login(client, stranger.email),
        other_staff_h=api_login(client, other_staff.email),
    )
