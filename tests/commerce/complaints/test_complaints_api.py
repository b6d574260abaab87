"""Complaints over HTTP: buyers file with evidence, operators triage and rule."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.accounts.models import Role
from shijing.commerce.complaints.models import Complaint
from shijing.commerce.complaints.states import COMPLAINT
from shijing.core.clock import ManualClock
from shijing.core.outbox import OutboxEvent
from tests.factories import api_login, make_creator, make_order, make_shop, make_user


@pytest.fixture
def world(session: Session, clock: ManualClock, client: TestClient) -> dict[str, object]:
    buyer = make_user(session, clock)
    staff = make_user(session, clock)
    shop = make_shop(session, clock, staff=(staff,))
    creator = make_creator(session, clock)
    order = make_order(session, clock, buyer=buyer, status="delivered")
    other_staff = make_user(session, clock)
    make_shop(session, clock, staff=(other_staff,))
    operator = make_user(session, clock, roles=(Role.OPERATOR,))
    stranger = make_user(session, clock)
    session.commit()
    return {
        "shop": shop,
        "creator": creator,
        "order": order,
        "buyer": api_login(client, buyer.email),
        "staff": api_login(client, staff.email),
        "other_staff": api_login(client, other_staff.email),
        "operator": api_login(client, operator.email),
        "stranger": api_login(client, stranger.email),
        "creator_user": api_login(client, _email(session, creator.user_id)),
    }


def _email(session: Session, user_id: int) -> str:
    from shijing.accounts.models import User

    user = session.get(User, user_id)
    assert user is not None
    return user.email


def _about_shop(world: dict, **extra: object) -> dict[str, object]:  # type: ignore[type-arg]
    return {
        "target_kind": "shop",
        "shop_id": world["shop"].id,
        "category": "rude_service",
        "description": "客服态度很差，辱骂顾客",
        "evidence_urls": ["https://img.example.com/1.png"],
        **extra,
    }


def test_file_and_follow_a_complaint_to_upheld(
    client: TestClient,
    world: dict,
    session: Session,  # type: ignore[type-arg]
) -> None:
    filed = client.post("/api/v1/complaints", json=_about_shop(world), headers=world["buyer"])
    assert filed.status_code == 201, filed.text
    cid = filed.json()["id"]
    queue = client.get("/api/v1/admin/complaints?status=open", headers=world["operator"]).json()
    assert [c["id"] for c in queue["items"]] == [cid]
    taken = client.post(f"/api/v1/admin/complaints/{cid}/take", headers=world["operator"])
    assert taken.json()["status"] == "under_review"
    upheld = client.post(
        f"/api/v1/admin/complaints/{cid}/uphold",
        json={"note": "录音证实"},
        headers=world["operator"],
    )
    assert (upheld.json()["status"], upheld.json()["resolution_note"]) == ("upheld", "录音证实")
    names = session.scalars(select(OutboxEvent.name).order_by(OutboxEvent.id)).all()
    assert names[-3:] == ["complaint.filed", "complaint.under_review", "complaint.upheld"]
    staff_view = client.get(f"/api/v1/shops/{world['shop'].id}/complaints", headers=world["staff"])
    assert staff_view.json()["total"] == 1


def test_complaint_about_a_creator_with_the_order_they_sold(
    client: TestClient,
    world: dict,
    session: Session,
    clock: ManualClock,  # type: ignore[type-arg]
) -> None:
    buyer = make_user(session, clock)
    order = make_order(session, clock, buyer=buyer, creator=world["creator"])
    session.commit()
    headers = api_login(client, buyer.email)
    body = {
        "target_kind": "creator",
        "creator_id": world["creator"].id,
        "order_id": order.id,
        "category": "false_advertising",
        "description": "直播间说是纯羊毛，实际是化纤",
    }
    assert client.post("/api/v1/complaints", json=body, headers=headers).status_code == 201
    mine = client.get("/api/v1/creators/me/complaints", headers=world["creator_user"]).json()
    assert mine["total"] == 1


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"category": "angry"}, 422, "category"),
        ({"description": "太差"}, 422, "description"),
        ({"target_kind": "brand"}, 422, "target_kind"),
        ({"shop_id": None}, 422, "shop_id"),
        ({"shop_id": 999_999}, 422, "shop_id"),
        ({"evidence_urls": ["javascript:alert(1)"]}, 422, "evidence_urls.0"),
        ({"order_id": 999_999}, 422, "order_id"),
    ],
)
def test_bad_complaints_name_the_field_and_write_nothing(
    client: TestClient,
    world: dict,
    session: Session,
    change: dict,
    status: int,
    field: str,  # type: ignore[type-arg]
) -> None:
    response = client.post(
        "/api/v1/complaints", json=_about_shop(world, **change), headers=world["buyer"]
    )
    assert (response.status_code, response.json()["field"]) == (status, field)
    assert session.scalars(select(Complaint)).all() == []


def test_an_order_from_another_shop_does_not_fit(
    client: TestClient,
    world: dict,  # type: ignore[type-arg]
) -> None:
    response = client.post(
        "/api/v1/complaints",
        json=_about_shop(world, order_id=world["order"].id),
        headers=world["buyer"],
    )
    assert (response.status_code, response.json()["field"]) == (422, "order_id")


def test_a_duplicate_open_complaint_is_409(client: TestClient, world: dict) -> None:  # type: ignore[type-arg]
    assert (
        client.post(
            "/api/v1/complaints", json=_about_shop(world), headers=world["buyer"]
        ).status_code
        == 201
    )
    again = client.post("/api/v1/complaints", json=_about_shop(world), headers=world["buyer"])
    assert (again.status_code, again.json()["error"]) == (409, "duplicate_complaint")


def test_staff_cannot_complain_about_their_own_shop(client: TestClient, world: dict) -> None:  # type: ignore[type-arg]
    response = client.post("/api/v1/complaints", json=_about_shop(world), headers=world["staff"])
    assert (response.status_code, response.json()["field"]) == (422, "shop_id")


def test_who_can_see_a_complaint(client: TestClient, anon: TestClient, world: dict) -> None:  # type: ignore[type-arg]
    cid = client.post("/api/v1/complaints", json=_about_shop(world), headers=world["buyer"]).json()[
        "id"
    ]
    url = f"/api/v1/complaints/{cid}"
    for who in ("buyer", "staff", "operator"):
        assert client.get(url, headers=world[who]).status_code == 200, who
    for who in ("stranger", "other_staff", "creator_user"):
        assert client.get(url, headers=world[who]).status_code == 404, who
    assert anon.get(url).status_code == 401
    assert (
        client.get(
            f"/api/v1/shops/{world['shop'].id}/complaints", headers=world["other_staff"]
        ).status_code
        == 404
    )
    assert client.post(f"{url}/withdraw", headers=world["stranger"]).status_code == 404
    assert (
        client.post(f"/api/v1/admin/complaints/{cid}/take", headers=world["staff"]).status_code
        == 403
    )
    assert client.get("/api/v1/admin/complaints", headers=world["buyer"]).status_code == 403


def test_withdraw_only_while_open(client: TestClient, world: dict) -> None:  # type: ignore[type-arg]
    cid = client.post("/api/v1/complaints", json=_about_shop(world), headers=world["buyer"]).json()[
        "id"
    ]
    client.post(f"/api/v1/admin/complaints/{cid}/take", headers=world["operator"])
    late = client.post(f"/api/v1/complaints/{cid}/withdraw", headers=world["buyer"])
    assert (late.status_code, late.json()["error"]) == (409, "invalid_state")


def _complaint_in(session: Session, clock: ManualClock, world: dict, status: str) -> Complaint:  # type: ignore[type-arg]
    complaint = Complaint(
        complainant_id=make_user(session, clock).id,
        target_kind="shop",
        shop_id=world["shop"].id,
        category="other",
        description="a complaint in a given state",
        evidence_urls=[],
        status=status,
        created_at=clock.now(),
    )
    session.add(complaint)
    session.commit()
    return complaint


ACTION_CALLS = {
    "take": ("post", "/api/v1/admin/complaints/{id}/take", None, "operator"),
    "uphold": ("post", "/api/v1/admin/complaints/{id}/uphold", {"note": "ruled"}, "operator"),
    "dismiss": ("post", "/api/v1/admin/complaints/{id}/dismiss", {"note": "ruled"}, "operator"),
}


def _call(client: TestClient, world: dict, complaint: Complaint, action: str, session: Session):  # type: ignore[no-untyped-def, type-arg]
    if action == "withdraw":
        from shijing.accounts.models import User

        user = session.get(User, complaint.complainant_id)
        assert user is not None
        return client.post(
            f"/api/v1/complaints/{complaint.id}/withdraw", headers=api_login(client, user.email)
        )
    _, url, body, who = ACTION_CALLS[action]
    return client.post(url.format(id=complaint.id), json=body, headers=world[who])


@pytest.mark.parametrize(("state", "action", "target"), list(COMPLAINT.allowed()))
def test_every_allowed_transition(
    client: TestClient,
    world: dict,
    session: Session,
    clock: ManualClock,  # type: ignore[type-arg]
    state: str,
    action: str,
    target: str,
) -> None:
    complaint = _complaint_in(session, clock, world, state)
    response = _call(client, world, complaint, action, session)
    assert (response.status_code, response.json()["status"]) == (200, target)


@pytest.mark.parametrize(("state", "action"), list(COMPLAINT.forbidden()))
def test_every_forbidden_transition_is_409(
    client: TestClient,
    world: dict,
    session: Session,
    clock: ManualClock,  # type: ignore[type-arg]
    state: str,
    action: str,
) -> None:
    complaint = _complaint_in(session, clock, world, state)
    response = _call(client, world, complaint, action, session)
    assert response.status_code == 409
    session.refresh(complaint)
    assert complaint.status == state
