"""Lifting a flag (operators, with a reason, audited; counts again from the next run) and the
7-day change of every creator and buyer figure (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.accounts.models import Role
from shijing.core.clock import ManualClock
from shijing.core.errors import Conflict, InvalidInput, NotFound
from shijing.core.outbox import OutboxEvent
from shijing.integrity import events as integrity_events
from shijing.integrity import flags
from shijing.trust import service, versions
from shijing.trust.definition import ScoreDefinition
from shijing.trust.models import BuyerCredit, CreatorScore
from tests.factories import (
    api_login,
    buy_and_deliver,
    make_product,
    make_shop,
    make_user,
    principal_of,
)
from tests.trust.builders import AS_OF, T0, FactSet


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
    operator = make_user(session, clock, roles=(Role.OPERATOR,))
    session.commit()
    clock.advance(timedelta(days=1))
    return {
        "shop": shop,
        "buyer": buyer,
        "orders": orders,
        "operator": operator,
        "root": tmp_path,
    }


def test_operator_lifts_a_flag_and_the_order_counts_from_the_next_run(
    session: Session, clock: ManualClock, client: TestClient, world: dict
) -> None:  # type: ignore[type-arg]
    operator = api_login(client, world["operator"].email)
    order = world["orders"][0]
    made = client.post(
        "/api/v1/admin/flags",
        json={"subject_kind": "order", "subject_id": order.id, "reason": "brushing ring"},
        headers=operator,
    )
    assert made.status_code == 201, made.text
    flag_id = made.json()["id"]
    clock.advance(timedelta(days=1))
    service.run_scores(session, clock, root=world["root"])
    score = service.latest_shop_score(session, world["shop"].id)
    assert score is not None
    assert score.orders == 2  # flagged: not counted

    url = f"/api/v1/admin/flags/{flag_id}/lift"
    buyer = api_login(client, world["buyer"].email)
    assert client.post(url, json={"reason": "x"}, headers=buyer).status_code == 403
    assert client.post(url, json={"reason": ""}, headers=operator).status_code == 422
    assert client.post(url, json={}, headers=operator).status_code == 422
    missing = client.post(
        f"/api/v1/admin/flags/{10**9}/lift", json={"reason": "x"}, headers=operator
    )
    assert (missing.status_code, missing.json()["field"]) == (404, "flag_id")
    lifted = client.post(url, json={"reason": "false positive: a real buyer"}, headers=operator)
    assert lifted.status_code == 200, lifted.text
    assert lifted.json()["lifted_at"] is not None
    again = client.post(url, json={"reason": "twice"}, headers=operator)
    assert (again.status_code, again.json()["field"]) == (409, "flag_id")

    audit = session.scalars(
        select(OutboxEvent).where(OutboxEvent.name == integrity_events.FLAG_LIFTED)
    ).all()
    assert len(audit) == 1
    assert audit[0].payload["reason"] == "false positive: a real buyer"
    assert audit[0].payload["by_user_id"] == world["operator"].id
    assert audit[0].payload["flag_id"] == flag_id

    # today's run still sees the facts before today (T+1): the flag was active then
    service.run_scores(session, clock, root=world["root"])
    score = service.latest_shop_score(session, world["shop"].id)
    assert score is not None
    assert score.orders == 2
    clock.advance(timedelta(days=1))
    service.run_scores(session, clock, root=world["root"])
    score = service.latest_shop_score(session, world["shop"].id)
    assert score is not None
    assert score.orders == 3  # lifted: counted again from the next run


def test_lift_flag_service_errors(session: Session, clock: ManualClock, world: dict) -> None:  # type: ignore[type-arg]
    principal = principal_of(session, world["operator"])
    flag = flags.create_flag(
        session,
        clock,
        principal,
        subject_kind="order",
        subject_id=world["orders"][1].id,
        reason="check",
    )
    with pytest.raises(InvalidInput) as blank:
        flags.lift_flag(session, clock, principal, flag_id=flag.id, reason="  ")
    assert blank.value.field == "reason"
    assert flag.lifted_at is None  # nothing written on a failed request
    with pytest.raises(NotFound):
        flags.lift_flag(session, clock, principal, flag_id=10**9, reason="x")
    flags.lift_flag(session, clock, principal, flag_id=flag.id, reason="ok")
    with pytest.raises(Conflict):
        flags.lift_flag(session, clock, principal, flag_id=flag.id, reason="ok")


def test_buyer_reasons_carry_their_7_day_change(
    session: Session, clock: ManualClock, world: dict
) -> None:  # type: ignore[type-arg]
    service.run_scores(session, clock, root=world["root"])
    first = session.scalars(select(BuyerCredit).where(BuyerCredit.buyer_id == world["buyer"].id))
    assert all(r["change_7d"] is None for r in first.one().reasons)  # nothing 7 days ago
    day_one = clock.now().date()
    clock.advance(timedelta(days=7))
    service.run_scores(session, clock, root=world["root"])
    latest = session.scalar(
        select(BuyerCredit).where(
            BuyerCredit.buyer_id == world["buyer"].id,
            BuyerCredit.as_of == day_one + timedelta(days=7),
        )
    )
    assert latest is not None
    reasons = {r["code"]: r for r in latest.reasons}
    assert reasons["base"]["change_7d"] == 0
    # seven days older: the account-age points grew by 7/365 of their maximum
    assert reasons["account_age"]["change_7d"] == pytest.approx(round(10 * 7 / 365, 2), abs=0.011)
    for r in latest.reasons:
        assert r["change_7d"] is not None


def test_creator_figures_carry_their_7_day_change(
    session: Session, clock: ManualClock, tmp_path: Path
) -> None:
    """Creator 100 sells 25 good orders; in the week before the second run 5 more orders, one
    of them reviewed ★1: orders +5, bad orders +1, and the score moves with the outcome."""
    fs = FactSet()
    for i in range(25):
        fs.order(shop_id=1, creator_id=100, placed_at=T0 + timedelta(hours=i))
    week = datetime.combine(AS_OF - timedelta(days=5), datetime.min.time(), tzinfo=UTC)
    for i in range(5):
        order = fs.order(shop_id=1, creator_id=100, placed_at=week + timedelta(hours=i))
        if i == 0:
            fs.review(order, 1)
    fs.write(tmp_path)
    assert clock.now().date() >= AS_OF  # the as-of days are in the past
    for as_of in (AS_OF - timedelta(days=7), AS_OF):
        service.run_scores(session, clock, as_of=as_of, root=tmp_path, export=False)
    before, now = (
        session.scalar(
            select(CreatorScore).where(CreatorScore.creator_id == 100, CreatorScore.as_of == d)
        )
        for d in (AS_OF - timedelta(days=7), AS_OF)
    )
    assert before is not None
    assert now is not None
    change = now.detail["change_7d"]
    assert change["orders"] == 5
    assert change["bad_orders"] == 1
    assert before.score is not None
    assert now.score is not None
    assert change["score"] == pytest.approx(now.score - before.score, abs=1e-6)
    assert change["score"] < 0
    assert before.detail["change_7d"] == {
        "score": None,
        "outcome": None,
        "orders": None,
        "bad_orders": None,
    }


def test_export_refuses_a_folder_of_parquet_it_did_not_write(
    session: Session, clock: ManualClock, tmp_path: Path
) -> None:
    """A folder with day partitions but no export state (a `sim bulk` folder): exporting into it
    would start it clean and delete them, so the run refuses, naming facts_dir, and leaves every
    file in place; told not to export, it scores the folder as it is."""
    fs = FactSet()
    for i in range(30):
        fs.order(shop_id=1, placed_at=T0 + timedelta(hours=i))
    fs.write(tmp_path)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.parquet"))
    assert before
    with pytest.raises(Conflict) as caught:
        service.run_scores(session, clock, as_of=AS_OF, root=tmp_path)
    assert caught.value.field == "facts_dir"
    assert "--no-export" in caught.value.message
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.parquet")) == before
    summary = service.run_scores(session, clock, as_of=AS_OF, root=tmp_path, export=False)
    assert summary.shops == 1
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.parquet")) == before
