"""Shops over HTTP: opening, the public and full views, staff and invitations, and bad input."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shijing.accounts.models import Role
from shijing.commerce.shops.models import Shop
from shijing.core.clock import ManualClock
from tests.commerce.shops.support import error, events, user_with_headers
from tests.factories import make_shop

BODY: dict[str, Any] = {
    "name": "老铁服饰",
    "main_category": "apparel.womens",
    "return_province": "浙江",
    "return_city": "杭州",
    "return_address": "余杭区文一西路 1 号",
}
PUBLIC_KEYS = {
    "id",
    "name",
    "main_category",
    "return_province",
    "return_city",
    "ship_within_hours",
    "status",
}


def test_open_a_shop_and_see_it(client: TestClient, session: Session, clock: ManualClock) -> None:
    _, headers = user_with_headers(session, clock)
    session.commit()
    created = client.post("/api/v1/shops", json=BODY, headers=headers)
    assert created.status_code == 201, created.text
    shop = created.json()
    assert shop["status"] == "active"
    assert shop["ship_within_hours"] == 48
    assert shop["return_address"] == BODY["return_address"]

    me = client.get("/api/v1/me", headers=headers).json()
    assert "merchant" in me["roles"]
    mine = client.get("/api/v1/me/shops", headers=headers).json()
    assert (mine["total"], mine["items"][0]["id"], mine["items"][0]["role"]) == (
        1,
        shop["id"],
        "owner",
    )

    public = client.get(f"/api/v1/shops/{shop['id']}")
    assert public.status_code == 200
    assert set(public.json()) == PUBLIC_KEYS
    full = client.get(f"/api/v1/shops/{shop['id']}", headers=headers).json()
    assert full["return_address"] == BODY["return_address"]
    assert len(events(session, "shop.created")) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"main_category": "weapons"}, "main_category"),
        ({"return_province": "California"}, "return_province"),
        ({"ship_within_hours": 0}, "ship_within_hours"),
        ({"ship_within_hours": 169}, "ship_within_hours"),
        ({"ship_within_hours": "48"}, "ship_within_hours"),
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"owner_user_id": 1}, "owner_user_id"),
        ({"status": "active"}, "status"),
    ],
)
def test_bad_shop_is_422_naming_the_field(
    client: TestClient, session: Session, clock: ManualClock, change: dict[str, Any], field: str
) -> None:
    _, headers = user_with_headers(session, clock)
    session.commit()
    response = client.post("/api/v1/shops", json={**BODY, **change}, headers=headers)
    assert error(response) == (422, field)
    assert session.scalar(select(func.count()).select_from(Shop)) == 0


def test_missing_fields_and_bad_json_are_422(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    _, headers = user_with_headers(session, clock)
    session.commit()
    body = {k: v for k, v in BODY.items() if k != "return_city"}
    assert error(client.post("/api/v1/shops", json=body, headers=headers)) == (422, "return_city")
    bad = client.post(
        "/api/v1/shops",
        content=b"{nope",
        headers={**headers, "content-type": "application/json"},
    )
    assert bad.status_code == 422


def test_a_taken_name_is_409(client: TestClient, session: Session, clock: ManualClock) -> None:
    make_shop(session, clock, name="老铁服饰")
    _, headers = user_with_headers(session, clock)
    session.commit()
    response = client.post("/api/v1/shops", json=BODY, headers=headers)
    assert error(response) == (409, "name")
    assert response.json()["error"] == "name_taken"


def test_opening_a_shop_needs_an_account(client: TestClient) -> None:
    assert error(client.post("/api/v1/shops", json=BODY)) == (401, None)


def test_staff_patch_the_address_and_promise(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    staff, headers = user_with_headers(session, clock)
    shop = make_shop(session, clock, staff=(staff,))
    session.commit()
    url = f"/api/v1/shops/{shop.id}"
    ok = client.patch(url, json={"ship_within_hours": 72, "return_city": "宁波"}, headers=headers)
    assert ok.status_code == 200, ok.text
    assert (ok.json()["ship_within_hours"], ok.json()["return_city"]) == (72, "宁波")
    for body, field in [
        ({"ship_within_hours": 200}, "ship_within_hours"),
        ({"return_province": "火星"}, "return_province"),
        ({"name": "新名字"}, "name"),
        ({"return_address": ""}, "return_address"),
    ]:
        assert error(client.patch(url, json=body, headers=headers)) == (422, field)
    assert client.get(url, headers=headers).json()["ship_within_hours"] == 72


def test_the_public_cannot_see_a_suspended_or_closed_shop(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    owner, owner_headers = user_with_headers(session, clock)
    shop = make_shop(session, clock, owner=owner)
    _, operator = user_with_headers(session, clock, roles=(Role.OPERATOR,))
    _, buyer = user_with_headers(session, clock)
    session.commit()
    url = f"/api/v1/shops/{shop.id}"
    suspended = client.post(f"{url}/suspend", json={"reason": "刷单"}, headers=operator)
    assert suspended.json()["status_reason"] == "刷单"
    for headers in ({}, buyer):
        assert error(client.get(url, headers=headers)) == (404, "shop_id")
    assert client.get(url, headers=operator).json()["status"] == "suspended"
    assert client.get(url, headers=owner_headers).json()["status"] == "suspended"
    client.post(f"{url}/reinstate", json={"reason": "整改"}, headers=operator)
    assert client.get(url).status_code == 200
    assert client.post(f"{url}/close", headers=owner_headers).json()["status"] == "closed"
    assert client.get(url).status_code == 404
    assert client.get(url, headers=owner_headers).json()["status"] == "closed"


def test_suspend_needs_a_reason(client: TestClient, session: Session, clock: ManualClock) -> None:
    shop = make_shop(session, clock)
    _, operator = user_with_headers(session, clock, roles=(Role.OPERATOR,))
    session.commit()
    url = f"/api/v1/shops/{shop.id}/suspend"
    assert error(client.post(url, json={}, headers=operator)) == (422, "reason")
    assert error(client.post(url, json={"reason": " "}, headers=operator)) == (422, "reason")
    assert error(client.post(url, json={"reason": "x" * 201}, headers=operator)) == (422, "reason")


def test_unknown_shop_is_404_and_odd_ids_are_422_not_500(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    _, headers = user_with_headers(session, clock)
    session.commit()
    assert error(client.get("/api/v1/shops/2147483647")) == (404, "shop_id")
    assert client.get("/api/v1/shops/999999/members", headers=headers).status_code == 404
    for shop_id in ("0", "abc", str(2**31), str(2**63 + 5)):
        assert error(client.get(f"/api/v1/shops/{shop_id}")) == (422, "shop_id")
        response = client.delete(f"/api/v1/shops/1/members/{shop_id}", headers=headers)
        assert error(response) == (422, "user_id")


def test_invitation_round_trip(client: TestClient, session: Session, clock: ManualClock) -> None:
    owner, owner_headers = user_with_headers(session, clock)
    shop = make_shop(session, clock, owner=owner)
    invitee, invitee_headers = user_with_headers(session, clock)
    session.commit()
    base = f"/api/v1/shops/{shop.id}"

    created = client.post(f"{base}/invites", json={"email": invitee.email}, headers=owner_headers)
    assert created.status_code == 201, created.text
    invite = created.json()
    assert (invite["status"], invite["email"]) == ("pending", invitee.email)
    again = client.post(f"{base}/invites", json={"email": invitee.email}, headers=owner_headers)
    assert error(again) == (409, "email")
    for email, status in [("nobody@example.com", 422), ("not an email", 422)]:
        response = client.post(f"{base}/invites", json={"email": email}, headers=owner_headers)
        assert error(response) == (status, "email")

    listed = client.get(f"{base}/invites?status=pending", headers=owner_headers).json()
    assert [i["id"] for i in listed["items"]] == [invite["id"]]
    assert client.get(f"{base}/invites?status=bogus", headers=owner_headers).status_code == 422
    mine = client.get("/api/v1/me/shop-invites", headers=invitee_headers).json()
    assert [(i["id"], i["shop_name"]) for i in mine["items"]] == [(invite["id"], shop.name)]

    accepted = client.post(f"/api/v1/shop-invites/{invite['id']}/accept", headers=invitee_headers)
    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["id"], accepted.json()["role"]) == (shop.id, "staff")
    twice = client.post(f"/api/v1/shop-invites/{invite['id']}/accept", headers=invitee_headers)
    assert error(twice) == (409, "status")

    members = client.get(f"{base}/members", headers=invitee_headers).json()
    assert [(m["user_id"], m["role"]) for m in members["items"]] == [
        (owner.id, "owner"),
        (invitee.id, "staff"),
    ]
    staff_only = client.get(f"{base}/members?role=staff", headers=owner_headers).json()
    assert staff_only["total"] == 1
    # The owner cannot be removed; staff can.
    removing_owner = client.delete(f"{base}/members/{owner.id}", headers=owner_headers)
    assert error(removing_owner) == (409, "user_id")
    assert client.delete(f"{base}/members/{invitee.id}", headers=owner_headers).status_code == 204
    assert client.get(f"{base}/members", headers=invitee_headers).status_code == 404
    gone = client.delete(f"{base}/members/{invitee.id}", headers=owner_headers)
    assert error(gone) == (404, "user_id")


def test_revoke_and_expire_invitations(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    owner, owner_headers = user_with_headers(session, clock)
    shop = make_shop(session, clock, owner=owner)
    first, first_headers = user_with_headers(session, clock)
    second, second_headers = user_with_headers(session, clock)
    session.commit()
    base = f"/api/v1/shops/{shop.id}"
    one = client.post(f"{base}/invites", json={"email": first.email}, headers=owner_headers).json()
    two = client.post(f"{base}/invites", json={"email": second.email}, headers=owner_headers)
    revoked = client.delete(f"{base}/invites/{one['id']}", headers=owner_headers)
    assert revoked.status_code == 204
    again = client.delete(f"{base}/invites/{one['id']}", headers=owner_headers)
    assert error(again) == (409, "status")
    refused = client.post(f"/api/v1/shop-invites/{one['id']}/accept", headers=first_headers)
    assert error(refused) == (409, "status")

    clock.advance(timedelta(days=7, seconds=1))
    listed = client.get(f"{base}/invites", headers=owner_headers).json()
    assert {i["id"]: i["status"] for i in listed["items"]} == {
        one["id"]: "revoked",
        two.json()["id"]: "expired",
    }
    late = client.post(f"/api/v1/shop-invites/{two.json()['id']}/accept", headers=second_headers)
    assert error(late) == (409, "status")
    assert late.json()["message"] == "cannot accept a shop invite that is expired"


def test_pagination_is_bounded(client: TestClient, session: Session, clock: ManualClock) -> None:
    _, headers = user_with_headers(session, clock)
    session.commit()
    assert error(client.get("/api/v1/me/shops?limit=101", headers=headers)) == (422, "limit")
    assert error(client.get("/api/v1/me/shops?offset=-1", headers=headers)) == (422, "offset")
    page = client.get("/api/v1/me/shops?limit=100", headers=headers).json()
    assert (page["items"], page["total"], page["limit"], page["offset"]) == ([], 0, 100, 0)
