"""Buyer pages: discovery, the product page and its buy form, the live room page, buying and
following from the room; errors next to fields in the page's language; CSRF on every post."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.commerce.creators import service as creators
from shijing.commerce.orders.models import Order
from shijing.core.clock import ManualClock
from tests.factories import first_sku, make_live_session, make_product, make_user
from tests.web.pages import csrf_token, log_in

ADDRESS = {
    "name": "张三",
    "phone": "13800000000",
    "province": "浙江",
    "city": "杭州",
    "address": "西湖区 1 号",
}


def _buyer(client: TestClient, session: Session, clock: ManualClock) -> Any:
    user = make_user(session, clock, display_name="李四")
    session.commit()
    log_in(client, user.email)
    return user


def test_discovery_lists_live_and_upcoming_rooms_and_products_with_their_shop(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    product = make_product(session, clock, title="手工羊毛围巾")
    on_air = make_live_session(session, clock, title="围巾专场", products=(product,), status="live")
    later = make_live_session(session, clock, title="明晚上新")
    hidden = make_product(session, clock, title="未上架的商品", published=False)
    session.commit()
    page = client.get("/", headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 200
    assert f'href="/live/{on_air.id}"' in page.text
    assert f'href="/live/{later.id}"' in page.text
    assert "正在直播" in page.text
    assert "即将开播" in page.text
    assert "手工羊毛围巾" in page.text
    assert hidden.title not in page.text
    assert re.search(r'class="muted shop-name">店铺\d+<', page.text)
    assert 'data-slot="badges"' in page.text
    found = client.get("/", params={"q": "围巾"})
    assert "手工羊毛围巾" in found.text


def test_product_page_shows_price_variants_stock_reviews_and_the_return_flag(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    scarf = make_product(
        session, clock, title="围巾", price_fen=12_900, variants=({"颜色": "红"}, {"颜色": "灰"})
    )
    crab = make_product(session, clock, title="活蟹", category="fresh.seafood_live")
    session.commit()
    page = client.get(f"/products/{scarf.id}", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "¥129.00" in page.text
    assert "颜色:红" in page.text
    assert "颜色:灰" in page.text
    assert "200 in stock" in page.text
    assert "No reviews yet" in page.text
    assert "7-day no-reason return" in page.text
    assert "Sign in to buy" in page.text
    fresh = client.get(f"/products/{crab.id}", headers={"Accept-Language": "zh-CN"})
    assert "本类商品不支持七天无理由退货" in fresh.text


def test_unknown_and_unpublished_products_and_rooms_are_404_pages(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    hidden = make_product(session, clock, published=False)
    session.commit()
    for path in (f"/products/{hidden.id}", "/products/999999", "/live/999999"):
        page = client.get(path, headers={"Accept-Language": "en", "Accept": "text/html"})
        assert page.status_code == 404
        assert "Page not found" in page.text


def test_a_signed_in_visitor_gets_a_404_page_for_unknown_pages_not_a_500(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    _buyer(client, session, clock)
    for path in ("/products/999999", "/live/999999"):
        page = client.get(path, headers={"Accept-Language": "en", "Accept": "text/html"})
        assert page.status_code == 404, path
        assert "Page not found" in page.text


def test_buying_from_the_product_page_with_errors_next_to_fields(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    product = make_product(session, clock, stock=2)
    sku = first_sku(session, product)
    session.commit()
    buyer = _buyer(client, session, clock)
    token = csrf_token(client, f"/products/{product.id}")
    bad = client.post(
        f"/products/{product.id}/buy",
        data={"csrf_token": token, "sku_id": sku.id, "quantity": "1"}
        | ADDRESS
        | {"phone": "12345", "province": "火星"},
        headers={"Accept-Language": "en", "HX-Request": "true"},
    )
    assert bad.status_code == 422
    assert re.search(r'id="e-phone" role="alert">Must be a mobile number', bad.text)
    too_many = client.post(
        f"/products/{product.id}/buy",
        data={"csrf_token": token, "sku_id": sku.id, "quantity": "3"} | ADDRESS,
        headers={"Accept-Language": "zh-CN", "HX-Request": "true"},
    )
    assert too_many.status_code == 409
    assert re.search(r'id="e-quantity" role="alert">库存不足', too_many.text)
    missing = client.post(
        f"/products/{product.id}/buy",
        data={"csrf_token": token, "sku_id": sku.id, "quantity": "1"} | ADDRESS | {"city": ""},
        headers={"Accept-Language": "zh-CN"},
    )
    assert missing.status_code == 422
    assert re.search(r'id="e-city" role="alert">必填', missing.text)
    assert session.scalar(select(Order.id).where(Order.buyer_id == buyer.id)) is None
    ok = client.post(
        f"/products/{product.id}/buy",
        data={"csrf_token": token, "sku_id": sku.id, "quantity": "2"} | ADDRESS,
        headers={"Accept-Language": "en", "HX-Request": "true"},
    )
    assert ok.status_code == 200, ok.text
    assert "Ordered and paid" in ok.text
    order = session.scalars(select(Order).where(Order.buyer_id == buyer.id)).one()
    assert order.status == "paid"
    assert order.traffic_source == "product_page"
    again = client.get(f"/products/{product.id}")  # the address is remembered
    assert 'value="西湖区 1 号"' in again.text


def test_every_buyer_form_post_needs_the_csrf_token(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    product = make_product(session, clock)
    live = make_live_session(session, clock, products=(product,), status="live")
    session.commit()
    _buyer(client, session, clock)
    for path in (f"/products/{product.id}/buy", f"/live/{live.id}/buy", f"/live/{live.id}/follow"):
        response = client.post(path, data=ADDRESS, headers={"Accept": "text/html"})
        assert response.status_code == 403, path


def test_the_live_room_page_and_buying_the_pinned_product_without_leaving_it(
    app: FastAPI, client: TestClient, session: Session, clock: ManualClock
) -> None:
    product = make_product(session, clock, title="直播同款围巾", price_fen=5_900)
    live = make_live_session(
        session,
        clock,
        products=(product,),
        pinned=product,
        status="live",
        stream_url="https://stream.example/live.m3u8",
    )
    sku = first_sku(session, product)
    session.commit()
    anonymous = client.get(f"/live/{live.id}", headers={"Accept-Language": "zh-CN"})
    assert anonymous.status_code == 200
    assert "直播同款围巾" in anonymous.text
    assert "¥59.00" in anonymous.text
    assert "七天无理由退货" in anonymous.text
    assert 'src="https://stream.example/live.m3u8"' in anonymous.text
    assert "登录后购买" in anonymous.text
    buyer = _buyer(client, session, clock)
    token = csrf_token(client, f"/live/{live.id}")
    response = client.post(
        f"/live/{live.id}/buy",
        data={"csrf_token": token, "sku_id": sku.id, "quantity": "1"} | ADDRESS,
        headers={"HX-Request": "true", "Accept-Language": "zh-CN"},
    )
    assert response.status_code == 200, response.text
    assert response.text.lstrip().startswith('<section id="buy-box"')  # a partial: same room
    assert "下单成功，已支付" in response.text
    order = session.scalars(select(Order).where(Order.buyer_id == buyer.id)).one()
    assert (order.traffic_source, order.live_session_id, order.status) == (
        "live_room",
        live.id,
        "paid",
    )
    with client.websocket_connect(f"/ws/live/{live.id}") as ws:
        app.state.dispatcher.run_until_idle()  # order.paid → the room's ticker
        for _ in range(40):
            message = ws.receive_json()
            if message["type"] == "purchase":
                break
        assert message["buyer"] == "李**"
        assert message["title"] == "直播同款围巾"


def test_buying_in_a_room_that_is_not_on_air_says_so_in_the_form(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    product = make_product(session, clock)
    live = make_live_session(session, clock, products=(product,), pinned=product)  # scheduled
    sku = first_sku(session, product)
    session.commit()
    _buyer(client, session, clock)
    token = csrf_token(client, f"/live/{live.id}")
    response = client.post(
        f"/live/{live.id}/buy",
        data={"csrf_token": token, "sku_id": sku.id, "quantity": "1"} | ADDRESS,
        headers={"HX-Request": "true", "Accept-Language": "en"},
    )
    assert response.status_code == 422
    assert "The room is not on air" in response.text


def test_following_the_creator_from_the_room(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    live = make_live_session(session, clock, status="live")
    session.commit()
    anonymous = client.post(
        f"/live/{live.id}/follow",
        data={"csrf_token": csrf_token(client, f"/live/{live.id}")},
        headers={"HX-Request": "true"},
    )
    assert anonymous.status_code == 401
    user = _buyer(client, session, clock)
    token = csrf_token(client, f"/live/{live.id}")
    response = client.post(
        f"/live/{live.id}/follow",
        data={"csrf_token": token},
        headers={"HX-Request": "true", "Accept-Language": "en"},
    )
    assert response.status_code == 200
    assert 'aria-pressed="true"' in response.text
    assert "1 followers" in response.text
    assert creators.is_following(session, user.id, live.creator_id)
    undone = client.post(
        f"/live/{live.id}/follow",
        data={"csrf_token": token, "unfollow": "1"},
        headers={"HX-Request": "true"},
    )
    assert 'aria-pressed="false"' in undone.text
    assert not creators.is_following(session, user.id, live.creator_id)


def test_the_language_switch_changes_the_pages(client: TestClient) -> None:
    client.get("/lang/en?next=/", follow_redirects=False)
    assert "Live now" in client.get("/").text
    client.get("/lang/zh-CN?next=/", follow_redirects=False)
    assert "正在直播" in client.get("/").text
