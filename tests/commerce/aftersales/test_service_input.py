"""The after-sales services refuse bad input themselves (pages and the simulator call them
without the API's schemas in front): too-long texts, evidence that is not a link, a malformed
tracking number — a 422 naming the field, and nothing written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shijing.accounts.models import Role, User
from shijing.accounts.service import Principal
from shijing.commerce.aftersales import service
from shijing.commerce.aftersales.models import AfterSale, AfterSaleEvent
from shijing.commerce.complaints import service as complaints
from shijing.commerce.shops.models import Shop
from shijing.core.clock import ManualClock
from shijing.core.errors import InvalidInput
from tests.commerce.aftersales.conftest import World
from tests.factories import make_user, principal_of


def _rows(session: Session) -> tuple[int, int]:
    sales = session.scalar(select(func.count()).select_from(AfterSale)) or 0
    events = session.scalar(select(func.count()).select_from(AfterSaleEvent)) or 0
    return sales, events


def _staff(session: Session, world: World) -> Principal:
    shop = session.get(Shop, world.order.shop_id)
    assert shop is not None
    owner = session.get(User, shop.owner_user_id)
    assert owner is not None
    return principal_of(session, owner)


@pytest.mark.parametrize(
    ("urls", "field"),
    [
        (["ftp://example.com/a.jpg"], "evidence_urls.0"),
        (["https://ok.example/a.jpg", "not a link"], "evidence_urls.1"),
        ([f"https://x.example/{i}.jpg" for i in range(10)], "evidence_urls"),
    ],
)
def test_evidence_must_be_links(
    session: Session, clock: ManualClock, world: World, urls: list[str], field: str
) -> None:
    before = _rows(session)
    with pytest.raises(InvalidInput) as refused:
        service.open_aftersale(
            session,
            clock,
            principal_of(session, world.buyer),
            order_id=world.order.id,
            kind="refund_only",
            reason="quality",
            evidence_urls=urls,
        )
    assert refused.value.field == field
    assert _rows(session) == before


def test_texts_longer_than_their_columns_are_refused(
    session: Session, clock: ManualClock, world: World
) -> None:
    buyer = principal_of(session, world.buyer)
    sale = service.open_aftersale(
        session,
        clock,
        buyer,
        order_id=world.order.id,
        kind="refund_only",
        reason="quality",
        evidence_urls=["https://img.example/a.jpg"],
    )
    staff = _staff(session, world)
    before = _rows(session)
    with pytest.raises(InvalidInput) as refused:
        service.reject(session, clock, staff, sale.id, reason="不" * 301)
    assert refused.value.field == "reason"
    assert _rows(session) == before
    service.reject(session, clock, staff, sale.id, reason="不是质量问题")
    with pytest.raises(InvalidInput) as refused:
        service.escalate(session, clock, buyer, sale.id, statement="x" * 1001)
    assert refused.value.field == "statement"
    service.escalate(session, clock, buyer, sale.id, statement="请平台看看")
    operator = principal_of(session, make_user(session, clock, roles=(Role.OPERATOR,)))
    before = _rows(session)
    with pytest.raises(InvalidInput) as refused:
        service.rule(
            session, clock, operator, sale.id, ruling="refund", fault="shop", note="n" * 501
        )
    assert refused.value.field == "note"
    assert _rows(session) == before
    session.refresh(sale)
    assert sale.status == "in_arbitration"


def test_a_replacement_needs_a_well_formed_carrier_and_tracking_number(
    session: Session, clock: ManualClock, world: World
) -> None:
    buyer = principal_of(session, world.buyer)
    sale = service.open_aftersale(
        session,
        clock,
        buyer,
        order_id=world.order.id,
        kind="exchange",
        reason="quality",
        evidence_urls=["https://img.example/a.jpg"],
    )
    sale.status = "return_received"
    session.flush()
    for carrier, number, field in (
        ("s f!", "SF123456789", "carrier_code"),
        ("sf", "??", "tracking_no"),
    ):
        with pytest.raises(InvalidInput) as refused:
            service.reship(
                session,
                clock,
                _staff(session, world),
                sale.id,
                carrier_code=carrier,
                tracking_no=number,
            )
        assert refused.value.field == field
    session.refresh(sale)
    assert sale.status == "return_received"


def test_a_complaint_decision_note_longer_than_its_column_is_refused(
    session: Session, clock: ManualClock, world: World
) -> None:
    complaint = complaints.file_complaint(
        session,
        clock,
        principal_of(session, world.buyer),
        target_kind="shop",
        shop_id=world.order.shop_id,
        creator_id=None,
        order_id=world.order.id,
        category="rude_service",
        description="客服态度很差",
        evidence_urls=[],
    )
    operator = principal_of(session, make_user(session, clock, roles=(Role.OPERATOR,)))
    complaints.take(session, clock, operator, complaint.id)
    with pytest.raises(InvalidInput) as refused:
        complaints.uphold(session, clock, operator, complaint.id, note="n" * 501)
    assert refused.value.field == "note"
    session.refresh(complaint)
    assert complaint.status != "upheld"
    complaints.uphold(session, clock, operator, complaint.id, note="查实")
    assert complaint.status == "upheld"
