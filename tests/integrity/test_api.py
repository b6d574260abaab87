"""The integrity API (SQLite and PostgreSQL): operators run the detectors, work the review queue
and version the thresholds; bad input names its field and changes nothing; nobody else gets in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shijing.core.clock import ManualClock
from shijing.facts.settings import get_facts_settings
from shijing.integrity.models import IntegrityDefinitionRow, IntegrityFlag
from tests.factories import api_login, make_user
from tests.integrity.markets import plant_market


@pytest.fixture
def facts_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("SHIJING_FACTS_DIR", str(tmp_path / "facts"))
    get_facts_settings.cache_clear()
    yield tmp_path / "facts"
    get_facts_settings.cache_clear()


@pytest.fixture
def market(session: Session, clock: ManualClock) -> dict[str, Any]:
    planted = plant_market(session, clock)
    planted["buyer"] = make_user(session, clock)
    session.commit()
    return planted


def test_an_operator_runs_detection_and_dismisses_a_block(
    client: TestClient, session: Session, market: dict[str, Any], facts_dir: Path
) -> None:
    operator = api_login(client, market["operator"].email)
    run = client.post("/api/v1/admin/integrity/runs", json={}, headers=operator)
    assert run.status_code == 201, run.text
    assert run.json()["status"] == "succeeded"
    # the ring's two phones make two groups of accounts; the dense detector sees one ring
    assert run.json()["counts"]["brushing.fingerprint"]["groups"] == 2
    assert run.json()["counts"]["brushing.dense"]["blocks"] >= 1
    listed = client.get("/api/v1/admin/integrity/runs", headers=operator)
    assert [r["id"] for r in listed.json()] == [run.json()["id"]]

    queue = client.get("/api/v1/admin/integrity/blocks?status=open", headers=operator).json()
    ring = next(b for b in queue["items"] if b["detector"] == "brushing.dense")
    assert set(ring["buyer_ids"]) == {u.id for u in market["ring"]}
    assert (
        client.get(f"/api/v1/admin/integrity/blocks/{ring['id']}", headers=operator)
        .json()["reason"]
        .startswith("8 buyers ordered at 4 shops (100% of possible pairs, 32 orders)")
    )
    url = f"/api/v1/admin/integrity/blocks/{ring['id']}/decision"
    blank = client.post(url, json={"action": "dismiss", "note": ""}, headers=operator)
    assert (blank.status_code, blank.json()["field"]) == (422, "note")
    wrong = client.post(url, json={"action": "delete", "note": "x"}, headers=operator)
    assert (wrong.status_code, wrong.json()["field"]) == (422, "action")
    done = client.post(url, json={"action": "dismiss", "note": "a club"}, headers=operator)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "dismissed"
    again = client.post(url, json={"action": "confirm", "note": "no"}, headers=operator)
    assert again.status_code == 409
    session.expire_all()
    active = session.scalar(
        select(func.count())
        .select_from(IntegrityFlag)
        .where(IntegrityFlag.block_id == ring["id"], IntegrityFlag.lifted_at.is_(None))
    )
    assert active == 0
    missing = client.get("/api/v1/admin/integrity/blocks/999999", headers=operator)
    assert (missing.status_code, missing.json()["field"]) == (404, "block_id")
    bad_status = client.get("/api/v1/admin/integrity/blocks?status=lost", headers=operator)
    assert (bad_status.status_code, bad_status.json()["field"]) == (422, "status")


def test_bad_runs_are_refused_naming_the_field(
    client: TestClient, market: dict[str, Any], facts_dir: Path
) -> None:
    operator = api_login(client, market["operator"].email)
    cases = [
        ({"as_of": "2999-01-01"}, "as_of"),
        ({"definition": "nope"}, "definition"),
        ({"engine": "oracle"}, "engine"),
        ({"surprise": 1}, "surprise"),
    ]
    for body, field in cases:
        answer = client.post("/api/v1/admin/integrity/runs", json=body, headers=operator)
        assert answer.status_code == 422, body
        assert field in (answer.json()["field"] or ""), answer.json()
    assert client.get("/api/v1/admin/integrity/runs", headers=operator).json() == []


def test_definition_versions_are_validated_and_activated(
    client: TestClient, session: Session, market: dict[str, Any]
) -> None:
    operator = api_login(client, market["operator"].email)
    url = "/api/v1/admin/integrity/definitions"
    out_of_range = client.post(
        url,
        json={"version": "i2", "body": {"brushing": {"dense": {"w_burst": 3}}}},
        headers=operator,
    )
    assert out_of_range.status_code == 422
    assert out_of_range.json()["field"] == "brushing.dense.w_burst"
    unknown = client.post(
        url, json={"version": "i2", "body": {"reviews": {"ngrams": 3}}}, headers=operator
    )
    assert (unknown.status_code, unknown.json()["field"]) == (422, "reviews.ngrams")
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(IntegrityDefinitionRow)) <= 1
    made = client.post(
        url,
        json={"version": "i2", "body": {"fingerprints": {"min_buyers": 4}}, "note": "stricter"},
        headers=operator,
    )
    assert made.status_code == 201, made.text
    assert made.json()["active"] is False
    assert made.json()["body"]["fingerprints"]["min_buyers"] == 4
    taken = client.post(url, json={"version": "i2", "body": {}}, headers=operator)
    assert (taken.status_code, taken.json()["field"]) == (409, "version")
    on = client.post(f"{url}/i2/activate", headers=operator)
    assert on.status_code == 200
    assert on.json()["active"] is True
    versions = client.get(url, headers=operator).json()
    assert [(v["version"], v["active"]) for v in versions] == [("i2", True), ("i1", False)]


def test_only_operators_reach_integrity(client: TestClient, market: dict[str, Any]) -> None:
    buyer = api_login(client, market["buyer"].email)
    for method, url in [
        ("get", "/api/v1/admin/integrity/blocks"),
        ("get", "/api/v1/admin/integrity/runs"),
        ("post", "/api/v1/admin/integrity/runs"),
        ("get", "/api/v1/admin/integrity/definitions"),
    ]:
        answer = client.request(method, url, json={} if method == "post" else None, headers=buyer)
        assert answer.status_code == 403, (url, answer.text)
    assert client.get("/api/v1/admin/integrity/blocks").status_code == 401
