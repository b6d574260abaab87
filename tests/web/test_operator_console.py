"""The operator console: only operators see it; the dashboard's numbers against a hand-built
marketplace; and each queue's forms (arbitration ruling, claim approve/reject, complaint triage,
shop suspend/reinstate), their happy paths and their bad input — the error next to its field in
the page's language, what was typed kept, nothing written."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import httpx
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from shijing.accounts.models import Role, User
from shijing.commerce.aftersales import service as aftersales
from shijing.commerce.aftersales.models import AfterSale
from shijing.commerce.complaints import service as complaints
from shijing.commerce.complaints.models import Complaint
from shijing.commerce.orders.models import Order
from shijing.commerce.shops.models import Shop
from shijing.core.clock import ManualClock
from shijing.core.db import Database
from shijing.guarantees import claims
from shijing.guarantees.models import Claim
from shijing.web.pages import ops_metrics
from tests.factories import (
    api_login,
    buy_and_deliver,
    make_creator,
    make_order,
    make_product,
    make_shop,
    make_user,
    principal_of,
)
from tests.guarantees.builders import (
    buyer,
    covered_order,
    dispatch,
    operator,
    owner_of,
    trusted_shop,
)
from tests.web.pages import EN, HX, ZH, csrf_token, log_in, post_form

PHOTO = ["https://img.example.com/claims/broken-1.jpg"]
PAGES = (
    "/ops",
    "/ops/arbitration",
    "/ops/claims",
    "/ops/complaints",
    "/ops/shops",
    "/ops/creators",
    "/ops/funds",
)


def _signed_in_operator(client: TestClient, session: Session, clock: ManualClock) -> User:
    user = operator(session, clock)
    session.commit()
    log_in(client, user.email)
    return user


def _post(
    client: TestClient,
    path: str,
    data: dict[str, str],
    *,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    return post_form(client, path, data, token_from="/ops", headers=headers)


def _text_of(page: str, element_id: str, until: str = "p|dd|li|td|tr") -> str:
    """The text inside the element with this id (up to its closing tag), unescaped."""
    pattern = rf'id="{re.escape(element_id)}"[^>]*>(.*?)</({until})>'
    match = re.search(pattern, page, re.S)
    assert match, element_id
    return html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).strip()


# -- access -------------------------------------------------------------------------------------


def test_only_operators_see_the_console(
    client: TestClient, anon: TestClient, session: Session, clock: ManualClock
) -> None:
    shopper = make_user(session, clock)
    merchant = make_user(session, clock, roles=(Role.MERCHANT,))
    make_shop(session, clock, owner=merchant)
    boss = operator(session, clock)
    session.commit()

    for path in PAGES:
        away = anon.get(path, follow_redirects=False)
        assert away.status_code == 303, path
        assert away.headers["location"] == f"/login?next={path}"

    for who in (shopper, merchant):
        log_in(client, who.email)
        assert 'href="/ops"' not in client.get("/", headers=EN).text
        for path in PAGES:
            page = client.get(path, headers=EN)
            assert page.status_code == 404, path
            assert "Page not found" in page.text
        token = csrf_token(client, "/")
        refused = client.post(
            "/ops/shops/1/suspend",
            data={"reason": "x", "csrf_token": token},
            headers=EN,
            follow_redirects=False,
        )
        assert refused.status_code == 404

    log_in(client, boss.email)
    assert 'href="/ops"' in client.get("/", headers=EN).text
    for path in PAGES:
        page = client.get(path, headers=EN)
        assert page.status_code == 200, (path, page.text)
        assert "Operator console" in page.text
        assert client.get(path, headers=ZH).status_code == 200
    assert "运营后台" in client.get("/ops", headers=ZH).text
    # an API token does not make pages readable for anyone else either
    headers = api_login(anon, shopper.email) | EN
    assert anon.get("/ops", headers=headers).status_code == 404


def test_unknown_items_and_actions_are_404_pages(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    _signed_in_operator(client, session, clock)
    for path in (
        "/ops/shops/999999/suspend",
        "/ops/shops/1/demolish",
        "/ops/complaints/999999/frobnicate",
        "/ops/claims/999999/approve",
    ):
        response = _post(client, path, {"reason": "x", "note": "y", "amount": "1"})
        assert response.status_code == 404, path
    junk = _post(client, "/ops/arbitration/abc/rule", {"note": "x"})
    assert junk.status_code == 422


# -- dashboard ----------------------------------------------------------------------------------


def _marketplace(session: Session, clock: ManualClock) -> None:
    """Three buyers in the window: one buys twice, two once (4 paid and delivered orders, ¥10 +
    ¥20 + ¥30 + ¥40). One of the four is being returned. Outside the count: an unpaid order and
    one paid and delivered 40 days ago."""
    shop = make_shop(session, clock)
    prices = [1_000, 2_000, 3_000, 4_000]
    products = [make_product(session, clock, shop=shop, price_fen=p) for p in prices]
    first, second, third = (make_user(session, clock) for _ in range(3))
    orders = [
        make_order(session, clock, buyer=first, product=products[0]),
        make_order(session, clock, buyer=first, product=products[1]),
        make_order(session, clock, buyer=second, product=products[2]),
        make_order(session, clock, buyer=third, product=products[3]),
    ]
    # Paid at 01:00 Beijing time today (17:00 UTC yesterday): counted today, in Beijing.
    orders[3].paid_at = clock.now().replace(hour=17) - timedelta(days=1)
    make_order(session, clock, buyer=third, product=products[0], status="pending_payment")
    old = make_order(session, clock, buyer=second, product=products[0])
    old.paid_at = old.delivered_at = clock.now() - timedelta(days=40)
    session.flush()
    aftersales.open_aftersale(
        session,
        clock,
        principal_of(session, first),
        order_id=orders[0].id,
        kind="return_refund",
        reason="no_reason_7d",
    )
    session.commit()


def test_dashboard_numbers_from_a_hand_built_marketplace(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    _marketplace(session, clock)
    board = ops_metrics.dashboard(session, clock.now())
    assert (board.orders, board.gmv_fen) == (4, 10_000)
    assert (board.buyers, board.repeat_buyers, board.repurchase_pct) == (3, 1, 33.3)
    assert (board.returns, board.delivered, board.return_pct) == (1, 4, 25.0)
    assert (board.claims_paid, board.claims_paid_fen) == (0, 0)
    assert len(board.per_day) == 30
    today = board.per_day[-1]
    assert today.day.isoformat() == "2026-11-29"  # START is noon in Beijing
    assert (today.orders, today.gmv_fen) == (4, 10_000)
    assert sum(d.orders for d in board.per_day[:-1]) == 0

    _signed_in_operator(client, session, clock)
    page = client.get("/ops", headers=EN).text
    assert _text_of(page, "m-orders", "section").endswith("4")
    assert "¥100.00" in _text_of(page, "m-gmv", "section")
    assert "33.3%" in _text_of(page, "m-repurchase", "section")
    assert "1 of 3 buyers" in _text_of(page, "m-repurchase", "section")
    assert "25.0%" in _text_of(page, "m-returns", "section")
    assert "1 returns, 4 orders delivered" in _text_of(page, "m-returns", "section")
    assert "¥0.00" in _text_of(page, "m-claims", "section")
    assert "<title>11-29 4</title>" in page  # the orders bar for today
    assert "<title>11-29 100.00</title>" in page  # the GMV point for today
    assert "buyers with 2 or more paid orders in the window" in page
    zh = client.get("/ops", headers=ZH).text
    assert "复购率" in zh
    assert "33.3%" in zh


def test_an_empty_marketplace_shows_dashes_not_errors(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    _signed_in_operator(client, session, clock)
    page = client.get("/ops", headers=EN)
    assert page.status_code == 200
    assert "—" in _text_of(page.text, "m-repurchase")
    assert "—" in _text_of(page.text, "m-returns")


# -- arbitration --------------------------------------------------------------------------------


def _in_arbitration(session: Session, clock: ManualClock) -> AfterSale:
    order = buy_and_deliver(session, clock)
    who = session.get(User, order.buyer_id)
    shop = session.get(Shop, order.shop_id)
    assert who is not None
    assert shop is not None
    sale = aftersales.open_aftersale(
        session,
        clock,
        principal_of(session, who),
        order_id=order.id,
        kind="refund_only",
        reason="quality",
        description="杯子有裂纹",
        evidence_urls=["https://img.example.com/cup-crack.jpg"],
    )
    aftersales.reject(
        session,
        clock,
        principal_of(session, owner_of(session, shop)),
        sale.id,
        reason="买家使用后损坏",
    )
    aftersales.escalate(
        session, clock, principal_of(session, who), sale.id, statement="收到时就有裂纹，有开箱视频"
    )
    session.commit()
    return sale


def test_arbitration_queue_shows_both_sides_and_a_ruling_is_enforced(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    sale = _in_arbitration(session, clock)
    _signed_in_operator(client, session, clock)
    page = client.get("/ops/arbitration", headers=EN).text
    card = page[page.index(f'id="aftersale-{sale.id}"') :]
    for shown in ("杯子有裂纹", "买家使用后损坏", "收到时就有裂纹，有开箱视频", "cup-crack.jpg"):
        assert shown in card

    done = _post(
        client,
        f"/ops/arbitration/{sale.id}/rule",
        {"ruling": "refund", "fault": "shop", "note": "开箱视频显示到货即有裂纹"},
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"/ops/arbitration?done={sale.id}"
    session.expire_all()
    ruled = session.get(AfterSale, sale.id)
    assert ruled is not None
    assert (ruled.status, ruled.ruling, ruled.fault) == ("refunded", "refund", "shop")
    assert ruled.refunded_fen == ruled.amount_fen
    after = client.get(f"/ops/arbitration?done={sale.id}", headers=EN).text
    assert f"After-sale #{sale.id} ruled on" in after
    assert f'id="aftersale-{sale.id}"' not in after


def test_a_bad_ruling_shows_errors_next_to_fields_and_writes_nothing(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    sale = _in_arbitration(session, clock)
    _signed_in_operator(client, session, clock)
    scope = f"as{sale.id}"

    bad = _post(
        client,
        f"/ops/arbitration/{sale.id}/rule",
        {"ruling": "", "fault": "aliens", "note": "   "},
    )
    assert bad.status_code == 422
    text = bad.text
    assert _text_of(text, f"e-{scope}-ruling") == "Choose one from the list"
    assert _text_of(text, f"e-{scope}-fault") == "Choose one from the list"
    assert _text_of(text, f"e-{scope}-note") == "Required"

    zh = _post(
        client,
        f"/ops/arbitration/{sale.id}/rule",
        {"ruling": "refund", "fault": "shop", "note": ""},
        headers=ZH,
    )
    assert zh.status_code == 422
    zh_text = zh.text
    assert _text_of(zh_text, f"e-{scope}-note") == "必填"
    assert '<option value="refund" selected>' in zh_text  # what was chosen is kept
    assert f"e-{scope}-ruling" not in zh_text

    long = _post(
        client,
        f"/ops/arbitration/{sale.id}/rule",
        {"ruling": "close", "fault": "buyer", "note": "长" * 501},
        headers=HX | EN,
    )
    assert long.status_code == 422
    partial = long.text
    assert "<html" not in partial  # HTMX gets the list back, not the page
    assert _text_of(partial, f"e-{scope}-note") == "At most 500 characters"
    assert "长" * 501 in partial

    session.expire_all()
    still = session.get(AfterSale, sale.id)
    assert still is not None
    assert (still.status, still.ruling, still.ruled_at) == ("in_arbitration", None, None)


# -- claims -------------------------------------------------------------------------------------


def _claim_under_review(session: Session, db: Database, clock: ManualClock) -> Claim:
    """A damage claim from a buyer whose credit is too low to approve it automatically."""
    shop = trusted_shop(session, clock)
    order = covered_order(
        session, db, clock, shop=shop, who=buyer(session, clock, credit=59.0), price_fen=20_000
    )
    who = session.get(User, order.buyer_id)
    assert who is not None
    claim = claims.open_claim(
        session,
        clock,
        principal_of(session, who),
        order_id=order.id,
        code="damage_doa",
        remedy="refund",
        description="屏幕碎了",
        evidence_urls=PHOTO,
    )
    assert claim.status == "under_review"
    session.commit()
    return claim


def test_a_claim_is_approved_for_less_and_the_dashboard_counts_it_paid(
    client: TestClient, session: Session, db: Database, clock: ManualClock
) -> None:
    claim = _claim_under_review(session, db, clock)
    _signed_in_operator(client, session, clock)
    page = client.get("/ops/claims", headers=EN).text
    card = page[page.index(f'id="claim-{claim.id}"') :]
    assert "屏幕碎了" in card
    assert "broken-1.jpg" in card
    assert "Damaged or dead on arrival" in card

    done = _post(
        client, f"/ops/claims/{claim.id}/approve", {"amount": "50.00", "note": "照片可见破损"}
    )
    assert done.status_code == 303
    session.expire_all()
    decided = session.get(Claim, claim.id)
    assert decided is not None
    assert (decided.status, decided.amount_fen, decided.decision_note) == (
        "approved",
        5_000,
        "照片可见破损",
    )
    dispatch(session, db, clock)
    board = client.get("/ops", headers=EN).text
    assert "¥50.00" in _text_of(board, "m-claims", "section")
    assert "1 claims" in _text_of(board, "m-claims", "section")


def test_bad_claim_decisions_show_errors_and_write_nothing(
    client: TestClient, session: Session, db: Database, clock: ManualClock
) -> None:
    claim = _claim_under_review(session, db, clock)
    _signed_in_operator(client, session, clock)
    scope = f"cl{claim.id}"
    cases = [
        ({"amount": "abc", "note": "ok"}, "amount", "Enter an amount in yuan, e.g. 12.50"),
        ({"amount": "-5", "note": "ok"}, "amount", "Enter an amount in yuan, e.g. 12.50"),
        ({"amount": "999999", "note": "ok"}, "amount", f"At most ¥{claim.cap_fen / 100:,.2f}"),
        ({"amount": "", "note": ""}, "note", "Required"),
    ]
    for data, field, message in cases:
        bad = _post(client, f"/ops/claims/{claim.id}/approve", data)
        assert bad.status_code == 422, data
        assert _text_of(bad.text, f"e-{scope}-{field}") == message
        if data["amount"]:
            assert f'value="{html.escape(data["amount"])}"' in bad.text
    rejected_blank = _post(client, f"/ops/claims/{claim.id}/reject", {"reject_note": ""})
    assert rejected_blank.status_code == 422
    assert _text_of(rejected_blank.text, f"e-{scope}-reject_note") == "Required"
    session.expire_all()
    untouched = session.get(Claim, claim.id)
    assert untouched is not None
    assert (untouched.status, untouched.amount_fen) == ("under_review", claim.amount_fen)

    rejected = _post(client, f"/ops/claims/{claim.id}/reject", {"reject_note": "照片为网图"})
    assert rejected.status_code == 303
    again = _post(client, f"/ops/claims/{claim.id}/approve", {"note": "改判"})
    assert again.status_code == 409  # decided already: said on the page, nothing changes
    assert "does not allow this" in _text_of(again.text, "e-_form")
    session.expire_all()
    final = session.get(Claim, claim.id)
    assert final is not None
    assert (final.status, final.decision_note) == ("rejected", "照片为网图")


# -- complaints ---------------------------------------------------------------------------------


def _complaint(session: Session, clock: ManualClock) -> Complaint:
    shop = make_shop(session, clock)
    who = make_user(session, clock)
    complaint = complaints.file_complaint(
        session,
        clock,
        principal_of(session, who),
        target_kind="shop",
        shop_id=shop.id,
        creator_id=None,
        order_id=None,
        category="rude_service",
        description="客服辱骂顾客，有聊天截图",
        evidence_urls=["https://img.example.com/chat.png"],
    )
    session.commit()
    return complaint


def _status(session: Session, complaint_id: int) -> str:
    session.expire_all()
    found = session.get(Complaint, complaint_id)
    assert found is not None
    return found.status


def test_complaints_are_taken_and_upheld_with_a_note(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    complaint = _complaint(session, clock)
    _signed_in_operator(client, session, clock)
    page = client.get("/ops/complaints", headers=EN).text
    assert "客服辱骂顾客，有聊天截图" in page
    assert "Rude service" in page

    taken = _post(client, f"/ops/complaints/{complaint.id}/take", {}, headers=HX | EN)
    assert taken.status_code == 200
    assert f"Complaint #{complaint.id} updated" in taken.text
    assert _status(session, complaint.id) == "under_review"

    blank = _post(client, f"/ops/complaints/{complaint.id}/uphold", {"note": " "})
    assert blank.status_code == 422
    assert _text_of(blank.text, f"e-cp{complaint.id}-note") == "Required"
    assert _status(session, complaint.id) == "under_review"

    upheld = _post(client, f"/ops/complaints/{complaint.id}/uphold", {"note": "截图属实"})
    assert upheld.status_code == 303
    assert _status(session, complaint.id) == "upheld"
    assert f'id="complaint-{complaint.id}"' not in client.get("/ops/complaints").text


def test_a_complaint_in_the_wrong_state_is_refused_on_the_page(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    complaint = _complaint(session, clock)
    _signed_in_operator(client, session, clock)
    early = _post(client, f"/ops/complaints/{complaint.id}/uphold", {"note": "还没受理"})
    assert early.status_code == 409
    assert "does not allow this" in _text_of(early.text, f"e-cp{complaint.id}-_form")
    assert _status(session, complaint.id) == "open"
    dismissed = _post(client, f"/ops/complaints/{complaint.id}/dismiss", {"note": "证据不足"})
    assert dismissed.status_code == 303
    assert _status(session, complaint.id) == "dismissed"


# -- shops and creators -------------------------------------------------------------------------


def test_shops_list_scores_badges_and_status_and_suspend_reinstate(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    badged = trusted_shop(session, clock, score=92.0)
    plain = make_shop(session, clock, name="普通小店")
    session.commit()
    _signed_in_operator(client, session, clock)

    page = client.get("/ops/shops", headers=EN).text
    assert "92.0 · excellent" in _text_of(page, f"shop-{badged.id}").replace("\n", " ")
    assert 'data-badge="active"' in page
    plain_card = page[page.index(f'id="shop-{plain.id}"') :]
    assert "Not enough data yet" in plain_card
    assert "Not enrolled" in plain_card
    assert "普通小店" in client.get("/ops/shops?q=普通", headers=EN).text
    assert "普通小店" not in client.get("/ops/shops?status=suspended", headers=EN).text

    scope = f"sh{plain.id}"
    for reason, message in (("", "Required"), ("长" * 201, "At most 200 characters")):
        bad = _post(client, f"/ops/shops/{plain.id}/suspend", {"reason": reason})
        assert bad.status_code == 422
        assert _text_of(bad.text, f"e-{scope}-reason") == message
    zh = _post(client, f"/ops/shops/{plain.id}/suspend", {"reason": "\x00"}, headers=ZH)
    assert _text_of(zh.text, f"e-{scope}-reason") == "包含不允许的字符"
    session.expire_all()
    assert session.get(Shop, plain.id).status == "active"  # type: ignore[union-attr]

    done = _post(client, f"/ops/shops/{plain.id}/suspend", {"reason": "售假查实"})
    assert done.status_code == 303
    session.expire_all()
    shop = session.get(Shop, plain.id)
    assert shop is not None
    assert (shop.status, shop.status_reason) == ("suspended", "售假查实")
    listed = client.get("/ops/shops?status=suspended", headers=EN).text
    assert "普通小店" in listed
    assert "售假查实" in listed

    wrong = _post(client, f"/ops/shops/{plain.id}/suspend", {"reason": "再次暂停"})
    assert wrong.status_code == 409
    back = _post(client, f"/ops/shops/{plain.id}/reinstate", {"reason": "整改完成"})
    assert back.status_code == 303
    session.expire_all()
    assert session.get(Shop, plain.id).status == "active"  # type: ignore[union-attr]


def test_creators_list_with_scores(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    creator = make_creator(session, clock, handle="scarf_queen")
    session.commit()
    _signed_in_operator(client, session, clock)
    page = client.get("/ops/creators", headers=EN).text
    row = _text_of(page, f"creator-{creator.id}")
    assert "@scarf_queen" in row
    assert "Not enough data yet" in page
    assert "scarf_queen" in client.get("/ops/creators?q=SCARF", headers=EN).text
    assert "scarf_queen" not in client.get("/ops/creators?q=nobody", headers=EN).text
    assert client.get("/ops/creators?offset=junk", headers=EN).status_code == 200


# -- funds --------------------------------------------------------------------------------------


def test_fund_balances_match_the_api(
    client: TestClient, anon: TestClient, session: Session, db: Database, clock: ManualClock
) -> None:
    _claim_under_review(session, db, clock)
    user = _signed_in_operator(client, session, clock)
    page = client.get("/ops/funds", headers=EN).text
    api = anon.get("/api/v1/guarantees/funds", headers=api_login(anon, user.email)).json()

    def shown(key: str) -> str:
        return _text_of(page, f"fund-{key}").split("¥", 1)[1].split()[0]

    def money(fen: int) -> str:
        return f"{fen / 100:,.2f}"

    accounts = api["accounts"]
    assert shown("guarantee_fund") == money(accounts["platform:guarantee_fund"])
    assert shown("premium_pool") == money(accounts["platform:premium_pool"])
    assert shown("fast_refund_float") == money(accounts["platform:fast_refund_float"])
    assert shown("shop_receivables") == money(accounts["platform:shop_receivables"])
    assert shown("shop_deposits") == money(api["shop_deposits_fen"])
    assert shown("claims_paid") == money(api["claims_paid_fen"])
    assert api["shop_deposits_fen"] > 0
    assert accounts["platform:guarantee_fund"] > 0
    assert _text_of(page, "fund-claims_open", "section").endswith(str(api["claims_open"]))


def test_orders_in_the_window_are_bucketed_by_beijing_day(
    session: Session, clock: ManualClock
) -> None:
    order = make_order(session, clock)
    # 23:30 Beijing yesterday = 15:30 UTC yesterday: yesterday's bucket, not today's.
    order.paid_at = clock.now().replace(hour=15, minute=30) - timedelta(days=1)
    session.flush()
    board = ops_metrics.dashboard(session, clock.now())
    assert [d.orders for d in board.per_day[-2:]] == [1, 0]
    assert isinstance(board.per_day[-2].day.isoformat(), str)
    assert session.get(Order, order.id) is not None
