"""``POST /payments/webhooks/simulated``: signed webhooks are verified, each event is processed
once, and the payment converges whether the synchronous answer or the webhook comes first."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

import shijing.commerce.wiring  # noqa: F401  (registers the subscribers and due steps)
from shijing.commerce.orders import service
from shijing.commerce.payments.models import (
    GatewayCharge,
    GatewayWebhook,
    Payment,
    Refund,
    WebhookReceipt,
)
from shijing.commerce.payments.provider import SIGNATURE_HEADER, sign_webhook, webhook_body
from shijing.core.clock import ManualClock
from shijing.core.db import Database
from shijing.core.deadlines import run_due
from shijing.core.outbox import Dispatcher
from tests.commerce.orders.support import (
    API,
    books,
    count,
    events,
    fresh_order,
    gateway,
    headers_of,
    listing,
    pay,
    place_service,
)
from tests.factories import make_user, principal_of

URL = f"{API}/payments/webhooks/simulated"


def _lost_sync_payment(
    session: Session, clock: ManualClock, order_id: int, amount: int, key: str
) -> str:
    """The gateway authorised and captured, but the platform never recorded its answer (the
    request died): only the gateway's books and its queued webhook know."""
    gw = gateway()
    result = gw.authorize(
        session,
        clock,
        amount_fen=amount,
        merchant_reference=f"order-{order_id}",
        payment_method="sim_ok",
        idempotency_key=f"order-{order_id}-pay-{key}",
    )
    gw.capture(session, clock, ref=result.ref)
    session.flush()
    return result.ref


def _queued_body(session: Session, event_type: str) -> bytes:
    hook = session.scalars(
        select(GatewayWebhook)
        .where(GatewayWebhook.event_type == event_type)
        .order_by(GatewayWebhook.id.desc())
    ).first()
    assert hook is not None
    return webhook_body(hook.payload)


def _post(
    client: TestClient, clock: ManualClock, body: bytes, header: str | None = None
) -> Response:
    signature = header if header is not None else gateway().sign(body, at=clock.now())
    return client.post(
        URL, content=body, headers={SIGNATURE_HEADER: signature, "content-type": "application/json"}
    )


def test_forged_stale_and_unsigned_webhooks_are_400_and_change_nothing(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    item = listing(session, clock)
    buyer = make_user(session, clock)
    order = place_service(session, clock, buyer, item.sku.id)
    _lost_sync_payment(session, clock, order.id, order.total_fen, "k")
    body = _queued_body(session, "charge.captured")
    now = int(clock.now().timestamp())
    forged = sign_webhook("not-the-secret-0123456789", body, now)
    stale = gateway().sign(body, at=clock.now() - timedelta(minutes=6))
    for header in (forged, stale, "t=1,v1=00"):
        response = _post(client, clock, body, header)
        assert response.status_code == 400, response.text
        assert response.json()["field"] == SIGNATURE_HEADER
    unsigned = client.post(URL, content=body, headers={"content-type": "application/json"})
    assert unsigned.status_code == 400
    tampered = body.replace(b'"captured_fen":', b'"captured_fen":1')
    assert _post(client, clock, tampered, gateway().sign(body, at=clock.now())).status_code == 400
    assert count(session, WebhookReceipt) == 0
    assert count(session, Payment) == 0
    assert fresh_order(session, order.id).status == "pending_payment"


def _minutes(n: int):  # type: ignore[no-untyped-def]
    from datetime import timedelta

    return timedelta(minutes=n)


def test_webhook_first_then_the_retried_sync_request_converge(
    client: TestClient, db: Database, session: Session, clock: ManualClock
) -> None:
    item = listing(session, clock, price_fen=2_000)
    buyer = make_user(session, clock)
    order = place_service(session, clock, buyer, item.sku.id)
    ref = _lost_sync_payment(session, clock, order.id, order.total_fen, "k1")
    response = _post(client, clock, _queued_body(session, "charge.captured"))
    assert response.status_code == 200, response.text
    assert response.json()["duplicate"] is False
    payment = session.scalar(select(Payment).where(Payment.provider_ref == ref))
    assert payment is not None
    assert payment.status == "captured"
    # The order hears of it through the payment.captured event.
    Dispatcher(db, clock).run_until_idle()
    assert fresh_order(session, order.id).status == "paid"
    # The buyer's client retries its request with the same key: the same payment, no new charge.
    retried = pay(client, headers_of(client, buyer), order.id, key="k1")
    assert retried.status_code == 201, retried.text
    assert retried.json()["id"] == payment.id
    assert count(session, GatewayCharge) == 1
    assert len(events(session, "order.paid")) == 1
    assert books(session) == (2_000, 2_000, 2_000)


def test_webhook_first_and_the_retry_before_the_event_is_handled_converge(
    client: TestClient, db: Database, session: Session, clock: ManualClock
) -> None:
    item = listing(session, clock)
    buyer = make_user(session, clock)
    order = place_service(session, clock, buyer, item.sku.id)
    _lost_sync_payment(session, clock, order.id, order.total_fen, "k1")
    assert _post(client, clock, _queued_body(session, "charge.captured")).status_code == 200
    retried = pay(client, headers_of(client, buyer), order.id, key="k1")
    assert retried.status_code == 201
    assert fresh_order(session, order.id).status == "paid"
    Dispatcher(db, clock).run_until_idle()  # the late event changes nothing
    assert fresh_order(session, order.id).status == "paid"
    assert len(events(session, "order.paid")) == 1
    assert count(session, Refund) == 0
    # A different key would be a second charge: refused while the first one stands.
    again = pay(client, headers_of(client, buyer), order.id, key="k2")
    assert again.status_code == 409
    assert count(session, GatewayCharge) == 1


def test_sync_first_then_the_webhook_is_a_no_op_and_a_replay_is_processed_once(
    client: TestClient, db: Database, session: Session, clock: ManualClock
) -> None:
    item = listing(session, clock)
    buyer = make_user(session, clock)
    order = place_service(session, clock, buyer, item.sku.id)
    session.flush()
    assert pay(client, headers_of(client, buyer), order.id).status_code == 201
    body = _queued_body(session, "charge.captured")
    first = _post(client, clock, body)
    replay = _post(client, clock, body)  # the same event, freshly signed: a redelivery
    assert first.json()["duplicate"] is False
    assert replay.json()["duplicate"] is True
    assert count(session, WebhookReceipt) == 1
    assert count(session, Payment) == 1
    assert len(events(session, "payment.captured")) == 1
    # The gateway's own delivery of the same event is a duplicate as well.
    handled = run_due(db, clock)
    assert handled["payments.deliver_gateway_webhooks"] == 1
    assert count(session, WebhookReceipt) == 1
    Dispatcher(db, clock).run_until_idle()
    assert len(events(session, "order.paid")) == 1


def test_the_gateway_delivers_its_webhooks_in_process_through_the_same_checks(
    db: Database, session: Session, clock: ManualClock
) -> None:
    item = listing(session, clock)
    buyer = make_user(session, clock)
    order = place_service(session, clock, buyer, item.sku.id)
    _lost_sync_payment(session, clock, order.id, order.total_fen, "k")
    session.commit()
    assert run_due(db, clock)["payments.deliver_gateway_webhooks"] == 1
    Dispatcher(db, clock).run_until_idle()
    assert fresh_order(session, order.id).status == "paid"
    hook = session.scalar(select(GatewayWebhook))
    assert hook is not None
    assert hook.delivered_at == clock.now()
    assert run_due(db, clock)["payments.deliver_gateway_webhooks"] == 0


def test_a_capture_for_an_order_cancelled_meanwhile_is_given_back(
    client: TestClient, db: Database, session: Session, clock: ManualClock
) -> None:
    item = listing(session, clock, stock=3)
    buyer = make_user(session, clock)
    order = place_service(session, clock, buyer, item.sku.id)
    service.cancel_order(session, clock, principal_of(session, buyer), order_id=order.id)
    _lost_sync_payment(session, clock, order.id, order.total_fen, "late")
    assert _post(client, clock, _queued_body(session, "charge.captured")).status_code == 200
    Dispatcher(db, clock).run_until_idle()
    order_now = fresh_order(session, order.id)
    assert order_now.status == "cancelled"
    assert order_now.refunded_fen == 0
    charge = session.scalar(select(GatewayCharge))
    assert charge is not None
    assert charge.status == "refunded"
    assert books(session) == (0, 0, 0)


def test_a_refund_heard_of_first_by_webhook_is_recorded_once(
    client: TestClient, db: Database, session: Session, clock: ManualClock
) -> None:
    item = listing(session, clock, price_fen=5_000)
    buyer = make_user(session, clock)
    order = place_service(session, clock, buyer, item.sku.id)
    session.flush()
    assert pay(client, headers_of(client, buyer), order.id).status_code == 201
    payment = session.scalar(select(Payment))
    assert payment is not None
    # The refund call reached the gateway but its answer never came back.
    gateway().refund(
        session,
        clock,
        ref=payment.provider_ref,
        amount_fen=2_000,
        idempotency_key="aftersale-1",
        metadata={"reason": "damaged", "aftersale_id": 1},
    )
    session.flush()
    assert _post(client, clock, _queued_body(session, "charge.refunded")).status_code == 200
    Dispatcher(db, clock).run_until_idle()
    assert fresh_order(session, order.id).refunded_fen == 2_000
    retried = service.refund_order(
        session,
        clock,
        order_id=order.id,
        amount_fen=2_000,
        reason="damaged",
        aftersale_id=1,
        idempotency_key="aftersale-1",
    )
    assert count(session, Refund) == 1
    assert (retried.amount_fen, retried.aftersale_id, retried.reason) == (2_000, 1, "damaged")
    assert fresh_order(session, order.id).refunded_fen == 2_000
    assert len(events(session, "order.refunded")) == 1
    assert books(session) == (3_000, 3_000, 3_000)
