"""Done when: 50 buyers racing over HTTP for the last 10 units get exactly 10 orders and 40 clean
409 ``out_of_stock`` answers, and the stock ends at 0 — on PostgreSQL and on SQLite.

The app gets a pool of 8 connections: 50 requests in flight at once, at most 8 transactions on the
database at once (still a race on one row), without exhausting a PostgreSQL server that other
test runs share (``max_connections`` is 100 by default)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select

from shijing.accounts import service as accounts
from shijing.commerce.catalog.models import StockMovement
from shijing.commerce.orders.models import Order
from shijing.core.clock import ManualClock
from shijing.core.db import Database, create_db_engine
from shijing.core.settings import Settings
from shijing.web.app import create_app
from tests.commerce.orders.support import API, listing, order_body, stock_of
from tests.factories import make_user

BUYERS = 50
UNITS = 10
POOL = {"pool_size": 8, "max_overflow": 0, "pool_timeout": 120}


def test_fifty_buyers_race_over_http_for_the_last_ten_units(
    committing_db: Database, clock: ManualClock, settings: Settings
) -> None:
    racing_db = Database(
        create_db_engine(
            committing_db.engine.url.render_as_string(hide_password=False),
            **({} if committing_db.dialect == "sqlite" else POOL),
        )
    )
    app = create_app(settings, db=racing_db, clock=clock)
    with committing_db.transaction() as s:
        sku_id = listing(s, clock, stock=UNITS).sku.id
        tokens = []
        for i in range(BUYERS):
            buyer = make_user(s, clock)
            tokens.append(accounts.create_api_token(s, clock, buyer, name=f"race{i}", days=1)[1])
    barrier = threading.Barrier(BUYERS)

    def buy(token: str) -> Response:
        with TestClient(app) as c:  # each buyer its own client
            barrier.wait(timeout=60)
            return c.post(
                f"{API}/orders",
                json=order_body(sku_id),
                headers={"Authorization": f"Bearer {token}"},
            )

    try:
        with ThreadPoolExecutor(max_workers=BUYERS) as pool:
            answers = list(pool.map(buy, tokens))
    finally:
        racing_db.dispose()

    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] * UNITS + [409] * (BUYERS - UNITS), [a.text for a in answers]
    for refused in (a for a in answers if a.status_code == 409):
        assert refused.json() == {
            "error": "out_of_stock",
            "field": "quantity",
            "message": "not enough stock for this quantity",
        }
    with committing_db.sessions() as s:
        assert stock_of(s, sku_id) == 0
        orders = s.scalar(select(func.count()).select_from(Order).where(Order.sku_id == sku_id))
        assert orders == UNITS
        buyers = s.scalar(select(func.count(func.distinct(Order.buyer_id))))
        assert buyers == UNITS
        reserved = s.scalar(
            select(func.sum(StockMovement.delta)).where(StockMovement.sku_id == sku_id)
        )
        assert reserved == -UNITS
