"""In a real browser: a creator pins a product in their console and a viewer in the room sees it
within a second; a buyer's order then arrives on the creator's session page without a reload."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from playwright.sync_api import expect

from shijing.accounts import service as accounts
from shijing.commerce.creators import service as creators
from shijing.commerce.live import service as lives
from shijing.trust.models import CreatorScore
from tests.factories import make_live_session, make_product, make_user
from tests.web.browser.conftest import LiveServer, sign_in

PHONE = {"width": 390, "height": 844}


def _creator_room(server: LiveServer) -> dict[str, Any]:
    """A live room of a creator with some score history, a scarf and a cap in the showcase."""
    with server.db.transaction() as session:
        scarf = make_product(session, server.clock, title="手工羊毛围巾", price_fen=5_900)
        cap = make_product(session, server.clock, title="毛线帽", price_fen=3_900)
        # a new creator, made staff of both shops so the showcase may hold them
        live = make_live_session(
            session, server.clock, title="冬季围巾专场", products=(scarf, cap), status="live"
        )
        creator_id = lives.get_live_session(session, live.id).creator_id
        today = server.clock.now().date()
        for days_ago, score in ((3, 4.2), (2, 4.4), (1, 4.3), (0, 4.6)):
            session.add(
                CreatorScore(
                    creator_id=creator_id,
                    definition_version="v1",
                    as_of=today - timedelta(days=days_ago),
                    orders=40,
                    enough_data=True,
                    outcome=0.8,
                    conduct_deduction=0.0,
                    score=score,
                    detail={"bad_orders": 4},
                    computed_at=datetime.now(UTC),
                )
            )
        items = {i.product_id: i.id for i in lives.showcase_items(session, live.id)}
        owner = creators.get_creator(session, creator_id)
        fan = make_user(session, server.clock, display_name="老铁王")
        creators.follow_creator(session, server.clock, user_id=fan.id, creator_id=owner.id)
        return {
            "live_id": live.id,
            "creator_email": accounts.get_user(session, owner.user_id).email,
            "cap_item": items[cap.id],
            "buyer_email": make_user(session, server.clock, display_name="李小四").email,
        }


def test_a_creator_pins_in_the_console_and_a_viewer_sees_it_within_a_second(
    live_server: LiveServer, browser: Any, screenshot: Any
) -> None:
    room = _creator_room(live_server)
    live_id = room["live_id"]
    creator = browser.new_context(locale="zh-CN")
    viewer = browser.new_context(locale="zh-CN")
    buyer = browser.new_context(locale="zh-CN")
    try:
        console = creator.new_page()
        sign_in(console, live_server, room["creator_email"], "/creator")
        expect(console.locator("#score-value")).to_have_text("4.6")
        expect(console.locator("#score-trend polyline")).to_have_count(1)
        expect(console.locator("#recent-followers")).to_contain_text("老铁王")
        expect(console.locator(f"#sessions-on-air [data-session='{live_id}']")).to_be_visible()
        screenshot(console, "creator-console")
        console.click(f"#sessions-on-air a[href='/creator/live/{live_id}']")
        console.wait_for_url(f"{live_server.url}/creator/live/{live_id}")
        expect(console.locator("#creator-live")).to_have_attribute("data-connected", "true")

        room_page = viewer.new_page()
        room_page.goto(f"{live_server.url}/live/{live_id}")
        expect(room_page.locator("#live-room")).to_have_attribute("data-connected", "true")
        expect(room_page.locator("#pinned")).to_contain_text("主播还没有上架讲解商品")

        console.click(f"#showcase-items li[data-item='{room['cap_item']}'] .pin-button")
        expect(room_page.locator("#pinned .title")).to_have_text("毛线帽", timeout=1000)
        expect(room_page.locator("#showcase li.is-pinned")).to_contain_text("毛线帽")
        expect(console.locator(f"li[data-item='{room['cap_item']}']")).to_have_class("is-pinned")
        expect(console.locator(".unpin-button")).to_have_count(1)

        # a buyer buys the pinned cap; the order reaches the creator's page without a reload
        shopper = buyer.new_page()
        sign_in(shopper, live_server, room["buyer_email"], f"/live/{live_id}")
        expect(shopper.locator("#pinned .title")).to_have_text("毛线帽")
        for field, value in (
            ("name", "李小四"),
            ("phone", "13800000000"),
            ("province", "浙江"),
            ("city", "杭州"),
            ("address", "西湖区文三路 1 号"),
        ):
            shopper.fill(f"#f-{field}", value)
        shopper.click("#buy-button")
        expect(shopper.locator("#bought")).to_contain_text("下单成功，已支付")
        expect(console.locator("#creator-ticker")).to_contain_text("李** 刚刚买了 毛线帽")
        expect(console.locator("#orders-list")).to_contain_text("毛线帽 ×1")
        expect(console.locator("#orders-list")).to_contain_text("¥39.00")
        screenshot(console, "creator-session")

        console.set_viewport_size(PHONE)
        for path, name in ((f"/creator/live/{live_id}", "session"), ("/creator", "console")):
            console.goto(f"{live_server.url}{path}")
            overflow = console.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
            screenshot(console, f"creator-{name}-phone")
    finally:
        for context in (creator, viewer, buyer):
            context.close()
