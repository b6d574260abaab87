"""Orders made through the services → export → score → the API shows it (SQLite, PostgreSQL)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shijing.accounts.models import Role
from shijing.core.clock import ManualClock
from shijing.core.db import Database
from shijing.core.deadlines import run_due
from shijing.core.errors import InvalidInput
from shijing.trust import service, versions
from shijing.trust.definition import ScoreDefinition
from shijing.trust.models import ShopScore
from shijing.trust.settings import TrustSettings
from tests.factories import api_login, buy_and_deliver, make_product, make_shop, make_user


@pytest.fixture
def world(session: Session, clock: ManualClock, tmp_path: Path) -> dict[str, object]:
    owner = make_user(session, clock, roles=(Role.MERCHANT,))
    shop = make_shop(session, clock, owner=owner)
    product = make_product(session, clock, shop=shop, stock=50)
    buyer = make_user(session, clock)
    orders = [buy_and_deliver(session, clock, buyer=buyer, product=product) for _ in range(3)]
    body = ScoreDefinition().model_dump(mode="json")
    body["shop"]["min_orders"] = 2
    versions.add_definition(session, clock, version="small", body=body)
    versions.activate_definition(session, clock, version="small")
    session.commit()
    clock.advance(timedelta(days=1))
    return {"shop": shop, "owner": owner, "buyer": buyer, "orders": orders, "root": tmp_path}


def test_scores_reach_the_api(
    session: Session, clock: ManualClock, client: TestClient, world: dict
) -> None:  # type: ignore[type-arg]
    summary = service.run_scores(session, clock, root=world["root"])
    session.commit()
    shop = world["shop"]
    assert (summary.shops, summary.shops_scored, summary.buyers) == (1, 1, 1)
    public = client.get(f"/api/v1/shops/{shop.id}/score").json()
    assert public["enough_data"] is True
    assert public["band"] == "excellent"
    assert public["total"] == 100.0
    assert public["as_of"] == clock.now().date().isoformat()

    owner = api_login(client, world["owner"].email)
    explained = client.get(f"/api/v1/shops/{shop.id}/score/explanation", headers=owner)
    assert explained.status_code == 200, explained.text
    latest = explained.json()["latest"]
    assert {i["indicator"] for i in latest["indicators"]} >= {"on_time_pickup_rate"}
    pickup = next(i for i in latest["indicators"] if i["indicator"] == "on_time_pickup_rate")
    assert (pickup["count"], pickup["base"], pickup["raw"]) == (3, 3, 1.0)

    stranger = api_login(client, make_user(session, clock).email)
    session.commit()
    hidden = client.get(f"/api/v1/shops/{shop.id}/score/explanation", headers=stranger)
    assert hidden.status_code == 404

    credit = client.get("/api/v1/me/credit", headers=api_login(client, world["buyer"].email))
    assert credit.status_code == 200
    assert credit.json()["level"] in {"excellent", "good", "fair", "low"}
    assert {r["code"] for r in credit.json()["reasons"]} >= {"account_age", "returns"}


def test_bad_input_leaves_scores_alone(session: Session, clock: ManualClock, world: dict) -> None:  # type: ignore[type-arg]
    service.run_scores(session, clock, root=world["root"])
    session.commit()
    before = session.scalar(select(func.count()).select_from(ShopScore))
    today = clock.now().date()
    for kwargs, field in (
        ({"as_of": today + timedelta(days=1)}, "as_of"),
        ({"as_of": date(2020, 1, 1)}, "as_of"),
        ({"engine": "oracle"}, "engine"),
        ({"version": "nope"}, "definition"),
    ):
        with pytest.raises(InvalidInput) as caught:
            service.run_scores(session, clock, root=world["root"], **kwargs)  # type: ignore[arg-type]
        assert caught.value.field == field
        session.rollback()
    assert session.scalar(select(func.count()).select_from(ShopScore)) == before
    with pytest.raises(InvalidInput) as bad:
        versions.add_definition(session, clock, version="v9", body={"shop": {"window_days": 0}})
    assert bad.value.field == "shop.window_days"


def test_operator_flags_an_order(
    session: Session, clock: ManualClock, client: TestClient, world: dict
) -> None:  # type: ignore[type-arg]
    operator = make_user(session, clock, roles=(Role.OPERATOR,))
    session.commit()
    order = world["orders"][0]
    body = {"subject_kind": "order", "subject_id": order.id, "reason": "brushing ring"}
    buyer = api_login(client, world["buyer"].email)
    assert client.post("/api/v1/admin/flags", json=body, headers=buyer).status_code == 403
    made = client.post("/api/v1/admin/flags", json=body, headers=api_login(client, operator.email))
    assert made.status_code == 201, made.text
    missing = client.post(
        "/api/v1/admin/flags",
        json={**body, "subject_id": 10**9},
        headers=api_login(client, operator.email),
    )
    assert (missing.status_code, missing.json()["field"]) == (404, "subject_id")
    clock.advance(timedelta(days=1))  # T+1: a flag raised today counts from tomorrow's run
    service.run_scores(session, clock, root=world["root"])
    score = service.latest_shop_score(session, world["shop"].id)
    assert score is not None
    assert score.orders == 2  # the flagged order is not counted


def test_daily_due_step_runs_once_a_day(
    db: Database, clock: ManualClock, world: dict, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[type-arg]
    settings = TrustSettings(score_daily=True, facts_dir=world["root"])
    monkeypatch.setattr("shijing.trust.handlers.get_trust_settings", lambda: settings)
    monkeypatch.setattr("shijing.trust.service.get_trust_settings", lambda: settings)
    assert run_due(db, clock)["trust.daily_scores"] == 1
    assert run_due(db, clock)["trust.daily_scores"] == 0
    clock.advance(timedelta(days=1))
    assert run_due(db, clock)["trust.daily_scores"] == 1


def test_a_buyer_sees_their_own_credit_history_and_nobody_elses(
    session: Session, clock: ManualClock, client: TestClient, world: dict
) -> None:  # type: ignore[type-arg]
    first_day = clock.now().date()
    service.run_scores(session, clock, root=world["root"])
    clock.advance(timedelta(days=1))
    service.run_scores(session, clock, root=world["root"])
    session.commit()
    buyer = api_login(client, world["buyer"].email)
    history = client.get("/api/v1/me/credit/history", headers=buyer)
    assert history.status_code == 200, history.text
    days = [d["as_of"] for d in history.json()["items"]]
    assert days == [clock.now().date().isoformat(), first_day.isoformat()]
    latest = client.get("/api/v1/me/credit", headers=buyer).json()
    assert history.json()["items"][0]["score"] == latest["score"]
    one = client.get("/api/v1/me/credit/history", params={"days": 1}, headers=buyer).json()
    assert len(one["items"]) == 1
    # the shop's owner (another account) sees only their own, empty, history
    owner = api_login(client, world["owner"].email)
    assert client.get("/api/v1/me/credit/history", headers=owner).json()["items"] == []
    assert client.get("/api/v1/me/credit/history").status_code == 401
    bad = client.get("/api/v1/me/credit/history", params={"days": 0}, headers=buyer)
    assert bad.status_code == 422
