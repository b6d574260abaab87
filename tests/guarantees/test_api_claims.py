"""The claims and coverage API: buyers claim and follow their claims, shops and operators see
them, operators decide; bad input is a 422 naming the field, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from shijing.accounts.models import User
from shijing.commerce.orders.models import Order
from shijing.commerce.shops.models import Shop
from shijing.core.clock import ManualClock
from shijing.core.db import Database
from tests.factories import api_login, make_product, make_shop, make_user
from tests.guarantees.builders import buyer, covered_order, operator, owner_of, trusted_shop
from tests.guarantees.strict import counts, deliver

API = "/api/v1"
APPRAISAL = ["https://img.example.com/appraisal/1.pdf"]


def _h(client: TestClient, user: User) -> dict[str, str]:
    return api_login(client, user.email)


def _setup(session: Session, db: Database, clock: ManualClock) -> tuple[Order, User, User, User]:
    """A covered order; its buyer, the shop's owner, a staff member."""
    staff = make_user(session, clock)
    shop = make_shop(session, clock, staff=(staff,))
    shop = trusted_shop_for(session, clock, shop)
    who = buyer(session, clock)
    order = covered_order(session, db, clock, shop=shop, who=who)
    return order, who, owner_of(session, shop), staff


def trusted_shop_for(session: Session, clock: ManualClock, shop: Shop) -> Shop:
    """Give an existing shop (with staff) the badge the way ``trusted_shop`` does."""
    from shijing.guarantees import enrolment
    from tests.factories import principal_of
    from tests.guarantees.builders import fund, give_score, top_up

    give_score(session, clock, shop.id, 92.0)
    top_up(session, clock, shop, 500_000)
    fund(session, clock)
    enrolment.apply(
        session, clock, principal_of(session, owner_of(session, shop)), shop.id, accept_terms=True
    )
    return shop


def _body(order: Order, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "order_id": order.id,
        "code": "counterfeit_10x",
        "remedy": "compensate",
        "description": "fake",
        "evidence_urls": APPRAISAL,
    }
    body.update(changes)
    return body


def _claim(client: TestClient, headers: dict[str, str], order: Order) -> dict[str, Any]:
    response = client.post(f"{API}/guarantees/claims", json=_body(order), headers=headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_buyer_claims_and_follows_the_claim(
    session: Session, db: Database, clock: ManualClock, client: TestClient
) -> None:
    order, who, owner, staff = _setup(session, db, clock)
    me = _h(client, who)
    claim = _claim(client, me, order)
    assert claim["status"] == "under_review"
    assert claim["amount_fen"] == 10 * order.total_fen
    assert claim["order_id"] == order.id

    mine = client.get(f"{API}/me/claims", headers=me).json()
    assert mine["total"] == 1
    assert [c["id"] for c in mine["items"]] == [claim["id"]]
    other = client.get(f"{API}/me/claims", headers=_h(client, buyer(session, clock))).json()
    assert other["total"] == 0

    path = f"{API}/guarantees/claims/{claim['id']}"
    op = _h(client, operator(session, clock))
    for headers in (me, _h(client, owner), _h(client, staff), op):
        assert client.get(path, headers=headers).status_code == 200
        history = client.get(f"{path}/history", headers=headers)
        assert history.status_code == 200
        assert [e["kind"] for e in history.json()] == ["opened", "review"]
    stranger = _h(client, buyer(session, clock))
    assert client.get(path, headers=stranger).status_code == 404
    assert client.get(f"{path}/history", headers=stranger).status_code == 404
    assert client.get(path).status_code == 401
    assert client.get(f"{API}/guarantees/claims/999999", headers=me).status_code == 404


def test_operators_review_the_queue_and_decide(
    session: Session, db: Database, clock: ManualClock, client: TestClient
) -> None:
    order, who, owner, _ = _setup(session, db, clock)
    me = _h(client, who)
    claim = _claim(client, me, order)
    op_user = operator(session, clock)
    op = _h(client, op_user)

    queue = client.get(f"{API}/guarantees/claims/queue", headers=op)
    assert queue.status_code == 200
    assert [c["id"] for c in queue.json()["items"]] == [claim["id"]]
    for headers in (me, _h(client, owner)):
        assert client.get(f"{API}/guarantees/claims/queue", headers=headers).status_code == 403
        for action in ("approve", "reject"):
            refused = client.post(
                f"{API}/guarantees/claims/{claim['id']}/{action}",
                json={"note": "mine"},
                headers=headers,
            )
            assert refused.status_code == 403

    rejected = client.post(
        f"{API}/guarantees/claims/{claim['id']}/reject",
        json={"note": "the appraisal is forged"},
        headers=op,
    )
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["decision_note"] == "the appraisal is forged"
    again = client.post(
        f"{API}/guarantees/claims/{claim['id']}/approve", json={"note": "no"}, headers=op
    )
    assert again.status_code == 409
    assert client.get(f"{API}/guarantees/claims/queue", headers=op).json()["total"] == 0


def test_an_operator_approves_with_an_amount(
    session: Session, db: Database, clock: ManualClock, client: TestClient
) -> None:
    order, who, _, _ = _setup(session, db, clock)
    claim = _claim(client, _h(client, who), order)
    op = _h(client, operator(session, clock))
    path = f"{API}/guarantees/claims/{claim['id']}/approve"
    above = client.post(path, json={"note": "ok", "amount_fen": claim["cap_fen"] + 1}, headers=op)
    assert above.status_code == 422
    assert above.json()["field"] == "amount_fen"
    approved = client.post(path, json={"note": "counterfeit", "amount_fen": 1000}, headers=op)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    deliver(session, db, clock)
    paid = client.get(f"{API}/guarantees/claims/{claim['id']}", headers=op).json()
    assert paid["status"] == "paid"
    assert paid["paid_fen"] == 1000


def test_coverage_is_shown_to_the_buyer_the_shop_and_operators(
    session: Session, db: Database, clock: ManualClock, client: TestClient
) -> None:
    order, who, owner, staff = _setup(session, db, clock)
    path = f"{API}/orders/{order.id}/coverage"
    for user in (who, owner, staff, operator(session, clock)):
        response = client.get(path, headers=_h(client, user))
        assert response.status_code == 200, response.text
        body = response.json()
        codes = {p["code"] for p in body["promises"]}
        assert {"return_postage", "fast_refund", "counterfeit_10x", "damage_doa"} <= codes
        assert body["claims"] == []
    assert client.get(path, headers=_h(client, buyer(session, clock))).status_code == 404
    other_shop_owner = owner_of(session, make_shop(session, clock))
    assert client.get(path, headers=_h(client, other_shop_owner)).status_code == 404
    assert client.get(path).status_code == 401
    assert client.get(f"{API}/orders/999999/coverage", headers=_h(client, who)).status_code == 404


def test_a_products_guarantees_are_public(
    session: Session, db: Database, clock: ManualClock, anon: TestClient
) -> None:
    shop = trusted_shop(session, clock)
    product = make_product(session, clock, shop=shop, price_fen=20_000)
    response = anon.get(f"{API}/products/{product.id}/guarantees")
    assert response.status_code == 200, response.text
    by_code = {g["code"]: g for g in response.json()}
    assert {"return_postage", "fast_refund", "counterfeit_10x", "no_reason_7d"} <= set(by_code)
    assert by_code["counterfeit_10x"]["max_fen"] == 200_000
    # Above the fast-refund limit, the same product carries no fast refund.
    big = anon.get(f"{API}/products/{product.id}/guarantees", params={"quantity": 11})
    assert big.status_code == 200
    assert "fast_refund" not in {g["code"] for g in big.json()}
    plain = make_product(session, clock, shop=make_shop(session, clock))
    codes = [g["code"] for g in anon.get(f"{API}/products/{plain.id}/guarantees").json()]
    assert codes == ["no_reason_7d"]
    hidden = make_product(session, clock, shop=shop, published=False)
    assert anon.get(f"{API}/products/{hidden.id}/guarantees").status_code == 404
    assert anon.get(f"{API}/products/999999/guarantees").status_code == 404
    for params, field in (
        ({"quantity": 0}, "quantity"),
        ({"quantity": "many"}, "quantity"),
        ({"sku_id": -1}, "sku_id"),
    ):
        bad = anon.get(f"{API}/products/{product.id}/guarantees", params=params)
        assert bad.status_code == 422
        assert bad.json()["field"] == field
    missing_sku = anon.get(f"{API}/products/{product.id}/guarantees", params={"sku_id": 999999})
    assert missing_sku.status_code == 404
    assert anon.get(f"{API}/products/abc/guarantees").json()["field"] == "product_id"


JUNK: list[tuple[Any, str | None]] = [
    ({}, "order_id"),
    ({"order_id": "x"}, "order_id"),
    ({"order_id": 0}, "order_id"),
    ({"order_id": 2**40}, "order_id"),
    ({"code": "free_money"}, "code"),
    ({"code": "return_postage"}, "code"),
    ({"remedy": "cash"}, "remedy"),
    ({"evidence_urls": "https://x.example.com/a.jpg"}, "evidence_urls"),
    ({"evidence_urls": [1]}, "evidence_urls.0"),
    ({"evidence_urls": ["not a url"]}, "evidence_urls.0"),
    ({"evidence_urls": ["https://x.example.com/a.jpg"] * 10}, "evidence_urls"),
    ({"evidence_urls": []}, "evidence_urls"),
    ({"amount_fen": -1}, "amount_fen"),
    ({"amount_fen": 1.5}, "amount_fen"),
    ({"amount_fen": 10**15}, "amount_fen"),
    ({"amount_fen": 10**8}, "amount_fen"),  # above the cap of ten times the price
    ({"description": "x" * 2001}, "description"),
    ({"surprise": True}, "surprise"),
]


@pytest.mark.parametrize(("changes", "field"), JUNK)
def test_junk_claims_are_422_naming_the_field(
    session: Session,
    db: Database,
    clock: ManualClock,
    client: TestClient,
    changes: dict[str, Any],
    field: str,
) -> None:
    order, who, _, _ = _setup(session, db, clock)
    me = _h(client, who)
    body = {} if changes == {} else _body(order, **changes)
    before = counts(session)
    response = client.post(f"{API}/guarantees/claims", json=body, headers=me)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert counts(session) == before


def test_claims_that_are_not_json_are_422(
    session: Session, db: Database, clock: ManualClock, client: TestClient
) -> None:
    order, who, _, _ = _setup(session, db, clock)
    me = {**_h(client, who), "Content-Type": "application/json"}
    for raw in ("{", "[]", "null", '"x"', "1"):
        response = client.post(f"{API}/guarantees/claims", content=raw, headers=me)
        assert response.status_code == 422, raw
    assert client.post(f"{API}/guarantees/claims", json=_body(order)).status_code == 401


def test_decisions_with_junk_are_422(
    session: Session, db: Database, clock: ManualClock, client: TestClient
) -> None:
    order, who, _, _ = _setup(session, db, clock)
    claim = _claim(client, _h(client, who), order)
    op = _h(client, operator(session, clock))
    base = f"{API}/guarantees/claims/{claim['id']}"
    for action, body, field in (
        ("approve", {}, "note"),
        ("approve", {"note": ""}, "note"),
        ("approve", {"note": "   "}, "note"),
        ("approve", {"note": "x" * 501}, "note"),
        ("approve", {"note": "ok", "amount_fen": "lots"}, "amount_fen"),
        ("reject", {"note": "ok", "amount_fen": 1}, "amount_fen"),
        ("reject", {"note": None}, "note"),
    ):
        response = client.post(f"{base}/{action}", json=body, headers=op)
        assert response.status_code == 422, (action, body, response.text)
        assert response.json()["field"] == field
    for path in ("abc", "0", str(2**40)):
        response = client.get(f"{API}/guarantees/claims/{path}", headers=op)
        assert response.status_code == 422
        assert response.json()["field"] == "claim_id"
    missing = client.post(f"{API}/guarantees/claims/999999/approve", json={"note": "x"}, headers=op)
    assert missing.status_code == 404
    for params in ({"limit": 0}, {"limit": 1000}, {"offset": -1}, {"limit": "x"}):
        bad = client.get(f"{API}/guarantees/claims/queue", params=params, headers=op)
        assert bad.status_code == 422
