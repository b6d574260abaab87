"""The shop status machine, walked edge by edge over HTTP: every allowed transition works and
emits shop.status_changed; every forbidden one is 409 and changes nothing."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from shijing.accounts.models import Role
from shijing.commerce.shops.models import Shop
from shijing.commerce.shops.states import INVITE, SHOP
from shijing.core.clock import ManualClock
from tests.commerce.shops.support import error, events, user_with_headers
from tests.factories import make_shop

ALLOWED = sorted(SHOP.allowed())
FORBIDDEN = sorted(SHOP.forbidden())

# How a shop reaches each state from active, and who may take each action.
PATH = {"active": [], "suspended": ["suspend"], "closed": ["close"]}
ACTOR = {"suspend": "operator", "reinstate": "operator", "close": "owner"}


def _do(client: TestClient, shop_id: int, action: str, headers: dict[str, dict[str, str]]) -> int:
    response = client.post(
        f"/api/v1/shops/{shop_id}/{action}",
        json={"reason": f"测试 {action}"},
        headers=headers[ACTOR[action]],
    )
    return response.status_code


def _world(session: Session, clock: ManualClock) -> tuple[Shop, dict[str, dict[str, str]]]:
    owner, owner_headers = user_with_headers(session, clock)
    shop = make_shop(session, clock, owner=owner)
    headers = {
        "owner": owner_headers,
        "operator": user_with_headers(session, clock, roles=(Role.OPERATOR,))[1],
    }
    session.commit()
    return shop, headers


def test_the_table_covers_every_pair() -> None:
    pairs = {(s, a) for s, a, _ in ALLOWED} | set(FORBIDDEN)
    assert len(pairs) == len(SHOP.states) * len(SHOP.actions)
    invite_pairs = {(s, a) for s, a, _ in INVITE.allowed()} | set(INVITE.forbidden())
    assert len(invite_pairs) == len(INVITE.states) * len(INVITE.actions)


@pytest.mark.parametrize(("state", "action", "target"), ALLOWED)
def test_allowed_transition(
    client: TestClient,
    session: Session,
    clock: ManualClock,
    state: str,
    action: str,
    target: str,
) -> None:
    shop, headers = _world(session, clock)
    for step in PATH[state]:
        assert _do(client, shop.id, step, headers) == 200
    assert _do(client, shop.id, action, headers) == 200
    session.expire_all()
    assert session.get(Shop, shop.id).status == target  # type: ignore[union-attr]
    last = events(session, "shop.status_changed")[-1]
    assert (last["shop_id"], last["from"], last["to"], last["action"]) == (
        shop.id,
        state,
        target,
        action,
    )
    assert last["reason"] == f"测试 {action}"
    assert last["actor"] is not None


@pytest.mark.parametrize(("state", "action"), FORBIDDEN)
def test_forbidden_transition_is_409_and_changes_nothing(
    client: TestClient, session: Session, clock: ManualClock, state: str, action: str
) -> None:
    shop, headers = _world(session, clock)
    for step in PATH[state]:
        assert _do(client, shop.id, step, headers) == 200
    before = len(events(session, "shop.status_changed"))
    response = client.post(
        f"/api/v1/shops/{shop.id}/{action}",
        json={"reason": "再试一次"},
        headers=headers[ACTOR[action]],
    )
    assert error(response) == (409, "status")
    assert response.json()["error"] == "invalid_state"
    session.expire_all()
    assert session.get(Shop, shop.id).status == state  # type: ignore[union-attr]
    assert len(events(session, "shop.status_changed")) == before
