"""In a real browser: a merchant ships an order from the console and handles an after-sale,
approving the return and, once it is back, confirming receipt, after which the buyer is refunded.
Screenshots of the console on a desktop and on a phone-sized screen go to the artifacts folder."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from shijing.accounts.models import User
from shijing.commerce.aftersales import service as aftersales
from shijing.commerce.aftersales.models import AfterSale
from shijing.commerce.orders.models import Order
from tests.factories import (
    buy_and_deliver,
    deliver_parcel,
    make_order,
    make_product,
    make_user,
    principal_of,
)
from tests.guarantees.builders import owner_of, trusted_shop
from tests.web.browser.conftest import LiveServer, sign_in

PHONE = {"width": 390, "height": 844}


def _shop_with_work(server: LiveServer) -> dict[str, Any]:
    """A Trust Purchase shop with a paid order to ship and a return waiting for its answer."""
    with server.db.transaction() as session:
        clock: Any = server.clock
        shop = trusted_shop(session, clock)
        scarf = make_product(session, clock, shop=shop, title="手工羊毛围巾", price_fen=5_900)
        cap = make_product(session, clock, shop=shop, title="毛线帽", price_fen=3_900)
        to_ship = make_order(session, clock, product=scarf, status="paid")
        fan = make_user(session, clock, display_name="李小四")
        delivered = buy_and_deliver(session, clock, buyer=fan, product=cap)  # registers "sf"
        sale = aftersales.open_aftersale(
            session,
            clock,
            principal_of(session, fan),
            order_id=delivered.id,
            kind="return_refund",
            reason="no_reason_7d",
            description="颜色不喜欢",
            evidence_urls=[],
            amount_fen=None,
        )
        return {
            "shop_id": shop.id,
            "email": owner_of(session, shop).email,
            "order_id": to_ship.id,
            "sale_id": sale.id,
            "buyer_id": fan.id,
        }


def _send_back(server: LiveServer, sale_id: int, buyer_id: int) -> None:
    with server.db.transaction() as session:
        who = session.get(User, buyer_id)
        assert who is not None
        aftersales.ship_return(
            session,
            server.clock,
            principal_of(session, who),
            sale_id,
            carrier_code="sf",
            tracking_no="SFRETURN0001",
        )
        deliver_parcel(
            session,
            server.clock,
            carrier_code="sf",
            tracking_no="SFRETURN0001",
            kinds=("picked_up",),
        )


def _read(server: LiveServer, model: Any, row_id: int) -> str:
    with server.db.transaction() as session:
        row = session.get(model, row_id)
        assert row is not None
        return str(row.status)


def test_a_merchant_ships_an_order_and_handles_a_return(
    live_server: LiveServer, browser: Any, screenshot: Any
) -> None:
    data = _shop_with_work(live_server)
    path = f"/merchant/shops/{data['shop_id']}"
    context = browser.new_context(locale="zh-CN")
    try:
        page = context.new_page()
        sign_in(page, live_server, data["email"], path)
        expect(page.locator("#score-value")).to_have_text("92.0")
        expect(page.locator("#badge-status")).to_contain_text("已获得信任购徽章")
        screenshot(page, "merchant-console")

        # ship: a bad tracking number is refused next to its field, then the order ships
        order = page.locator(f"li[data-order='{data['order_id']}']")
        form = f"ship-{data['order_id']}"
        order.locator("select[name=carrier_code]").select_option("sf")
        order.locator("input[name=tracking_no]").fill("x1")
        order.locator(".ship-button").click()
        expect(page.locator(f"#e-{form}-tracking_no")).to_contain_text("6 到 40 位")
        expect(page.locator(f"#f-{form}-tracking_no")).to_have_value("x1")
        page.locator(f"#f-{form}-tracking_no").fill("SF7700112233")
        page.locator(f"li[data-order='{data['order_id']}'] .ship-button").click()
        expect(page.locator("#sec-orders .notice")).to_have_text("已发货")
        expect(page.locator(f"li[data-order='{data['order_id']}']")).to_have_count(0)
        assert _read(live_server, Order, data["order_id"]) == "shipped"

        # the return: approve it, the buyer sends it back, confirm it arrived
        sale = f"li[data-aftersale='{data['sale_id']}']"
        expect(page.locator(sale)).to_contain_text("颜色不喜欢")
        expect(page.locator(f"{sale} .deadline")).to_contain_text("还剩")
        page.locator(f"{sale} .approve-button").click()
        expect(page.locator(sale)).to_have_attribute("data-status", "awaiting_return")
        _send_back(live_server, data["sale_id"], data["buyer_id"])
        page.reload()
        expect(page.locator(sale)).to_have_attribute("data-status", "return_shipped")
        page.locator(f"{sale} .receive-button").click()
        expect(page.locator("#sec-aftersales .notice")).to_have_text("已确认收到退货")
        expect(page.locator(sale)).to_have_count(0)
        assert _read(live_server, AfterSale, data["sale_id"]) == "refunded"
        screenshot(page, "merchant-console-after")

        page.set_viewport_size(PHONE)
        page.goto(f"{live_server.url}{path}")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"the console scrolls sideways by {overflow}px on a phone"
        screenshot(page, "merchant-console-phone")
    finally:
        context.close()
