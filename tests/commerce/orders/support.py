"""Builders for order and payment tests: a shop with a product, buyers with API tokens, bodies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shijing.accounts.models import User
from shijing.commerce.catalog.models import Product, Sku
from shijing.commerce.creators import service as creators
from shijing.commerce.orders import service
from shijing.commerce.orders.models import Order, OrderEvent
from shijing.commerce.payments.models import GatewayCharge, Payment, Refund
from shijing.commerce.payments.simulated import SimulatedGateway
from shijing.commerce.shops.models import Shop
from shijing.core.clock import Clock
from shijing.core.outbox import OutboxEvent
from shijing.core.settings import get_settings
from tests.factories import api_login, first_sku, make_product, make_shop, make_user, principal_of

API = "/api/v1"


@dataclass
class Listing:
    shop: Shop
    owner: User
    staff: User
    product: Product
    sku: Sku


def listing(
    session: Session,
    clock: Clock,
    *,
    stock: int = 100,
    price_fen: int = 9_900,
    max_per_order: int = 10,
    published: bool = True,
    ship_within_hours: int = 48,
) -> Listing:
    """A shop (owner and one staff member) with one published product of one SKU."""
    staff = make_user(session, clock)
    shop = make_shop(session, clock, staff=(staff,), ship_within_hours=ship_within_hours)
    owner = session.get(User, shop.owner_user_id)
    assert owner is not None
    product = make_product(
        session,
        clock,
        shop=shop,
        stock=stock,
        price_fen=price_fen,
        max_per_order=max_per_order,
        published=published,
    )
    session.flush()
    return Listing(shop, owner, staff, product, first_sku(session, product))


def ship_to(**changes: str) -> dict[str, str]:
    return {
        "name": "李四",
        "phone": "13912345678",
        "province": "浙江",
        "city": "杭州",
        "address": "西湖区文三路 100 号",
    } | changes


def order_body(sku_id: int, **changes: Any) -> dict[str, Any]:
    return {
        "sku_id": sku_id,
        "quantity": 1,
        "traffic_source": "product_page",
        "ship_to": ship_to(),
    } | changes


def headers_of(client: TestClient, user: User) -> dict[str, str]:
    return api_login(client, user.email)


def new_buyer(session: Session, clock: Clock, client: TestClient) -> tuple[User, dict[str, str]]:
    user = make_user(session, clock)
    session.flush()
    return user, headers_of(client, user)


def place(
    client: TestClient, headers: dict[str, str], sku_id: int, key: str | None = None, **changes: Any
) -> Response:
    extra = {"Idempotency-Key": key} if key else {}
    return client.post(f"{API}/orders", json=order_body(sku_id, **changes), headers=headers | extra)


def pay(
    client: TestClient,
    headers: dict[str, str],
    order_id: int,
    method: str = "sim_ok",
    key: str | None = None,
) -> Response:
    extra = {"Idempotency-Key": key} if key else {}
    return client.post(
        f"{API}/orders/{order_id}/pay", json={"payment_method": method}, headers=headers | extra
    )


def place_service(session: Session, clock: Clock, buyer: User, sku_id: int, **kw: Any) -> Order:
    """Place an order through the service (no HTTP)."""
    return service.place_order(
        session,
        clock,
        principal_of(session, buyer),
        sku_id=sku_id,
        quantity=kw.pop("quantity", 1),
        traffic_source=kw.pop("traffic_source", "direct"),
        ship_to=service.ShipTo(**ship_to()),
        **kw,
    )


def pay_service(session: Session, clock: Clock, buyer: User, order: Order, **kw: Any) -> Payment:
    return service.pay_order(
        session,
        clock,
        principal_of(session, buyer),
        order_id=order.id,
        payment_method=kw.pop("payment_method", "sim_ok"),
        **kw,
    )


def gateway() -> SimulatedGateway:
    return SimulatedGateway(get_settings().payment_webhook_secret)


def publish_plan(session: Session, clock: Clock, item: Listing, commission_bps: int) -> int:
    plan = creators.publish_distribution_plan(
        session,
        clock,
        principal_of(session, item.owner),
        shop_id=item.shop.id,
        product_id=item.product.id,
        commission_bps=commission_bps,
    )
    return plan.id


def events(session: Session, name: str) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(OutboxEvent).where(OutboxEvent.name == name).order_by(OutboxEvent.id)
    )
    return [dict(r.payload) for r in rows]


def kinds(session: Session, order_id: int) -> list[str]:
    return list(
        session.scalars(
            select(OrderEvent.kind).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id)
        )
    )


def fresh_order(session: Session, order_id: int) -> Order:
    session.flush()
    session.expire_all()
    order = session.get(Order, order_id)
    assert order is not None
    return order


def stock_of(session: Session, sku_id: int) -> int:
    session.flush()
    session.expire_all()
    sku = session.get(Sku, sku_id)
    assert sku is not None
    return sku.stock


def count(session: Session, model: type[Any]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def books(session: Session) -> tuple[int, int, int]:
    """Net money held: by the gateway, by the platform's payments, and captured − refunds."""
    session.flush()
    session.expire_all()
    gateway_net = session.scalar(
        select(func.coalesce(func.sum(GatewayCharge.captured_fen - GatewayCharge.refunded_fen), 0))
    )
    payments_net = session.scalar(
        select(func.coalesce(func.sum(Payment.captured_fen - Payment.refunded_fen), 0))
    )
    captured = session.scalar(select(func.coalesce(func.sum(Payment.captured_fen), 0)))
    refunded = session.scalar(select(func.coalesce(func.sum(Refund.amount_fen), 0)))
    return int(gateway_net or 0), int(payments_net or 0), int((captured or 0) - (refunded or 0))
