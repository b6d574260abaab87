"""The simulated gateway behaves like a real one: its own books, idempotent calls, declines on
request, refunds never beyond the capture, and signed webhooks that resist forgery and replay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.commerce.payments.models import GatewayCharge, GatewayWebhook
from shijing.commerce.payments.provider import (
    InvalidSignature,
    PaymentProvider,
    sign_webhook,
    webhook_body,
)
from shijing.commerce.payments.simulated import SimulatedGateway
from shijing.core.clock import ManualClock
from shijing.core.errors import Conflict, InvalidInput

SECRET = "whsec-test-0123456789abcdef"


@pytest.fixture
def gw() -> SimulatedGateway:
    return SimulatedGateway(SECRET)


def _authorize(
    session: Session, clock: ManualClock, gw: SimulatedGateway, method: str = "sim_ok", **kw: str
) -> str:
    result = gw.authorize(
        session,
        clock,
        amount_fen=int(kw.get("amount", "10000")),
        merchant_reference=kw.get("ref", "order-1"),
        payment_method=method,
        idempotency_key=kw.get("key", "k1"),
    )
    return result.ref


def _hooks(session: Session) -> list[str]:
    return list(session.scalars(select(GatewayWebhook.event_type).order_by(GatewayWebhook.id)))


def test_it_is_a_payment_provider(gw: SimulatedGateway) -> None:
    provider: PaymentProvider = gw
    assert provider.name == "simulated"


def test_authorise_capture_and_refund_keep_the_gateways_books(
    session: Session, clock: ManualClock, gw: SimulatedGateway
) -> None:
    ref = _authorize(session, clock, gw)
    captured = gw.capture(session, clock, ref=ref)
    assert (captured.status, captured.captured_fen) == ("captured", 10_000)
    assert gw.capture(session, clock, ref=ref) == captured  # a retried capture
    part = gw.refund(session, clock, ref=ref, amount_fen=4_000, idempotency_key="r1")
    assert part.charge_refunded_fen == 4_000
    assert gw.refund(session, clock, ref=ref, amount_fen=4_000, idempotency_key="r1") == part
    with pytest.raises(InvalidInput) as info:
        gw.refund(session, clock, ref=ref, amount_fen=6_001, idempotency_key="r2")
    assert info.value.field == "amount_fen"
    gw.refund(session, clock, ref=ref, amount_fen=6_000, idempotency_key="r3")
    charge = session.scalar(select(GatewayCharge).where(GatewayCharge.ref == ref))
    assert charge is not None
    assert (charge.status, charge.captured_fen, charge.refunded_fen) == ("refunded", 10_000, 10_000)
    with pytest.raises(Conflict):
        gw.refund(session, clock, ref=ref, amount_fen=1, idempotency_key="r4")
    assert _hooks(session) == ["charge.captured", "charge.refunded", "charge.refunded"]


@pytest.mark.parametrize(
    ("method", "code"),
    [
        ("sim_declined", "card_declined"),
        ("sim_insufficient", "insufficient_funds"),
        ("sim_declined_buyer7", "card_declined"),
    ],
)
def test_declines_on_request(
    session: Session, clock: ManualClock, gw: SimulatedGateway, method: str, code: str
) -> None:
    result = gw.authorize(
        session,
        clock,
        amount_fen=500,
        merchant_reference="order-9",
        payment_method=method,
        idempotency_key="d",
    )
    assert (result.status, result.failure_code, result.succeeded) == ("failed", code, False)
    assert result.failure_message
    with pytest.raises(Conflict):
        gw.capture(session, clock, ref=result.ref)
    assert _hooks(session) == ["charge.failed"]


def test_an_unknown_payment_method_creates_no_charge(
    session: Session, clock: ManualClock, gw: SimulatedGateway
) -> None:
    with pytest.raises(InvalidInput) as info:
        _authorize(session, clock, gw, "tok_visa")
    assert info.value.field == "payment_method"
    assert session.scalar(select(GatewayCharge)) is None


def test_authorisation_is_idempotent_by_key(
    session: Session, clock: ManualClock, gw: SimulatedGateway
) -> None:
    first = _authorize(session, clock, gw, key="same")
    assert _authorize(session, clock, gw, key="same") == first
    with pytest.raises(Conflict):
        _authorize(session, clock, gw, key="same", amount="9999")


def test_void_releases_an_authorisation_only(
    session: Session, clock: ManualClock, gw: SimulatedGateway
) -> None:
    ref = _authorize(session, clock, gw)
    assert gw.void(session, clock, ref=ref).status == "voided"
    assert gw.void(session, clock, ref=ref).status == "voided"
    with pytest.raises(Conflict):
        gw.capture(session, clock, ref=ref)
    with pytest.raises(Conflict):
        gw.refund(session, clock, ref=ref, amount_fen=1, idempotency_key="x")
    captured = _authorize(session, clock, gw, key="k2")
    gw.capture(session, clock, ref=captured)
    with pytest.raises(Conflict):
        gw.void(session, clock, ref=captured)


def test_partial_capture_and_its_limits(
    session: Session, clock: ManualClock, gw: SimulatedGateway
) -> None:
    ref = _authorize(session, clock, gw)
    with pytest.raises(InvalidInput):
        gw.capture(session, clock, ref=ref, amount_fen=10_001)
    assert gw.capture(session, clock, ref=ref, amount_fen=6_000).captured_fen == 6_000
    with pytest.raises(InvalidInput):
        gw.refund(session, clock, ref=ref, amount_fen=6_001, idempotency_key="r")


# -- signatures -------------------------------------------------------------------------------


def test_signatures_verify_and_forgeries_do_not(clock: ManualClock, gw: SimulatedGateway) -> None:
    body = webhook_body({"id": "evt_1", "type": "charge.captured", "data": {"charge": {}}})
    header = gw.sign(body, at=clock.now())
    assert gw.verify_webhook(body, header, now=clock.now())["id"] == "evt_1"
    forged = sign_webhook("another-secret-0123456789", body, int(clock.now().timestamp()))
    tampered = body.replace(b"evt_1", b"evt_2")
    for bad_body, bad_header in (
        (body, forged),
        (tampered, header),
        (body, None),
        (body, ""),
        (body, "v1=abc"),
        (body, "t=abc,v1=def"),
        (body, header.replace("v1=", "v0=")),
    ):
        with pytest.raises(InvalidSignature):
            gw.verify_webhook(bad_body, bad_header, now=clock.now())


def test_stale_and_future_signatures_are_refused(clock: ManualClock, gw: SimulatedGateway) -> None:
    body = webhook_body({"id": "evt_1", "type": "charge.captured", "data": {}})
    header = gw.sign(body, at=clock.now())
    later = clock.now() + timedelta(minutes=5, seconds=1)
    with pytest.raises(InvalidSignature) as info:
        gw.verify_webhook(body, header, now=later)
    assert info.value.code == "stale_signature"
    assert gw.verify_webhook(body, header, now=clock.now() + timedelta(minutes=5))
    ahead = gw.sign(body, at=clock.now() + timedelta(minutes=6))
    with pytest.raises(InvalidSignature):
        gw.verify_webhook(body, ahead, now=clock.now())


def test_a_signed_body_that_is_not_an_event_is_refused(
    clock: ManualClock, gw: SimulatedGateway
) -> None:
    for body in (b"not json", b"[1, 2]", b'{"id": "evt"}', b'{"id": 1, "type": "x", "data": {}}'):
        with pytest.raises(InvalidSignature):
            gw.verify_webhook(body, gw.sign(body, at=clock.now()), now=clock.now())
