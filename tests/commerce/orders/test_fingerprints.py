"""Fingerprints of orders and payments: keyed hashes of the device, the normalised ship-to address
and the payment instrument; never the raw value; a bad device id is a 422 with nothing written."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.accounts.deps import SESSION_COOKIE
from shijing.commerce.orders.fingerprints import (
    DEVICE_COOKIE,
    HEX_CHARS,
    address_fingerprint,
    device_fingerprint,
    fingerprint,
    normalise,
)
from shijing.commerce.orders.models import Order
from shijing.core.clock import ManualClock
from shijing.core.errors import InvalidInput
from shijing.core.settings import get_settings
from tests.commerce.orders.support import (
    count,
    fresh_order,
    listing,
    new_buyer,
    pay_service,
    place,
    place_service,
)
from tests.factories import first_sku, make_product, make_user
from tests.web.pages import csrf_token, log_in

SECRET = "a-test-secret-of-some-length"


def test_normalise_is_nfkc_collapsed_and_casefolded() -> None:
    assert normalise("  Ａｂｃ\u3000 ＤＥＦ\t\n 幸福路１号 ") == "abc def 幸福路1号"


def test_the_fingerprint_is_a_keyed_hash_of_the_normalised_value() -> None:
    fp = fingerprint("Device-ABC", secret=SECRET)
    assert len(fp) == HEX_CHARS
    assert set(fp) <= set("0123456789abcdef")
    assert fp == fingerprint(" device-abc ", secret=SECRET)
    assert fp != fingerprint("device-abd", secret=SECRET)
    assert fp != fingerprint("Device-ABC", secret=SECRET + "x")  # another deployment, other hash
    assert "abc" not in fp
    assert fingerprint("x") == fingerprint("x", secret=get_settings().secret_key)


def test_the_address_fingerprint_is_province_city_and_street_only() -> None:
    one = address_fingerprint("浙江", "杭州", "西湖区  文三路 100 号", secret=SECRET)
    assert one == address_fingerprint("浙江", " 杭州", "西湖区 文三路 １００ 号", secret=SECRET)
    assert one != address_fingerprint("浙江", "杭州", "西湖区 文三路 101 号", secret=SECRET)
    # the parts are kept apart: moving a word from city to street is another address
    assert address_fingerprint("浙江", "杭州 西湖区", "文三路", secret=SECRET) != (
        address_fingerprint("浙江", "杭州", "西湖区 文三路", secret=SECRET)
    )


@pytest.mark.parametrize("bad", ["x" * 129, "abc\x00def", "line\nbreak", "del\x7f"])
def test_a_bad_device_id_is_refused(bad: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        device_fingerprint(bad, secret=SECRET)
    assert caught.value.field == "device_id"


def test_no_device_id_is_no_fingerprint() -> None:
    assert device_fingerprint(None) is None
    assert device_fingerprint("   ") is None
    assert device_fingerprint("x" * 128, secret=SECRET) is not None


def test_place_order_records_device_and_address_fingerprints(
    session: Session, clock: ManualClock
) -> None:
    item = listing(session, clock, stock=10)
    buyer = make_user(session, clock)
    first = place_service(session, clock, buyer, item.sku.id, device_id="phone-0001")
    second = place_service(session, clock, buyer, item.sku.id)
    assert first.device_fp == fingerprint("phone-0001")
    assert second.device_fp is None
    assert (
        first.address_fp
        == second.address_fp
        == address_fingerprint("浙江", "杭州", "西湖区文三路 100 号")
    )
    assert "phone-0001" not in (first.device_fp or "")
    payment = pay_service(session, clock, buyer, first, payment_method="sim_ok_card42")
    assert payment.instrument_fp == fingerprint("sim_ok_card42")


def test_place_order_refuses_a_bad_device_id_and_writes_nothing(
    session: Session, clock: ManualClock
) -> None:
    item = listing(session, clock, stock=10)
    buyer = make_user(session, clock)
    before = count(session, Order)
    with pytest.raises(InvalidInput) as caught:
        place_service(session, clock, buyer, item.sku.id, device_id="x" * 200)
    assert caught.value.field == "device_id"
    assert count(session, Order) == before


def test_the_api_takes_the_device_id_header(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    item = listing(session, clock, stock=10)
    _, headers = new_buyer(session, clock, client)
    response = place(client, headers | {"X-Device-Id": "ios-ABCDEF"}, item.sku.id)
    assert response.status_code == 201, response.text
    assert "device_fp" not in response.json()  # a fingerprint is for integrity, not for show
    assert fresh_order(session, response.json()["id"]).device_fp == fingerprint("ios-ABCDEF")
    refused = place(client, headers | {"X-Device-Id": "y" * 129}, item.sku.id)
    assert refused.status_code == 422
    assert "device_id" in refused.text


def test_a_page_purchase_records_the_device_cookie_or_else_the_session(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    product = make_product(session, clock, stock=5)
    sku = first_sku(session, product)
    buyer = make_user(session, clock)
    session.commit()
    log_in(client, buyer.email)
    address = {"name": "张三", "phone": "13800000000", "province": "浙江", "city": "杭州"}
    form = {"sku_id": str(sku.id), "quantity": "1", "address": "西湖区 1 号"} | address
    token = csrf_token(client, f"/products/{product.id}")
    client.cookies.set(DEVICE_COOKIE, "browser-123")
    first = client.post(f"/products/{product.id}/buy", data={"csrf_token": token} | form)
    assert first.status_code == 200, first.text
    client.cookies.delete(DEVICE_COOKIE)
    second = client.post(f"/products/{product.id}/buy", data={"csrf_token": token} | form)
    assert second.status_code == 200, second.text
    one, two = session.scalars(
        select(Order).where(Order.buyer_id == buyer.id).order_by(Order.id)
    ).all()
    assert one.device_fp == fingerprint("browser-123")
    session_cookie = client.cookies.get(SESSION_COOKIE)
    assert session_cookie
    assert two.device_fp == fingerprint(session_cookie)
    assert one.address_fp == two.address_fp == address_fingerprint("浙江", "杭州", "西湖区 1 号")
