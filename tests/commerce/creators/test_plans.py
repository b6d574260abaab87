"""Distribution plans: shops publish and close them (staff only); creators browse open ones;
``sale_terms`` sells under them."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shijing.accounts.models import Role
from shijing.commerce.creators import service
from shijing.commerce.creators.models import DistributionPlan
from shijing.commerce.creators.terms import sale_terms
from shijing.commerce.shops.models import ShopStatus
from shijing.core.clock import ManualClock
from shijing.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tests.commerce.creators.support import API, events, open_creator
from tests.factories import (
    api_login,
    make_creator,
    make_product,
    make_shop,
    make_user,
    principal_of,
    signed_up,
)


@pytest.fixture
def world(session: Session, clock: ManualClock) -> dict[str, Any]:
    staff = make_user(session, clock)
    shop = make_shop(session, clock, staff=(staff,), main_category="apparel.womens")
    other_staff = make_user(session, clock)
    other_shop = make_shop(session, clock, staff=(other_staff,), main_category="fresh.produce")
    return {
        "staff": staff,
        "shop": shop,
        "product": make_product(session, clock, shop=shop),
        "other_staff": other_staff,
        "other_shop": other_shop,
        "other_product": make_product(session, clock, shop=other_shop),
    }


def _publish(session: Session, clock: ManualClock, w: dict[str, Any], **kw: Any) -> Any:
    by = kw.pop("by", w["staff"])
    args: dict[str, Any] = {
        "shop_id": w["shop"].id,
        "product_id": w["product"].id,
        "commission_bps": 2000,
        **kw,
    }
    return service.publish_distribution_plan(session, clock, principal_of(session, by), **args)


def test_publish_sell_under_and_close(
    session: Session, clock: ManualClock, world: dict[str, Any]
) -> None:
    creator = make_creator(session, clock)
    with pytest.raises(InvalidInput):
        sale_terms(session, creator_id=creator.id, product=world["product"])
    plan = _publish(session, clock, world)
    terms = sale_terms(session, creator_id=creator.id, product=world["product"])
    assert (terms.distribution_plan_id, terms.commission_bps, terms.own_shop) == (
        plan.id,
        2000,
        False,
    )
    [published] = events(session, "distribution_plan.published")
    assert published["plan_id"] == plan.id
    assert published["commission_bps"] == 2000

    service.close_distribution_plan(
        session, clock, principal_of(session, world["staff"]), plan_id=plan.id
    )
    assert (plan.status, plan.closed_at) == ("closed", clock.now())
    assert events(session, "distribution_plan.closed")[0]["plan_id"] == plan.id
    with pytest.raises(InvalidInput):
        sale_terms(session, creator_id=creator.id, product=world["product"])
    with pytest.raises(Conflict) as info:
        service.close_distribution_plan(
            session, clock, principal_of(session, world["staff"]), plan_id=plan.id
        )
    assert info.value.code == "invalid_state"
    again = _publish(session, clock, world, commission_bps=3000)  # new terms after closing
    assert again.status == "active"


def _plans(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(DistributionPlan)) or 0


@pytest.mark.parametrize(
    ("kw", "error", "field"),
    [
        ({"commission_bps": 9001}, InvalidInput, "commission_bps"),
        ({"commission_bps": -1}, InvalidInput, "commission_bps"),
        ({"product_id": 999_999}, InvalidInput, "product_id"),
        ({"other_product": True}, InvalidInput, "product_id"),
        ({"by_other_staff": True}, NotFound, "shop_id"),
        ({"by_buyer": True}, NotFound, "shop_id"),
    ],
)
def test_publish_refusals(
    session: Session,
    clock: ManualClock,
    world: dict[str, Any],
    kw: dict[str, Any],
    error: type[Exception],
    field: str,
) -> None:
    if kw.pop("other_product", False):
        kw["product_id"] = world["other_product"].id
    if kw.pop("by_other_staff", False):
        kw["by"] = world["other_staff"]
    if kw.pop("by_buyer", False):
        kw["by"] = make_user(session, clock)
    with pytest.raises(error) as info:
        _publish(session, clock, world, **kw)
    assert getattr(info.value, "field", None) == field
    assert _plans(session) == 0


def test_one_open_plan_per_product(
    session: Session, clock: ManualClock, world: dict[str, Any]
) -> None:
    _publish(session, clock, world)
    with pytest.raises(Conflict) as info:
        _publish(session, clock, world, commission_bps=5000)
    assert (info.value.code, info.value.field) == ("plan_exists", "product_id")
    assert _plans(session) == 1


def test_operators_close_but_never_publish(
    session: Session, clock: ManualClock, world: dict[str, Any]
) -> None:
    operator = make_user(session, clock, roles=(Role.OPERATOR,))
    with pytest.raises(Forbidden):
        _publish(session, clock, world, by=operator)
    plan = _publish(session, clock, world)
    service.close_distribution_plan(
        session, clock, principal_of(session, operator), plan_id=plan.id
    )
    assert plan.status == "closed"


def test_another_shops_plan_cannot_be_closed(
    session: Session, clock: ManualClock, world: dict[str, Any]
) -> None:
    plan = _publish(session, clock, world)
    creator_user = make_user(session, clock)
    make_creator(session, clock, user=creator_user)
    for user in (world["other_staff"], creator_user):
        with pytest.raises(NotFound) as info:
            service.close_distribution_plan(
                session, clock, principal_of(session, user), plan_id=plan.id
            )
        assert info.value.field == "plan_id"
    assert plan.status == "active"


def test_open_plans_filter_by_category_and_hide_what_cannot_be_sold(
    session: Session, clock: ManualClock, world: dict[str, Any]
) -> None:
    womens = _publish(session, clock, world, commission_bps=1000)
    produce = _publish(
        session,
        clock,
        world,
        by=world["other_staff"],
        shop_id=world["other_shop"].id,
        product_id=world["other_product"].id,
        commission_bps=3000,
    )
    hidden = make_product(session, clock, shop=world["shop"], published=False)
    _publish(session, clock, world, product_id=hidden.id)
    rows, total = service.open_plans(session)
    assert (total, [r.plan.id for r in rows]) == (2, [produce.id, womens.id])  # best paid first
    assert rows[1].product_title == world["product"].title
    assert rows[1].shop_name == world["shop"].name
    rows, total = service.open_plans(session, category="apparel")
    assert (total, [r.plan.id for r in rows]) == (1, [womens.id])
    rows, total = service.open_plans(session, category="fresh.produce")
    assert [r.plan.id for r in rows] == [produce.id]
    with pytest.raises(InvalidInput) as info:
        service.open_plans(session, category="toys")
    assert info.value.field == "category"
    world["other_shop"].status = ShopStatus.SUSPENDED.value
    session.flush()
    assert service.open_plans(session)[1] == 1


# -- over HTTP --------------------------------------------------------------------------------


def test_plans_over_http(
    client: TestClient, anon: TestClient, session: Session, clock: ManualClock, world: Any
) -> None:
    session.commit()
    staff = api_login(client, world["staff"].email)
    other = api_login(client, world["other_staff"].email)
    shop_url = f"{API}/shops/{world['shop'].id}/distribution-plans"
    body = {"product_id": world["product"].id, "commission_bps": 1500}

    created = client.post(shop_url, json=body, headers=staff)
    assert created.status_code == 201, created.text
    plan = created.json()
    assert (plan["status"], plan["commission_bps"]) == ("active", 1500)
    listed = client.get(shop_url, headers=staff, params={"status": "active"}).json()
    assert [p["id"] for p in listed["items"]] == [plan["id"]]

    creator_headers, _ = open_creator(client, "plan_browser")
    browse = client.get(
        f"{API}/distribution-plans", params={"category": "apparel"}, headers=creator_headers
    )
    assert browse.status_code == 200, browse.text
    assert [p["id"] for p in browse.json()["items"]] == [plan["id"]]

    # refusals
    assert client.post(shop_url, json=body, headers=other).status_code == 404
    assert client.get(shop_url, headers=other).status_code == 404
    assert anon.get(shop_url).status_code == 401
    dup = client.post(shop_url, json=body, headers=staff)
    assert (dup.status_code, dup.json()["error"]) == (409, "plan_exists")
    too_rich = client.post(shop_url, json={**body, "commission_bps": 9500}, headers=staff)
    assert (too_rich.status_code, too_rich.json()["field"]) == (422, "commission_bps")
    foreign = client.post(
        shop_url, json={**body, "product_id": world["other_product"].id}, headers=staff
    )
    assert (foreign.status_code, foreign.json()["field"]) == (422, "product_id")
    _, plain = signed_up(client)
    assert client.get(f"{API}/distribution-plans", headers=plain).status_code == 403
    assert anon.get(f"{API}/distribution-plans").status_code == 401
    bad_cat = client.get(
        f"{API}/distribution-plans", params={"category": "toys"}, headers=creator_headers
    )
    assert (bad_cat.status_code, bad_cat.json()["field"]) == (422, "category")

    close_url = f"{API}/distribution-plans/{plan['id']}/close"
    assert client.post(close_url, headers=other).status_code == 404
    assert client.post(close_url, headers=creator_headers).status_code == 404
    closed = client.post(close_url, headers=staff)
    assert (closed.status_code, closed.json()["status"]) == (200, "closed")
    again = client.post(close_url, headers=staff)
    assert (again.status_code, again.json()["error"]) == (409, "invalid_state")
    assert client.post(f"{API}/distribution-plans/99999/close", headers=staff).status_code == 404
