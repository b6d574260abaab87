"""In a real browser, a buyer's whole journey with a Trust Purchase shop: from discovery into a
live room, buying the pinned product, the parcel shipped and delivered, a no-reason return asked
for and sent back, the carrier picking it up, and the return postage paid back on the order page
— then the same page in English and on a phone-sized screen."""

from __future__ import annotations

import time
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select

from shijing.commerce.aftersales import service as aftersales
from shijing.commerce.aftersales.models import AfterSale
from shijing.commerce.orders.models import Order
from shijing.commerce.shipping import carriers
from shijing.commerce.shipping import service as shipping
from shijing.commerce.shops.models import Shop
from tests.factories import (
    deliver_parcel,
    make_live_session,
    make_product,
    make_user,
    principal_of,
)
from tests.guarantees.builders import owner_of, trusted_shop
from tests.web.browser.conftest import LiveServer, sign_in

PHONE = {"width": 390, "height": 844}
COMPENSATED_ZH = "退货运费已补偿 ¥10.00"  # a buyer in 江苏 returning to a shop in 浙江
COMPENSATED_EN = "Return postage paid back: ¥10.00"


def _trust_purchase_room(server: LiveServer) -> dict[str, Any]:
    """A live room presenting a scarf of a shop that carries the badge (score ≥ 80, deposit,
    terms accepted, the guarantee fund capitalised), a carrier, and a buyer."""
    with server.db.transaction() as session:
        shop = trusted_shop(session, server.clock, score=92.0)
        scarf = make_product(
            session, server.clock, shop=shop, title="信任购羊毛围巾", price_fen=5_900
        )
        live = make_live_session(
            session,
            server.clock,
            title="信任购专场",
            products=(scarf,),
            pinned=scarf,
            status="live",
        )
        if carriers.find_carrier(session, "sf") is None:
            carriers.register_carrier(session, server.clock, code="sf", name="顺丰速运")
        buyer = make_user(session, server.clock, display_name="王小五")
        return {"live_id": live.id, "shop_id": shop.id, "buyer_id": buyer.id, "email": buyer.email}


def _latest_order(server: LiveServer, buyer_id: int) -> int:
    with server.db.transaction() as session:
        order_id = session.scalar(
            select(Order.id).where(Order.buyer_id == buyer_id).order_by(Order.id.desc())
        )
        assert order_id is not None
        return int(order_id)


def _ship_and_deliver(server: LiveServer, order_id: int) -> None:
    """The shop hands the parcel to the carrier, which scans it picked up and delivered."""
    with server.db.transaction() as session:
        order = session.get(Order, order_id)
        assert order is not None
        shop = session.get(Shop, order.shop_id)
        assert shop is not None
        tracking_no = f"SF{order_id:010d}"
        shipping.ship_order(
            session,
            server.clock,
            principal_of(session, owner_of(session, shop)),
            order_id=order_id,
            carrier_code="sf",
            tracking_no=tracking_no,
        )
        deliver_parcel(session, server.clock, carrier_code="sf", tracking_no=tracking_no)


def _shop_approves(server: LiveServer, order_id: int) -> None:
    with server.db.transaction() as session:
        sale = session.scalar(select(AfterSale).where(AfterSale.order_id == order_id))
        assert sale is not None
        shop = session.get(Shop, sale.shop_id)
        assert shop is not None
        aftersales.approve(
            session, server.clock, principal_of(session, owner_of(session, shop)), sale.id
        )


def _carrier_picks_up(server: LiveServer, tracking_no: str) -> None:
    with server.db.transaction() as session:
        deliver_parcel(
            session, server.clock, carrier_code="sf", tracking_no=tracking_no, kinds=("picked_up",)
        )


def _no_sideways_scroll(page: Any) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px on a phone"


def test_a_buyer_buys_in_a_room_returns_it_and_sees_the_postage_paid_back(
    live_server: LiveServer, browser: Any, screenshot: Any
) -> None:
    room = _trust_purchase_room(live_server)
    context = browser.new_context(locale="zh-CN")
    try:
        page = context.new_page()
        sign_in(page, live_server, room["email"])
        page.click(f"a[href='/live/{room['live_id']}']")  # discovery → the live room
        page.wait_for_url(f"{live_server.url}/live/{room['live_id']}")
        expect(page.locator("#pinned .title")).to_have_text("信任购羊毛围巾")
        for field, value in (
            ("name", "王小五"),
            ("phone", "13900000000"),
            ("province", "江苏"),
            ("city", "南京"),
            ("address", "鼓楼区中山路 1 号"),
        ):
            page.fill(f"#f-{field}", value)
        page.click("#buy-button")
        expect(page.locator("#bought")).to_contain_text("下单成功，已支付")
        order_id = _latest_order(live_server, room["buyer_id"])

        _ship_and_deliver(live_server, order_id)
        page.click("nav a[href='/orders']")
        page.wait_for_url(f"{live_server.url}/orders")
        expect(page.locator(f".order-row[data-order='{order_id}']")).to_contain_text("已签收")
        page.click(f".order-row[data-order='{order_id}'] a")
        page.wait_for_url(f"{live_server.url}/orders/{order_id}")
        expect(page.locator("#events")).to_contain_text("快递已送达")
        expect(page.locator("#promises")).to_contain_text("退货补运费")
        expect(page.locator("#confirm-button")).to_be_visible()
        screenshot(page, "order-delivered")

        # a no-reason return: the kind left out first, the error sits next to it
        page.click("#aftersale-box summary")
        page.select_option("#f-aftersale-reason", "no_reason_7d")
        page.fill("#f-aftersale-description", "尺码不合适")
        page.click("#aftersale-button")
        expect(page.locator("#e-aftersale-kind")).to_have_text("必填")
        expect(page.locator("#f-aftersale-description")).to_have_value("尺码不合适")
        page.select_option("#f-aftersale-kind", "return_refund")
        page.click("#aftersale-button")
        expect(page.locator("#notice")).to_contain_text("售后申请已提交")
        expect(page.locator(".sale-status")).to_have_text("待商家处理")

        _shop_approves(live_server, order_id)
        page.reload()
        expect(page.locator(".sale-status")).to_have_text("待寄回")
        tracking_no = f"SFR{order_id:08d}"
        page.select_option("#f-return-carrier_code", "sf")
        page.fill("#f-return-tracking_no", tracking_no.lower())
        page.click("#return-button")
        expect(page.locator("#notice")).to_contain_text("退货物流已提交")
        expect(page.locator(".sale-status")).to_have_text("退货中")

        _carrier_picks_up(live_server, tracking_no)
        deadline = time.monotonic() + 15
        while COMPENSATED_ZH not in page.locator("#claims").inner_text():
            assert time.monotonic() < deadline, "the return postage was not paid back in time"
            time.sleep(0.2)
            page.reload()
        expect(page.locator("#claims .claim[data-code='return_postage']")).to_have_attribute(
            "data-status", "paid"
        )
        expect(page.locator("#events")).to_contain_text("退货包裹")
        screenshot(page, "order-compensated")

        # the language switch, on the order page
        page.click("nav .langs a:has-text('EN')")
        page.wait_for_url(f"{live_server.url}/orders/{order_id}")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.locator("#claims")).to_contain_text(COMPENSATED_EN)
        expect(page.locator("#h-timeline")).to_have_text("Timeline")
        screenshot(page, "order-compensated-en")
        page.click("nav .langs a:has-text('中文')")
        expect(page.locator("#claims")).to_contain_text(COMPENSATED_ZH)

        page.click("nav a[href='/me']")
        page.wait_for_url(f"{live_server.url}/me")
        expect(page.locator("#credit-reasons")).to_contain_text("基础分")
        page.click("#my-claims")
        expect(page.locator("#claims")).to_contain_text(COMPENSATED_ZH)
    finally:
        context.close()

    # the same pages on a phone-sized screen
    phone = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    try:
        page = phone.new_page()
        sign_in(page, live_server, room["email"], f"/orders/{order_id}")
        expect(page.locator("#claims")).to_contain_text(COMPENSATED_ZH)
        _no_sideways_scroll(page)
        page.click("#complaint-box summary")  # an opened form fits as well
        _no_sideways_scroll(page)
        screenshot(page, "order-phone")
        for path, name in (("/orders", "orders-phone"), ("/me", "me-phone")):
            page.goto(f"{live_server.url}{path}")
            _no_sideways_scroll(page)
            screenshot(page, name)
    finally:
        phone.close()
