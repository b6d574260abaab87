"""The industry programmes: certified jewellery ships only with the certificate of that piece,
verifiable by anyone; used phones are listed with one inspection report per IMEI and carry a
180-day warranty."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shijing.accounts.models import User
from shijing.commerce.catalog.models import Product
from shijing.commerce.orders import billing
from shijing.commerce.orders import service as orders
from shijing.commerce.orders.models import Order
from shijing.commerce.payments.models import Refund
from shijing.commerce.shipping import carriers
from shijing.commerce.shipping import service as shipping
from shijing.commerce.shipping.models import Carrier, Shipment
from shijing.commerce.shops.models import Shop
from shijing.core.clock import ManualClock
from shijing.core.db import Database
from shijing.core.errors import Conflict, InvalidInput, NotFound
from shijing.guarantees import claims, coverage, programmes
from shijing.ledger import service as ledger
from tests.factories import api_login, first_sku, make_product, principal_of
from tests.guarantees.builders import (
    buyer,
    covered_order,
    operator,
    owner_of,
    trusted_shop,
)
from tests.guarantees.strict import counts, deliver

_seq = itertools.count(1)
JEWEL = 880_000  # ¥8,800


def imei(n: int | None = None) -> str:
    """A 15-digit IMEI with a valid Luhn check digit."""
    body = f"35{(n if n is not None else next(_seq) + 1000):012d}"
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:  # doubled: these positions become odd once the check digit is appended
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return body + str((10 - total % 10) % 10)


def _owner(session: Session, shop_id: int) -> User:
    shop = session.get(Shop, shop_id)
    assert shop is not None
    return owner_of(session, shop)


def _paid(session: Session, clock: ManualClock, product: Product, who: User) -> Order:
    """Placed and paid, not shipped (and no event delivered yet)."""
    order = orders.place_order(
        session,
        clock,
        principal_of(session, who),
        sku_id=first_sku(session, product).id,
        quantity=1,
        traffic_source="direct",
        ship_to=orders.ShipTo(
            name="李四", phone="13912345678", province="江苏", city="南京", address="鼓楼区 1 号"
        ),
    )
    billing.pay_order(
        session, clock, principal_of(session, who), order_id=order.id, payment_method="sim_ok"
    )
    return order


def _carrier(session: Session, clock: ManualClock) -> None:
    if session.scalar(select(Carrier).where(Carrier.code == "sf")) is None:
        carriers.register_carrier(session, clock, code="sf", name="顺丰速运")


def _ship(session: Session, clock: ManualClock, order: Order) -> Shipment:
    _carrier(session, clock)
    return shipping.ship_order(
        session,
        clock,
        principal_of(session, _owner(session, order.shop_id)),
        order_id=order.id,
        carrier_code="sf",
        tracking_no=f"SFJ{next(_seq):09d}",
    )


def _shipments(session: Session, order_id: int) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(Shipment).where(Shipment.order_id == order_id)
        )
        or 0
    )


# -- certified jewellery ------------------------------------------------------------------------


def _jeweller(session: Session, clock: ManualClock) -> tuple[Shop, Product]:
    shop = trusted_shop(session, clock, main_category="jewellery", deposit_fen=2_000_000)
    _carrier(session, clock)
    return shop, make_product(session, clock, shop=shop, category="jewellery", price_fen=JEWEL)


def _record(
    session: Session, clock: ManualClock, product: Product, number: str = "NGTC-2026-0001"
) -> programmes.Certificate:
    return programmes.record_certificate(
        session,
        clock,
        principal_of(session, _owner(session, product.shop_id)),
        product_id=product.id,
        number=number,
        appraiser="国家珠宝玉石质量监督检验中心",
        material="18K金",
        weight_g="3.52",
    )


def _assign(session: Session, clock: ManualClock, order: Order, number: str) -> object:
    return programmes.assign_certificate(
        session,
        clock,
        principal_of(session, _owner(session, order.shop_id)),
        order_id=order.id,
        number=number,
    )


@pytest.mark.parametrize("events_first", [True, False])
def test_a_certified_piece_does_not_ship_without_its_certificate(
    session: Session, db: Database, clock: ManualClock, events_first: bool
) -> None:
    _, product = _jeweller(session, clock)
    order = _paid(session, clock, product, buyer(session, clock))
    if events_first:  # the promises are on the order already
        deliver(session, db, clock)
        assert coverage.promise_for(session, order.id, "certified_jewellery") is not None
    before = counts(session)
    with pytest.raises(Conflict) as refused:
        _ship(session, clock, order)
    assert refused.value.field == "certificate"
    assert refused.value.code == "certificate_required"
    assert _shipments(session, order.id) == 0
    session.refresh(order)
    assert order.status == "paid"
    assert counts(session) == before


def test_recorded_and_assigned_it_ships_and_anyone_can_verify_it(
    session: Session, db: Database, clock: ManualClock, anon: TestClient
) -> None:
    _, product = _jeweller(session, clock)
    order = _paid(session, clock, product, buyer(session, clock))
    cert = _record(session, clock, product, number=" ngtc-2026-0001 ")
    assert cert.number == "NGTC-2026-0001"
    assert cert.weight_mg == 3520
    _assign(session, clock, order, "NGTC-2026-0001")
    _ship(session, clock, order)
    assert _shipments(session, order.id) == 1
    deliver(session, db, clock)

    found = anon.get("/api/v1/certificates/ngtc-2026-0001")
    assert found.status_code == 200, found.text
    body = found.json()
    assert body["number"] == "NGTC-2026-0001"
    assert body["material"] == "18K金"
    assert body["weight_mg"] == 3520
    assert body["shipped"] is True
    assert "order_id" not in body  # the public page does not reveal the order
    missing = anon.get("/api/v1/certificates/NGTC-0000-0000")
    assert missing.status_code == 404
    assert missing.json()["field"] == "number"
    junk = anon.get("/api/v1/certificates/%20%3Cscript%3E")
    assert junk.status_code == 404


def test_a_certificate_number_is_recorded_once(session: Session, clock: ManualClock) -> None:
    _, product = _jeweller(session, clock)
    _record(session, clock, product)
    before = counts(session)
    with pytest.raises(Conflict) as refused:
        _record(session, clock, product, number="ngtc-2026-0001")
    assert refused.value.field == "number"
    assert counts(session) == before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("number", "ab"),
        ("number", "证书-1234"),
        ("weight_g", "0"),
        ("weight_g", "abc"),
        ("weight_g", "nan"),
        ("appraiser", "  "),
        ("material", ""),
    ],
)
def test_bad_certificates_are_refused(
    session: Session, clock: ManualClock, field: str, value: str
) -> None:
    _, product = _jeweller(session, clock)
    values = {"number": "GIA-1234", "appraiser": "GIA", "material": "钻石", "weight_g": "1.2"}
    values[field] = value
    before = counts(session)
    with pytest.raises(InvalidInput) as refused:
        programmes.record_certificate(
            session,
            clock,
            principal_of(session, _owner(session, product.shop_id)),
            product_id=product.id,
            **values,  # type: ignore[arg-type]
        )
    assert refused.value.field == field
    assert counts(session) == before


def test_only_the_shops_staff_record_certificates_for_jewellery(
    session: Session, clock: ManualClock
) -> None:
    shop, product = _jeweller(session, clock)
    stranger = buyer(session, clock)
    with pytest.raises(NotFound):
        programmes.record_certificate(
            session,
            clock,
            principal_of(session, stranger),
            product_id=product.id,
            number="GIA-1",
            appraiser="GIA",
            material="钻石",
            weight_g="1",
        )
    dress = make_product(session, clock, shop=shop, category="apparel.womens")
    with pytest.raises(InvalidInput) as refused:
        _record(session, clock, dress)
    assert refused.value.field == "product_id"


def test_a_certificate_of_another_shop_or_product_is_refused(
    session: Session, db: Database, clock: ManualClock
) -> None:
    _, product = _jeweller(session, clock)
    other_product = make_product(
        session, clock, shop=session.get(Shop, product.shop_id), category="jewellery"
    )
    _, foreign_product = _jeweller(session, clock)
    _record(session, clock, other_product, number="SAME-SHOP-OTHER")
    _record(session, clock, foreign_product, number="OTHER-SHOP")
    order = _paid(session, clock, product, buyer(session, clock))
    before = counts(session)
    with pytest.raises(NotFound) as other_shop:
        _assign(session, clock, order, "OTHER-SHOP")
    assert other_shop.value.field == "number"
    with pytest.raises(Conflict) as other_product_refused:
        _assign(session, clock, order, "SAME-SHOP-OTHER")
    assert other_product_refused.value.field == "number"
    with pytest.raises(NotFound):
        _assign(session, clock, order, "NOT-RECORDED")
    assert counts(session) == before
    with pytest.raises(Conflict):
        _ship(session, clock, order)


def test_a_piece_ships_on_one_order_only(
    session: Session, db: Database, clock: ManualClock
) -> None:
    _, product = _jeweller(session, clock)
    _record(session, clock, product)
    first = _paid(session, clock, product, buyer(session, clock))
    second = _paid(session, clock, product, buyer(session, clock))
    _assign(session, clock, first, "NGTC-2026-0001")
    _ship(session, clock, first)
    with pytest.raises(Conflict) as refused:
        _assign(session, clock, second, "NGTC-2026-0001")
    assert refused.value.field == "number"


# -- used phones --------------------------------------------------------------------------------


def _phone_shop(session: Session, clock: ManualClock) -> Shop:
    return trusted_shop(session, clock, main_category="phones.used", deposit_fen=1_000_000)


def _phone(session: Session, clock: ManualClock, shop: Shop) -> Product:
    return make_product(
        session, clock, shop=shop, category="phones.used", price_fen=300_000, stock=1
    )


def _inspect(
    session: Session, clock: ManualClock, product: Product, number: str
) -> programmes.PhoneInspection:
    return programmes.record_inspection(
        session,
        clock,
        principal_of(session, _owner(session, product.shop_id)),
        product_id=product.id,
        imei=number,
        grade="A",
        battery_health=91,
        inspector="验机中心 · 王工",
    )


def test_imei_helper_makes_valid_numbers() -> None:
    from shijing.commerce.catalog.categories import luhn_ok

    assert luhn_ok("490154203237518")  # a published example
    assert all(luhn_ok(imei(n)) for n in range(50))


def test_an_imei_is_listed_once_at_a_time_and_again_after_the_sale(
    session: Session, db: Database, clock: ManualClock
) -> None:
    shop = _phone_shop(session, clock)
    number = imei()
    first, second = _phone(session, clock, shop), _phone(session, clock, shop)
    report = _inspect(session, clock, first, number)
    assert (report.status, report.imei, report.grade) == ("listed", number, "A")
    before = counts(session)
    with pytest.raises(Conflict) as refused:
        _inspect(session, clock, second, number)
    assert refused.value.code == "imei_listed"
    assert refused.value.field == "imei"
    assert counts(session) == before

    order = covered_order(session, db, clock, shop=shop, who=buyer(session, clock), product=first)
    session.refresh(report)
    assert report.status == "sold"
    assert report.order_id == order.id
    # Sold (say returned and refurbished): the same IMEI may be listed again.
    again = _inspect(session, clock, second, number)
    assert again.status == "listed"


def test_a_phone_listing_with_more_than_one_unit_cannot_be_inspected(
    session: Session, clock: ManualClock
) -> None:
    shop = _phone_shop(session, clock)
    batch = make_product(
        session, clock, shop=shop, category="phones.used", price_fen=300_000, stock=3
    )
    before = counts(session)
    with pytest.raises(Conflict) as refused:
        _inspect(session, clock, batch, imei())
    assert (refused.value.code, refused.value.field) == ("more_than_one", "product_id")
    assert counts(session) == before


def test_an_inspected_phone_cannot_be_restocked(
    session: Session, clock: ManualClock, client: TestClient
) -> None:
    """One listed report is one phone: more units (a restock or a new SKU with stock) would sell
    the same IMEI twice, over the API as anywhere; a write-off is still allowed."""
    shop = _phone_shop(session, clock)
    phone = _phone(session, clock, shop)
    _inspect(session, clock, phone, imei())
    sku = first_sku(session, phone)
    session.commit()
    owner = api_login(client, _owner(session, shop.id).email)
    before = counts(session)
    restock = client.post(f"/api/v1/skus/{sku.id}/stock", json={"delta": 1}, headers=owner)
    assert (restock.status_code, restock.json()["field"]) == (409, "delta"), restock.text
    assert "one unit" in restock.json()["message"]
    second = client.post(
        f"/api/v1/products/{phone.id}/skus",
        json={"code": "SPARE", "price_fen": 300_000, "stock": 1},
        headers=owner,
    )
    assert (second.status_code, second.json()["field"]) == (409, "stock"), second.text
    assert counts(session) == before
    session.refresh(sku)
    assert sku.stock == 1
    empty_sku = client.post(
        f"/api/v1/products/{phone.id}/skus",
        json={"code": "NONE", "price_fen": 300_000, "stock": 0},
        headers=owner,
    )
    assert empty_sku.status_code == 201, empty_sku.text
    written_off = client.post(f"/api/v1/skus/{sku.id}/stock", json={"delta": -1}, headers=owner)
    assert written_off.status_code == 200, written_off.text
    assert written_off.json()["stock"] == 0
    # an uninspected phone listing restocks as any product does
    other = _phone(session, clock, shop)
    session.commit()
    other_sku = first_sku(session, other)
    more = client.post(f"/api/v1/skus/{other_sku.id}/stock", json={"delta": 2}, headers=owner)
    assert more.status_code == 200, more.text


def test_a_listing_can_be_reinspected(session: Session, clock: ManualClock) -> None:
    shop = _phone_shop(session, clock)
    phone = _phone(session, clock, shop)
    number = imei()
    old = _inspect(session, clock, phone, number)
    new = _inspect(session, clock, phone, number)
    session.refresh(old)
    assert old.status == "retired"
    assert new.status == "listed"
    assert programmes.inspection_of_product(session, phone.id) == new


@pytest.mark.parametrize("bad", ["35000000000000", "350000000000001", "35000000000000a", ""])
def test_a_bad_imei_is_refused(session: Session, clock: ManualClock, bad: str) -> None:
    phone = _phone(session, clock, _phone_shop(session, clock))
    before = counts(session)
    with pytest.raises(InvalidInput) as refused:
        _inspect(session, clock, phone, bad)
    assert refused.value.field == "imei"
    assert counts(session) == before


def test_the_warranty_is_promised_only_for_listed_phones(
    session: Session, db: Database, clock: ManualClock
) -> None:
    shop = _phone_shop(session, clock)
    listed, unlisted = _phone(session, clock, shop), _phone(session, clock, shop)
    _inspect(session, clock, listed, imei())
    with_report = covered_order(
        session, db, clock, shop=shop, who=buyer(session, clock), product=listed
    )
    without = covered_order(
        session, db, clock, shop=shop, who=buyer(session, clock), product=unlisted
    )
    assert coverage.promise_for(session, with_report.id, "used_phone_warranty") is not None
    assert coverage.promise_for(session, without.id, "used_phone_warranty") is None


def _warranty_order(session: Session, db: Database, clock: ManualClock) -> Order:
    shop = _phone_shop(session, clock)
    phone = _phone(session, clock, shop)
    _inspect(session, clock, phone, imei())
    return covered_order(session, db, clock, shop=shop, who=buyer(session, clock), product=phone)


def _warranty_claim(
    session: Session, clock: ManualClock, order: Order, remedy: str = "repair"
) -> claims.Claim:
    who = session.get(User, order.buyer_id)
    assert who is not None
    return claims.open_claim(
        session,
        clock,
        principal_of(session, who),
        order_id=order.id,
        code="used_phone_warranty",
        remedy=remedy,
        description="the screen flickers",
        evidence_urls=["https://img.example.com/claims/flicker.jpg"],
    )


@pytest.mark.parametrize("remedy", ["repair", "replace"])
def test_a_warranty_claim_on_day_179_ends_in_repair_or_replacement(
    session: Session, db: Database, clock: ManualClock, remedy: str
) -> None:
    order = _warranty_order(session, db, clock)
    clock.advance(timedelta(days=179))
    claim = _warranty_claim(session, clock, order, remedy)
    assert claim.status == "under_review"
    op = operator(session, clock)
    claims.approve(session, clock, principal_of(session, op), claim.id, note=f"{remedy} it")
    deliver(session, db, clock)
    session.refresh(claim)
    assert claim.status == "paid"
    assert claim.paid_fen == 0
    assert claim.detail["remedy"] == remedy
    assert session.scalars(select(Refund).where(Refund.order_id == order.id)).all() == []


def test_a_warranty_refund_pays_through_the_gateway(
    session: Session, db: Database, clock: ManualClock
) -> None:
    order = _warranty_order(session, db, clock)
    clock.advance(timedelta(days=179))
    claim = _warranty_claim(session, clock, order, "refund")
    op = operator(session, clock)
    claims.approve(
        session,
        clock,
        principal_of(session, op),
        claim.id,
        note="beyond repair",
        amount_fen=250_000,
    )
    deliver(session, db, clock)
    session.refresh(claim)
    assert claim.status == "paid"
    assert claim.paid_fen == 250_000
    [refund] = session.scalars(select(Refund).where(Refund.order_id == order.id))
    assert refund.amount_fen == 250_000
    assert ledger.check(session).ok


def test_a_warranty_claim_on_day_181_is_refused(
    session: Session, db: Database, clock: ManualClock
) -> None:
    order = _warranty_order(session, db, clock)
    clock.advance(timedelta(days=181))
    before = counts(session)
    with pytest.raises(Conflict) as refused:
        _warranty_claim(session, clock, order)
    assert refused.value.code == "window_closed"
    assert counts(session) == before
