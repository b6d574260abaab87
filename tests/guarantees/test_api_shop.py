"""The Trust Purchase HTTP API for shops and operators: enrolment, deposit, claims against a
shop, fund balances, capital and catalogue versions — who may call what, and bad requests
answered with 422 naming the field, never a 500."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shijing.accounts.models import Role, User
from shijing.commerce.shops.models import Shop
from shijing.core.clock import ManualClock
from shijing.core.db import Database
from shijing.guarantees import catalogue, claims, funds
from shijing.guarantees.models import BadgeEvent, CatalogueVersion, Enrolment
from shijing.ledger.models import LedgerTransaction
from tests.factories import api_login, make_shop, make_user, principal_of
from tests.guarantees.builders import (
    buyer,
    covered_order,
    fund,
    give_score,
    operator,
    top_up,
    trusted_shop,
)

API = "/api/v1"


@dataclass
class World:
    shop: Shop
    headers: dict[str, dict[str, str]]  # role → auth headers (anon: none)


def _world(session: Session, clock: ManualClock, client: TestClient, *, badge: bool) -> World:
    member = make_user(session, clock)
    other_owner = make_user(session, clock, roles=(Role.MERCHANT,))
    make_shop(session, clock, owner=other_owner)
    shop = make_shop(session, clock, staff=(member,))
    give_score(session, clock, shop.id, 92.0)
    top_up(session, clock, shop, 500_000)
    fund(session, clock)
    if badge:
        from shijing.guarantees import enrolment

        owner = session.get(User, shop.owner_user_id)
        assert owner is not None
        enrolment.apply(session, clock, principal_of(session, owner), shop.id, accept_terms=True)
    users = {
        "owner": session.get(User, shop.owner_user_id),
        "staff": member,
        "other_merchant": other_owner,
        "buyer": buyer(session, clock),
        "operator": operator(session, clock),
    }
    session.commit()
    headers = {role: api_login(client, u.email) for role, u in users.items() if u is not None}
    headers["anon"] = {}
    return World(shop, headers)


def _counts(session: Session) -> tuple[int, ...]:
    session.expire_all()
    return tuple(
        session.scalar(select(func.count()).select_from(table)) or 0
        for table in (Enrolment, BadgeEvent, LedgerTransaction, CatalogueVersion)
    )


ROLES = ("owner", "staff", "other_merchant", "buyer", "operator", "anon")
SHOP_READ = {
    "owner": 200,
    "staff": 200,
    "other_merchant": 404,
    "buyer": 404,
    "operator": 200,
    "anon": 401,
}
SHOP_ACT = {**SHOP_READ, "operator": 403}
OPERATOR_ONLY = dict.fromkeys(ROLES, 403) | {"operator": 200, "anon": 401}


@pytest.mark.parametrize("role", ROLES)
def test_the_access_matrix(
    session: Session, clock: ManualClock, client: TestClient, role: str
) -> None:
    world = _world(session, clock, client, badge=True)
    sid = world.shop.id
    h = world.headers[role]
    reads = [
        f"/shops/{sid}/trust-purchase",
        f"/shops/{sid}/deposit",
        f"/shops/{sid}/claims",
    ]
    for path in reads:
        response = client.get(API + path, headers=h)
        assert response.status_code == SHOP_READ[role], (path, response.text)
    for path in ("/guarantees/funds",):
        response = client.get(API + path, headers=h)
        assert response.status_code == OPERATOR_ONLY[role], (path, response.text)
    assert client.get(API + "/guarantees/catalogue", headers=h).status_code == 200

    before = _counts(session)
    acts = [
        (f"/shops/{sid}/trust-purchase/apply", {"accept_terms": True}, {}),
        (f"/shops/{sid}/deposit/top-up", {"amount_fen": 100}, {"Idempotency-Key": "m1"}),
        (f"/shops/{sid}/deposit/withdraw", {"amount_fen": 100}, {"Idempotency-Key": "m2"}),
    ]
    for path, body, extra in acts:
        if role in ("owner", "staff"):
            continue  # their happy paths have tests of their own
        response = client.post(API + path, json=body, headers={**h, **extra})
        assert response.status_code == SHOP_ACT[role], (path, response.text)
        assert response.json()["error"]
    operator_acts = [
        ("/guarantees/funds/capital", {"amount_fen": 100}, {"Idempotency-Key": "c1"}),
        (
            "/guarantees/catalogue/versions",
            {"version": "2027.1", "catalogue": catalogue.default_body()},
            {},
        ),
    ]
    for path, body, extra in operator_acts:
        if role == "operator":
            continue
        response = client.post(API + path, json=body, headers={**h, **extra})
        assert response.status_code == OPERATOR_ONLY[role], (path, response.text)
    response = client.post(API + "/guarantees/catalogue/versions/2026.1/activate", headers=h)
    assert response.status_code == (409 if role == "operator" else OPERATOR_ONLY[role])
    if role != "operator":
        assert _counts(session) == before
    # Withdrawal from the programme last: it changes the badge.
    response = client.post(API + f"/shops/{sid}/trust-purchase/withdraw", headers=h)
    expected = SHOP_ACT[role] if role not in ("owner", "staff") else 200
    assert response.status_code == expected, response.text


def test_no_such_shop_is_404_even_for_operators(
    session: Session, clock: ManualClock, client: TestClient
) -> None:
    world = _world(session, clock, client, badge=False)
    before = _counts(session)
    for path in ("/trust-purchase", "/deposit", "/claims"):
        response = client.get(f"{API}/shops/987654{path}", headers=world.headers["operator"])
        assert response.status_code == 404, (path, response.text)
        assert response.json()["field"] == "shop_id"
    assert _counts(session) == before


def test_a_shop_applies_sees_its_history_and_withdraws(
    session: Session, clock: ManualClock, client: TestClient
) -> None:
    world = _world(session, clock, client, badge=False)
    sid, owner = world.shop.id, world.headers["owner"]
    status = client.get(f"{API}/shops/{sid}/trust-purchase", headers=owner).json()
    assert status["status"] == "none"
    assert status["badge"] is False
    assert status["qualifies"]
    assert status["conditions"] == []
    assert status["history"] == []

    response = client.post(
        f"{API}/shops/{sid}/trust-purchase/apply", json={"accept_terms": True}, headers=owner
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "active"
    assert body["badge"] is True
    assert body["premium_fen"] == 10
    assert [e["kind"] for e in body["history"]] == ["granted"]

    again = client.post(
        f"{API}/shops/{sid}/trust-purchase/apply",
        json={"accept_terms": True},
        headers=world.headers["staff"],
    )
    assert again.status_code == 409
    assert again.json()["error"] == "enrolled"

    response = client.post(f"{API}/shops/{sid}/trust-purchase/withdraw", headers=owner)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "withdrawn"
    assert body["badge"] is False
    assert [e["kind"] for e in body["history"]] == ["withdrawn", "granted"]
    assert client.get(f"{API}/shops/{sid}/badge").json() == {"shop_id": sid, "badge": False}

    response = client.post(f"{API}/shops/{sid}/trust-purchase/withdraw", headers=owner)
    assert response.status_code == 409
    assert response.json()["error"] == "not_enrolled"


def test_a_refused_application_names_the_condition(
    session: Session, clock: ManualClock, client: TestClient
) -> None:
    world = _world(session, clock, client, badge=False)
    sid, owner = world.shop.id, world.headers["owner"]
    before = _counts(session)
    response = client.post(
        f"{API}/shops/{sid}/trust-purchase/apply", json={"accept_terms": False}, headers=owner
    )
    assert response.status_code == 409
    assert response.json()["field"] == "accept_terms"
    assert response.json()["error"] == "not_qualified"
    assert _counts(session) == before
    status = client.get(f"{API}/shops/{sid}/trust-purchase", headers=owner).json()
    assert status["status"] == "none"
    assert status["qualifies"] is True


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "accept_terms"),
        ({"accept_terms": "yes"}, "accept_terms"),
        ({"accept_terms": 1}, "accept_terms"),
        ({"accept_terms": True, "extra": 1}, "extra"),
    ],
)
def test_bad_application_bodies_are_422(
    session: Session, clock: ManualClock, client: TestClient, body: object, field: str
) -> None:
    world = _world(session, clock, client, badge=False)
    before = _counts(session)
    response = client.post(
        f"{API}/shops/{world.shop.id}/trust-purchase/apply",
        json=body,
        headers=world.headers["owner"],
    )
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert _counts(session) == before


def test_deposit_top_up_and_withdraw_through_the_api(
    session: Session, clock: ManualClock, client: TestClient
) -> None:
    world = _world(session, clock, client, badge=True)
    sid = world.shop.id
    owner = world.headers["owner"]
    url = f"{API}/shops/{sid}/deposit"
    response = client.post(
        f"{url}/top-up", json={"amount_fen": 10_000}, headers={**owner, "Idempotency-Key": "t-1"}
    )
    assert response.status_code == 201, response.text
    first = response.json()
    assert first["deposit_fen"] == 510_000
    assert first["owed_fen"] == 0
    assert first["kind"] == "deposit.topup"
    again = client.post(
        f"{url}/top-up", json={"amount_fen": 10_000}, headers={**owner, "Idempotency-Key": "t-1"}
    )
    assert again.status_code == 201
    assert again.json()["transaction_id"] == first["transaction_id"]
    assert again.json()["deposit_fen"] == 510_000

    too_much = client.post(
        f"{url}/withdraw",
        json={"amount_fen": 310_001},
        headers={**world.headers["staff"], "Idempotency-Key": "w-1"},
    )
    assert too_much.status_code == 409
    assert too_much.json()["field"] == "amount_fen"
    assert "at most ¥3,100.00 can be withdrawn" in too_much.json()["message"]
    response = client.post(
        f"{url}/withdraw",
        json={"amount_fen": 310_000},
        headers={**world.headers["staff"], "Idempotency-Key": "w-1"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["deposit_fen"] == 200_000

    statement = client.get(url, headers=world.headers["operator"]).json()
    assert statement["deposit_fen"] == 200_000
    assert statement["minimum_fen"] == 200_000
    assert statement["owed_fen"] == 0
    assert statement["open_claims"] == 0
    assert [line["amount_fen"] for line in statement["lines"]] == [-310_000, 10_000, 500_000]


@pytest.mark.parametrize("path", ["top-up", "withdraw"])
@pytest.mark.parametrize(
    ("body", "key", "field"),
    [
        ({"amount_fen": 100}, None, "idempotency_key"),
        ({"amount_fen": 100}, "  ", "idempotency_key"),
        ({"amount_fen": 100}, "k" * 81, "idempotency_key"),
        ({}, "k", "amount_fen"),
        ({"amount_fen": 0}, "k", "amount_fen"),
        ({"amount_fen": -1}, "k", "amount_fen"),
        ({"amount_fen": 1.5}, "k", "amount_fen"),
        ({"amount_fen": "100"}, "k", "amount_fen"),
        ({"amount_fen": 100_000_000_01}, "k", "amount_fen"),
        ({"amount_fen": 2**70}, "k", "amount_fen"),
        ({"amount_fen": 100, "memo": "x"}, "k", "memo"),
    ],
)
def test_bad_deposit_requests_are_422_naming_the_field(
    session: Session,
    clock: ManualClock,
    client: TestClient,
    path: str,
    body: dict[str, object],
    key: str | None,
    field: str,
) -> None:
    world = _world(session, clock, client, badge=False)
    before = _counts(session)
    headers = dict(world.headers["owner"])
    if key is not None:
        headers["Idempotency-Key"] = key
    response = client.post(
        f"{API}/shops/{world.shop.id}/deposit/{path}", json=body, headers=headers
    )
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert _counts(session) == before


def test_bad_ids_are_422_not_500(session: Session, clock: ManualClock, client: TestClient) -> None:
    world = _world(session, clock, client, badge=False)
    op = world.headers["operator"]
    for shop_id in ("0", "-1", "abc", str(2**63)):
        response = client.get(f"{API}/shops/{shop_id}/trust-purchase", headers=op)
        assert response.status_code == 422, (shop_id, response.text)
        assert response.json()["field"] == "shop_id"
    response = client.get(f"{API}/shops/{world.shop.id}/claims?limit=1000", headers=op)
    assert response.status_code == 422
    assert response.json()["field"] == "limit"
    response = client.get(f"{API}/shops/{world.shop.id}/claims?status=lost", headers=op)
    assert response.status_code == 422
    assert response.json()["field"] == "status"


def test_claims_against_a_shop_are_listed_for_its_staff(
    session: Session, db: Database, clock: ManualClock, client: TestClient
) -> None:
    shop = trusted_shop(session, clock)
    who = buyer(session, clock)
    order = covered_order(session, db, clock, shop=shop, who=who)
    claim = claims.open_claim(
        session,
        clock,
        principal_of(session, who),
        order_id=order.id,
        code="counterfeit_10x",
        remedy="compensate",
        description="鉴定为假",
        evidence_urls=["https://example.com/appraisal.jpg"],
        amount_fen=None,
    )
    owner = session.get(User, shop.owner_user_id)
    assert owner is not None
    session.commit()
    headers = api_login(client, owner.email)
    page = client.get(f"{API}/shops/{shop.id}/claims", headers=headers).json()
    assert page["total"] == 1
    assert page["items"][0]["id"] == claim.id
    assert page["items"][0]["status"] == "under_review"
    filtered = client.get(f"{API}/shops/{shop.id}/claims?status=paid", headers=headers).json()
    assert filtered["total"] == 0
    assert filtered["items"] == []
    statement = client.get(f"{API}/shops/{shop.id}/deposit", headers=headers).json()
    assert statement["open_claims"] == 1
    refused = client.post(
        f"{API}/shops/{shop.id}/deposit/withdraw",
        json={"amount_fen": 1},
        headers={**headers, "Idempotency-Key": "w"},
    )
    assert refused.status_code == 409
    assert refused.json()["error"] == "claims_open"


# -- operators ------------------------------------------------------------------------------


def test_fund_balances_and_capital(
    session: Session, clock: ManualClock, client: TestClient
) -> None:
    world = _world(session, clock, client, badge=True)
    op = world.headers["operator"]
    funds_before = client.get(f"{API}/guarantees/funds", headers=op).json()
    fund_fen = funds_before["accounts"][funds.FUND]
    assert funds_before["shop_deposits_fen"] == 500_000
    assert funds_before["shops_owe_fen"] == 0
    assert funds_before["claims_open"] == 0
    assert sum(funds_before["accounts"].values()) + funds_before["shop_deposits_fen"] == 0

    response = client.post(
        f"{API}/guarantees/funds/capital",
        json={"amount_fen": 1_000},
        headers={**op, "Idempotency-Key": "cap-1"},
    )
    assert response.status_code == 201, response.text
    assert response.json() == {"guarantee_fund_fen": fund_fen + 1_000}
    again = client.post(
        f"{API}/guarantees/funds/capital",
        json={"amount_fen": 1_000},
        headers={**op, "Idempotency-Key": "cap-1"},
    )
    assert again.json() == {"guarantee_fund_fen": fund_fen + 1_000}
    reused = client.post(
        f"{API}/guarantees/funds/capital",
        json={"amount_fen": 2_000},
        headers={**op, "Idempotency-Key": "cap-1"},
    )
    assert reused.status_code == 409
    assert reused.json()["field"] == "idempotency_key"
    # Keys that share their first 70 characters are still different keys.
    long_a, long_b = "k" * 70 + "a", "k" * 70 + "b"
    for key in (long_a, long_b):
        response = client.post(
            f"{API}/guarantees/funds/capital",
            json={"amount_fen": 500},
            headers={**op, "Idempotency-Key": key},
        )
        assert response.status_code == 201, response.text
    assert response.json() == {"guarantee_fund_fen": fund_fen + 2_000}

    for body, key, field in (
        ({"amount_fen": 100}, None, "idempotency_key"),
        ({"amount_fen": 0}, "c", "amount_fen"),
        ({"amount_fen": "1"}, "c", "amount_fen"),
        ({}, "c", "amount_fen"),
        ({"amount_fen": 1}, "k" * 81, "idempotency_key"),
    ):
        headers = {**op, **({"Idempotency-Key": key} if key else {})}
        response = client.post(f"{API}/guarantees/funds/capital", json=body, headers=headers)
        assert response.status_code == 422, response.text
        assert response.json()["field"] == field


def test_the_public_catalogue(session: Session, clock: ManualClock, client: TestClient) -> None:
    response = client.get(f"{API}/guarantees/catalogue")
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == catalogue.DEFAULT_VERSION
    assert [g["code"] for g in body["guarantees"]] == list(catalogue.CODES)
    assert body["programme"]["min_score"] == 80


def test_operators_add_and_activate_catalogue_versions(
    session: Session, clock: ManualClock, client: TestClient
) -> None:
    world = _world(session, clock, client, badge=False)
    op = world.headers["operator"]
    body = catalogue.default_body()
    body = {**body, "programme": {**body["programme"], "min_score": 85}}
    response = client.post(
        f"{API}/guarantees/catalogue/versions",
        json={"version": "2027.1", "catalogue": body, "note": "stricter"},
        headers=op,
    )
    assert response.status_code == 201, response.text
    assert response.json()["activated_at"] is None
    assert client.get(f"{API}/guarantees/catalogue").json()["version"] == "2026.1"

    taken = client.post(
        f"{API}/guarantees/catalogue/versions",
        json={"version": "2027.1", "catalogue": body},
        headers=op,
    )
    assert taken.status_code == 409
    assert taken.json()["field"] == "version"

    response = client.post(f"{API}/guarantees/catalogue/versions/2027.1/activate", headers=op)
    assert response.status_code == 200, response.text
    assert response.json()["activated_at"] is not None
    current = client.get(f"{API}/guarantees/catalogue").json()
    assert current["version"] == "2027.1"
    assert current["programme"]["min_score"] == 85
    again = client.post(f"{API}/guarantees/catalogue/versions/2027.1/activate", headers=op)
    assert again.status_code == 409
    missing = client.post(f"{API}/guarantees/catalogue/versions/2099.1/activate", headers=op)
    assert missing.status_code == 404
    too_long = client.post(f"{API}/guarantees/catalogue/versions/{'9' * 21}/activate", headers=op)
    assert too_long.status_code == 422
    assert too_long.json()["field"] == "version"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"catalogue": {}}, "version"),
        ({"version": "", "catalogue": {}}, "version"),
        ({"version": "a/b", "catalogue": {}}, "version"),
        ({"version": "x" * 21, "catalogue": {}}, "version"),
        ({"version": "2027.2"}, "catalogue"),
        ({"version": "2027.2", "catalogue": []}, "catalogue"),
        ({"version": "2027.2", "catalogue": {}}, "catalogue.programme"),
        ({"version": "2027.2", "catalogue": {}, "note": "n" * 301}, "note"),
        ({"version": "2027.2", "catalogue": {}, "active": True}, "active"),
        ("unknown-code", "catalogue.guarantees.0.code"),
        ("remote-above-cap", "catalogue.guarantees.0.compensation"),
    ],
)
def test_bad_catalogue_versions_are_422_naming_the_field(
    session: Session, clock: ManualClock, client: TestClient, payload: object, field: str
) -> None:
    world = _world(session, clock, client, badge=False)
    if payload == "unknown-code":
        body = catalogue.default_body()
        payload = {
            "version": "2027.2",
            "catalogue": {**body, "guarantees": [{**body["guarantees"][0], "code": "x"}]},
        }
    elif payload == "remote-above-cap":
        body = catalogue.default_body()
        first = body["guarantees"][0]
        payload = {
            "version": "2027.2",
            "catalogue": {
                **body,
                "guarantees": [
                    {**first, "compensation": {**first["compensation"], "remote_fen": 9_999}}
                ],
            },
        }
    before = _counts(session)
    response = client.post(
        f"{API}/guarantees/catalogue/versions", json=payload, headers=world.headers["operator"]
    )
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert _counts(session) == before
