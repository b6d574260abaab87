"""The catalogue through its service: products with SKUs, attributes, the shelf, prices, stock
and its audit trail, the public search, and the events each change emits."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shijing.accounts.models import Role
from shijing.accounts.service import Principal
from shijing.commerce.catalog import service as catalog
from shijing.commerce.catalog import shelf
from shijing.commerce.catalog.models import Product, Sku, StockMovement
from shijing.commerce.catalog.service import NewSku
from shijing.commerce.shops import service as shops
from shijing.commerce.shops.models import Shop
from shijing.core.clock import ManualClock
from shijing.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tests.commerce.shops.support import events
from tests.factories import make_shop, make_user, principal_of

IMEI = "490154203237518"
PHONE: dict[str, Any] = {"imei": IMEI, "grade": "A", "battery_health": 91}


def _staffed(session: Session, clock: ManualClock, **kw: Any) -> tuple[Shop, Principal]:
    staff = make_user(session, clock)
    shop = make_shop(session, clock, staff=(staff,), **kw)
    return shop, principal_of(session, staff)


def _product(
    session: Session, clock: ManualClock, shop: Shop, who: Principal, **kw: Any
) -> Product:
    args: dict[str, Any] = {
        "title": "羊毛大衣",
        "category": "apparel.womens",
        "skus": [
            NewSku("BLK-M", 39_900, 5, {"颜色": "黑", "尺码": "M"}),
            NewSku("BLK-L", 42_900, 0, {"颜色": "黑", "尺码": "L"}),
        ],
        **kw,
    }
    return catalog.create_product(session, clock, who, shop.id, **args)


def _counts(session: Session) -> tuple[int, int, int]:
    return (
        session.scalar(select(func.count()).select_from(Product)) or 0,
        session.scalar(select(func.count()).select_from(Sku)) or 0,
        session.scalar(select(func.count()).select_from(StockMovement)) or 0,
    )


def test_create_a_product_with_its_skus(session: Session, clock: ManualClock) -> None:
    shop, staff = _staffed(session, clock)
    product = _product(
        session,
        clock,
        shop,
        staff,
        description="  保暖\n手洗  ",
        image_urls=["https://img.example.com/1.jpg", "http://img.example.com/2.png"],
        max_per_order=3,
    )
    view = shelf.view_product(session, staff, product.id)
    assert (product.published, product.max_per_order, product.description) == (
        False,
        3,
        "保暖\n手洗",
    )
    assert [(s.code, s.price_fen, s.stock) for s in view.skus] == [
        ("BLK-M", 39_900, 5),
        ("BLK-L", 42_900, 0),
    ]
    assert (view.min_price_fen, view.max_price_fen) == (39_900, 42_900)
    # Initial stock is a movement, so the trail adds up to the stock.
    trail, total = shelf.list_movements(session, staff, view.skus[0].id)
    assert (total, trail[0].delta, trail[0].reason, trail[0].note) == (
        1,
        5,
        "restock",
        "initial stock",
    )
    assert shelf.list_movements(session, staff, view.skus[1].id)[1] == 0

    [created] = events(session, "product.created")
    assert (created["product_id"], created["shop_id"], created["sku_ids"]) == (
        product.id,
        shop.id,
        [s.id for s in view.skus],
    )
    assert [e["code"] for e in events(session, "sku.created")] == ["BLK-M", "BLK-L"]
    assert events(session, "product.published") == []


def test_a_used_phone_with_a_valid_imei(session: Session, clock: ManualClock) -> None:
    shop, staff = _staffed(session, clock, main_category="phones.used")
    product = _product(
        session,
        clock,
        shop,
        staff,
        category="phones.used",
        attributes=PHONE,
        skus=[NewSku("P1", 250_000, 1)],
        published=True,
    )
    assert product.attributes == PHONE
    assert product.published
    assert events(session, "product.published")[0]["product_id"] == product.id


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": " "}, "title"),
        ({"title": "衣" * 121}, "title"),
        ({"title": "大衣\x07"}, "title"),
        ({"category": "weapons"}, "category"),
        ({"category": "phones.used", "attributes": {**PHONE, "imei": "490154203237519"}}, None),
        ({"category": "phones.used", "attributes": {"grade": "A"}}, "attributes.imei"),
        ({"category": "jewellery", "attributes": {"material": "金", "weight_g": 3}}, None),
        ({"attributes": {"colour": "红"}}, "attributes.colour"),
        ({"image_urls": ["https://img.example.com/x.jpg"] * 10}, "image_urls"),
        ({"image_urls": ["ftp://img.example.com/x.jpg"]}, "image_urls.0"),
        ({"image_urls": ["https://ok.example.com/a", "not a url"]}, "image_urls.1"),
        ({"image_urls": ["javascript:alert(1)"]}, "image_urls.0"),
        ({"image_urls": ["https://"]}, "image_urls.0"),
        ({"image_urls": ["http://[::1"]}, "image_urls.0"),
        ({"image_urls": ["http://x.com:99999/a"]}, "image_urls.0"),
        ({"image_urls": "https://img.example.com/x.jpg"}, "image_urls"),
        ({"max_per_order": 0}, "max_per_order"),
        ({"max_per_order": 1000}, "max_per_order"),
        ({"description": "x" * 5001}, "description"),
        ({"skus": []}, "skus"),
        ({"skus": [NewSku("A", 0)]}, "skus.0.price_fen"),
        ({"skus": [NewSku("A", -100)]}, "skus.0.price_fen"),
        ({"skus": [NewSku("A", 100_000_001)]}, "skus.0.price_fen"),
        ({"skus": [NewSku("A", 100, -1)]}, "skus.0.stock"),
        ({"skus": [NewSku("A", 100), NewSku("A", 200)]}, "skus.1.code"),
        ({"skus": [NewSku("A B", 100)]}, "skus.0.code"),
        ({"skus": [NewSku("", 100)]}, "skus.0.code"),
        ({"skus": [NewSku("A", 100, 0, {"颜色": ""})]}, "skus.0.variant.颜色"),
        ({"skus": [NewSku("A", 100, 0, {str(i): "x" for i in range(6)})]}, "skus.0.variant"),
    ],
)
def test_bad_product_is_422_naming_the_field_and_writes_nothing(
    session: Session, clock: ManualClock, change: dict[str, Any], field: str | None
) -> None:
    shop, staff = _staffed(session, clock)
    before = _counts(session)
    with pytest.raises(InvalidInput) as info:
        _product(session, clock, shop, staff, **change)
    if field is None:  # the category's own checker names the attribute
        assert str(info.value.field).startswith("attributes.")
    else:
        assert info.value.field == field
    assert _counts(session) == before
    assert events(session, "product.created") == []


def test_the_maximum_price_and_nine_images_are_allowed(
    session: Session, clock: ManualClock
) -> None:
    shop, staff = _staffed(session, clock)
    product = _product(
        session,
        clock,
        shop,
        staff,
        image_urls=[f"https://img.example.com/{i}.jpg" for i in range(9)],
        skus=[NewSku("MAX", 100_000_000), NewSku("MIN", 1)],
    )
    assert len(product.image_urls) == 9


def test_update_product_revalidates_attributes(session: Session, clock: ManualClock) -> None:
    shop, staff = _staffed(session, clock)
    product = _product(session, clock, shop, staff)
    with pytest.raises(InvalidInput) as info:
        catalog.update_product(session, clock, staff, product.id, category="phones.used")
    assert info.value.field == "attributes.imei"
    assert product.category == "apparel.womens"
    catalog.update_product(
        session,
        clock,
        staff,
        product.id,
        category="phones.used",
        attributes=PHONE,
        title="iPhone 15 二手",
    )
    assert (product.category, product.title) == ("phones.used", "iPhone 15 二手")
    with pytest.raises(InvalidInput) as info:
        catalog.update_product(
            session, clock, staff, product.id, attributes={**PHONE, "imei": "490154203237510"}
        )
    assert info.value.field == "attributes.imei"
    [updated] = events(session, "product.updated")
    assert updated["changed"] == ["attributes", "category", "title"]
    assert (updated["previous_category"], updated["category"]) == ("apparel.womens", "phones.used")
    # Nothing new, nothing said.
    catalog.update_product(session, clock, staff, product.id, title="iPhone 15 二手")
    assert len(events(session, "product.updated")) == 1


def test_publish_and_unpublish_follow_the_shelf_machine(
    session: Session, clock: ManualClock
) -> None:
    shop, staff = _staffed(session, clock)
    product = _product(session, clock, shop, staff)
    with pytest.raises(Conflict, match="cannot unpublish a product that is unpublished"):
        catalog.unpublish_product(session, clock, staff, product.id)
    catalog.publish_product(session, clock, staff, product.id)
    assert product.published
    with pytest.raises(Conflict, match="cannot publish a product that is published"):
        catalog.publish_product(session, clock, staff, product.id)
    catalog.unpublish_product(session, clock, staff, product.id)
    assert not product.published
    assert [e["product_id"] for e in events(session, "product.published")] == [product.id]
    assert [e["product_id"] for e in events(session, "product.unpublished")] == [product.id]


def test_sku_codes_are_unique_per_product(session: Session, clock: ManualClock) -> None:
    shop, staff = _staffed(session, clock)
    product = _product(session, clock, shop, staff)
    other = _product(session, clock, shop, staff)
    sku = catalog.add_sku(
        session, clock, staff, product.id, code="RED-M", price_fen=100, stock=2, variant={"c": "r"}
    )
    assert (sku.stock, sku.variant) == (2, {"c": "r"})
    with pytest.raises(Conflict) as info:
        catalog.add_sku(session, clock, staff, product.id, code="BLK-M", price_fen=100)
    assert (info.value.field, info.value.code) == ("code", "code_taken")
    # The same code on another product is fine.
    catalog.add_sku(session, clock, staff, other.id, code="RED-M", price_fen=100)
    with pytest.raises(InvalidInput) as bad:
        catalog.add_sku(session, clock, staff, product.id, code="NEW", price_fen=0)
    assert bad.value.field == "price_fen"


def test_price_changes_are_events_with_old_and_new(session: Session, clock: ManualClock) -> None:
    shop, staff = _staffed(session, clock)
    product = _product(session, clock, shop, staff)
    sku = shelf.view_product(session, staff, product.id).skus[0]
    catalog.change_sku_price(session, clock, staff, sku.id, price_fen=35_900)
    assert sku.price_fen == 35_900
    [changed] = events(session, "sku.price_changed")
    assert (changed["sku_id"], changed["old_price_fen"], changed["new_price_fen"]) == (
        sku.id,
        39_900,
        35_900,
    )
    for bad in (0, -1, 100_000_001):
        with pytest.raises(InvalidInput):
            catalog.change_sku_price(session, clock, staff, sku.id, price_fen=bad)
    catalog.change_sku_price(session, clock, staff, sku.id, price_fen=35_900)
    assert len(events(session, "sku.price_changed")) == 1
    assert sku.price_fen == 35_900


def test_stock_moves_through_the_audited_path(session: Session, clock: ManualClock) -> None:
    shop, staff = _staffed(session, clock)
    product = _product(session, clock, shop, staff)
    sku = shelf.view_product(session, staff, product.id).skus[0]
    assert (
        catalog.adjust_sku_stock(session, clock, staff, sku.id, delta=10, note="到货").stock == 15
    )
    assert catalog.adjust_sku_stock(session, clock, staff, sku.id, delta=-3).stock == 12
    with pytest.raises(Conflict) as info:
        catalog.adjust_sku_stock(session, clock, staff, sku.id, delta=-13)
    assert (info.value.field, info.value.code) == ("delta", "stock_negative")
    for bad in (0, 10_000_001):
        with pytest.raises(InvalidInput):
            catalog.adjust_sku_stock(session, clock, staff, sku.id, delta=bad)
    with pytest.raises(InvalidInput):
        catalog.adjust_sku_stock(session, clock, staff, sku.id, delta=1, note="x" * 201)
    trail, total = shelf.list_movements(session, staff, sku.id, limit=2)
    assert total == 3
    assert [(m.delta, m.stock_after, m.note, m.actor_user_id) for m in trail] == [
        (-3, 12, None, staff.id),
        (10, 15, "到货", staff.id),
    ]
    assert shelf.list_movements(session, staff, sku.id, offset=2)[0][0].note == "initial stock"
    assert [e["delta"] for e in events(session, "stock.changed")] == [5, 10, -3]


def test_a_closed_shop_changes_no_products(session: Session, clock: ManualClock) -> None:
    owner = make_user(session, clock)
    shop = make_shop(session, clock, owner=owner)
    as_owner = principal_of(session, owner)
    product = _product(session, clock, shop, as_owner)
    sku = shelf.view_product(session, as_owner, product.id).skus[0]
    shops.close_shop(session, clock, as_owner, shop.id)
    attempts = [
        lambda: _product(session, clock, shop, as_owner),
        lambda: catalog.update_product(session, clock, as_owner, product.id, title="新"),
        lambda: catalog.publish_product(session, clock, as_owner, product.id),
        lambda: catalog.add_sku(session, clock, as_owner, product.id, code="N", price_fen=1),
        lambda: catalog.change_sku_price(session, clock, as_owner, sku.id, price_fen=1),
        lambda: catalog.adjust_sku_stock(session, clock, as_owner, sku.id, delta=1),
    ]
    for attempt in attempts:
        with pytest.raises(Conflict) as info:
            attempt()
        assert info.value.code == "shop_closed"
    # Staff may still read their history.
    assert shelf.list_shop_products(session, as_owner, shop.id)[1] == 1


def test_outsiders_and_operators(session: Session, clock: ManualClock) -> None:
    shop, staff = _staffed(session, clock)
    product = _product(session, clock, shop, staff)
    sku = shelf.view_product(session, staff, product.id).skus[0]
    _, stranger = _staffed(session, clock)
    operator = principal_of(session, make_user(session, clock, roles=(Role.OPERATOR,)))
    with pytest.raises(NotFound):
        shelf.view_product(session, stranger, product.id)
    with pytest.raises(NotFound):
        shelf.view_product(session, None, product.id)
    assert shelf.view_product(session, operator, product.id).product is product
    with pytest.raises(NotFound):
        catalog.update_product(session, clock, stranger, product.id, title="x")
    with pytest.raises(Forbidden):
        catalog.update_product(session, clock, operator, product.id, title="x")
    with pytest.raises(NotFound):
        shelf.list_movements(session, stranger, sku.id)
    assert shelf.list_movements(session, operator, sku.id)[1] == 1
    with pytest.raises(NotFound):
        catalog.create_product(
            session, clock, stranger, shop.id, title="x", category="home", skus=[NewSku("A", 1)]
        )
    assert product.title == "羊毛大衣"


def test_the_public_shelf(session: Session, clock: ManualClock) -> None:
    shop, staff = _staffed(session, clock, main_category="phones")
    other, other_staff = _staffed(session, clock)
    new_phone = _product(
        session,
        clock,
        shop,
        staff,
        title="Mate 70 新机",
        category="phones.new",
        skus=[NewSku("A", 599_900)],
        published=True,
    )
    used_phone = _product(
        session,
        clock,
        shop,
        staff,
        title="iPhone 15 二手 100%_OK",
        category="phones.used",
        attributes=PHONE,
        skus=[NewSku("A", 300_000), NewSku("B", 350_000)],
        published=True,
    )
    _product(session, clock, shop, staff, title="草稿机", category="phones.new")  # unpublished
    coat = _product(session, clock, other, other_staff, published=True)

    def ids(**kw: Any) -> list[int]:
        views, total = shelf.search_products(session, **kw)
        assert total == len(views)
        return [v.product.id for v in views]

    assert ids() == [coat.id, used_phone.id, new_phone.id]
    assert ids(category="phones") == [used_phone.id, new_phone.id]
    assert ids(category="phones.used") == [used_phone.id]
    assert ids(shop_id=other.id) == [coat.id]
    assert ids(q="iphone") == [used_phone.id]
    assert ids(q="100%") == [used_phone.id]
    assert ids(q="%") == [used_phone.id]
    assert ids(q="_") == [used_phone.id]
    assert ids(q="  ") == [coat.id, used_phone.id, new_phone.id]
    assert ids(min_price_fen=320_000, max_price_fen=400_000) == [used_phone.id]
    assert ids(min_price_fen=500_000) == [new_phone.id]
    assert ids(max_price_fen=100) == []
    with pytest.raises(InvalidInput) as info:
        shelf.search_products(session, min_price_fen=10, max_price_fen=5)
    assert info.value.field == "max_price_fen"
    with pytest.raises(InvalidInput) as info:
        shelf.search_products(session, category="weapons")
    assert info.value.field == "category"

    views, total = shelf.search_products(session, limit=1, offset=1)
    assert (total, [v.product.id for v in views]) == (3, [used_phone.id])

    operator = principal_of(session, make_user(session, clock, roles=(Role.OPERATOR,)))
    shops.suspend_shop(session, clock, operator, shop.id, reason="查验")
    assert ids() == [coat.id]
    with pytest.raises(NotFound):
        shelf.view_product(session, None, used_phone.id)
    assert shelf.view_product(session, staff, used_phone.id).product is used_phone


def test_shop_listing_filters(session: Session, clock: ManualClock) -> None:
    shop, staff = _staffed(session, clock)
    draft = _product(session, clock, shop, staff, category="apparel.mens")
    live = _product(session, clock, shop, staff, published=True)

    def ids(**kw: Any) -> list[int]:
        return [v.product.id for v in shelf.list_shop_products(session, staff, shop.id, **kw)[0]]

    assert ids() == [live.id, draft.id]
    assert ids(published=False) == [draft.id]
    assert ids(published=True) == [live.id]
    assert ids(category="apparel") == [live.id, draft.id]
    assert ids(category="apparel.mens") == [draft.id]
