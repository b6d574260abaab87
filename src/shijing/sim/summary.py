"""The closing numbers of a run, read from the database (reading only): orders, GMV, repurchase,
returns, brushing, after-sales, reviews, complaints, disputes."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shijing.commerce.aftersales.models import AfterSale
from shijing.commerce.complaints.models import Complaint
from shijing.commerce.live.models import LiveSession
from shijing.commerce.orders.models import Order
from shijing.commerce.reviews.models import Review
from shijing.commerce.shipping.models import Shipment
from shijing.core.money import format_fen


@dataclass(frozen=True)
class Summary:
    orders: int
    paid_orders: int
    cancelled_orders: int
    gmv_fen: int
    refunded_fen: int
    buyers: int
    repurchase_rate: float  # buyers with a second paid order, of buyers with one
    same_shop_repurchase_rate: float  # buyers who bought twice from one shop
    live_orders: int
    live_sessions: int
    late_pickup_rate: float
    aftersales: int
    return_rate: float  # return requests per delivered order
    brushing_orders: int
    brushing_share: float
    reviews: int
    negative_review_rate: float
    complaints: int
    complaints_upheld: int
    disputes: int
    disputes_shop_fault: int

    def rows(self) -> list[tuple[str, str]]:
        out = []
        for key, value in asdict(self).items():
            if key.endswith("_fen"):
                text = format_fen(value)
            elif isinstance(value, float):
                text = f"{value:.1%}"
            else:
                text = f"{value:,}"
            out.append((key.replace("_fen", "").replace("_", " "), text))
        return out


def _ratio(a: int, b: int) -> float:
    return round(a / b, 4) if b else 0.0


def summarise(session: Session, *, brushing_orders: int = 0) -> Summary:
    count = func.count()
    paid = Order.paid_at.is_not(None)
    orders = session.scalar(select(count).select_from(Order)) or 0
    paid_orders = session.scalar(select(count).where(paid)) or 0
    per_buyer = (
        select(Order.buyer_id, count.label("n")).where(paid).group_by(Order.buyer_id).subquery()
    )
    buyers = session.scalar(select(func.count()).select_from(per_buyer)) or 0
    again = (
        session.scalar(select(func.count()).select_from(per_buyer).where(per_buyer.c.n >= 2)) or 0
    )
    pairs = (
        select(Order.buyer_id, Order.shop_id, count.label("n"))
        .where(paid)
        .group_by(Order.buyer_id, Order.shop_id)
        .subquery()
    )
    same_shop = (
        session.scalar(select(func.count(func.distinct(pairs.c.buyer_id))).where(pairs.c.n >= 2))
        or 0
    )
    delivered = session.scalar(select(count).where(Order.delivered_at.is_not(None))) or 0
    picked = session.execute(
        select(Shipment.picked_up_at, Order.ship_due_at)
        .join(Order, Order.id == Shipment.order_id)
        .where(Shipment.direction == "outbound", Shipment.picked_up_at.is_not(None))
    ).all()
    late = sum(1 for p, due in picked if p is not None and due is not None and p > due)
    returns = session.scalar(select(count).where(AfterSale.kind == "return_refund")) or 0
    reviews = session.scalar(select(count).select_from(Review)) or 0
    negative = session.scalar(select(count).where(Review.product_rating <= 2)) or 0
    return Summary(
        orders=orders,
        paid_orders=paid_orders,
        cancelled_orders=session.scalar(select(count).where(Order.status == "cancelled")) or 0,
        gmv_fen=session.scalar(select(func.coalesce(func.sum(Order.total_fen), 0)).where(paid))
        or 0,
        refunded_fen=session.scalar(select(func.coalesce(func.sum(Order.refunded_fen), 0))) or 0,
        buyers=buyers,
        repurchase_rate=_ratio(again, buyers),
        same_shop_repurchase_rate=_ratio(same_shop, buyers),
        live_orders=session.scalar(select(count).where(paid, Order.traffic_source == "live_room"))
        or 0,
        live_sessions=session.scalar(select(count).where(LiveSession.started_at.is_not(None))) or 0,
        late_pickup_rate=_ratio(late, len(picked)),
        aftersales=session.scalar(select(count).select_from(AfterSale)) or 0,
        return_rate=_ratio(returns, delivered),
        brushing_orders=brushing_orders,
        brushing_share=_ratio(brushing_orders, paid_orders),
        reviews=reviews,
        negative_review_rate=_ratio(negative, reviews),
        complaints=session.scalar(select(count).select_from(Complaint)) or 0,
        complaints_upheld=session.scalar(select(count).where(Complaint.status == "upheld")) or 0,
        disputes=session.scalar(select(count).where(AfterSale.escalated_at.is_not(None))) or 0,
        disputes_shop_fault=session.scalar(
            select(count).where(AfterSale.escalated_at.is_not(None), AfterSale.fault == "shop")
        )
        or 0,
    )
