"""A creator who staffs a shop with three published products: the usual start of a live test."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from shijing.accounts.models import User
from shijing.accounts.service import Principal
from shijing.commerce.catalog.models import Product
from shijing.commerce.creators.models import Creator
from shijing.commerce.shops.models import Shop
from shijing.core.clock import ManualClock
from tests.factories import make_creator, make_product, make_shop, make_user, principal_of


@dataclass
class Seller:
    user: User
    creator: Creator
    shop: Shop
    products: list[Product]

    def principal(self, session: Session) -> Principal:
        return principal_of(session, self.user)


@pytest.fixture
def seller(session: Session, clock: ManualClock) -> Seller:
    user = make_user(session, clock, display_name="主播小美")
    creator = make_creator(session, clock, user=user, handle="xiaomei")
    shop = make_shop(session, clock, staff=(user,))
    products = [make_product(session, clock, shop=shop, price_fen=1000 * (i + 1)) for i in range(3)]
    return Seller(user, creator, shop, products)
