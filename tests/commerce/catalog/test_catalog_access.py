"""Who may see and change a shop's catalogue: another shop's staff and a plain buyer get 404,
an anonymous client 401 on private endpoints (404 on public ones), an operator 403 on changes.
A refused request changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shijing.accounts.models import Role
from shijing.commerce.catalog import service as catalog
from shijing.commerce.catalog import shelf
from shijing.commerce.catalog.service import NewSku
from shijing.core.clock import ManualClock
from shijing.core.outbox import OutboxEvent
from tests.commerce.shops.support import Headers, error, headers_for, user_with_headers
from tests.factories import make_shop, make_user, principal_of


@dataclass
class World:
    ids: dict[str, int]
    headers: dict[str, Headers]


@pytest.fixture
def world(session: Session, clock: ManualClock) -> World:
    staff = make_user(session, clock)
    other_staff = make_user(session, clock)
    shop = make_shop(session, clock, staff=(staff,))
    make_shop(session, clock, staff=(other_staff,))
    as_staff = principal_of(session, staff)
    live = catalog.create_product(
        session,
        clock,
        as_staff,
        shop.id,
        title="上架商品",
        category="home",
        skus=[NewSku("A", 1_000, 5)],
        published=True,
    )
    draft = catalog.create_product(
        session, clock, as_staff, shop.id, title="草稿", category="home", skus=[NewSku("A", 1)]
    )
    sku = shelf.view_product(session, as_staff, live.id).skus[0]
    headers = {
        "staff": headers_for(session, clock, staff),
        "other_staff": headers_for(session, clock, other_staff),
        "buyer": user_with_headers(session, clock)[1],
        "operator": user_with_headers(session, clock, roles=(Role.OPERATOR,))[1],
        "anonymous": {},
    }
    session.commit()
    return World({"shop": shop.id, "live": live.id, "draft": draft.id, "sku": sku.id}, headers)


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: dict[str, Any] | None = None
    public: bool = False  # anonymous callers are served (and so get 404, not 401)

    def url(self, w: World) -> str:
        return "/api/v1" + self.path.format(**w.ids)


READS = [
    Call("GET", "/shops/{shop}/products"),
    Call("GET", "/products/{draft}", public=True),
    Call("GET", "/skus/{sku}/movements"),
]
WRITES = [
    Call(
        "POST",
        "/shops/{shop}/products",
        {"title": "x", "category": "home", "skus": [{"code": "A", "price_fen": 1}]},
    ),
    Call("PATCH", "/products/{live}", {"title": "改名"}),
    Call("POST", "/products/{draft}/publish"),
    Call("POST", "/products/{live}/unpublish"),
    Call("POST", "/products/{live}/skus", {"code": "NEW", "price_fen": 1}),
    Call("PATCH", "/skus/{sku}", {"price_fen": 1}),
    Call("POST", "/skus/{sku}/stock", {"delta": 1}),
]


def _event_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(OutboxEvent)) or 0


def _send(client: TestClient, call: Call, w: World, who: str) -> Any:
    return client.request(call.method, call.url(w), json=call.body, headers=w.headers[who])


@pytest.mark.parametrize("call", READS + WRITES, ids=lambda c: f"{c.method} {c.path}")
def test_outsiders_cannot_see_or_change(
    client: TestClient, session: Session, world: World, call: Call
) -> None:
    before = _event_count(session)
    expected = {"anonymous": 404 if call.public else 401, "buyer": 404, "other_staff": 404}
    for who, status in expected.items():
        response = _send(client, call, world, who)
        assert error(response)[0] == status, (who, response.text)
    assert _event_count(session) == before
    # ... while the shop's own staff may.
    assert _send(client, call, world, "staff").status_code in (200, 201)


@pytest.mark.parametrize("call", WRITES, ids=lambda c: f"{c.method} {c.path}")
def test_operators_do_not_change_a_shops_catalogue(
    client: TestClient, session: Session, world: World, call: Call
) -> None:
    before = _event_count(session)
    assert error(_send(client, call, world, "operator"))[0] == 403
    assert _event_count(session) == before


@pytest.mark.parametrize("call", READS, ids=lambda c: f"{c.method} {c.path}")
def test_operators_may_read_a_shops_catalogue(client: TestClient, world: World, call: Call) -> None:
    assert _send(client, call, world, "operator").status_code == 200


def test_the_published_product_is_public_but_its_changes_are_not(
    client: TestClient, world: World
) -> None:
    url = f"/api/v1/products/{world.ids['live']}"
    for who in ("anonymous", "buyer", "other_staff"):
        assert client.get(url, headers=world.headers[who]).status_code == 200
    assert client.get(url).json()["title"] == "上架商品"
