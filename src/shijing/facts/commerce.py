"""Commerce's fact tables (orders, after-sales, reviews, complaints): which days changed and the
rows of a range of days, read from the operational database and registered with the exporter."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shijing.accounts.models import User
from shijing.commerce.aftersales.models import AfterSale
from shijing.commerce.catalog.categories import CATEGORIES, root_of
from shijing.commerce.complaints.models import Complaint
from shijing.commerce.orders.models import Order
from shijing.commerce.payments.models import Payment, PaymentStatus
from shijing.commerce.reviews.models import Review
from shijing.commerce.shipping.models import Direction, Shipment
from shijing.facts.registry import FactTable, any_since, register, utc, utc_days
from shijing.facts.schemas import AFTERSALES, COMPLAINTS, ORDERS, REVIEWS


def _root_category(code: str) -> str:
    return root_of(code) if code in CATEGORIES else code.split(".", 1)[0]


def _order_days(session: Session, since: datetime) -> set[date]:
    o = Order
    stamps = (o.placed_at, o.paid_at, o.shipped_at, o.delivered_at, o.completed_at, o.cancelled_at)
    found = set(session.scalars(select(o.placed_at).where(any_since(stamps, since))))
    found |= set(
        session.scalars(
            select(o.placed_at)
            .join(Shipment, Shipment.order_id == o.id)
            .where(any_since((Shipment.picked_up_at, Shipment.delivered_at), since))
        )
    )
    found |= set(
        session.scalars(
            select(o.placed_at)
            .join(Payment, Payment.order_id == o.id)
            .where(Payment.updated_at >= since)
        )
    )
    found |= set(
        session.scalars(
            select(o.placed_at)
            .join(AfterSale, AfterSale.order_id == o.id)
            .where(any_since((AfterSale.refunded_at, AfterSale.closed_at), since))
        )
    )
    return utc_days(found)


def _order_rows(session: Session, start: datetime, end: datetime) -> list[dict[str, Any]]:
    pickup = (
        select(Shipment.order_id, func.min(Shipment.picked_up_at).label("picked_up_at"))
        .where(Shipment.direction == Direction.OUTBOUND.value)
        .group_by(Shipment.order_id)
        .subquery()
    )
    failures = (
        select(Payment.order_id, func.count().label("n"))
        .where(Payment.status == PaymentStatus.FAILED.value)
        .group_by(Payment.order_id)
        .subquery()
    )
    instrument = (
        select(Payment.order_id, func.max(Payment.instrument_fp).label("fp"))
        .where(Payment.status != PaymentStatus.FAILED.value)
        .group_by(Payment.order_id)
        .subquery()
    )
    query = (
        select(Order, pickup.c.picked_up_at, failures.c.n, User.created_at, instrument.c.fp)
        .outerjoin(pickup, pickup.c.order_id == Order.id)
        .outerjoin(failures, failures.c.order_id == Order.id)
        .outerjoin(instrument, instrument.c.order_id == Order.id)
        .join(User, User.id == Order.buyer_id)
        .where(Order.placed_at >= start, Order.placed_at < end)
        .order_by(Order.id)
    )
    rows = []
    for order, picked_up_at, n_failed, registered, instrument_fp in session.execute(query):
        rows.append(
            {
                "order_id": order.id,
                "day": order.placed_at.date(),
                "placed_at": order.placed_at,
                "buyer_id": order.buyer_id,
                "shop_id": order.shop_id,
                "creator_id": order.creator_id,
                "product_id": order.product_id,
                "category": order.category,
                "root_category": _root_category(order.category),
                "traffic_source": order.traffic_source,
                "total_fen": order.total_fen,
                "status": order.status,
                "paid_at": order.paid_at,
                "ship_due_at": order.ship_due_at,
                "shipped_at": order.shipped_at,
                "picked_up_at": utc(picked_up_at),
                "delivered_at": order.delivered_at,
                "completed_at": order.completed_at,
                "cancelled_at": order.cancelled_at,
                "cancelled_by": order.cancelled_by,
                "refunded_fen": order.refunded_fen,
                "payment_failures": int(n_failed or 0),
                "buyer_registered_at": utc(registered),
                "device_fp": order.device_fp,
                "address_fp": order.address_fp,
                "instrument_fp": instrument_fp,
                "ship_province": order.ship_to_province,
            }
        )
    return rows


_AFTERSALE_STAMPS = (
    AfterSale.opened_at,
    AfterSale.responded_at,
    AfterSale.return_delivered_at,
    AfterSale.return_received_at,
    AfterSale.refunded_at,
    AfterSale.escalated_at,
    AfterSale.ruled_at,
    AfterSale.closed_at,
)


def _aftersale_days(session: Session, since: datetime) -> set[date]:
    found = session.scalars(select(AfterSale.opened_at).where(any_since(_AFTERSALE_STAMPS, since)))
    return utc_days(found)


def _aftersale_rows(session: Session, start: datetime, end: datetime) -> list[dict[str, Any]]:
    query = (
        select(AfterSale, Order.creator_id)
        .join(Order, Order.id == AfterSale.order_id)
        .where(AfterSale.opened_at >= start, AfterSale.opened_at < end)
        .order_by(AfterSale.id)
    )
    return [
        {
            "aftersale_id": a.id,
            "day": a.opened_at.date(),
            "order_id": a.order_id,
            "shop_id": a.shop_id,
            "buyer_id": a.buyer_id,
            "creator_id": creator_id,
            "kind": a.kind,
            "reason": a.reason,
            "status": a.status,
            "opened_at": a.opened_at,
            "responded_at": a.responded_at,
            "auto_approved": a.auto_approved,
            "amount_fen": a.amount_fen,
            "refunded_fen": a.refunded_fen,
            "escalated_at": a.escalated_at,
            "ruled_at": a.ruled_at,
            "ruling": a.ruling,
            "fault": a.fault,
            "closed_at": a.closed_at,
        }
        for a, creator_id in session.execute(query)
    ]


def _review_days(session: Session, since: datetime) -> set[date]:
    r = Review
    stamps = (r.created_at, r.updated_at, r.followup_at, r.shop_replied_at)
    found = session.scalars(select(r.created_at).where(any_since(stamps, since)))
    return utc_days(found)


def _review_rows(session: Session, start: datetime, end: datetime) -> list[dict[str, Any]]:
    query = (
        select(Review)
        .where(Review.created_at >= start, Review.created_at < end)
        .order_by(Review.id)
    )
    return [
        {
            "review_id": r.id,
            "day": r.created_at.date(),
            "order_id": r.order_id,
            "shop_id": r.shop_id,
            "creator_id": r.creator_id,
            "product_id": r.product_id,
            "buyer_id": r.buyer_id,
            "created_at": r.created_at,
            "product_rating": r.product_rating,
            "logistics_rating": r.logistics_rating,
            "service_rating": r.service_rating,
            "hidden": r.hidden_reason is not None,
            "text": r.text,
        }
        for r in session.scalars(query)
    ]


def _complaint_days(session: Session, since: datetime) -> set[date]:
    c = Complaint
    found = session.scalars(
        select(c.created_at).where(any_since((c.created_at, c.resolved_at), since))
    )
    return utc_days(found)


def _complaint_rows(session: Session, start: datetime, end: datetime) -> list[dict[str, Any]]:
    query = (
        select(Complaint)
        .where(Complaint.created_at >= start, Complaint.created_at < end)
        .order_by(Complaint.id)
    )
    return [
        {
            "complaint_id": c.id,
            "day": c.created_at.date(),
            "complainant_id": c.complainant_id,
            "target_kind": c.target_kind,
            "shop_id": c.shop_id,
            "creator_id": c.creator_id,
            "order_id": c.order_id,
            "category": c.category,
            "status": c.status,
            "created_at": c.created_at,
            "resolved_at": c.resolved_at,
        }
        for c in session.scalars(query)
    ]


register(FactTable("orders", ORDERS, Order.placed_at, _order_days, _order_rows))
register(FactTable("aftersales", AFTERSALES, AfterSale.opened_at, _aftersale_days, _aftersale_rows))
register(FactTable("reviews", REVIEWS, Review.created_at, _review_days, _review_rows))
register(
    FactTable("complaints", COMPLAINTS, Complaint.created_at, _complaint_days, _complaint_rows)
)
