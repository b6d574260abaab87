"""Stock is reserved atomically: racing buyers never oversell, on either database."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.orm import Session

from shijing.commerce.catalog import stock
from shijing.commerce.catalog.models import Sku
from shijing.core.clock import ManualClock
from shijing.core.db import Database
from shijing.core.errors import Conflict, InvalidInput, NotFound
from tests.factories import first_sku, make_product, make_user


def test_reserve_release_and_adjust_are_audited(session: Session, clock: ManualClock) -> None:
    sku = first_sku(session, make_product(session, clock, stock=5))
    owner = make_user(session, clock)
    assert stock.reserve_stock(session, clock, sku_id=sku.id, quantity=3, order_id=11) == 2
    assert stock.release_stock(session, clock, sku_id=sku.id, quantity=1, order_id=11) == 3
    assert stock.adjust_stock(session, clock, sku_id=sku.id, delta=10, actor_user_id=owner.id) == 13
    assert sku.stock == 13  # the loaded object is refreshed
    trail = [(m.reason, m.delta, m.stock_after) for m in stock.movements(session, sku.id)]
    assert trail == [("restock", 10, 13), ("release", 1, 3), ("reserve", -3, 2)]


def test_reserving_more_than_there_is_is_409_and_changes_nothing(
    session: Session, clock: ManualClock
) -> None:
    sku = first_sku(session, make_product(session, clock, stock=2))
    with pytest.raises(Conflict) as info:
        stock.reserve_stock(session, clock, sku_id=sku.id, quantity=3)
    assert (info.value.code, info.value.field) == ("out_of_stock", "quantity")
    assert sku.stock == 2
    assert stock.movements(session, sku.id) == []


@pytest.mark.parametrize("quantity", [0, -1])
def test_quantity_must_be_positive(session: Session, clock: ManualClock, quantity: int) -> None:
    sku = first_sku(session, make_product(session, clock))
    with pytest.raises(InvalidInput):
        stock.reserve_stock(session, clock, sku_id=sku.id, quantity=quantity)


def test_unknown_sku_is_404(session: Session, clock: ManualClock) -> None:
    with pytest.raises(NotFound):
        stock.reserve_stock(session, clock, sku_id=999_999, quantity=1)


def test_write_off_cannot_go_below_zero(session: Session, clock: ManualClock) -> None:
    sku = first_sku(session, make_product(session, clock, stock=1))
    owner = make_user(session, clock)
    with pytest.raises(Conflict):
        stock.adjust_stock(session, clock, sku_id=sku.id, delta=-2, actor_user_id=owner.id)


def test_fifty_racing_reservations_for_ten_units(
    committing_db: Database, clock: ManualClock
) -> None:
    with committing_db.transaction() as s:
        sku_id = first_sku(s, make_product(s, clock, stock=10)).id

    def buy(_: int) -> bool:
        try:
            with committing_db.transaction() as s:
                stock.reserve_stock(s, clock, sku_id=sku_id, quantity=1)
            return True
        except Conflict:
            return False

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(buy, range(50)))
    assert results.count(True) == 10
    with committing_db.sessions() as s:
        assert s.get(Sku, sku_id).stock == 0  # type: ignore[union-attr]
