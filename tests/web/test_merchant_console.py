"""The merchant console: who may see a shop's console; the experience score with its dimensions,
trend, peer comparison and suggestions; shipping orders; the after-sales queue; Trust Purchase
enrolment; the deposit; stock; distribution plans. Every form's bad input shows an error next to
its field in the page's language, keeps what was typed and writes nothing."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.accounts.models import Role, User
from shijing.commerce.aftersales import service as aftersales
from shijing.commerce.aftersales.models import AfterSale
from shijing.commerce.catalog.models import Sku
from shijing.commerce.creators.models import DistributionPlan
from shijing.commerce.orders.models import Order
from shijing.commerce.shipping import carriers
from shijing.commerce.shops.models import Shop
from shijing.core.clock import ManualClock
from shijing.core.db import Database
from shijing.guarantees import enrolment, funds
from shijing.trust.models import ShopScore
from shijing.trust.versions import ensure_default_definition
from tests.factories import (
    first_sku,
    make_order,
    make_product,
    make_shop,
    make_user,
    principal_of,
)
from tests.guarantees.builders import (
    buyer,
    claims_of,
    covered_order,
    dispatch,
    fund,
    give_score,
    owner_of,
    send_back,
    top_up,
    trusted_shop,
)
from tests.web.pages import EN, HX, ZH, csrf_token, log_in, post_form


def _signed_in_owner(client: TestClient, session: Session, shop: Shop) -> None:
    session.commit()
    log_in(client, owner_of(session, shop).email)


def _post(
    client: TestClient,
    shop: Shop,
    path: str,
    data: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    console = f"/merchant/shops/{shop.id}"
    return post_form(client, f"{console}/{path}", data or {}, token_from=console, headers=headers)


def _field_error(page: str, form: str, name: str) -> str:
    match = re.search(rf'id="e-{re.escape(form)}-{name}" role="alert">([^<]*)<', page)
    assert match, f"no error for {form}.{name}"
    return html.unescape(match.group(1))


def _sf(session: Session, clock: ManualClock) -> None:
    if carriers.find_carrier(session, "sf") is None:
        carriers.register_carrier(session, clock, code="sf", name="顺丰速运")


# -- access -------------------------------------------------------------------------------------


def test_only_a_shops_staff_see_its_console(
    client: TestClient, anon: TestClient, session: Session, clock: ManualClock
) -> None:
    helper = make_user(session, clock, display_name="小帮手")
    shop = make_shop(session, clock, name="老王的店", staff=(helper,))
    other = make_shop(session, clock, name="隔壁店")
    order = make_order(
        session, clock, product=make_product(session, clock, shop=shop), status="paid"
    )
    _sf(session, clock)
    stranger = make_user(session, clock)
    operator = make_user(session, clock, roles=(Role.OPERATOR,))
    session.commit()
    path = f"/merchant/shops/{shop.id}"

    for target in ("/merchant", path):
        away = anon.get(target, follow_redirects=False)
        assert away.status_code == 303
        assert away.headers["location"] == f"/login?next={target}"

    for who in (stranger, operator, owner_of(session, other)):
        log_in(client, who.email)
        page = client.get(path, headers=EN | {"Accept": "text/html"})
        assert page.status_code == 404
        assert "Page not found" in page.text
        shipped = client.post(
            f"{path}/orders/{order.id}/ship",
            data={
                "csrf_token": csrf_token(client),
                "carrier_code": "sf",
                "tracking_no": "SF12345678",
            },
            follow_redirects=False,
        )
        assert shipped.status_code == 404
    session.expire_all()
    assert session.get(Order, order.id).status == "paid"  # type: ignore[union-attr]
    listing = client.get("/merchant", headers=EN)
    assert listing.status_code == 200
    assert "隔壁店" in listing.text
    assert "老王的店" not in listing.text

    log_in(client, stranger.email)
    assert "You do not work for any shop yet" in client.get("/merchant", headers=EN).text

    log_in(client, helper.email)  # staff, not owner
    assert client.get(path, headers=EN).status_code == 200
    assert "Staff" in client.get("/merchant", headers=EN).text

    log_in(client, owner_of(session, shop).email)
    mine = client.get("/merchant", headers=EN)
    assert 'href="/merchant">Merchant console</a>' in mine.text  # the nav link
    assert f'href="{path}"' in mine.text
    assert client.get(path, headers=EN).status_code == 200
    assert client.get(f"/merchant/shops/{other.id}", headers=EN).status_code == 404
    assert client.get("/merchant/shops/999999", headers=EN).status_code == 404
    assert client.get("/merchant/shops/0", headers=EN).status_code == 422
    # an object of another shop under my shop's address is no object at all
    foreign = make_order(session, clock, product=make_product(session, clock, shop=other))
    session.commit()
    response = _post(
        client,
        shop,
        f"orders/{foreign.id}/ship",
        {"carrier_code": "sf", "tracking_no": "SF1234567"},
    )
    assert response.status_code == 404


# -- the score ----------------------------------------------------------------------------------


def _indicator(code: str, dimension: str, **kw: Any) -> dict[str, Any]:
    return {"indicator": code, "dimension": dimension, "max_points": 10.0, **kw}


def _score_rows(session: Session, clock: ManualClock, shop: Shop) -> None:
    version = ensure_default_definition(session, clock).version
    today = clock.now().date()
    for days_ago, total in ((2, 84.0), (1, 86.5), (0, 88.4)):
        session.add(
            ShopScore(
                shop_id=shop.id,
                definition_version=version,
                as_of=today - timedelta(days=days_ago),
                root_category="apparel",
                orders=420,
                enough_data=True,
                total=total,
                band="good",
                dimensions={"product": 91.2, "logistics": 80.5, "service": 93.0},
                indicators=[
                    _indicator(
                        "delivery_hours",
                        "logistics",
                        raw=52.0,
                        shrunk=50.5,
                        peer_median=40.0,
                        better_than=0.25,
                        points=4.0,
                        change_7d=-1.5,
                    ),
                    _indicator(
                        "negative_review_rate",
                        "product",
                        raw=0.012,
                        shrunk=0.013,
                        peer_median=0.02,
                        better_than=0.8,
                        points=9.5,
                        change_7d=0.4,
                    ),
                ],
                suggestions=[
                    "Your parcels take 52 hours from pickup to delivery; "
                    "the median 服饰 shop takes 40."
                ],
                computed_at=clock.now(),
            )
        )
    session.flush()


def test_the_score_shows_not_enough_data_then_dimensions_trend_peers_and_suggestions(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    shop = make_shop(session, clock)
    _signed_in_owner(client, session, shop)
    path = f"/merchant/shops/{shop.id}"
    page = client.get(path, headers=EN).text
    assert re.search(r'id="score-value">Not enough data yet<', page)
    assert "Not enough data for a trend yet" in page
    assert "数据不足，暂无评分" in client.get(path, headers=ZH).text
    assert 'id="score-indicators"' not in page  # never scored: nothing to show

    # scored without enough orders: no score, but the shop sees where it stands
    session.add(
        ShopScore(
            shop_id=shop.id,
            definition_version=ensure_default_definition(session, clock).version,
            as_of=clock.now().date() - timedelta(days=3),
            root_category="apparel",
            orders=12,
            enough_data=False,
            total=None,
            band=None,
            dimensions={},
            indicators=[
                _indicator(
                    "on_time_pickup_rate", "logistics", raw=0.75, shrunk=0.9, peer_median=0.95
                )
            ],
            suggestions=[],
            computed_at=clock.now(),
        )
    )
    session.commit()
    page = client.get(path, headers=EN).text
    assert re.search(r'id="score-value">Not enough data yet<', page)
    row = re.search(r'<tr data-indicator="on_time_pickup_rate">(.*?)</tr>', page, re.S)
    assert row
    assert all(text in row.group(1) for text in ("75.0%", "90.0%", "95.0%", "— / 10.0"))

    _score_rows(session, clock, shop)
    session.commit()
    page = client.get(path, headers=EN).text
    assert re.search(r'id="score-value">88\.4<', page)
    assert "Good" in page
    assert "420 orders counted" in page
    assert re.search(r'data-dimension="logistics"><strong>Delivery 80\.5</strong>', page)
    assert "How fast orders leave and arrive" in page
    assert 'class="chart"' in page
    assert page.count("<circle ") == 3
    assert "Low 84.0, high 88.4" in page
    row = re.search(r'<tr data-indicator="delivery_hours">(.*?)</tr>', page, re.S)
    assert row
    cells = row.group(1)
    for text in (
        "Pickup to delivery",
        "52.0 h",
        "50.5 h",
        "40.0 h",
        "better than 25%",
        "4.0 / 10.0",
    ):
        assert text in cells
    assert '<span class="down">-1.5</span>' in cells
    assert "1.2%" in page  # a rate shown as a percentage
    assert "Your parcels take 52 hours" in page
    zh = client.get(path, headers=ZH).text
    assert "物流体验 80.5" in zh
    assert "揽收到签收时长：你是 52.0 h，同类店铺中位数是 40.0 h" in zh
    assert "优于 25% 的同类店铺" in zh


# -- orders to ship -----------------------------------------------------------------------------


def test_shipping_an_order_and_the_bad_inputs(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    shop = make_shop(session, clock, ship_within_hours=48)
    product = make_product(session, clock, shop=shop, title="羊毛围巾")
    late = make_order(session, clock, product=product, status="paid")
    late.ship_due_at = clock.now() - timedelta(hours=3, minutes=5)
    soon = make_order(session, clock, product=product, status="paid")
    _sf(session, clock)
    _signed_in_owner(client, session, shop)

    page = client.get(f"/merchant/shops/{shop.id}", headers=EN).text
    assert re.search(rf'<li data-order="{late.id}" class="is-overdue">', page)
    assert '<span class="deadline overdue">3 h 5 min overdue</span>' in page
    assert '<span class="deadline">in 2 d 0 h</span>' in page
    assert page.index(f'data-order="{late.id}"') < page.index(f'data-order="{soon.id}"')
    assert "还剩 2 天 0 小时" in client.get(f"/merchant/shops/{shop.id}", headers=ZH).text

    form = f"ship-{soon.id}"
    missing = _post(client, shop, f"orders/{soon.id}/ship", {"carrier_code": "sf"})
    assert missing.status_code == 422
    assert _field_error(missing.text, form, "tracking_no") == "Required"
    assert re.search(r'<option value="sf" selected>', missing.text)  # the choice is kept
    bad = _post(
        client, shop, f"orders/{soon.id}/ship", {"carrier_code": "dhl", "tracking_no": "ab#1"}
    )
    assert bad.status_code == 422
    assert _field_error(bad.text, form, "carrier_code") == "Choose a carrier"
    assert "6 to 40 letters" in _field_error(bad.text, form, "tracking_no")
    assert f'id="f-{form}-tracking_no" name="tracking_no" type="text" value="ab#1"' in bad.text
    zh = _post(client, shop, f"orders/{soon.id}/ship", {"carrier_code": "sf"}, headers=ZH)
    assert _field_error(zh.text, form, "tracking_no") == "必填"
    session.expire_all()
    assert session.get(Order, soon.id).status == "paid"  # type: ignore[union-attr]

    done = _post(
        client, shop, f"orders/{soon.id}/ship", {"carrier_code": "sf", "tracking_no": "sf0001234"}
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"/merchant/shops/{shop.id}?done=shipped#sec-orders"
    session.expire_all()
    shipped = session.get(Order, soon.id)
    assert shipped is not None
    assert shipped.status == "shipped"
    after = client.get(done.headers["location"], headers=EN).text
    assert 'id="notice">Shipped<' in after
    assert f'data-order="{soon.id}"' not in after

    # the same tracking number again is refused next to its field (HTMX gets the section)
    taken = _post(
        client,
        shop,
        f"orders/{late.id}/ship",
        {"carrier_code": "sf", "tracking_no": "SF0001234"},
        headers=EN | HX,
    )
    assert taken.status_code == 409
    assert taken.text.lstrip().startswith("<section")
    assert "already used with this carrier" in _field_error(
        taken.text, f"ship-{late.id}", "tracking_no"
    )
    ok = _post(
        client,
        shop,
        f"orders/{late.id}/ship",
        {"carrier_code": "sf", "tracking_no": "SF0009999"},
        headers=EN | HX,
    )
    assert ok.status_code == 200
    assert 'class="notice" role="status">Shipped<' in ok.text
    assert "Nothing to ship" in ok.text


# -- after-sales --------------------------------------------------------------------------------


def _open_return(session: Session, clock: ManualClock, order: Order) -> AfterSale:
    who = session.get(User, order.buyer_id)
    assert who is not None
    return aftersales.open_aftersale(
        session,
        clock,
        principal_of(session, who),
        order_id=order.id,
        kind="return_refund",
        reason="no_reason_7d",
        description="尺码偏小",
        evidence_urls=[],
        amount_fen=None,
    )


def _status(session: Session, sale_id: int) -> str:
    session.expire_all()
    sale = session.get(AfterSale, sale_id)
    assert sale is not None
    return sale.status


def test_the_after_sales_queue_approve_reject_and_receive_a_return(
    client: TestClient, session: Session, db: Database, clock: ManualClock
) -> None:
    shop = trusted_shop(session, clock)
    first = covered_order(session, db, clock, shop=shop, who=buyer(session, clock))
    second = covered_order(session, db, clock, shop=shop, who=buyer(session, clock))
    sale = _open_return(session, clock, first)
    other = _open_return(session, clock, second)
    clock.advance(timedelta(hours=1, minutes=30))
    _signed_in_owner(client, session, shop)

    page = client.get(f"/merchant/shops/{shop.id}", headers=EN).text
    assert f'data-aftersale="{sale.id}" data-status="requested"' in page
    assert "Return and refund · 7-day no reason · <strong" in page
    assert "尺码偏小" in page
    assert re.search(r'<span class="deadline">in \d+ (d|h) \d+ (h|min)</span>', page)

    form = f"reject-{other.id}"
    empty = _post(client, shop, f"aftersales/{other.id}/reject", {"reason": "  "})
    assert empty.status_code == 422
    assert _field_error(empty.text, form, "reason") == "Required"
    long = _post(client, shop, f"aftersales/{other.id}/reject", {"reason": "太" * 301})
    assert _field_error(long.text, form, "reason") == "At most 300 characters"
    assert "太" * 301 in long.text  # kept
    assert _status(session, other.id) == "requested"
    rejected = _post(client, shop, f"aftersales/{other.id}/reject", {"reason": "吊牌已剪"})
    assert rejected.status_code == 303
    assert _status(session, other.id) == "rejected"

    approved = _post(client, shop, f"aftersales/{sale.id}/approve")
    assert approved.status_code == 303
    assert _status(session, sale.id) == "awaiting_return"
    again = _post(client, shop, f"aftersales/{sale.id}/approve")
    assert again.status_code == 409  # a stale button: the state forbids it, said in words
    assert "Not possible in its current state" in again.text

    send_back(session, db, clock, session.get(AfterSale, sale.id))  # type: ignore[arg-type]
    page = client.get(f"/merchant/shops/{shop.id}", headers=EN).text
    assert f'data-aftersale="{sale.id}" data-status="return_shipped"' in page
    received = _post(client, shop, f"aftersales/{sale.id}/receive", headers=EN | HX)
    assert received.status_code == 200
    assert "Return received; the refund is on its way" in received.text
    assert _status(session, sale.id) == "refunded"
    # the return-postage claim the pickup opened is listed against the shop
    dispatch(session, db, clock)
    claims = claims_of(session, first.id)
    assert claims
    page = client.get(f"/merchant/shops/{shop.id}", headers=EN).text
    assert f'<tr data-claim="{claims[0].id}">' in page


# -- Trust Purchase -----------------------------------------------------------------------------


def test_applying_for_and_leaving_trust_purchase(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    shop = make_shop(session, clock)
    fund(session, clock)
    _signed_in_owner(client, session, shop)
    path = f"/merchant/shops/{shop.id}"

    page = client.get(path, headers=EN).text
    assert 'id="badge-status" data-status="none"' in page
    assert 'data-condition="score" data-passed="no"' in page
    assert "Not enough data for a score yet; at least 80 needed" in page
    assert 'data-condition="deposit" data-passed="no"' in page
    assert 'data-condition="shop" data-passed="yes"' in page
    refused = _post(client, shop, "trust-purchase/apply", {"accept_terms": "yes"})
    assert refused.status_code == 409
    assert "does not qualify yet" in _field_error(refused.text, "apply", "_form")
    assert enrolment.get_enrolment(session, shop.id) is None

    give_score(session, clock, shop.id, 91.0)
    top_up(session, clock, shop, 300_000)
    session.commit()
    page = client.get(path, headers=EN).text
    assert 'data-condition="score" data-passed="yes"' in page
    assert "91.0 now; at least 80 needed" in page
    unticked = _post(client, shop, "trust-purchase/apply", {})
    assert unticked.status_code == 422
    assert _field_error(unticked.text, "apply", "accept_terms") == "Accept the terms to apply"
    session.expire_all()
    assert enrolment.get_enrolment(session, shop.id) is None

    joined = _post(client, shop, "trust-purchase/apply", {"accept_terms": "yes"})
    assert joined.status_code == 303
    assert enrolment.holds_badge(session, shop.id)
    page = client.get(path, headers=EN).text
    assert 'data-status="active"' in page
    assert "Carries the badge" in page
    assert '<tr data-kind="granted">' in page
    assert "qualified: score 91.0" in page
    assert "已获得信任购徽章" in client.get(path, headers=ZH).text

    left = _post(client, shop, "trust-purchase/withdraw", headers=EN | HX)
    assert left.status_code == 200
    assert "The shop left Trust Purchase" in left.text
    assert '<tr data-kind="withdrawn">' in left.text
    assert "the shop left the programme" in left.text
    session.expire_all()
    assert not enrolment.holds_badge(session, shop.id)


# -- deposit ------------------------------------------------------------------------------------


def _key(page: str, form: str) -> str:
    match = re.search(rf'id="{form}-form">.*?name="idempotency_key" value="([^"]+)"', page, re.S)
    assert match
    return match.group(1)


def _balance(session: Session, shop: Shop) -> int:
    session.expire_all()
    return funds.balance(session, funds.deposit(shop.id))


def test_topping_up_and_withdrawing_the_deposit(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    shop = trusted_shop(session, clock, deposit_fen=300_000)
    _signed_in_owner(client, session, shop)
    path = f"/merchant/shops/{shop.id}"
    page = client.get(path, headers=EN).text
    assert 'id="deposit-balance">¥3,000.00<' in page
    assert 'id="deposit-minimum">¥2,000.00<' in page
    assert _key(page, "topup") != _key(client.get(path).text, "topup")  # fresh per render

    key = _key(page, "topup")
    bad = _post(client, shop, "deposit/top-up", {"amount": "abc", "idempotency_key": key})
    assert bad.status_code == 422
    assert "above zero" in _field_error(bad.text, "topup", "amount")
    assert 'name="amount" type="text" value="abc"' in bad.text
    assert _key(bad.text, "topup") == key  # the same form keeps its key
    zero = _post(client, shop, "deposit/top-up", {"amount": "0", "idempotency_key": key})
    assert zero.status_code == 422
    assert _balance(session, shop) == 300_000

    for _ in range(2):  # a double submit moves the money once
        done = _post(client, shop, "deposit/top-up", {"amount": "1,000.5", "idempotency_key": key})
        assert done.status_code == 303
    assert _balance(session, shop) == 400_050
    page = client.get(path, headers=EN).text
    assert "Top-up" in page
    assert "¥1,000.50" in page

    wkey = _key(page, "withdraw")
    below = _post(client, shop, "deposit/withdraw", {"amount": "2500", "idempotency_key": wkey})
    assert below.status_code == 409
    assert "may not fall below the minimum" in _field_error(below.text, "withdraw", "amount")
    assert _balance(session, shop) == 400_050
    ok = _post(client, shop, "deposit/withdraw", {"amount": "500", "idempotency_key": wkey})
    assert ok.status_code == 303
    assert _balance(session, shop) == 350_050
    nokey = _post(client, shop, "deposit/withdraw", {"amount": "5"})
    assert nokey.status_code == 422
    assert _balance(session, shop) == 350_050


# -- products and stock -------------------------------------------------------------------------


def test_adjusting_stock(client: TestClient, session: Session, clock: ManualClock) -> None:
    shop = make_shop(session, clock)
    product = make_product(session, clock, shop=shop, title="毛线帽", stock=5)
    sku = first_sku(session, product)
    _signed_in_owner(client, session, shop)
    page = client.get(f"/merchant/shops/{shop.id}", headers=EN).text
    assert f'data-product="{product.id}"' in page
    assert "5 in stock" in page

    form = f"stock-{sku.id}"
    for typed in ("0", "lots", "1.5", "99999999"):
        bad = _post(client, shop, f"skus/{sku.id}/stock", {"delta": typed, "note": "盘点"})
        assert bad.status_code == 422, typed
        assert "whole number other than zero" in _field_error(bad.text, form, "delta")
        assert f'value="{typed}"' in bad.text
    below = _post(client, shop, f"skus/{sku.id}/stock", {"delta": "-6"})
    assert below.status_code == 409
    assert _field_error(below.text, form, "delta") == "Stock cannot go below zero"
    session.expire_all()
    assert session.get(Sku, sku.id).stock == 5  # type: ignore[union-attr]

    done = _post(client, shop, f"skus/{sku.id}/stock", {"delta": "+10", "note": "到货"}, EN | HX)
    assert done.status_code == 200
    assert "15 in stock" in done.text
    assert "Stock adjusted" in done.text
    session.expire_all()
    assert session.get(Sku, sku.id).stock == 15  # type: ignore[union-attr]
    other = make_product(session, clock)  # another shop's SKU
    session.commit()
    assert (
        _post(
            client, shop, f"skus/{first_sku(session, other).id}/stock", {"delta": "1"}
        ).status_code
        == 404
    )


# -- distribution plans -------------------------------------------------------------------------


def _plans(session: Session, shop: Shop) -> list[DistributionPlan]:
    session.expire_all()
    return list(
        session.scalars(select(DistributionPlan).where(DistributionPlan.shop_id == shop.id))
    )


def test_publishing_and_closing_a_distribution_plan(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    shop = make_shop(session, clock)
    product = make_product(session, clock, shop=shop, title="羊毛围巾")
    foreign = make_product(session, clock)
    _signed_in_owner(client, session, shop)

    empty = _post(client, shop, "plans", {"product_id": "", "commission": ""})
    assert empty.status_code == 422
    assert _field_error(empty.text, "plan", "product_id") == "Required"
    assert _field_error(empty.text, "plan", "commission") == "Required"
    bad = _post(client, shop, "plans", {"product_id": str(foreign.id), "commission": "95"})
    assert _field_error(bad.text, "plan", "product_id") == "Choose a product"
    assert "from 0 to 90" in _field_error(bad.text, "plan", "commission")
    assert 'value="95"' in bad.text
    assert _plans(session, shop) == []

    done = _post(client, shop, "plans", {"product_id": str(product.id), "commission": "12.5"})
    assert done.status_code == 303
    [plan] = _plans(session, shop)
    assert plan.commission_bps == 1250
    assert plan.status == "active"
    twice = _post(client, shop, "plans", {"product_id": str(product.id), "commission": "10"})
    assert twice.status_code == 409
    assert "already has an open plan" in _field_error(twice.text, "plan", "product_id")
    assert re.search(rf'<option value="{product.id}" selected>', twice.text)
    page = client.get(f"/merchant/shops/{shop.id}", headers=ZH).text
    assert "佣金 12.5%" in page

    closed = _post(client, shop, f"plans/{plan.id}/close", headers=EN | HX)
    assert closed.status_code == 200
    assert f'data-plan="{plan.id}" data-status="closed"' in closed.text
    assert _plans(session, shop)[0].status == "closed"
