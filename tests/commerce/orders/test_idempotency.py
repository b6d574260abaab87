"""``Idempotency-Key`` on placing and paying: the first answer is replayed, a different body
with the same key is refused, and racing repeats never write twice."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.accounts import service as accounts
from shijing.commerce.orders.models import IdempotencyRecord, Order
from shijing.commerce.payments.models import GatewayCharge, Payment
from shijing.core.clock import ManualClock
from shijing.core.db import Database
from shijing.core.settings import Settings
from shijing.web.app import create_app
from tests.commerce.orders.support import (
    API,
    count,
    listing,
    new_buyer,
    order_body,
    pay,
    place,
    stock_of,
)
from tests.factories import make_user


def test_the_same_key_and_body_replays_the_first_answer(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    item = listing(session, clock, stock=5)
    _, headers = new_buyer(session, clock, client)
    first = place(client, headers, item.sku.id, key="order-1", quantity=2)
    assert first.status_code == 201
    again = place(client, headers, item.sku.id, key="order-1", quantity=2)
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count(session, Order) == 1
    assert stock_of(session, item.sku.id) == 3


def test_the_same_key_with_a_different_body_is_422(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    item = listing(session, clock, stock=5)
    _, headers = new_buyer(session, clock, client)
    assert place(client, headers, item.sku.id, key="k").status_code == 201
    response = place(client, headers, item.sku.id, key="k", quantity=2)
    assert response.status_code == 422
    assert response.json() == response.json() | {
        "field": "Idempotency-Key",
        "error": "idempotency_key_reused",
    }
    assert count(session, Order) == 1


def test_keys_belong_to_their_user_and_scope(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    item = listing(session, clock, stock=5)
    _, alice = new_buyer(session, clock, client)
    _, bob = new_buyer(session, clock, client)
    a = place(client, alice, item.sku.id, key="same")
    b = place(client, bob, item.sku.id, key="same")
    assert (a.status_code, b.status_code) == (201, 201)
    assert a.json()["id"] != b.json()["id"]
    # The same key on the pay scope is a different request, not a reuse.
    assert pay(client, alice, a.json()["id"], key="same").status_code == 201
    assert count(session, IdempotencyRecord) == 3


def test_a_failed_request_leaves_no_record_so_a_retry_tries_again(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    item = listing(session, clock, stock=1)
    _, headers = new_buyer(session, clock, client)
    assert place(client, headers, item.sku.id, key="k", quantity=2).status_code == 409
    assert count(session, IdempotencyRecord) == 0
    assert place(client, headers, item.sku.id, key="k2", quantity=1).status_code == 201


def test_a_bad_key_is_422(client: TestClient, session: Session, clock: ManualClock) -> None:
    item = listing(session, clock)
    _, headers = new_buyer(session, clock, client)
    response = place(client, headers, item.sku.id, key="x" * 101)
    assert (response.status_code, response.json()["field"]) == (422, "Idempotency-Key")
    assert count(session, Order) == 0


def test_paying_with_a_key_charges_once_and_replays_declines_too(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    item = listing(session, clock)
    _, headers = new_buyer(session, clock, client)
    order_id = place(client, headers, item.sku.id).json()["id"]
    declined = pay(client, headers, order_id, "sim_declined", key="p1")
    assert declined.status_code == 402
    replay = pay(client, headers, order_id, "sim_declined", key="p1")
    assert (replay.status_code, replay.json()) == (402, declined.json())
    reused = pay(client, headers, order_id, "sim_ok", key="p1")
    assert (reused.status_code, reused.json()["field"]) == (422, "Idempotency-Key")
    paid = pay(client, headers, order_id, "sim_ok", key="p2")
    assert paid.status_code == 201
    again = pay(client, headers, order_id, "sim_ok", key="p2")
    assert (again.status_code, again.json()) == (201, paid.json())
    assert count(session, GatewayCharge) == 2  # the decline and the capture
    assert count(session, Payment) == 2


def test_two_racing_requests_with_one_key_make_one_order(
    committing_db: Database, clock: ManualClock, settings: Settings
) -> None:
    app = create_app(settings, db=committing_db, clock=clock)
    with committing_db.transaction() as s:
        item = listing(s, clock, stock=10)
        sku_id = item.sku.id
        buyer = make_user(s, clock)
        tokens = [
            accounts.create_api_token(s, clock, buyer, name=f"t{i}", days=1)[1] for i in range(2)
        ]
    barrier = threading.Barrier(len(tokens))

    def attempt(token: str) -> Response:
        with TestClient(app) as c:
            barrier.wait(timeout=30)
            return c.post(
                f"{API}/orders",
                json=order_body(sku_id, quantity=3),
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "race"},
            )

    with ThreadPoolExecutor(max_workers=len(tokens)) as pool:
        answers = list(pool.map(attempt, tokens))
    assert all(a.status_code in (201, 409) for a in answers), [a.text for a in answers]
    created = [a for a in answers if a.status_code == 201]
    assert created, [a.text for a in answers]
    assert len({a.json()["id"] for a in created}) == 1
    with committing_db.sessions() as s:
        assert s.scalar(select(Order.id).where(Order.sku_id == sku_id)) is not None
        assert count(s, Order) == 1
        assert stock_of(s, sku_id) == 7
