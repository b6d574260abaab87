"""Carrier integrations: registered by operators (API or CLI), keys shown once and stored hashed."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from shijing.accounts.models import Role
from shijing.cli import app
from shijing.commerce.shipping.carriers import carrier_from_key, register_carrier
from shijing.commerce.shipping.models import Carrier
from shijing.core.clock import ManualClock
from shijing.core.errors import Conflict, InvalidInput, NotAuthenticated
from shijing.core.settings import get_settings
from tests.commerce.shipping.support import outbox
from tests.factories import api_login, make_user


def test_register_stores_only_a_digest_of_the_key(session: Session, clock: ManualClock) -> None:
    carrier, key = register_carrier(session, clock, code=" SF ", name=" 顺丰速运 ")
    assert (carrier.code, carrier.name) == ("sf", "顺丰速运")
    assert key.startswith("shc_")
    assert carrier.api_key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in carrier.api_key_hash
    assert carrier_from_key(session, key) is carrier
    assert outbox(session, "carrier.registered") == [{"carrier_id": carrier.id, "code": "sf"}]


@pytest.mark.parametrize(
    ("code", "name", "field"),
    [
        ("s", "x", "code"),
        ("a" * 21, "x", "code"),
        ("s-f", "x", "code"),
        ("顺丰", "x", "code"),
        ("sf", "  ", "name"),
        ("sf", "名" * 41, "name"),
    ],
)
def test_bad_registrations_name_the_field(
    session: Session, clock: ManualClock, code: str, name: str, field: str
) -> None:
    with pytest.raises(InvalidInput) as info:
        register_carrier(session, clock, code=code, name=name)
    assert info.value.field == field
    assert session.scalars(select(Carrier)).all() == []


def test_a_code_is_registered_once(session: Session, clock: ManualClock) -> None:
    register_carrier(session, clock, code="sf", name="顺丰速运")
    with pytest.raises(Conflict) as info:
        register_carrier(session, clock, code="SF", name="顺丰")
    assert (info.value.code, info.value.field) == ("code_taken", "code")


@pytest.mark.parametrize("key", [None, "", "shc_unknown"])
def test_unknown_keys_are_401(session: Session, clock: ManualClock, key: str | None) -> None:
    register_carrier(session, clock, code="sf", name="顺丰速运")
    with pytest.raises(NotAuthenticated):
        carrier_from_key(session, key)


def test_operators_register_carriers_over_http_and_anyone_lists_them(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    operator = make_user(session, clock, roles=(Role.OPERATOR,))
    merchant = make_user(session, clock, roles=(Role.MERCHANT,))
    session.commit()
    body = {"code": "jd", "name": "京东物流"}
    assert client.post("/api/v1/admin/carriers", json=body).status_code == 401
    refused = client.post(
        "/api/v1/admin/carriers", json=body, headers=api_login(client, merchant.email)
    )
    assert refused.status_code == 403
    headers = api_login(client, operator.email)
    created = client.post("/api/v1/admin/carriers", json=body, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["api_key"].startswith("shc_")
    taken = client.post("/api/v1/admin/carriers", json=body, headers=headers)
    assert (taken.status_code, taken.json()["field"]) == (409, "code")
    bad = client.post("/api/v1/admin/carriers", json={"code": "JD!", "name": "x"}, headers=headers)
    assert (bad.status_code, bad.json()["field"]) == (422, "code")
    listed = client.get("/api/v1/carriers")
    assert listed.status_code == 200
    assert listed.json() == {
        "items": [{"code": "jd", "name": "京东物流"}],
        "total": 1,
        "limit": 20,
        "offset": 0,
    }


# -- the command line -------------------------------------------------------------------------

runner = CliRunner()


@pytest.fixture
def sqlite_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    monkeypatch.setenv("SHIJING_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def test_cli_carrier_create_prints_the_key_once(sqlite_url: str) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(app, ["carrier", "create", "--code", "sf", "--name", "顺丰速运"])
    assert result.exit_code == 0, result.output
    match = re.search(r"(shc_\S+)", result.output)
    assert match, result.output
    with Session(create_engine(sqlite_url)) as s:
        carrier = s.scalar(select(Carrier).where(Carrier.code == "sf"))
        assert carrier is not None
        assert carrier.name == "顺丰速运"
        assert carrier.api_key_hash == hashlib.sha256(match.group(1).encode()).hexdigest()


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--code", "s", "--name", "x"], "code"),
        (["--code", "sf", "--name", " "], "name"),
    ],
)
def test_cli_bad_input_exits_2_naming_the_field(
    sqlite_url: str, args: list[str], field: str
) -> None:
    runner.invoke(app, ["db", "upgrade"])
    result = runner.invoke(app, ["carrier", "create", *args])
    assert result.exit_code == 2
    assert f"{field}:" in result.output
    with Session(create_engine(sqlite_url)) as s:
        assert s.scalars(select(Carrier)).all() == []


def test_cli_taken_code_exits_2(sqlite_url: str) -> None:
    runner.invoke(app, ["db", "upgrade"])
    assert (
        runner.invoke(app, ["carrier", "create", "--code", "sf", "--name", "顺丰"]).exit_code == 0
    )
    again = runner.invoke(app, ["carrier", "create", "--code", "SF", "--name", "顺丰"])
    assert again.exit_code == 2
    assert "code:" in again.output
