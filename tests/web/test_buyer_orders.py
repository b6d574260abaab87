"""The buyer's Orders and Me pages: who may see an order, the list with its filter and pages, the
order's timeline and promises, and every form on the order page (confirm receipt, after-sale,
return shipment, withdraw, escalate, Trust Purchase claim, review, follow-up, complaint) — each
one's happy path, and its bad input shown next to the field in the page's language with what was
typed kept and nothing written. A return picked up by the carrier shows the compensation paid."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shijing.accounts.models import User
from shijing.commerce.aftersales import service as aftersales
from shijing.commerce.aftersales.models import AfterSale
from shijing.commerce.complaints.models import Complaint
from shijing.commerce.creators import service as creators
from shijing.commerce.orders.models import Order
from shijing.commerce.reviews.models import Review
from shijing.commerce.shops.models import Shop
from shijing.core.clock import ManualClock
from shijing.core.db import Database
from shijing.guarantees.models import Claim
from tests.factories import (
    deliver_parcel,
    make_creator,
    make_order,
    make_product,
    make_user,
    principal_of,
)
from tests.guarantees.builders import (
    buyer,
    claims_of,
    covered_order,
    dispatch,
    owner_of,
    request_return,
    trusted_shop,
)
from tests.web.pages import EN, HX, ZH, log_in, post_form


def _post(
    client: TestClient, path: str, data: dict[str, str], headers: dict[str, str] | None = None
) -> Response:
    return post_form(client, path, data, token_from="/orders", headers=headers)


def _text(page: Response) -> str:
    return html.unescape(page.text)


def _count(session: Session, model: type, **where: object) -> int:
    session.expire_all()
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return session.scalar(query) or 0


def _delivered(
    session: Session, db: Database, clock: ManualClock, *, who: User | None = None
) -> Order:
    """A covered order of a Trust Purchase shop, delivered, its buyer in good standing."""
    shop = trusted_shop(session, clock)
    order = covered_order(session, db, clock, shop=shop, who=who or buyer(session, clock))
    return order


def _signed_in_owner(
    client: TestClient, session: Session, db: Database, clock: ManualClock
) -> Order:
    order = _delivered(session, db, clock)
    session.commit()
    user = session.get(User, order.buyer_id)
    assert user is not None
    log_in(client, user.email)
    return order


# -- access -------------------------------------------------------------------------------------


def test_only_the_buyer_sees_an_order_others_get_404_and_visitors_sign_in(
    client: TestClient, anon: TestClient, session: Session, db: Database, clock: ManualClock
) -> None:
    order = _delivered(session, db, clock)
    stranger = make_user(session, clock)
    shop = session.get(Shop, order.shop_id)
    assert shop is not None
    merchant = owner_of(session, shop)
    session.commit()

    for path in ("/orders", f"/orders/{order.id}", "/me", "/me/claims"):
        away = anon.get(path, follow_redirects=False)
        assert away.status_code == 303, path
        assert away.headers["location"] == f"/login?next={path}"

    owner = session.get(User, order.buyer_id)
    assert owner is not None
    log_in(client, owner.email)
    mine = client.get(f"/orders/{order.id}", headers=EN)
    assert mine.status_code == 200
    assert f"Order #{order.id}" in mine.text
    assert 'href="/orders">My orders</a>' in mine.text  # the nav link
    assert client.get("/orders/999999", headers=EN).status_code == 404

    for other in (stranger, merchant):
        log_in(client, other.email)
        page = client.get(f"/orders/{order.id}", headers=EN | {"Accept": "text/html"})
        assert page.status_code == 404
        assert "Page not found" in page.text
        assert f'data-order="{order.id}"' not in client.get("/orders", headers=EN).text
        confirmed = _post(client, f"/orders/{order.id}/confirm", {})
        assert confirmed.status_code == 404
    session.expire_all()
    assert session.get(Order, order.id).status == "delivered"  # type: ignore[union-attr]


# -- the list -----------------------------------------------------------------------------------


def test_my_orders_are_listed_with_shop_product_amount_status_filter_and_pages(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    me = make_user(session, clock)
    product = make_product(session, clock, title="羊毛围巾", price_fen=5_900)
    for _ in range(21):
        make_order(session, clock, buyer=me, product=product, status="paid")
    done = make_order(session, clock, buyer=me, product=product, status="completed")
    make_order(session, clock, product=product)  # someone else's
    shop = session.get(Shop, product.shop_id)
    assert shop is not None
    session.commit()
    log_in(client, me.email)

    first = client.get("/orders", headers=EN)
    assert first.status_code == 200
    assert "22 orders" in first.text
    assert first.text.count('class="order-row"') == 20
    assert "羊毛围巾" in first.text
    assert shop.name in first.text
    assert "¥59.00" in first.text
    assert "Page 1 of 2" in first.text
    assert 'rel="next"' in first.text
    second = client.get("/orders?page=2", headers=EN)
    assert second.text.count('class="order-row"') == 2

    completed = client.get("/orders?status=completed", headers=ZH)
    assert completed.status_code == 200
    assert completed.text.count('class="order-row"') == 1
    assert f'data-order="{done.id}"' in completed.text
    assert "已完成" in completed.text

    bad = client.get("/orders?status=lost&page=abc", headers=EN)
    assert bad.status_code == 422
    assert 'id="e-status"' in bad.text
    assert "No such order status" in bad.text
    assert bad.text.count('class="order-row"') == 20  # the unfiltered first page


# -- the order page -----------------------------------------------------------------------------


def test_the_order_page_shows_the_timeline_tracking_and_promises_in_both_languages(
    client: TestClient, session: Session, db: Database, clock: ManualClock
) -> None:
    order = _signed_in_owner(client, session, db, clock)
    zh = client.get(f"/orders/{order.id}", headers=ZH)
    assert zh.status_code == 200
    for words in ("下单", "支付成功", "商家发货", "快递已揽收", "已签收", "退货补运费", "确认收货"):
        assert words in zh.text, words
    assert 'data-guarantee="return_postage"' in zh.text
    en = client.get(f"/orders/{order.id}", headers=EN)
    assert "Return postage paid back automatically" in en.text
    assert "Parcel to you" in en.text
    assert "SF" in en.text
    assert '<html lang="en">' in en.text


def test_confirming_receipt(
    client: TestClient, session: Session, db: Database, clock: ManualClock
) -> None:
    order = _signed_in_owner(client, session, db, clock)
    done = _post(client, f"/orders/{order.id}/confirm", {})
    assert done.status_code == 303
    page = client.get(done.headers["location"], headers=EN)
    assert "Receipt confirmed" in page.text
    session.expire_all()
    assert session.get(Order, order.id).status == "completed"  # type: ignore[union-attr]

    again = _post(client, f"/orders/{order.id}/confirm", {}, headers=ZH)
    assert again.status_code == 409
    assert 'id="e-confirm-_form"' in again.text
    assert "当前状态下不能这样做" in again.text


def test_requesting_an_after_sale_with_bad_input_writes_nothing(
    client: TestClient, session: Session, db: Database, clock: ManualClock
) -> None:
    order = _signed_in_owner(client, session, db, clock)
    bad = _post(
        client,
        f"/orders/{order.id}/aftersales",
        {
            "kind": "",
            "reason": "no_reason_7d",
            "description": "尺码偏小",
            "evidence_urls": "ftp://example.com/a.jpg",
            "amount": "-3",
        },
    )
    assert bad.status_code == 422
    text = _text(bad)
    assert 'id="e-aftersale-kind"' in text
    assert "Required" in text
    assert 'id="e-aftersale-evidence_urls"' in text
    assert "starting with http://" in text
    assert 'id="e-aftersale-amount"' in text
    assert "above zero" in text
    assert "尺码偏小" in text
    assert 'value="-3"' in text
    assert _count(session, AfterSale, order_id=order.id) == 0

    # the service's own rule, shown next to its field, in Chinese
    refused = _post(
        client,
        f"/orders/{order.id}/aftersales",
        {"kind": "refund_only", "reason": "no_reason_7d"},
        headers=ZH,
    )
    assert refused.status_code == 422
    assert 'id="e-aftersale-kind"' in refused.text
    assert "请选择退货退款或换货" in refused.text
    too_much = _post(
        client,
        f"/orders/{order.id}/aftersales",
        {"kind": "return_refund", "reason": "no_reason_7d", "amount": "9999"},
    )
    assert 'id="e-aftersale-amount"' in too_much.text
    assert _count(session, AfterSale, order_id=order.id) == 0


def test_a_return_from_request_to_shipment_and_the_compensation_paid_once_picked_up(
    client: TestClient, session: Session, db: Database, clock: ManualClock
) -> None:
    order = _signed_in_owner(client, session, db, clock)
    opened = _post(
        client,
        f"/orders/{order.id}/aftersales",
        {"kind": "return_refund", "reason": "no_reason_7d", "description": "不合适"},
        headers=ZH | HX,
    )
    assert opened.status_code == 200
    assert opened.text.lstrip().startswith('<div id="order-page"')
    assert "售后申请已提交" in opened.text
    sale = session.scalar(select(AfterSale).where(AfterSale.order_id == order.id))
    assert sale is not None
    assert sale.status == "requested"

    shop = session.get(Shop, order.shop_id)
    assert shop is not None
    aftersales.approve(session, clock, principal_of(session, owner_of(session, shop)), sale.id)
    session.commit()
    page = client.get(f"/orders/{order.id}", headers=ZH)
    assert 'id="return-form"' in page.text
    assert "待寄回" in page.text

    wrong = _post(
        client,
        f"/orders/{order.id}/aftersales/{sale.id}/return",
        {"carrier_code": "sf", "tracking_no": "12"},
        headers=ZH,
    )
    assert wrong.status_code == 422
    assert 'id="e-return-tracking_no"' in wrong.text
    assert "单号须为 6 到 40 位" in wrong.text
    assert 'value="12"' in wrong.text
    session.expire_all()
    assert session.get(AfterSale, sale.id).status == "awaiting_return"  # type: ignore[union-attr]

    sent = _post(
        client,
        f"/orders/{order.id}/aftersales/{sale.id}/return",
        {"carrier_code": "sf", "tracking_no": "sfr0000001"},
    )
    assert sent.status_code == 303
    session.expire_all()
    assert session.get(AfterSale, sale.id).status == "return_shipped"  # type: ignore[union-attr]

    deliver_parcel(
        session, clock, carrier_code="sf", tracking_no="SFR0000001", kinds=("picked_up",)
    )
    dispatch(session, db, clock)
    paid = {c.code: c for c in claims_of(session, order.id)}
    assert paid["return_postage"].status == "paid"
    zh = client.get(f"/orders/{order.id}", headers=ZH)
    assert "退货运费已补偿 ¥10.00" in zh.text  # 江苏 → 浙江, the same region
    assert "极速退款已到账 ¥200.00" in zh.text  # credit 85: refunded on pickup
    assert "退货包裹" in zh.text
    en = client.get(f"/orders/{order.id}", headers=EN)
    assert "Return postage paid back: ¥10.00" in en.text
    claims_page = client.get("/me/claims", headers=ZH)
    assert "退货运费已补偿 ¥10.00" in claims_page.text


def test_withdrawing_and_escalating_an_after_sale(
    client: TestClient, session: Session, db: Database, clock: ManualClock
) -> None:
    order = _signed_in_owner(client, session, db, clock)
    _post(client, f"/orders/{order.id}/aftersales", {"kind": "exchange", "reason": "other"})
    sale = session.scalar(select(AfterSale).where(AfterSale.order_id == order.id))
    assert sale is not None
    gone = _post(client, f"/orders/{order.id}/aftersales/{sale.id}/withdraw", {})
    assert gone.status_code == 303
    session.expire_all()
    assert session.get(AfterSale, sale.id).status == "withdrawn"  # type: ignore[union-attr]

    _post(client, f"/orders/{order.id}/aftersales", {"kind": "exchange", "reason": "other"})
    second = session.scalar(
        select(AfterSale).where(AfterSale.order_id == order.id, AfterSale.id != sale.id)
    )
    assert second is not None
    shop = session.get(Shop, order.shop_id)
    assert shop is not None
    merchant = principal_of(session, owner_of(session, shop))
    aftersales.reject(session, clock, merchant, second.id, reason="商品已使用")
    session.commit()
    page = client.get(f"/orders/{order.id}", headers=ZH)
    assert "商家说明：商品已使用" in page.text
    assert 'id="escalate-form"' in page.text

    short = _post(
        client, f"/orders/{order.id}/aftersales/{second.id}/escalate", {"statement": "不"}
    )
    assert short.status_code == 422
    assert 'id="e-escalate-statement"' in short.text
    session.expire_all()
    assert session.get(AfterSale, second.id).status == "rejected"  # type: ignore[union-attr]
    ok = _post(
        client,
        f"/orders/{order.id}/aftersales/{second.id}/escalate",
        {"statement": "商品未拆封，商家拒绝不合理"},
    )
    assert ok.status_code == 303
    session.expire_all()
    assert session.get(AfterSale, second.id).status == "in_arbitration"  # type: ignore[union-attr]

    # someone else's after-sale id under my order: 404
    other = _delivered(session, db, clock)
    _other_sale = request_return(session, clock, other)
    session.commit()
    foreign = _post(client, f"/orders/{order.id}/aftersales/{_other_sale.id}/withdraw", {})
    assert foreign.status_code == 404


def test_opening_a_trust_purchase_claim(
    client: TestClient, session: Session, db: Database, clock: ManualClock
) -> None:
    order = _signed_in_owner(client, session, db, clock)
    page = client.get(f"/orders/{order.id}", headers=EN)
    assert 'id="claim-form"' in page.text
    assert "Damaged or dead on arrival" in page.text

    no_photo = _post(
        client,
        f"/orders/{order.id}/claims",
        {"code": "damage_doa", "remedy": "refund", "description": "外包装压坏"},
    )
    assert no_photo.status_code == 422
    assert 'id="e-claim-evidence_urls"' in no_photo.text
    assert "needs evidence" in no_photo.text
    assert "外包装压坏" in no_photo.text
    uncovered = _post(
        client, f"/orders/{order.id}/claims", {"code": "allergy_return", "remedy": "refund"}
    )
    assert 'id="e-claim-code"' in uncovered.text
    assert _count(session, Claim, order_id=order.id) == 0

    ok = _post(
        client,
        f"/orders/{order.id}/claims",
        {
            "code": "damage_doa",
            "remedy": "refund",
            "description": "外包装压坏",
            "evidence_urls": "https://img.example.com/1.jpg\nhttps://img.example.com/2.jpg",
            "amount": "50",
        },
    )
    assert ok.status_code == 303
    dispatch(session, db, clock)
    claim = claims_of(session, order.id)[0]
    assert claim.code == "damage_doa"
    assert claim.amount_fen == 5_000
    assert claim.evidence_urls == ["https://img.example.com/1.jpg", "https://img.example.com/2.jpg"]
    shown = client.get(f"/orders/{order.id}", headers=ZH)
    assert "坏了包赔已赔付 ¥50.00" in shown.text


def test_writing_a_review_and_a_follow_up(
    client: TestClient, session: Session, db: Database, clock: ManualClock
) -> None:
    order = _signed_in_owner(client, session, db, clock)
    bad = _post(
        client,
        f"/orders/{order.id}/review",
        {"product_rating": "6", "logistics_rating": "5", "service_rating": "", "text": "很暖和"},
        headers=ZH,
    )
    assert bad.status_code == 422
    assert 'id="e-review-product_rating"' in bad.text
    assert 'id="e-review-service_rating"' in bad.text
    assert "请选择 1 到 5 星" in bad.text
    assert "很暖和" in bad.text
    assert _count(session, Review, order_id=order.id) == 0

    ok = _post(
        client,
        f"/orders/{order.id}/review",
        {"product_rating": "5", "logistics_rating": "4", "service_rating": "5", "text": "很暖和"},
    )
    assert ok.status_code == 303
    page = client.get(f"/orders/{order.id}", headers=EN)
    assert "Product 5★ · delivery 4★ · service 5★" in page.text
    assert 'id="followup-form"' in page.text

    empty = _post(client, f"/orders/{order.id}/review/followup", {"text": "  "})
    assert empty.status_code == 422
    assert 'id="e-followup-text"' in empty.text
    later = _post(client, f"/orders/{order.id}/review/followup", {"text": "洗了两次没起球"})
    assert later.status_code == 303
    session.expire_all()
    review = session.scalar(select(Review).where(Review.order_id == order.id))
    assert review is not None
    assert review.followup_text == "洗了两次没起球"


def test_filing_a_complaint(
    client: TestClient, session: Session, db: Database, clock: ManualClock
) -> None:
    order = _signed_in_owner(client, session, db, clock)
    short = _post(
        client,
        f"/orders/{order.id}/complaints",
        {"target": "creator", "category": "rude_service", "description": "太差"},
    )
    assert short.status_code == 422
    assert 'id="e-complaint-target"' in short.text  # no creator sold this order
    assert 'id="e-complaint-description"' in short.text
    assert "10 to 2,000 characters" in short.text
    assert _count(session, Complaint, order_id=order.id) == 0

    ok = _post(
        client,
        f"/orders/{order.id}/complaints",
        {"target": "shop", "category": "rude_service", "description": "客服不回复消息，态度很差"},
    )
    assert ok.status_code == 303
    assert _count(session, Complaint, order_id=order.id) == 1
    page = client.get(f"/orders/{order.id}", headers=ZH)
    assert "服务态度差" in page.text
    assert "待处理" in page.text
    twice = _post(
        client,
        f"/orders/{order.id}/complaints",
        {"target": "shop", "category": "rude_service", "description": "客服不回复消息，态度很差"},
        headers=ZH,
    )
    assert twice.status_code == 409
    assert 'id="e-complaint-category"' in twice.text
    assert _count(session, Complaint, order_id=order.id) == 1


# -- me -----------------------------------------------------------------------------------------


def test_me_shows_follows_credit_with_reasons_and_links(
    client: TestClient, session: Session, db: Database, clock: ManualClock
) -> None:
    me = make_user(session, clock, display_name="老铁")
    host = make_creator(session, clock, handle="scarf_queen")
    creators.follow_creator(session, clock, user_id=me.id, creator_id=host.id)
    session.commit()
    log_in(client, me.email)
    zh = client.get("/me", headers=ZH)
    assert zh.status_code == 200
    assert host.display_name in zh.text
    assert "@scarf_queen" in zh.text
    assert 'id="credit-score"' in zh.text
    assert "基础分" in zh.text
    assert "账号年龄" in zh.text
    assert "注册 0 天" in zh.text
    assert 'href="/orders"' in zh.text
    assert 'href="/me/claims"' in zh.text
    en = client.get("/me", headers=EN)
    assert "Why this score" in en.text
    assert "Starting points" in en.text
    assert "Following 1 creators" in en.text
    # nothing went wrong yet: the way up is completing orders
    assert re.findall(r'data-tip="(\w+)"', en.text) == ["completed_orders"]
    assert "Every order you complete (confirm receipt) adds credit" in en.text
    assert "如何提升" in zh.text
