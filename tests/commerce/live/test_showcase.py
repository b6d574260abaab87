"""The showcase (小黄车): products the creator may sell, in an order they choose, one pinned."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shijing.commerce.creators import service as creators
from shijing.commerce.live import service
from shijing.commerce.live.context import live_session_for_order
from shijing.commerce.live.models import ShowcaseItem
from shijing.commerce.shops.models import ShopStatus
from shijing.core.clock import ManualClock
from shijing.core.errors import Conflict, InvalidInput, NotFound
from tests.commerce.creators.support import API, events
from tests.commerce.live.conftest import Seller
from tests.factories import (
    api_login,
    make_creator,
    make_live_session,
    make_product,
    make_shop,
    make_user,
    principal_of,
    signed_up,
)


def _items(session: Session, live_id: int) -> list[tuple[int, int]]:
    """(product_id, position) in display order."""
    session.expire_all()
    return [(i.product_id, i.position) for i in service.showcase_items(session, live_id)]


def _add(
    session: Session, clock: ManualClock, seller: Seller, live_id: int, product_id: int
) -> Any:
    return service.add_showcase_item(
        session, clock, seller.principal(session), live_session_id=live_id, product_id=product_id
    )


def test_add_own_shop_and_distributed_products(
    session: Session, clock: ManualClock, seller: Seller
) -> None:
    live = make_live_session(session, clock, creator=seller.creator)
    own = _add(session, clock, seller, live.id, seller.products[0].id)
    # Another shop's product, sold under its distribution plan.
    staff = make_user(session, clock)
    shop = make_shop(session, clock, staff=(staff,))
    theirs = make_product(session, clock, shop=shop)
    creators.publish_distribution_plan(
        session,
        clock,
        principal_of(session, staff),
        shop_id=shop.id,
        product_id=theirs.id,
        commission_bps=2500,
    )
    distributed = _add(session, clock, seller, live.id, theirs.id)
    assert (own.position, distributed.position) == (1, 2)
    added = events(session, "live.showcase_added")
    assert [e["product_id"] for e in added] == [seller.products[0].id, theirs.id]
    changed = events(session, "live.showcase_changed")[-1]
    assert [i["item_id"] for i in changed["items"]] == [own.id, distributed.id]
    assert changed["pinned_item_id"] is None


@pytest.mark.parametrize("case", ["unknown", "unpublished", "not_sellable", "shop_suspended"])
def test_products_the_creator_may_not_sell_are_422_on_product_id(
    session: Session, clock: ManualClock, seller: Seller, case: str
) -> None:
    live = make_live_session(session, clock, creator=seller.creator)
    product_id = {
        "unknown": lambda: 999_999,
        "unpublished": lambda: make_product(session, clock, shop=seller.shop, published=False).id,
        "not_sellable": lambda: make_product(session, clock).id,
        "shop_suspended": lambda: seller.products[0].id,
    }[case]()
    if case == "shop_suspended":
        seller.shop.status = ShopStatus.SUSPENDED.value
        session.flush()
    with pytest.raises(InvalidInput) as info:
        _add(session, clock, seller, live.id, product_id)
    assert info.value.field == "product_id"
    assert _items(session, live.id) == []
    assert events(session, "live.showcase_added") == []


def test_a_product_once_per_showcase(session: Session, clock: ManualClock, seller: Seller) -> None:
    live = make_live_session(session, clock, creator=seller.creator)
    _add(session, clock, seller, live.id, seller.products[0].id)
    with pytest.raises(Conflict) as info:
        _add(session, clock, seller, live.id, seller.products[0].id)
    assert (info.value.code, info.value.field) == ("already_in_showcase", "product_id")


@pytest.mark.parametrize("status", ["ended", "cancelled"])
def test_the_showcase_is_frozen_after_the_session(
    session: Session, clock: ManualClock, seller: Seller, status: str
) -> None:
    first, second = seller.products[0], seller.products[1]
    live = make_live_session(
        session, clock, creator=seller.creator, products=(first, second), status=status
    )
    item_ids = [i.id for i in service.showcase_items(session, live.id)]
    me = seller.principal(session)
    attempts = [
        lambda: _add(session, clock, seller, live.id, seller.products[2].id),
        lambda: service.remove_showcase_item(
            session, clock, me, live_session_id=live.id, item_id=item_ids[0]
        ),
        lambda: service.reorder_showcase(
            session, clock, me, live_session_id=live.id, item_ids=item_ids[::-1]
        ),
        lambda: service.pin_showcase_item(
            session, clock, me, live_session_id=live.id, item_id=item_ids[0]
        ),
        lambda: service.unpin_showcase_item(session, clock, me, live_session_id=live.id),
    ]
    for attempt in attempts:
        with pytest.raises(Conflict) as info:
            attempt()
        assert info.value.code == "invalid_state"
    assert _items(session, live.id) == [(first.id, 1), (second.id, 2)]


def test_remove_closes_the_gap_and_unpins(
    session: Session, clock: ManualClock, seller: Seller
) -> None:
    a, b, c = seller.products
    live = make_live_session(
        session, clock, creator=seller.creator, products=(a, b, c), pinned=b, status="live"
    )
    item_b = session.scalar(select(ShowcaseItem).where(ShowcaseItem.product_id == b.id))
    assert item_b is not None
    service.remove_showcase_item(
        session, clock, seller.principal(session), live_session_id=live.id, item_id=item_b.id
    )
    assert _items(session, live.id) == [(a.id, 1), (c.id, 2)]
    assert live.pinned_item_id is None
    assert events(session, "live.unpinned")[-1]["reason"] == "removed"
    assert events(session, "live.showcase_removed")[-1]["product_id"] == b.id
    assert [(p.product_id, p.unpin_reason) for p in service.pin_history(session, live.id)] == [
        (b.id, "removed")
    ]
    with pytest.raises(NotFound) as info:
        service.remove_showcase_item(
            session, clock, seller.principal(session), live_session_id=live.id, item_id=item_b.id
        )
    assert info.value.field == "item_id"


def test_reorder_takes_the_whole_list(session: Session, clock: ManualClock, seller: Seller) -> None:
    a, b, c = seller.products
    live = make_live_session(session, clock, creator=seller.creator, products=(a, b, c))
    ids = [i.id for i in service.showcase_items(session, live.id)]
    other = make_live_session(session, clock, creator=seller.creator, products=(a,))
    foreign = service.showcase_items(session, other.id)[0].id
    me = seller.principal(session)
    for bad in ([ids[0], ids[1]], [ids[0], ids[0], ids[1], ids[2]], [*ids[:2], foreign], []):
        with pytest.raises(InvalidInput) as info:
            service.reorder_showcase(session, clock, me, live_session_id=live.id, item_ids=bad)
        assert info.value.field == "item_ids"
    assert _items(session, live.id) == [(a.id, 1), (b.id, 2), (c.id, 3)]
    service.reorder_showcase(
        session, clock, me, live_session_id=live.id, item_ids=[ids[2], ids[0], ids[1]]
    )
    assert _items(session, live.id) == [(c.id, 1), (a.id, 2), (b.id, 3)]
    assert events(session, "live.showcase_reordered")[-1]["item_ids"] == [ids[2], ids[0], ids[1]]


def test_pinning_another_unpins_the_previous(
    session: Session, clock: ManualClock, seller: Seller
) -> None:
    a, b, _ = seller.products
    live = make_live_session(session, clock, creator=seller.creator, products=(a, b), status="live")
    item_a, item_b = service.showcase_items(session, live.id)
    me = seller.principal(session)
    service.pin_showcase_item(session, clock, me, live_session_id=live.id, item_id=item_a.id)
    assert (live.pinned_item_id, item_a.pinned_at) == (item_a.id, clock.now())
    service.pin_showcase_item(session, clock, me, live_session_id=live.id, item_id=item_a.id)
    assert len(events(session, "live.pinned")) == 1  # pinning the pinned item changes nothing
    service.pin_showcase_item(session, clock, me, live_session_id=live.id, item_id=item_b.id)
    assert (live.pinned_item_id, item_a.pinned_at) == (item_b.id, None)
    pinned = events(session, "live.pinned")
    assert [(e["item_id"], e["previous_item_id"]) for e in pinned] == [
        (item_a.id, None),
        (item_b.id, item_a.id),
    ]
    assert events(session, "live.unpinned")[0]["reason"] == "replaced"
    service.unpin_showcase_item(session, clock, me, live_session_id=live.id)
    service.unpin_showcase_item(session, clock, me, live_session_id=live.id)  # no-op
    assert live.pinned_item_id is None
    assert len(events(session, "live.unpinned")) == 2
    history = [(p.item_id, p.unpin_reason) for p in service.pin_history(session, live.id)]
    assert history == [(item_a.id, "replaced"), (item_b.id, "unpinned")]
    with pytest.raises(NotFound) as info:
        service.pin_showcase_item(session, clock, me, live_session_id=live.id, item_id=999_999)
    assert info.value.field == "item_id"


def test_an_item_of_another_showcase_cannot_be_pinned(
    session: Session, clock: ManualClock, seller: Seller
) -> None:
    a = seller.products[0]
    live = make_live_session(session, clock, creator=seller.creator, products=(a,))
    other = make_live_session(session, clock, creator=seller.creator, products=(a,))
    foreign = service.showcase_items(session, other.id)[0]
    with pytest.raises(NotFound):
        service.pin_showcase_item(
            session, clock, seller.principal(session), live_session_id=live.id, item_id=foreign.id
        )


def test_orders_can_come_from_the_showcase_while_live(
    session: Session, clock: ManualClock, seller: Seller
) -> None:
    a, b, _ = seller.products
    live = make_live_session(session, clock, creator=seller.creator, products=(a,), status="live")
    assert live_session_for_order(session, live_session_id=live.id, product_id=a.id) is live
    with pytest.raises(InvalidInput):
        live_session_for_order(session, live_session_id=live.id, product_id=b.id)


@pytest.mark.parametrize("who", ["another_creator", "buyer"])
def test_others_cannot_touch_the_showcase(
    session: Session, clock: ManualClock, seller: Seller, who: str
) -> None:
    a, b, _ = seller.products
    live = make_live_session(session, clock, creator=seller.creator, products=(a,))
    [item] = service.showcase_items(session, live.id)
    user = make_user(session, clock)
    if who == "another_creator":
        make_creator(session, clock, user=user)
    them = principal_of(session, user)
    attempts = [
        lambda: service.add_showcase_item(
            session, clock, them, live_session_id=live.id, product_id=b.id
        ),
        lambda: service.remove_showcase_item(
            session, clock, them, live_session_id=live.id, item_id=item.id
        ),
        lambda: service.reorder_showcase(
            session, clock, them, live_session_id=live.id, item_ids=[item.id]
        ),
        lambda: service.pin_showcase_item(
            session, clock, them, live_session_id=live.id, item_id=item.id
        ),
        lambda: service.unpin_showcase_item(session, clock, them, live_session_id=live.id),
    ]
    for attempt in attempts:
        with pytest.raises(NotFound):
            attempt()
    assert _items(session, live.id) == [(a.id, 1)]


# -- over HTTP --------------------------------------------------------------------------------


def test_showcase_over_http(
    client: TestClient, anon: TestClient, session: Session, clock: ManualClock, seller: Seller
) -> None:
    a, b, c = seller.products
    unsellable = make_product(session, clock)
    live = make_live_session(session, clock, creator=seller.creator, status="live")
    session.commit()
    owner = api_login(client, seller.user.email)
    url = f"{API}/live-sessions/{live.id}"

    ids = []
    for product in (a, b, c):
        added = client.post(f"{url}/showcase", json={"product_id": product.id}, headers=owner)
        assert added.status_code == 201, added.text
        ids.append(added.json()["id"])
    assert added.json()["position"] == 3
    assert (added.json()["product_title"], added.json()["price_fen"]) == (c.title, 3000)

    reordered = client.put(
        f"{url}/showcase/order", json={"item_ids": [ids[2], ids[0], ids[1]]}, headers=owner
    )
    assert reordered.status_code == 200, reordered.text
    assert [i["id"] for i in reordered.json()] == [ids[2], ids[0], ids[1]]
    pinned = client.post(f"{url}/showcase/{ids[0]}/pin", headers=owner)
    assert (pinned.status_code, pinned.json()["pinned"]) == (200, True)

    public = anon.get(url).json()
    assert [i["product_id"] for i in public["showcase"]] == [c.id, a.id, b.id]
    assert [i["position"] for i in public["showcase"]] == [1, 2, 3]
    assert public["pinned_item"]["id"] == ids[0]
    assert public["pinned_item_id"] == ids[0]

    assert client.delete(f"{url}/showcase/{ids[0]}", headers=owner).status_code == 204
    after = anon.get(url).json()
    assert (after["pinned_item"], [i["id"] for i in after["showcase"]]) == (None, [ids[2], ids[1]])
    client.post(f"{url}/showcase/{ids[1]}/pin", headers=owner)
    assert client.delete(f"{url}/pin", headers=owner).status_code == 204
    assert client.delete(f"{url}/pin", headers=owner).status_code == 204
    assert anon.get(url).json()["pinned_item"] is None

    # refusals
    not_mine = client.post(f"{url}/showcase", json={"product_id": unsellable.id}, headers=owner)
    assert (not_mine.status_code, not_mine.json()["field"], not_mine.json()["error"]) == (
        422,
        "product_id",
        "not_sellable",
    )
    dup = client.post(f"{url}/showcase", json={"product_id": c.id}, headers=owner)
    assert (dup.status_code, dup.json()["error"]) == (409, "already_in_showcase")
    mismatch = client.put(f"{url}/showcase/order", json={"item_ids": [ids[2]]}, headers=owner)
    assert (mismatch.status_code, mismatch.json()["field"]) == (422, "item_ids")
    huge = client.put(f"{url}/showcase/order", json={"item_ids": [10**20]}, headers=owner)
    assert (huge.status_code, huge.json()["field"]) == (422, "item_ids.0")
    missing = client.post(f"{url}/showcase/{ids[0]}/pin", headers=owner)
    assert (missing.status_code, missing.json()["field"]) == (404, "item_id")
    bad_body = client.post(f"{url}/showcase", json={"product_id": "x"}, headers=owner)
    assert (bad_body.status_code, bad_body.json()["field"]) == (422, "product_id")

    _, buyer = signed_up(client)
    rival_user = make_user(session, clock)
    make_creator(session, clock, user=rival_user)
    session.commit()
    rival = api_login(client, rival_user.email)
    for headers in (buyer, rival):
        assert (
            client.post(f"{url}/showcase", json={"product_id": a.id}, headers=headers).status_code
            == 404
        )
        assert client.delete(f"{url}/showcase/{ids[1]}", headers=headers).status_code == 404
        assert (
            client.put(
                f"{url}/showcase/order", json={"item_ids": ids[1:]}, headers=headers
            ).status_code
            == 404
        )
        assert client.post(f"{url}/showcase/{ids[1]}/pin", headers=headers).status_code == 404
        assert client.delete(f"{url}/pin", headers=headers).status_code == 404
    assert anon.post(f"{url}/showcase", json={"product_id": a.id}).status_code == 401
    assert anon.delete(f"{url}/pin").status_code == 401

    assert client.post(f"{url}/end", headers=owner).status_code == 200
    frozen = client.post(f"{url}/showcase", json={"product_id": a.id}, headers=owner)
    assert (frozen.status_code, frozen.json()["error"]) == (409, "invalid_state")
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(ShowcaseItem)) == 2
