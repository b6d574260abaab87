"""The creator console: who may see it, the score with its breakdown and trend, followers and
sessions; scheduling, starting and ending a session; the showcase (add, remove, pin, unpin) and
the session's orders. Every form's bad input shows an error next to its field in the page's
language, keeps what was typed and writes nothing."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shijing.accounts import service as accounts
from shijing.commerce.catalog.models import Product
from shijing.commerce.creators import service as creators
from shijing.commerce.creators.models import Creator
from shijing.commerce.live import service as lives
from shijing.commerce.live.models import LiveSession, ShowcaseItem
from shijing.commerce.shops.models import Shop
from shijing.core.clock import DISPLAY_TZ, ManualClock
from shijing.trust.models import CreatorScore
from tests.factories import (
    make_creator,
    make_live_session,
    make_order,
    make_product,
    make_shop,
    make_user,
)
from tests.web.pages import EN, HX, ZH, csrf_token, log_in


def _email_of(session: Session, creator: Creator) -> str:
    return accounts.get_user(session, creator.user_id).email


def _signed_in_creator(client: TestClient, session: Session, clock: ManualClock) -> Creator:
    creator = make_creator(session, clock, handle="scarf_queen")
    session.commit()
    log_in(client, _email_of(session, creator))
    return creator


def _own_shop(session: Session, clock: ManualClock, creator: Creator) -> Shop:
    """A shop the creator is staff of, so they may sell its products."""
    return make_shop(session, clock, staff=(accounts.get_user(session, creator.user_id),))


def _room(
    session: Session, clock: ManualClock, creator: Creator, *, status: str = "live"
) -> tuple[LiveSession, dict[str, int]]:
    """A session of ``creator`` with a scarf and a cap in its showcase; item ids by title, and
    product ids under ``scarf_product`` and ``cap_product``."""
    shop = _own_shop(session, clock, creator)
    scarf = make_product(session, clock, shop=shop, title="羊毛围巾", price_fen=5_900)
    cap = make_product(session, clock, shop=shop, title="毛线帽", price_fen=3_900)
    live = make_live_session(
        session, clock, creator=creator, title="冬季专场", products=(scarf, cap), status=status
    )
    items = {i.product_id: i.id for i in lives.showcase_items(session, live.id)}
    session.commit()
    return live, {
        "羊毛围巾": items[scarf.id],
        "毛线帽": items[cap.id],
        "scarf_product": scarf.id,
        "cap_product": cap.id,
    }


def _items(session: Session, live_id: int) -> list[int]:
    session.expire_all()
    return [i.product_id for i in lives.showcase_items(session, live_id)]


def _pinned(session: Session, live_id: int) -> int | None:
    session.expire_all()
    return lives.get_live_session(session, live_id).pinned_item_id


# -- access -------------------------------------------------------------------------------------


def test_only_the_owner_of_a_creator_profile_sees_the_console(
    client: TestClient, anon: TestClient, session: Session, clock: ManualClock
) -> None:
    creator = make_creator(session, clock)
    live = make_live_session(session, clock, creator=creator, title="我的直播")
    other_creator = make_creator(session, clock)
    buyer = make_user(session, clock)
    session.commit()

    away = anon.get("/creator", follow_redirects=False)
    assert away.status_code == 303
    assert away.headers["location"] == "/login?next=/creator"
    room = anon.get(f"/creator/live/{live.id}", follow_redirects=False)
    assert room.status_code == 303
    assert room.headers["location"] == f"/login?next=/creator/live/{live.id}"

    log_in(client, buyer.email)
    for path in ("/creator", f"/creator/live/{live.id}", f"/creator/live/{live.id}/orders"):
        page = client.get(path, headers=EN | {"Accept": "text/html"})
        assert page.status_code == 404, path
        assert "Page not found" in page.text
    assert 'href="/creator"' not in client.get("/", headers=EN).text

    log_in(client, _email_of(session, other_creator))
    assert client.get("/creator").status_code == 200
    for path in (f"/creator/live/{live.id}", f"/creator/live/{live.id}/orders"):
        assert client.get(path, headers=EN).status_code == 404, path
    token = csrf_token(client, "/creator")
    started = client.post(
        f"/creator/live/{live.id}/start", data={"csrf_token": token}, follow_redirects=False
    )
    assert started.status_code == 404
    session.expire_all()
    assert lives.get_live_session(session, live.id).status == "scheduled"

    log_in(client, _email_of(session, creator))
    mine = client.get("/creator", headers=EN)
    assert mine.status_code == 200
    assert 'href="/creator">Creator console</a>' in mine.text  # the nav link
    assert f'href="/creator/live/{live.id}"' in mine.text
    assert client.get(f"/creator/live/{live.id}", headers=EN).status_code == 200
    assert client.get("/creator/live/999999", headers=EN).status_code == 404
    assert client.get("/creator/live/0", headers=EN).status_code == 422


# -- the console --------------------------------------------------------------------------------


def test_the_console_shows_not_enough_data_then_the_score_with_breakdown_and_trend(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    creator = _signed_in_creator(client, session, clock)
    page = client.get("/creator", headers=EN)
    assert "Not enough data yet" in page.text
    assert "No trend yet" in page.text
    assert "数据不足，暂无评分" in client.get("/creator", headers=ZH).text

    start = date(2026, 3, 1)
    for i, value in enumerate((4.21, 4.38, 4.64)):
        session.add(
            CreatorScore(
                creator_id=creator.id,
                definition_version="v1",
                as_of=start + timedelta(days=i),
                orders=30 + i,
                enough_data=True,
                outcome=0.82,
                conduct_deduction=0.0,
                score=value,
                detail={"bad_orders": 3},
                computed_at=datetime(2026, 3, 2, tzinfo=UTC),
            )
        )
    session.commit()
    page = client.get("/creator", headers=EN)
    assert re.search(r'id="score-value">4\.6<', page.text)
    assert "32 orders counted" in page.text
    assert "3 orders went badly" in page.text
    assert "Order outcomes 82% good" in page.text
    assert "As of 2026-03-03" in page.text
    assert "<polyline points=" in page.text
    assert page.text.count("<circle ") == 3
    assert "Low 4.2, high 4.6" in page.text
    zh = client.get("/creator", headers=ZH).text
    assert "带货口碑分" in zh
    assert "计入订单 32 笔" in zh


def test_the_console_says_why_orders_went_badly_and_whose_goods(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    creator = _signed_in_creator(client, session, clock)
    shop = make_shop(session, clock, name="快发旗舰店")

    def outcome(reason: str, count: int, rate: float, costs: float, **kw: Any) -> dict[str, Any]:
        return {"reason": reason, "count": count, "rate": rate, "costs": costs, **kw}

    session.add(
        CreatorScore(
            creator_id=creator.id,
            definition_version="v1",
            as_of=date(2026, 3, 3),
            orders=40,
            enough_data=True,
            outcome=0.7,
            conduct_deduction=0.0,
            score=4.4,
            detail={
                "bad_orders": 6,
                "outcomes": [
                    outcome("negative_review", 2, 0.05, 0.21, peer_median=0.04, better_than=0.3),
                    outcome(
                        "quality_return",
                        4,
                        0.1,
                        0.35,
                        peer_median=0.03,
                        better_than=0.1,
                        change_7d=0.025,
                    ),
                    outcome("complaint", 0, 0.0, 0.0, peer_median=0.01, better_than=0.9),
                    outcome("shop_cancel", 0, 0.0, 0.0, peer_median=0.0, better_than=0.0),
                ],
                "worst_shop": {"shop_id": shop.id, "bad_orders": 4, "orders": 12},
                "suggested": ["quality_return", "negative_review"],
            },
            computed_at=datetime(2026, 3, 3, tzinfo=UTC),
        )
    )
    session.commit()
    page = client.get("/creator", headers=EN).text
    row = re.search(r'<tr data-reason="quality_return">(.*?)</tr>', page, re.S)
    assert row
    cells = " ".join(re.sub(r"<[^>]+>", " ", row.group(1)).split())
    assert cells == "Quality returns 4 10.0% · better than 10% of creators 3.0% 0.35 +2.5"
    suggestions = [
        (reason, html.unescape(text))
        for reason, text in re.findall(r'<li data-reason="(\w+)">(.*?)</li>', page)
    ]
    assert suggestions == [
        (
            "quality_return",
            "10.0% of the orders you sold came back as quality returns; the median creator's "
            "is 3.0%.",
        ),
        (
            "negative_review",
            "5.0% of the orders you sold got a 1–2 star review; the median creator's is 4.0%.",
        ),
    ]
    assert "4 of your 6 bad orders came from 快发旗舰店: check what you sell for it." in (
        html.unescape(page)
    )
    zh = client.get("/creator", headers=ZH).text
    assert "品质退货" in zh
    assert "6 笔差单中有 4 笔来自「快发旗舰店」" in zh


def test_the_console_shows_followers_and_sessions_by_status(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    creator = _signed_in_creator(client, session, clock)
    for name in ("老铁甲", "老铁乙"):
        fan = make_user(session, clock, display_name=name)
        creators.follow_creator(session, clock, user_id=fan.id, creator_id=creator.id)
    ended = make_live_session(session, clock, creator=creator, title="上周专场", status="ended")
    on_air = make_live_session(session, clock, creator=creator, title="正在播", status="live")
    later = make_live_session(session, clock, creator=creator, title="明晚上新")
    session.commit()
    page = client.get("/creator", headers=ZH)
    assert "2 位粉丝" in page.text
    assert page.text.index("老铁乙") < page.text.index("老铁甲")  # newest first
    for live in (ended, on_air, later):
        assert f'href="/creator/live/{live.id}"' in page.text
        assert f'href="/live/{live.id}"' in page.text
    assert page.text.index("正在播") < page.text.index("明晚上新") < page.text.index("上周专场")
    assert f'action="/creator/live/{later.id}/start"' in page.text
    assert f'action="/creator/live/{on_air.id}/end"' in page.text
    en = client.get("/creator", headers=EN).text
    assert "2 followers" in en
    assert "On air" in en


# -- scheduling, starting, ending ---------------------------------------------------------------


def _sessions(session: Session, creator: Creator) -> int:
    session.expire_all()
    return (
        session.scalar(
            select(func.count())
            .select_from(LiveSession)
            .where(LiveSession.creator_id == creator.id)
        )
        or 0
    )


def test_scheduling_a_session_in_beijing_time(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    creator = _signed_in_creator(client, session, clock)
    when = (clock.now() + timedelta(days=1)).astimezone(DISPLAY_TZ).replace(second=0, microsecond=0)
    response = client.post(
        "/creator/live",
        data={
            "csrf_token": csrf_token(client, "/creator"),
            "title": "  春季上新  ",
            "scheduled_at": when.strftime("%Y-%m-%dT%H:%M"),
            "stream_url": "https://player.example.com/s/1",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    live_id = int(response.headers["location"].rsplit("/", 1)[1])
    live = lives.get_live_session(session, live_id)
    assert live.creator_id == creator.id
    assert live.title == "春季上新"
    assert live.scheduled_at.replace(tzinfo=UTC) == when.astimezone(UTC)
    assert live.stream_url == "https://player.example.com/s/1"
    page = client.get(response.headers["location"], headers=EN)
    assert "春季上新" in page.text
    assert "Go live" in page.text


@pytest.mark.parametrize(
    ("form", "field", "en", "zh"),
    [
        ({"title": ""}, "title", "Required", "必填"),
        ({"title": "x" * 101}, "title", "1 to 100 characters", "1 到 100 个字"),
        ({"scheduled_at": ""}, "scheduled_at", "Required", "必填"),
        ({"scheduled_at": "next tuesday"}, "scheduled_at", "valid date and time", "有效的日期"),
        ({"scheduled_at": "2020-01-01T20:00"}, "scheduled_at", "in the future", "晚于现在"),
        ({"scheduled_at": "2099-01-01T20:00"}, "scheduled_at", "within 90 days", "90 天"),
        ({"stream_url": "ftp://x.example"}, "stream_url", "http:// or https://", "https://"),
    ],
)
def test_bad_schedule_input_is_shown_next_to_its_field_and_nothing_is_written(
    client: TestClient,
    session: Session,
    clock: ManualClock,
    form: dict[str, str],
    field: str,
    en: str,
    zh: str,
) -> None:
    creator = _signed_in_creator(client, session, clock)
    good = {
        "title": "春季上新",
        "scheduled_at": (clock.now() + timedelta(hours=3))
        .astimezone(DISPLAY_TZ)
        .strftime("%Y-%m-%dT%H:%M"),
        "stream_url": "",
    }
    data = good | form | {"csrf_token": csrf_token(client, "/creator")}
    for headers, text in ((EN, en), (ZH, zh)):
        page = client.post("/creator/live", data=data, headers=headers)
        assert page.status_code == 422
        error = re.search(
            rf'<p class="field-error" id="e-{field}" role="alert">([^<]*)</p>', page.text
        )
        assert error, page.text
        assert text in error.group(1)
        assert f'id="f-{field}"' in page.text
        for name, value in data.items():
            if name != "csrf_token" and value:
                assert f'value="{value}"' in page.text  # what was typed is kept
    assert _sessions(session, creator) == 0


def test_starting_and_ending_a_session(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    creator = _signed_in_creator(client, session, clock)
    live = make_live_session(session, clock, creator=creator)
    session.commit()
    token = csrf_token(client, "/creator")
    started = client.post(
        f"/creator/live/{live.id}/start", data={"csrf_token": token}, follow_redirects=False
    )
    assert started.status_code == 303
    assert started.headers["location"] == f"/creator/live/{live.id}"
    session.expire_all()
    assert lives.get_live_session(session, live.id).status == "live"
    page = client.get(f"/creator/live/{live.id}", headers=EN)
    assert "End the session" in page.text
    ended = client.post(
        f"/creator/live/{live.id}/end", data={"csrf_token": token}, follow_redirects=False
    )
    assert ended.status_code == 303
    session.expire_all()
    assert lives.get_live_session(session, live.id).status == "ended"
    page = client.get(f"/creator/live/{live.id}", headers=EN)
    assert "its showcase can no longer change" in page.text


def test_starting_while_live_elsewhere_or_twice_is_an_error_on_the_page(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    creator = _signed_in_creator(client, session, clock)
    over = make_live_session(session, clock, creator=creator, title="旧场", status="ended")
    make_live_session(session, clock, creator=creator, status="live")
    waiting = make_live_session(session, clock, creator=creator)
    session.commit()
    token = csrf_token(client, "/creator")
    page = client.post(f"/creator/live/{waiting.id}/start", data={"csrf_token": token}, headers=EN)
    assert page.status_code == 409
    assert re.search(r'id="e-_lifecycle" role="alert">You are live in another session', page.text)
    session.expire_all()
    assert lives.get_live_session(session, waiting.id).status == "scheduled"
    page = client.post(f"/creator/live/{over.id}/end", data={"csrf_token": token}, headers=ZH)
    assert page.status_code == 409
    assert "这场直播当前的状态不允许这样做" in page.text


# -- the showcase -------------------------------------------------------------------------------


def test_adding_removing_pinning_and_unpinning_through_htmx(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    creator = _signed_in_creator(client, session, clock)
    live, items = _room(session, clock, creator)
    mine = make_product(session, clock, shop=_own_shop(session, clock, creator), title="新品手套")
    session.commit()
    path = f"/creator/live/{live.id}"
    page = client.get(path, headers=EN)
    assert f'<option value="{mine.id}">新品手套 · own shop</option>' in page.text
    token = csrf_token(client, path)

    added = client.post(
        f"{path}/showcase", data={"csrf_token": token, "product_id": mine.id}, headers=HX | EN
    )
    assert added.status_code == 200
    assert added.text.lstrip().startswith('<section class="card" id="showcase-box"')
    assert "新品手套" in added.text
    assert _items(session, live.id) == [items["scarf_product"], items["cap_product"], mine.id]

    pinned = client.post(
        f"{path}/showcase/{items['毛线帽']}/pin", data={"csrf_token": token}, headers=HX | EN
    )
    assert pinned.status_code == 200
    assert re.search(r'class="is-pinned">\s*<span class="grow"><a [^>]*>毛线帽', pinned.text)
    assert _pinned(session, live.id) == items["毛线帽"]

    unpinned = client.post(f"{path}/unpin", data={"csrf_token": token}, headers=HX | EN)
    assert unpinned.status_code == 200
    assert "is-pinned" not in unpinned.text
    assert _pinned(session, live.id) is None

    removed = client.post(
        f"{path}/showcase/{items['羊毛围巾']}/remove", data={"csrf_token": token}, headers=HX
    )
    assert removed.status_code == 200
    assert _items(session, live.id) == [items["cap_product"], mine.id]

    # without HTMX the forms redirect back to the session page
    again = client.post(
        f"{path}/showcase/{items['毛线帽']}/pin", data={"csrf_token": token}, follow_redirects=False
    )
    assert again.status_code == 303
    assert again.headers["location"] == path
    assert _pinned(session, live.id) == items["毛线帽"]


@pytest.mark.parametrize(
    ("case", "en", "zh"),
    [
        ("blank", "Choose a product", "请选择商品"),
        ("junk", "Choose a product", "请选择商品"),
        ("unknown", "No such product", "商品不存在"),
        ("not_sellable", "not its shop's staff and no open distribution plan", "分销计划"),
        ("already", "already in the showcase", "已经在小黄车里"),
    ],
)
def test_adding_a_product_the_creator_may_not_sell_is_a_field_error_with_no_write(
    client: TestClient, session: Session, clock: ManualClock, case: str, en: str, zh: str
) -> None:
    creator = _signed_in_creator(client, session, clock)
    live, items = _room(session, clock, creator)
    stranger = make_product(session, clock, title="别人家的货")
    session.commit()
    product_id: Any = {
        "blank": "",
        "junk": "abc",
        "unknown": 999_999,
        "not_sellable": stranger.id,
        "already": items["scarf_product"],
    }[case]
    path = f"/creator/live/{live.id}"
    token = csrf_token(client, path)
    before = _items(session, live.id)
    for headers, text in ((EN, en), (ZH, zh)):
        partial = client.post(
            f"{path}/showcase",
            data={"csrf_token": token, "product_id": product_id},
            headers=HX | headers,
        )
        assert partial.status_code in (409, 422)
        error = re.search(r'id="e-product_id" role="alert">([^<]*)<', partial.text)
        assert error, partial.text
        assert text in html.unescape(error.group(1))
        full = client.post(
            f"{path}/showcase",
            data={"csrf_token": token, "product_id": product_id},
            headers=headers,
        )
        assert full.status_code == partial.status_code
        assert "<html" in full.text
        assert text in html.unescape(full.text)
    assert _items(session, live.id) == before
    assert "别人家的货" not in client.get(path).text  # never offered


def test_an_ended_session_cannot_change_its_showcase(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    creator = _signed_in_creator(client, session, clock)
    live, items = _room(session, clock, creator, status="ended")
    path = f"/creator/live/{live.id}"
    token = csrf_token(client, path)
    page = client.get(path, headers=EN)
    assert "pin-button" not in page.text
    refused = client.post(
        f"{path}/showcase/{items['毛线帽']}/pin", data={"csrf_token": token}, headers=EN
    )
    assert refused.status_code == 409
    assert "Not possible in this session's current state" in html.unescape(refused.text)
    assert _pinned(session, live.id) is None
    missing = client.post(f"{path}/showcase/999999/pin", data={"csrf_token": token}, headers=HX)
    assert missing.status_code in (404, 409)
    assert session.scalar(select(func.count()).select_from(ShowcaseItem)) == 2


def test_a_post_without_its_csrf_token_is_refused(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    creator = _signed_in_creator(client, session, clock)
    live, items = _room(session, clock, creator)
    refused = client.post(f"/creator/live/{live.id}/showcase/{items['毛线帽']}/pin", headers=EN)
    assert refused.status_code == 403
    assert _pinned(session, live.id) is None


# -- orders -------------------------------------------------------------------------------------


def test_the_session_page_lists_the_sessions_paid_orders(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    creator = _signed_in_creator(client, session, clock)
    live, items = _room(session, clock, creator)
    cap = session.get(Product, items["cap_product"])
    paid = make_order(session, clock, product=cap, quantity=2, status="paid", creator=creator)
    unpaid = make_order(session, clock, product=cap, status="pending_payment", creator=creator)
    elsewhere = make_order(session, clock, product=cap, status="paid", creator=creator)
    for order in (paid, unpaid):
        order.live_session_id = live.id
        order.traffic_source = "live_room"
    session.commit()
    partial = client.get(f"/creator/live/{live.id}/orders", headers=HX | EN)
    assert partial.status_code == 200
    assert f'data-order="{paid.id}"' in partial.text
    assert "毛线帽 ×2" in partial.text
    assert "¥78.00" in partial.text
    assert f'data-order="{unpaid.id}"' not in partial.text
    assert f'data-order="{elsewhere.id}"' not in partial.text
    page = client.get(f"/creator/live/{live.id}", headers=ZH)
    assert f'data-order="{paid.id}"' in page.text
    assert "已支付" in page.text
    assert 'data-session="' in page.text  # the page listens to the room's socket
