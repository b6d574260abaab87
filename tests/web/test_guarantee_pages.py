"""Trust Purchase on the pages: the product page lists what a purchase would be promised, and
anyone can check a jewellery certificate."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.core.clock import ManualClock
from shijing.guarantees import programmes
from shijing.trust.models import ShopScore
from tests.factories import make_product, make_shop, principal_of
from tests.guarantees.builders import owner_of, trusted_shop

EN = {"Accept-Language": "en", "Accept": "text/html"}


def test_the_product_page_lists_the_guarantees_of_a_badge_shop(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    trusted = make_product(session, clock, shop=trusted_shop(session, clock))
    plain = make_product(session, clock, shop=make_shop(session, clock))
    session.commit()
    page = client.get(f"/products/{trusted.id}", headers=EN)
    assert page.status_code == 200
    assert "Trust Purchase" in page.text
    assert 'data-guarantee="return_postage"' in page.text
    assert "up to ¥25" in page.text
    assert 'data-guarantee="counterfeit_10x"' in page.text
    other = client.get(f"/products/{plain.id}", headers=EN)
    assert 'data-guarantee="return_postage"' not in other.text
    assert "7-day no-reason return" in other.text


def test_anyone_can_check_a_certificate_by_its_number(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    shop = make_shop(session, clock, main_category="jewellery")
    jewel = make_product(session, clock, shop=shop, category="jewellery")
    programmes.record_certificate(
        session,
        clock,
        principal_of(session, owner_of(session, shop)),
        product_id=jewel.id,
        number="NGTC-2026-0001",
        appraiser="国家珠宝玉石质量监督检验中心",
        material="和田玉",
        weight_g="12.5",
    )
    session.commit()
    found = client.get("/certificates", params={"number": "ngtc-2026-0001"}, headers=EN)
    assert found.status_code == 200
    assert "和田玉" in found.text
    assert "12.500 g" in found.text
    missing = client.get("/certificates", params={"number": "FAKE-0000"}, headers=EN)
    assert missing.status_code == 404
    assert "No certificate has this number" in missing.text
    assert 'value="FAKE-0000"' in missing.text  # what was typed is kept
    assert client.get("/certificates", headers=EN).status_code == 200


def test_discovery_cards_carry_the_badge_and_the_shops_band(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    trusted = make_product(session, clock, shop=trusted_shop(session, clock, score=92.5))
    plain = make_product(session, clock, shop=make_shop(session, clock))
    session.commit()
    page = client.get("/", headers=EN)
    assert page.status_code == 200
    cards = page.text.split('class="card product-card"')[1:]
    card_of = {
        pid: next(c for c in cards if f"/products/{pid}" in c) for pid in (trusted.id, plain.id)
    }
    assert "Trust Purchase" in card_of[trusted.id]
    assert "Excellent" in card_of[trusted.id]
    assert "Trust Purchase" not in card_of[plain.id]
    assert "band-" not in card_of[plain.id]


def test_the_product_page_explains_the_shops_score_in_plain_words(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    shop = trusted_shop(session, clock, score=84.0)
    row = session.scalar(select(ShopScore).where(ShopScore.shop_id == shop.id))
    assert row is not None
    row.dimensions = {"product": 90.0, "logistics": 71.0, "service": 86.0}
    product = make_product(session, clock, shop=shop)
    newcomer = make_product(session, clock, shop=make_shop(session, clock))
    session.commit()
    page = client.get(f"/products/{product.id}", headers=EN)
    assert "84.0" in page.text
    assert "Good" in page.text
    assert "Delivery 71" in page.text
    assert "Ships on time and arrives fast" in page.text
    zh = client.get(f"/products/{product.id}", headers={"Accept-Language": "zh-CN"})
    assert "物流 71" in zh.text
    other = client.get(f"/products/{newcomer.id}", headers=EN)
    assert "not enough orders for a score yet" in other.text
