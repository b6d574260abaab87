"""The catalogue over HTTP: the category tree, a shop's products, the public shelf, prices and
stock, and bad input (each a 4xx naming the field, never a 500, and nothing written)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shijing.commerce.catalog.models import Product, Sku
from shijing.core.clock import ManualClock
from tests.commerce.shops.support import Headers, error, events, headers_for
from tests.factories import make_shop, make_user

IMEI = "490154203237518"
COAT: dict[str, Any] = {
    "title": "羊毛大衣",
    "category": "apparel.womens",
    "description": "保暖",
    "image_urls": ["https://img.example.com/coat.jpg"],
    "max_per_order": 5,
    "skus": [
        {"code": "BLK-M", "price_fen": 39_900, "stock": 5, "variant": {"颜色": "黑", "尺码": "M"}},
        {"code": "BLK-L", "price_fen": 42_900, "variant": {"颜色": "黑", "尺码": "L"}},
    ],
}
PHONE: dict[str, Any] = {
    "title": "iPhone 15 二手",
    "category": "phones.used",
    "attributes": {"imei": IMEI, "grade": "A", "battery_health": 91},
    "skus": [{"code": "P1", "price_fen": 300_000, "stock": 1}],
}


@pytest.fixture
def staff(session: Session, clock: ManualClock) -> tuple[int, Headers]:
    user = make_user(session, clock)
    shop = make_shop(session, clock, staff=(user,))
    headers = headers_for(session, clock, user)
    session.commit()
    return shop.id, headers


def _counts(session: Session) -> tuple[int, int]:
    return (
        session.scalar(select(func.count()).select_from(Product)) or 0,
        session.scalar(select(func.count()).select_from(Sku)) or 0,
    )


def test_the_category_tree(client: TestClient) -> None:
    response = client.get("/api/v1/categories")
    assert response.status_code == 200
    tree = {c["code"]: c for c in response.json()}
    phones = tree["phones"]
    assert (phones["name_zh"], phones["name_en"], phones["parent"]) == ("手机", "Phones", None)
    used = next(c for c in phones["children"] if c["code"] == "phones.used")
    assert [a["name"] for a in used["attributes"]] == ["imei", "grade", "battery_health"]
    assert used["attributes"][0] == {
        "name": "imei",
        "label_zh": "IMEI",
        "label_en": "IMEI",
        "required": True,
    }
    assert tree["fresh"]["no_reason_return"] is False
    assert tree["apparel"]["no_reason_return"] is True
    assert [a["name"] for a in tree["jewellery"]["attributes"]] == [
        "certificate_no",
        "material",
        "weight_g",
    ]


def test_create_publish_and_find_a_product(
    client: TestClient, session: Session, staff: tuple[int, Headers]
) -> None:
    shop_id, headers = staff
    created = client.post(f"/api/v1/shops/{shop_id}/products", json=COAT, headers=headers)
    assert created.status_code == 201, created.text
    product = created.json()
    assert (product["published"], product["min_price_fen"], product["max_price_fen"]) == (
        False,
        39_900,
        42_900,
    )
    assert [(s["code"], s["stock"]) for s in product["skus"]] == [("BLK-M", 5), ("BLK-L", 0)]
    url = f"/api/v1/products/{product['id']}"
    assert client.get(url).status_code == 404  # not on sale yet
    assert client.get(url, headers=headers).status_code == 200

    published = client.post(f"{url}/publish", headers=headers)
    assert published.json()["published"] is True
    assert client.get(url).json()["title"] == "羊毛大衣"
    shelf = client.get("/api/v1/products?category=apparel&q=羊毛").json()
    assert (shelf["total"], shelf["items"][0]["id"]) == (1, product["id"])
    again = client.post(f"{url}/publish", headers=headers)
    assert error(again) == (409, "status")
    assert client.post(f"{url}/unpublish", headers=headers).json()["published"] is False
    assert client.get("/api/v1/products").json()["total"] == 0
    assert [e["name"] for e in _event_rows(session)] == [
        "product.created",
        "product.published",
        "product.unpublished",
    ]


def _event_rows(session: Session) -> list[dict[str, Any]]:
    names = ("product.created", "product.published", "product.unpublished", "product.updated")
    return [{"name": n, **e} for n in names for e in events(session, n)]


def test_a_used_phone_needs_a_valid_imei(
    client: TestClient, session: Session, staff: tuple[int, Headers]
) -> None:
    shop_id, headers = staff
    url = f"/api/v1/shops/{shop_id}/products"
    ok = client.post(url, json=PHONE, headers=headers)
    assert ok.status_code == 201, ok.text
    assert ok.json()["attributes"]["imei"] == IMEI
    bad = {**PHONE, "attributes": {**PHONE["attributes"], "imei": "490154203237519"}}
    response = client.post(url, json=bad, headers=headers)
    assert error(response) == (422, "attributes.imei")
    assert "Luhn" in response.json()["message"]


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"category": "weapons"}, 422, "category"),
        (
            {"category": "jewellery", "attributes": {"material": "金", "weight_g": 3}},
            422,
            "attributes.certificate_no",
        ),
        ({"attributes": {"colour": "红"}}, 422, "attributes.colour"),
        (
            {"image_urls": [f"https://img.example.com/{i}.jpg" for i in range(10)]},
            422,
            "image_urls",
        ),
        ({"image_urls": ["not a url"]}, 422, "image_urls.0"),
        ({"image_urls": ["file:///etc/passwd"]}, 422, "image_urls.0"),
        ({"image_urls": [1]}, 422, "image_urls.0"),
        ({"skus": [{"code": "A", "price_fen": -100}]}, 422, "skus.0.price_fen"),
        ({"skus": [{"code": "A", "price_fen": 0}]}, 422, "skus.0.price_fen"),
        ({"skus": [{"code": "A", "price_fen": 100_000_001}]}, 422, "skus.0.price_fen"),
        ({"skus": [{"code": "A", "price_fen": 99.5}]}, 422, "skus.0.price_fen"),
        ({"skus": [{"code": "A", "price_fen": "100"}]}, 422, "skus.0.price_fen"),
        ({"skus": [{"code": "A", "price_fen": 10**30}]}, 422, "skus.0.price_fen"),
        ({"skus": [{"code": "A", "price_fen": 100, "stock": -1}]}, 422, "skus.0.stock"),
        ({"skus": [{"code": "A", "price_fen": 100, "stock": 10**12}]}, 422, "skus.0.stock"),
        (
            {"skus": [{"code": "A", "price_fen": 1}, {"code": "A", "price_fen": 2}]},
            422,
            "skus.1.code",
        ),
        (
            {"skus": [{"code": "A", "price_fen": 1, "variant": {"颜色": 1}}]},
            422,
            "skus.0.variant.颜色",
        ),
        ({"skus": [{"code": "A", "price_fen": 1, "colour": "x"}]}, 422, "skus.0.colour"),
        ({"skus": []}, 422, "skus"),
        ({"max_per_order": 0}, 422, "max_per_order"),
        ({"max_per_order": 1000}, 422, "max_per_order"),
        ({"title": ""}, 422, "title"),
        ({"title": "x\u0000y"}, 422, "title"),
        ({"description": "a\u0000b"}, 422, "description"),
        ({"published": "yes"}, 422, "published"),
        ({"shop_id": 1}, 422, "shop_id"),
    ],
)
def test_bad_product_is_a_clear_4xx_and_writes_nothing(
    client: TestClient,
    session: Session,
    staff: tuple[int, Headers],
    change: dict[str, Any],
    status: int,
    field: str,
) -> None:
    shop_id, headers = staff
    before = _counts(session)
    response = client.post(
        f"/api/v1/shops/{shop_id}/products", json={**COAT, **change}, headers=headers
    )
    assert error(response) == (status, field)
    assert _counts(session) == before


def test_patch_product_skus_price_and_stock(
    client: TestClient, session: Session, staff: tuple[int, Headers]
) -> None:
    shop_id, headers = staff
    product = client.post(f"/api/v1/shops/{shop_id}/products", json=COAT, headers=headers).json()
    url = f"/api/v1/products/{product['id']}"
    patched = client.patch(url, json={"title": "新款羊毛大衣", "max_per_order": 2}, headers=headers)
    assert (patched.json()["title"], patched.json()["max_per_order"]) == ("新款羊毛大衣", 2)
    assert error(client.patch(url, json={"category": "phones.used"}, headers=headers)) == (
        422,
        "attributes.imei",
    )
    assert error(client.patch(url, json={"published": True}, headers=headers)) == (
        422,
        "published",
    )

    added = client.post(
        f"{url}/skus", json={"code": "RED-M", "price_fen": 39_900, "stock": 3}, headers=headers
    )
    assert added.status_code == 201, added.text
    assert added.json()["stock"] == 3
    taken = client.post(f"{url}/skus", json={"code": "RED-M", "price_fen": 1}, headers=headers)
    assert error(taken) == (409, "code")

    sku_url = f"/api/v1/skus/{added.json()['id']}"
    priced = client.patch(sku_url, json={"price_fen": 29_900}, headers=headers)
    assert priced.json()["price_fen"] == 29_900
    assert error(client.patch(sku_url, json={"price_fen": -1}, headers=headers)) == (
        422,
        "price_fen",
    )
    extra = client.patch(sku_url, json={"price_fen": 1, "stock": 5}, headers=headers)
    assert error(extra) == (422, "stock")
    [change] = events(session, "sku.price_changed")
    assert (change["old_price_fen"], change["new_price_fen"]) == (39_900, 29_900)

    restocked = client.post(f"{sku_url}/stock", json={"delta": 7, "note": "到货"}, headers=headers)
    assert restocked.json()["stock"] == 10
    too_much = client.post(f"{sku_url}/stock", json={"delta": -11}, headers=headers)
    assert error(too_much) == (409, "delta")
    assert error(client.post(f"{sku_url}/stock", json={"delta": 0}, headers=headers)) == (
        422,
        "delta",
    )
    trail = client.get(f"{sku_url}/movements", headers=headers).json()
    assert trail["total"] == 2
    assert [(m["delta"], m["stock_after"], m["reason"]) for m in trail["items"]] == [
        (7, 10, "restock"),
        (3, 3, "restock"),
    ]


def test_shop_listing_and_public_search_filters(
    client: TestClient, staff: tuple[int, Headers]
) -> None:
    shop_id, headers = staff
    base = f"/api/v1/shops/{shop_id}/products"
    coat = client.post(base, json={**COAT, "published": True}, headers=headers).json()
    phone = client.post(base, json=PHONE, headers=headers).json()
    listed = client.get(f"{base}?published=false", headers=headers).json()
    assert [p["id"] for p in listed["items"]] == [phone["id"]]
    assert client.get(f"{base}?category=phones", headers=headers).json()["total"] == 1
    assert error(client.get(f"{base}?category=nope", headers=headers)) == (422, "category")

    def public(query: str) -> list[int]:
        response = client.get(f"/api/v1/products?{query}")
        assert response.status_code == 200, response.text
        return [p["id"] for p in response.json()["items"]]

    assert public("") == [coat["id"]]
    assert public(f"shop_id={shop_id}") == [coat["id"]]
    assert public("min_price_fen=40000&max_price_fen=50000") == [coat["id"]]
    assert public("max_price_fen=30000") == []
    assert public("q=大衣") == [coat["id"]]
    assert public("category=apparel") == [coat["id"]]
    assert public("category=phones") == []
    for query, field in [
        ("category=nope", "category"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("offset=-1", "offset"),
        ("min_price_fen=-1", "min_price_fen"),
        ("max_price_fen=1000000000000", "max_price_fen"),
        ("min_price_fen=10&max_price_fen=5", "max_price_fen"),
        ("shop_id=99999999999", "shop_id"),
        (f"q={'x' * 101}", "q"),
        ("q=%00", "q"),
    ]:
        assert error(client.get(f"/api/v1/products?{query}")) == (422, field), query


def test_unknown_objects_are_404_and_odd_ids_422(
    client: TestClient, staff: tuple[int, Headers]
) -> None:
    _, headers = staff
    for path in ("/products/999999", "/skus/999999/movements"):
        assert error(client.get(f"/api/v1{path}", headers=headers))[0] == 404
    assert error(client.post("/api/v1/skus/999999/stock", json={"delta": 1}, headers=headers)) == (
        404,
        "sku_id",
    )
    assert error(client.get("/api/v1/products/2147483648")) == (422, "product_id")
    assert error(client.get("/api/v1/skus/0/movements", headers=headers)) == (422, "sku_id")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": "\ud800"}, "title"),
        ({"attributes": {"\ud800": 1}}, "attributes"),
        ({"category": "home\x00"}, "category"),
        ({"skus": [{"code": "A", "price_fen": 1, "variant": {"\ud800": "x"}}]}, "skus.0.variant.0"),
        ({"skus": [{"code": "\x00", "price_fen": 1}]}, "skus.0.code"),
        ({"image_urls": ["http://exa\x00mple.com/"]}, "image_urls.0"),
        ({"skus": [{"code": f"C{i}", "price_fen": 1} for i in range(101)]}, "skus"),
    ],
)
def test_odd_text_is_422_never_500(
    client: TestClient, staff: tuple[int, Headers], change: dict[str, Any], field: str
) -> None:
    shop_id, headers = staff
    response = client.post(
        f"/api/v1/shops/{shop_id}/products",
        content=json.dumps({**COAT, **change}).encode(),  # ASCII-escaped: lone surrogates survive
        headers={**headers, "content-type": "application/json"},
    )
    assert error(response) == (422, field)
