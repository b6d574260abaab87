"""Reviews over HTTP: one per delivered order, in its window, with one follow-up and one reply."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.commerce.reviews.models import Review
from shijing.core.clock import ManualClock
from shijing.core.outbox import OutboxEvent
from tests.factories import api_login, make_order, make_product, make_shop, make_user

GOOD = {"product_rating": 5, "logistics_rating": 4, "service_rating": 5, "text": "版型很好"}


@pytest.fixture
def setup(session: Session, clock: ManualClock, client: TestClient) -> dict[str, object]:
    buyer = make_user(session, clock, display_name="老铁小王")
    staff = make_user(session, clock)
    shop = make_shop(session, clock, staff=(staff,))
    product = make_product(session, clock, shop=shop)
    order = make_order(session, clock, buyer=buyer, product=product, status="delivered")
    session.commit()
    return {
        "order": order,
        "shop": shop,
        "product": product,
        "buyer_email": buyer.email,
        "buyer": api_login(client, buyer.email),
        "staff": api_login(client, staff.email),
    }


def test_buyer_reviews_a_delivered_order(client: TestClient, setup: dict, session: Session) -> None:  # type: ignore[type-arg]
    order = setup["order"]
    response = client.post(f"/api/v1/orders/{order.id}/review", json=GOOD, headers=setup["buyer"])
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["product_rating"], body["buyer_name"]) == (5, "老铁小王")
    event = session.scalar(select(OutboxEvent).where(OutboxEvent.name == "review.created"))
    assert event is not None
    assert event.payload["shop_id"] == setup["shop"].id
    assert event.payload["product_rating"] == 5


def test_second_review_is_409(client: TestClient, setup: dict) -> None:  # type: ignore[type-arg]
    url = f"/api/v1/orders/{setup['order'].id}/review"
    assert client.post(url, json=GOOD, headers=setup["buyer"]).status_code == 201
    again = client.post(url, json=GOOD, headers=setup["buyer"])
    assert (again.status_code, again.json()["error"]) == (409, "already_reviewed")


@pytest.mark.parametrize("status", ["pending_payment", "paid", "shipped", "cancelled"])
def test_undelivered_orders_cannot_be_reviewed(
    client: TestClient, session: Session, clock: ManualClock, status: str
) -> None:
    buyer = make_user(session, clock)
    order = make_order(session, clock, buyer=buyer, status=status)
    session.commit()
    response = client.post(
        f"/api/v1/orders/{order.id}/review", json=GOOD, headers=api_login(client, buyer.email)
    )
    assert (response.status_code, response.json()["error"]) == (409, "not_delivered")


def test_review_window_closes(client: TestClient, setup: dict, clock: ManualClock) -> None:  # type: ignore[type-arg]
    clock.advance(timedelta(days=16))
    response = client.post(
        f"/api/v1/orders/{setup['order'].id}/review", json=GOOD, headers=setup["buyer"]
    )
    assert (response.status_code, response.json()["error"]) == (409, "review_window_closed")


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"product_rating": 6}, "product_rating"),
        ({"service_rating": 0}, "service_rating"),
        ({"image_urls": ["ftp://x/y.jpg"]}, "image_urls.0"),
        ({"image_urls": [f"https://img.example.com/{i}.jpg" for i in range(10)]}, "image_urls"),
        ({"rating": 5}, "rating"),
    ],
)
def test_bad_review_input_names_the_field(
    client: TestClient,
    setup: dict,
    session: Session,
    patch: dict,
    field: str,  # type: ignore[type-arg]
) -> None:
    response = client.post(
        f"/api/v1/orders/{setup['order'].id}/review", json={**GOOD, **patch}, headers=setup["buyer"]
    )
    assert response.status_code == 422
    assert response.json()["field"] == field
    assert session.scalars(select(Review)).all() == []


def test_others_cannot_review_someone_elses_order(
    client: TestClient,
    anon: TestClient,
    setup: dict,
    session: Session,
    clock: ManualClock,  # type: ignore[type-arg]
) -> None:
    url = f"/api/v1/orders/{setup['order'].id}/review"
    other = make_user(session, clock)
    session.commit()
    assert client.post(url, json=GOOD, headers=api_login(client, other.email)).status_code == 404
    assert client.post(url, json=GOOD, headers=setup["staff"]).status_code == 404
    assert anon.post(url, json=GOOD).status_code == 401


def test_ratings_can_change_only_within_the_edit_window(
    client: TestClient,
    setup: dict,
    clock: ManualClock,  # type: ignore[type-arg]
) -> None:
    review = client.post(
        f"/api/v1/orders/{setup['order'].id}/review", json=GOOD, headers=setup["buyer"]
    ).json()
    edited = client.patch(
        f"/api/v1/reviews/{review['id']}", json={"product_rating": 2}, headers=setup["buyer"]
    )
    assert edited.status_code == 200
    assert edited.json()["product_rating"] == 2
    assert edited.json()["logistics_rating"] == 4
    clock.advance(timedelta(days=8))
    late = client.patch(
        f"/api/v1/reviews/{review['id']}", json={"product_rating": 5}, headers=setup["buyer"]
    )
    assert (late.status_code, late.json()["error"]) == (409, "edit_window_closed")
    assert client.get(f"/api/v1/reviews/{review['id']}").json()["product_rating"] == 2


def test_only_the_author_edits(client: TestClient, setup: dict) -> None:  # type: ignore[type-arg]
    review = client.post(
        f"/api/v1/orders/{setup['order'].id}/review", json=GOOD, headers=setup["buyer"]
    ).json()
    response = client.patch(
        f"/api/v1/reviews/{review['id']}", json={"text": "改"}, headers=setup["staff"]
    )
    assert response.status_code == 404


def test_one_followup_within_its_window(
    client: TestClient, setup: dict, clock: ManualClock
) -> None:  # type: ignore[type-arg]
    review = client.post(
        f"/api/v1/orders/{setup['order'].id}/review", json=GOOD, headers=setup["buyer"]
    ).json()
    url = f"/api/v1/reviews/{review['id']}/followup"
    clock.advance(timedelta(days=20))
    first = client.post(url, json={"text": "穿了一个月，没起球"}, headers=setup["buyer"])
    assert first.status_code == 200
    assert first.json()["followup_text"] == "穿了一个月，没起球"
    second = client.post(url, json={"text": "again"}, headers=setup["buyer"])
    assert (second.status_code, second.json()["error"]) == (409, "already_followed_up")


def test_followup_window_closes(client: TestClient, setup: dict, clock: ManualClock) -> None:  # type: ignore[type-arg]
    review = client.post(
        f"/api/v1/orders/{setup['order'].id}/review", json=GOOD, headers=setup["buyer"]
    ).json()
    clock.advance(timedelta(days=181))
    fresh = api_login(client, setup["buyer_email"])  # the first token has expired meanwhile
    response = client.post(
        f"/api/v1/reviews/{review['id']}/followup", json={"text": "late"}, headers=fresh
    )
    assert response.status_code == 409


def test_the_shop_replies_once_and_only_its_staff(
    client: TestClient,
    setup: dict,
    session: Session,
    clock: ManualClock,  # type: ignore[type-arg]
) -> None:
    review = client.post(
        f"/api/v1/orders/{setup['order'].id}/review", json=GOOD, headers=setup["buyer"]
    ).json()
    url = f"/api/v1/reviews/{review['id']}/reply"
    other_staff = make_user(session, clock)
    make_shop(session, clock, staff=(other_staff,))
    session.commit()
    assert (
        client.post(
            url, json={"text": "谢谢"}, headers=api_login(client, other_staff.email)
        ).status_code
        == 404
    )
    assert client.post(url, json={"text": "谢谢"}, headers=setup["buyer"]).status_code == 404
    ok = client.post(url, json={"text": "谢谢支持"}, headers=setup["staff"])
    assert (ok.status_code, ok.json()["shop_reply"]) == (200, "谢谢支持")
    again = client.post(url, json={"text": "再谢"}, headers=setup["staff"])
    assert again.status_code == 409


def test_anonymous_reviews_hide_the_buyer(client: TestClient, setup: dict) -> None:  # type: ignore[type-arg]
    client.post(
        f"/api/v1/orders/{setup['order'].id}/review",
        json={**GOOD, "anonymous": True},
        headers=setup["buyer"],
    )
    page = client.get(f"/api/v1/products/{setup['product'].id}/reviews").json()
    assert page["items"][0]["buyer_name"] == "匿名用户"
    assert page["items"][0]["order_id"] is None


def test_product_reviews_are_listed_with_a_summary_and_filters(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    product = make_product(session, clock)
    for rating in (5, 4, 1, 2):
        buyer = make_user(session, clock)
        order = make_order(session, clock, buyer=buyer, product=product)
        session.commit()
        client.post(
            f"/api/v1/orders/{order.id}/review",
            json={**GOOD, "product_rating": rating},
            headers=api_login(client, buyer.email),
        )
    page = client.get(f"/api/v1/products/{product.id}/reviews?limit=2").json()
    assert (page["total"], len(page["items"])) == (4, 2)
    assert page["summary"]["count"] == 4
    assert page["summary"]["product_average"] == 3.0
    assert page["summary"]["negative_share"] == 0.5
    negative = client.get(f"/api/v1/products/{product.id}/reviews?rating=negative").json()
    assert sorted(r["product_rating"] for r in negative["items"]) == [1, 2]
    bad = client.get(f"/api/v1/products/{product.id}/reviews?rating=awful")
    assert (bad.status_code, bad.json()["field"]) == (422, "rating")
    shop_page = client.get(f"/api/v1/shops/{product.shop_id}/reviews").json()
    assert shop_page["total"] == 4


def test_operators_hide_reviews_from_public_view_and_summary(
    client: TestClient,
    setup: dict,
    session: Session,
    clock: ManualClock,  # type: ignore[type-arg]
) -> None:
    from shijing.accounts.models import Role

    review = client.post(
        f"/api/v1/orders/{setup['order'].id}/review", json=GOOD, headers=setup["buyer"]
    ).json()
    operator = make_user(session, clock, roles=(Role.OPERATOR,))
    session.commit()
    ops = api_login(client, operator.email)
    url = f"/api/v1/admin/reviews/{review['id']}/hide"
    assert (
        client.post(url, json={"reason": "brushing ring"}, headers=setup["staff"]).status_code
        == 403
    )
    assert client.post(url, json={"reason": "brushing ring"}, headers=ops).status_code == 200
    assert client.get(f"/api/v1/reviews/{review['id']}").status_code == 404
    assert client.get(f"/api/v1/reviews/{review['id']}", headers=setup["buyer"]).status_code == 200
    page = client.get(f"/api/v1/products/{setup['product'].id}/reviews").json()
    assert (page["total"], page["summary"]["count"]) == (0, 0)
    assert client.get("/api/v1/me/reviews", headers=setup["buyer"]).json()["total"] == 1
