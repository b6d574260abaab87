"""Every edge of ``ORDER`` that orders and payments drive (pay, cancel_unpaid, cancel_paid,
refund_in_full), allowed and forbidden, through the services that drive it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from shijing.accounts.models import User
from shijing.commerce.orders import service
from shijing.commerce.orders.models import Order
from shijing.commerce.orders.states import ORDER
from shijing.commerce.payments import service as payments
from shijing.commerce.payments.models import GatewayCharge, Refund
from shijing.core.clock import ManualClock
from shijing.core.errors import Conflict
from tests.commerce.orders.support import count, fresh_order, gateway, stock_of
from tests.factories import make_order, make_product, make_user, principal_of

MINE = ("pay", "cancel_unpaid", "cancel_paid", "refund_in_full")
ALLOWED = [edge for edge in ORDER.allowed() if edge[1] in MINE]
FORBIDDEN = [edge for edge in ORDER.forbidden() if edge[1] in MINE]


def _order_in(session: Session, clock: ManualClock, state: str) -> tuple[Order, User]:
    """An order at ``state``; when it has been paid, with a captured payment behind it."""
    buyer = make_user(session, clock)
    product = make_product(session, clock, stock=10)
    order = make_order(session, clock, buyer=buyer, product=product, status=state)
    if order.paid_at is not None:
        payments.charge_order(
            session,
            clock,
            gateway(),
            order_id=order.id,
            amount_fen=order.total_fen,
            payment_method="sim_ok",
            idempotency_key=f"setup-{order.id}",
        )
    session.flush()
    return order, buyer


def _drive(session: Session, clock: ManualClock, order: Order, buyer: User, action: str) -> None:
    principal = principal_of(session, buyer)
    if action == "pay":
        service.pay_order(session, clock, principal, order_id=order.id, payment_method="sim_ok")
    elif action in ("cancel_unpaid", "cancel_paid"):
        service.cancel_order(session, clock, principal, order_id=order.id)
    else:
        service.refund_order(
            session,
            clock,
            order_id=order.id,
            amount_fen=order.total_fen,
            reason="aftersale",
            idempotency_key=f"refund-{order.id}",
        )


def test_the_walk_covers_every_edge_of_these_actions() -> None:
    assert {a for _, a, _ in ALLOWED} == set(MINE)
    assert len(ALLOWED) + len(FORBIDDEN) == len(MINE) * len(ORDER.states)


@pytest.mark.parametrize(("state", "action", "target"), ALLOWED)
def test_allowed_edge(
    session: Session, clock: ManualClock, state: str, action: str, target: str
) -> None:
    order, buyer = _order_in(session, clock, state)
    _drive(session, clock, order, buyer, action)
    assert fresh_order(session, order.id).status == target


@pytest.mark.parametrize(("state", "action"), FORBIDDEN)
def test_forbidden_edge_is_409_and_changes_nothing(
    session: Session, clock: ManualClock, state: str, action: str
) -> None:
    order, buyer = _order_in(session, clock, state)
    charges, refunds = count(session, GatewayCharge), count(session, Refund)
    stock = stock_of(session, order.sku_id)
    if action == "cancel_paid" and state == "pending_payment":
        # Cancelling an unpaid order takes the cancel_unpaid edge; the table refuses this one.
        with pytest.raises(Conflict):
            ORDER.next(state, action)
    elif action == "cancel_unpaid" and state == "paid":
        # The buyer's cancel of a paid order is cancel_paid; the deadline never touches it.
        order.pay_due_at = clock.now() - timedelta(minutes=1)
        session.flush()
        assert service.cancel_unpaid_orders(session, clock) == 0
    else:
        with pytest.raises(Conflict):
            _drive(session, clock, order, buyer, action)
    assert fresh_order(session, order.id).status == state
    assert (count(session, GatewayCharge), count(session, Refund)) == (charges, refunds)
    assert stock_of(session, order.sku_id) == stock
