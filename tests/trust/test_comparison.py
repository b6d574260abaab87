"""A candidate definition beside the active one: stored scores of one day compared by hand, and
the whole trial (API → daily step scores both → comparison → switch) on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from shijing.accounts.models import Role
from shijing.cli import app
from shijing.core.clock import ManualClock
from shijing.core.db import Database
from shijing.core.deadlines import run_due
from shijing.core.errors import Conflict, InvalidInput, NotFound
from shijing.core.outbox import OutboxEvent
from shijing.core.settings import get_settings
from shijing.trust import comparison, service, versions
from shijing.trust.settings import TrustSettings
from tests.factories import api_login, buy_and_deliver, make_product, make_shop, make_user
from tests.trust.stored import (
    DAY,
    definition_body,
    stored_run,
    stored_shop_score,
    two_versions_scored,
)


@pytest.fixture
def stored(session: Session, clock: ManualClock) -> None:
    """v1 (active) and v2 scored on DAY (``two_versions_scored``): shops 1–5, creators 7 and 8,
    buyers 11 and 12."""
    two_versions_scored(session, clock, shops=[1, 2, 3, 4, 5], creators=[7, 8], buyers=[11, 12])


@pytest.mark.usefixtures("stored")
def test_stored_scores_compared_by_hand(session: Session, clock: ManualClock) -> None:
    found = comparison.compare(session, clock, candidate="v2")
    assert (found.as_of, found.baseline, found.candidate) == (DAY, "v1", "v2")

    shops = found.shops
    assert shops.shops == 5
    assert shops.bands == {
        "excellent": {"good": 1},
        "good": {"good": 1},
        "fair": {"good": 1},
        "not_enough_data": {"poor": 1},
        "poor": {"not_enough_data": 1},
    }
    assert (shops.moved_up, shops.moved_down, shops.gained_score, shops.lost_score) == (1, 1, 1, 1)
    # scored under both: shops 1–3, changes −7, +1, +12
    assert shops.changes.compared == 3
    assert shops.changes.mean_change == pytest.approx(2.0)
    assert shops.changes.mean_abs_change == pytest.approx(20 / 3, abs=1e-4)
    assert shops.changes.max_abs_change == 12.0
    # ranks v1 (95, 85, 70) → 2, 1, 0; v2 (88, 86, 82) → 2, 1, 0: the order is kept
    assert shops.changes.spearman == 1.0
    assert [(m.shop_id, m.change) for m in shops.movers] == [(3, 12.0), (1, -7.0), (2, 1.0)]
    assert shops.movers[1].dimensions == {"product": -10.0, "logistics": 0.0, "service": 0.0}

    creators = found.creators
    assert (creators.creators, creators.became_shown, creators.became_hidden) == (2, 1, 0)
    assert creators.changes.compared == 1
    assert creators.changes.mean_change == pytest.approx(-0.3)
    assert creators.changes.spearman is None  # too few to rank

    buyers = found.buyers
    assert buyers.levels == {"good": {"excellent": 1}, "fair": {"fair": 1}}
    assert (buyers.moved_up, buyers.moved_down) == (1, 0)
    assert buyers.changes.mean_abs_change == pytest.approx(7.0)


@pytest.mark.usefixtures("stored")
def test_a_reordering_shows_in_the_rank_correlation(session: Session, clock: ManualClock) -> None:
    # v3 turns v1's order of shops 1–3 around and ties two of them: v1 (95, 85, 70) ranks
    # (2, 1, 0), v3 (60, 75, 75) ranks (0, 1.5, 1.5); by hand their Pearson is −1.5/√3 = −0.866
    versions.add_definition(session, clock, version="v3", body=definition_body(prior_orders=10))
    stored_run(session, clock, "v3")
    for shop_id, total, band in ((1, 60.0, "poor"), (2, 75.0, "fair"), (3, 75.0, "fair")):
        stored_shop_score(session, clock, "v3", shop_id, total, band)
    session.flush()
    found = comparison.compare(session, clock, candidate="v3", as_of=DAY)
    assert found.shops.changes.spearman == pytest.approx(-0.866, abs=1e-3)
    against_v2 = comparison.compare(session, clock, candidate="v3", baseline="v2")
    assert against_v2.baseline == "v2"
    assert against_v2.shops.moved_down == 3


@pytest.mark.usefixtures("stored")
def test_comparison_refuses_what_it_cannot_compare(session: Session, clock: ManualClock) -> None:
    with pytest.raises(NotFound) as missing:
        comparison.compare(session, clock, candidate="v9")
    assert missing.value.field == "version"
    with pytest.raises(NotFound) as missing_base:
        comparison.compare(session, clock, candidate="v2", baseline="v9")
    assert missing_base.value.field == "against"
    with pytest.raises(InvalidInput) as same:
        comparison.compare(session, clock, candidate="v1")
    assert same.value.field == "against"
    with pytest.raises(InvalidInput) as other_day:
        comparison.compare(session, clock, candidate="v2", as_of=DAY - timedelta(days=1))
    assert other_day.value.field == "as_of"
    versions.add_definition(session, clock, version="v4", body=definition_body())
    with pytest.raises(InvalidInput) as never:
        comparison.compare(session, clock, candidate="v4")
    assert never.value.field == "as_of"
    assert "shijing score run --definition v4" in never.value.message


@pytest.fixture
def world(session: Session, clock: ManualClock, tmp_path: Path) -> dict[str, Any]:
    owner = make_user(session, clock, roles=(Role.MERCHANT,))
    shop = make_shop(session, clock, owner=owner)
    product = make_product(session, clock, shop=shop, stock=50)
    buyer = make_user(session, clock)
    for _ in range(3):
        buy_and_deliver(session, clock, buyer=buyer, product=product)
    versions.add_definition(session, clock, version="small", body=definition_body(min_orders=2))
    versions.activate_definition(session, clock, version="small")
    operator = make_user(session, clock, roles=(Role.OPERATOR,))
    session.commit()
    clock.advance(timedelta(days=1))
    return {"shop": shop, "owner": owner, "operator": operator, "root": tmp_path}


def test_a_trial_is_scored_daily_compared_and_switched_on(
    db: Database,
    session: Session,
    clock: ManualClock,
    client: TestClient,
    world: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = TrustSettings(score_daily=True, facts_dir=world["root"])
    monkeypatch.setattr("shijing.trust.handlers.get_trust_settings", lambda: settings)
    monkeypatch.setattr("shijing.trust.service.get_trust_settings", lambda: settings)
    operator = api_login(client, world["operator"].email)
    owner = api_login(client, world["owner"].email)
    shop_id = world["shop"].id

    assert run_due(db, clock)["trust.daily_scores"] == 1  # the active version only
    # a stricter candidate: 5 orders before a shop is scored (this shop has 3)
    body = {"version": "strict", "body": definition_body(min_orders=5), "note": "more data first"}
    assert client.post("/api/v1/admin/score-definitions", json=body, headers=owner).status_code == (
        403
    )
    made = client.post("/api/v1/admin/score-definitions", json=body, headers=operator)
    assert made.status_code == 201, made.text
    assert (made.json()["active"], made.json()["trial"], made.json()["last_scored"]) == (
        False,
        False,
        None,
    )
    # switching on a version never scored would blank every score that is being served
    refused = client.post("/api/v1/admin/score-definitions/strict/activate", headers=operator)
    assert (refused.status_code, refused.json()["field"]) == (409, "version")

    started = client.post("/api/v1/admin/score-definitions/strict/trial", headers=operator)
    assert started.status_code == 200, started.text
    assert started.json()["trial"] is True
    again = client.post("/api/v1/admin/score-definitions/strict/trial", headers=operator)
    assert again.status_code == 409

    clock.advance(timedelta(days=1))
    assert run_due(db, clock)["trust.daily_scores"] == 2  # active and trial, one export
    assert run_due(db, clock)["trust.daily_scores"] == 0
    listed = client.get("/api/v1/admin/score-definitions", headers=operator).json()["items"]
    by_version = {d["version"]: d for d in listed}
    today = clock.now().date().isoformat()
    assert by_version["strict"]["last_scored"] == today
    assert by_version["small"]["active"] is True
    # the trial serves nobody: the public score is still the active version's
    public = client.get(f"/api/v1/shops/{shop_id}/score").json()
    assert (public["definition_version"], public["enough_data"]) == ("small", True)
    # and scoring it did not re-evaluate the Trust Purchase badges
    computed = session.scalars(
        select(OutboxEvent).where(OutboxEvent.name == "trust.scores_computed")
    ).all()
    assert sorted((e.payload["definition_version"], e.payload["active"]) for e in computed) == [
        ("small", True),
        ("small", True),
        ("strict", False),
    ]

    compared = client.get(
        "/api/v1/admin/score-definitions/strict/comparison", headers=operator
    ).json()
    assert compared["as_of"] == today
    assert (compared["baseline"], compared["candidate"]) == ("small", "strict")
    assert compared["shops"]["bands"] == {"excellent": {"not_enough_data": 1}}
    assert compared["shops"]["lost_score"] == 1
    assert compared["buyers"]["changes"]["compared"] == 1
    bad_day = client.get(
        "/api/v1/admin/score-definitions/strict/comparison",
        params={"as_of": "2020-01-01"},
        headers=operator,
    )
    assert (bad_day.status_code, bad_day.json()["field"]) == (422, "as_of")
    junk = client.get(
        "/api/v1/admin/score-definitions/strict/comparison",
        params={"as_of": "yesterday"},
        headers=operator,
    )
    assert junk.status_code == 422
    hidden = client.get("/api/v1/admin/score-definitions/strict/comparison", headers=owner)
    assert hidden.status_code == 403

    switched = client.post("/api/v1/admin/score-definitions/strict/activate", headers=operator)
    assert switched.status_code == 200, switched.text
    assert (switched.json()["active"], switched.json()["trial"]) == (True, False)
    public = client.get(f"/api/v1/shops/{shop_id}/score").json()
    assert (public["definition_version"], public["enough_data"]) == ("strict", False)
    stopped = client.delete("/api/v1/admin/score-definitions/strict/trial", headers=operator)
    assert (stopped.status_code, stopped.json()["field"]) == (409, "version")


def test_trial_service_errors(session: Session, clock: ManualClock) -> None:
    versions.ensure_default_definition(session, clock)
    with pytest.raises(NotFound):
        versions.start_trial(session, clock, version="nope")
    with pytest.raises(Conflict):
        versions.start_trial(session, clock, version="v1")  # the active one
    versions.add_definition(session, clock, version="v2", body=definition_body(), trial=True)
    assert versions.trial_versions(session) == ["v2"]
    versions.stop_trial(session, clock, version="v2")
    assert versions.trial_versions(session) == []
    with pytest.raises(Conflict):
        versions.stop_trial(session, clock, version="v2")
    names = [
        e.name
        for e in session.scalars(select(OutboxEvent).order_by(OutboxEvent.id))
        if e.name.startswith("trust.definition")
    ]
    assert names == ["trust.definition_added", "trust.definition_trial_stopped"]


def test_compare_on_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    monkeypatch.setenv("SHIJING_DATABASE_URL", url)
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
        db = Database.from_url(url)
        clock = ManualClock(datetime(2026, 11, 21, 2, 0, tzinfo=UTC))
        with db.transaction() as session:
            versions.ensure_default_definition(session, clock)
            versions.add_definition(session, clock, version="v2", body=definition_body())
            for version in ("v1", "v2"):
                stored_run(session, clock, version)
            stored_shop_score(session, clock, "v1", 1, 95.0, "excellent")
            stored_shop_score(session, clock, "v2", 1, 88.0, "good")
        db.dispose()
        shown = runner.invoke(app, ["score", "compare", "--definition", "v2"])
        assert shown.exit_code == 0, shown.output
        assert "v2 against v1, scores as of 2026-11-20" in shown.output
        assert "excellent → good" in shown.output
        missing = runner.invoke(app, ["score", "compare", "--definition", "v9"])
        assert missing.exit_code == 2
        assert "version" in missing.output
        trial = runner.invoke(app, ["score", "trial", "--definition", "v2"])
        assert trial.exit_code == 0, trial.output
        stop_twice = runner.invoke(app, ["score", "trial", "--definition", "v1", "--stop"])
        assert stop_twice.exit_code == 2
        assert "not on trial" in stop_twice.output
    finally:
        get_settings.cache_clear()


def test_an_invalid_definition_is_refused_over_the_api(
    session: Session, clock: ManualClock, client: TestClient
) -> None:
    operator = make_user(session, clock, roles=(Role.OPERATOR,))
    session.commit()
    headers = api_login(client, operator.email)
    for body, field in (
        (definition_body(window_days=0), "shop.window_days"),
        (
            {"shop": {"indicator_weights": {"made_up_rate": 1.0}}},
            "shop.indicator_weights.made_up_rate",
        ),
        (
            {"shop": {"dimension_weights": {"product": 0.6, "logistics": 0.6}}},
            "shop.dimension_weights",
        ),
    ):
        refused = client.post(
            "/api/v1/admin/score-definitions",
            json={"version": "bad", "body": body},
            headers=headers,
        )
        assert (refused.status_code, refused.json()["field"]) == (422, field), refused.text
    listed = client.get("/api/v1/admin/score-definitions", headers=headers).json()["items"]
    assert [d["version"] for d in listed] == ["v1"]


def test_latest_scores_of_many_shops_in_one_query(session: Session, clock: ManualClock) -> None:
    """Each shop's newest day under the active version, as ``latest_shop_score`` gives it."""
    versions.ensure_default_definition(session, clock)
    versions.add_definition(session, clock, version="v2", body=definition_body())
    for day, total in ((DAY - timedelta(days=1), 80.0), (DAY, 91.0)):
        stored_shop_score(session, clock, "v1", 1, total, "good", day=day)
    stored_shop_score(session, clock, "v1", 2, 70.0, "fair", day=DAY - timedelta(days=5))
    stored_shop_score(session, clock, "v2", 2, 99.0, "excellent", day=DAY)  # not in force
    session.flush()
    found = service.latest_shop_scores(session, [1, 2, 3])
    assert {k: (v.as_of, v.total) for k, v in found.items()} == {
        1: (DAY, 91.0),
        2: (DAY - timedelta(days=5), 70.0),
    }
    for shop_id in (1, 2):
        assert found[shop_id] == service.latest_shop_score(session, shop_id)
    assert service.latest_shop_scores(session, []) == {}
