"""Checks that must hold after any run (the CLI runs them too): no negative stock, every
delivered order has a shipment, every refund is backed by an approved after-sale or the
cancellation of a paid order, and the payment provider's books match the platform's."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shijing.commerce.aftersales.models import AfterSale
from shijing.commerce.catalog.models import Sku
from shijing.commerce.orders.billing import CANCEL_REFUND_REASON
from shijing.commerce.orders.models import Order
from shijing.commerce.payments.models import GatewayCharge, GatewayRefund, Payment, Refund
from shijing.commerce.shipping.models import Shipment


@dataclass
class Report:
    checked: dict[str, int] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations


def _sum(session: Session, column: object) -> int:
    return int(session.scalar(select(func.coalesce(func.sum(column), 0))) or 0)


def check(session: Session, *, limit: int = 20) -> Report:
    report = Report()
    negative = session.scalars(select(Sku.id).where(Sku.stock < 0).limit(limit)).all()
    report.checked["skus"] = session.scalar(select(func.count()).select_from(Sku)) or 0
    report.violations += [f"sku {i} has negative stock" for i in negative]

    outbound = select(Shipment.order_id).where(Shipment.direction == "outbound")
    unshipped = session.scalars(
        select(Order.id)
        .where(
            Order.delivered_at.is_not(None) | Order.status.in_(("delivered", "completed")),
            Order.id.not_in(outbound),
        )
        .limit(limit)
    ).all()
    report.checked["delivered_orders"] = (
        session.scalar(select(func.count()).where(Order.delivered_at.is_not(None))) or 0
    )
    report.violations += [f"order {i} was delivered without a shipment" for i in unshipped]

    refunds = session.execute(
        select(Refund, AfterSale, Order)
        .join(Order, Order.id == Refund.order_id)
        .outerjoin(AfterSale, AfterSale.id == Refund.aftersale_id)
    ).all()
    report.checked["refunds"] = len(refunds)
    for refund, sale, order in refunds:
        if sale is not None:
            if sale.order_id != order.id or sale.status != "refunded":
                report.violations.append(
                    f"refund {refund.id} names after-sale {sale.id} in state {sale.status}"
                )
            elif sale.refunded_fen != refund.amount_fen:
                report.violations.append(
                    f"refund {refund.id} of {refund.amount_fen} fen, after-sale {sale.id} "
                    f"approved {sale.refunded_fen}"
                )
        elif not (
            refund.reason == CANCEL_REFUND_REASON
            and order.status == "cancelled"
            and order.paid_at is not None
        ):
            report.violations.append(
                f"refund {refund.id} has neither an after-sale nor a cancelled paid order"
            )
    per_order = session.execute(
        select(Order.id, Order.refunded_fen, func.coalesce(func.sum(Refund.amount_fen), 0))
        .outerjoin(Refund, Refund.order_id == Order.id)
        .group_by(Order.id, Order.refunded_fen)
        .having(Order.refunded_fen != func.coalesce(func.sum(Refund.amount_fen), 0))
        .limit(limit)
    ).all()
    report.violations += [
        f"order {i} says {a} fen refunded, its refunds add up to {b}" for i, a, b in per_order
    ]

    gateway = _sum(session, GatewayCharge.captured_fen) - _sum(session, GatewayRefund.amount_fen)
    platform = _sum(session, Payment.captured_fen) - _sum(session, Refund.amount_fen)
    report.checked["gateway_balance_fen"] = gateway
    if gateway != platform:
        report.violations.append(
            f"the gateway holds {gateway} fen (captured − refunded), the platform {platform}"
        )
    return report
