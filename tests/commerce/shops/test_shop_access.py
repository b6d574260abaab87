"""Who may see and change a shop: another shop's staff and a plain buyer get 404 (the objects are
not theirs), an anonymous client 401, staff trying an owner's action and anyone but an operator
trying an operator's action 403. A refused request changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shijing.accounts.models import Role
from shijing.commerce.shops import staff as shop_staff
from shijing.core.clock import ManualClock
from shijing.core.outbox import OutboxEvent
from tests.commerce.shops.support import Headers, error, headers_for, user_with_headers
from tests.factories import make_shop, make_user, principal_of


@dataclass
class World:
    shop_id: int
    invite_id: int
    staff_id: int
    headers: dict[str, Headers]


@pytest.fixture
def world(session: Session, clock: ManualClock) -> World:
    owner = make_user(session, clock)
    staff = make_user(session, clock)
    invitee = make_user(session, clock)
    other_staff = make_user(session, clock)
    shop = make_shop(session, clock, owner=owner, staff=(staff,))
    make_shop(session, clock, staff=(other_staff,))
    invite = shop_staff.invite_staff(
        session, clock, principal_of(session, owner), shop.id, email=invitee.email
    )
    headers = {
        "owner": headers_for(session, clock, owner),
        "staff": headers_for(session, clock, staff),
        "invitee": headers_for(session, clock, invitee),
        "other_staff": headers_for(session, clock, other_staff),
        "buyer": user_with_headers(session, clock)[1],
        "operator": user_with_headers(session, clock, roles=(Role.OPERATOR,))[1],
        "anonymous": {},
    }
    session.commit()
    return World(shop.id, invite.id, staff.id, headers)


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: dict[str, Any] | None = None
    owner_only: bool = False
    operator_only: bool = False

    def url(self, w: World) -> str:
        return "/api/v1" + self.path.format(shop=w.shop_id, invite=w.invite_id, staff=w.staff_id)


CALLS = [
    Call("PATCH", "/shops/{shop}", {"ship_within_hours": 24}),
    Call("GET", "/shops/{shop}/members"),
    Call("GET", "/shops/{shop}/invites", owner_only=True),
    Call("POST", "/shops/{shop}/invites", {"email": "x@example.com"}, owner_only=True),
    Call("DELETE", "/shops/{shop}/invites/{invite}", owner_only=True),
    Call("DELETE", "/shops/{shop}/members/{staff}", owner_only=True),
    Call("POST", "/shops/{shop}/close", {"reason": "bye"}, owner_only=True),
    Call("POST", "/shops/{shop}/suspend", {"reason": "x"}, operator_only=True),
    Call("POST", "/shops/{shop}/reinstate", {"reason": "x"}, operator_only=True),
    Call("POST", "/shop-invites/{invite}/accept"),
]


def _event_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(OutboxEvent)) or 0


def _send(client: TestClient, call: Call, w: World, who: str) -> Any:
    return client.request(call.method, call.url(w), json=call.body, headers=w.headers[who])


@pytest.mark.parametrize("call", CALLS, ids=lambda c: f"{c.method} {c.path}")
def test_outsiders_cannot_see_or_change(
    client: TestClient, session: Session, world: World, call: Call
) -> None:
    before = _event_count(session)
    expected = {
        "anonymous": 401,
        "buyer": 403 if call.operator_only else 404,
        "other_staff": 403 if call.operator_only else 404,
    }
    if call.owner_only:
        expected["staff"] = 403
    for who, status in expected.items():
        response = _send(client, call, world, who)
        assert error(response)[0] == status, (who, response.text)
    assert _event_count(session) == before


@pytest.mark.parametrize("call", [c for c in CALLS if c.method != "GET" and not c.operator_only])
def test_operators_see_shops_but_do_not_act_for_them(
    client: TestClient, session: Session, world: World, call: Call
) -> None:
    # An invitation is its invitee's alone; everything else is the shop's own business.
    expected = 404 if call.path.startswith("/shop-invites") else 403
    before = _event_count(session)
    assert error(_send(client, call, world, "operator"))[0] == expected
    assert _event_count(session) == before


def test_operators_may_read_members_and_the_full_record(client: TestClient, world: World) -> None:
    base = f"/api/v1/shops/{world.shop_id}"
    assert client.get(f"{base}/members", headers=world.headers["operator"]).json()["total"] == 2
    assert "return_address" in client.get(base, headers=world.headers["operator"]).json()


@pytest.mark.parametrize("who", ["buyer", "other_staff", "anonymous"])
def test_outsiders_see_only_the_public_view(client: TestClient, world: World, who: str) -> None:
    body = client.get(f"/api/v1/shops/{world.shop_id}", headers=world.headers[who]).json()
    assert "return_address" not in body
    assert "owner_user_id" not in body


def test_my_lists_are_my_own(client: TestClient, world: World) -> None:
    for who in ("buyer", "other_staff", "owner", "staff"):
        invites = client.get("/api/v1/me/shop-invites", headers=world.headers[who]).json()
        assert invites["total"] == 0
    mine = client.get("/api/v1/me/shop-invites", headers=world.headers["invitee"]).json()
    assert [i["id"] for i in mine["items"]] == [world.invite_id]
    assert client.get("/api/v1/me/shops", headers=world.headers["buyer"]).json()["total"] == 0
    assert client.get("/api/v1/me/shops").status_code == 401
    assert client.get("/api/v1/me/shop-invites").status_code == 401


def test_an_invite_of_another_shop_cannot_be_revoked_through_mine(
    client: TestClient, session: Session, clock: ManualClock, world: World
) -> None:
    other_owner, other_headers = user_with_headers(session, clock)
    other = make_shop(session, clock, owner=other_owner)
    session.commit()
    response = client.delete(
        f"/api/v1/shops/{other.id}/invites/{world.invite_id}", headers=other_headers
    )
    assert error(response) == (404, "invite_id")
    mine = client.get("/api/v1/me/shop-invites", headers=world.headers["invitee"]).json()
    assert mine["total"] == 1
