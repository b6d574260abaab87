"""What a live room shows, read from the database as plain JSON-able dicts: the room's state, the
pinned product (price, stock, the guarantees a purchase would carry now), the showcase. The
WebSocket endpoint seeds a room with these, the event bridge republishes them, the live-room
page renders them. Read-only."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shijing.accounts import service as accounts
from shijing.commerce.catalog.categories import CATEGORIES
from shijing.commerce.catalog.models import Product, Sku
from shijing.commerce.creators import service as creators
from shijing.commerce.live import service as lives
from shijing.commerce.live.models import LiveSession, ShowcaseItem
from shijing.commerce.orders.models import Order
from shijing.commerce.shops.models import Shop
from shijing.core.clock import Clock
from shijing.guarantees import coverage


def guarantees_of(category: str) -> list[str]:
    """Whether the category takes 7-day no-reason returns (the product page's base line)."""
    found = CATEGORIES.get(category)
    return ["no_reason_return_7d"] if found is not None and found.no_reason_return else []


def mask_name(name: str) -> str:
    """A buyer's name as the ticker shows it: first character, then stars (张** / a***)."""
    name = name.strip()
    if not name:
        return "***"
    return name[0] + "*" * max(2, min(len(name) - 1, 3))


def product_card(session: Session, clock: Clock, product_id: int) -> dict[str, Any] | None:
    """A product as a live room shows it: its SKUs with price and stock, and its guarantees."""
    product = session.get(Product, product_id)
    if product is None:
        return None
    skus = list(session.scalars(select(Sku).where(Sku.product_id == product_id).order_by(Sku.id)))
    shop = session.get(Shop, product.shop_id)
    return {
        "product_id": product.id,
        "title": product.title,
        "shop": shop.name if shop is not None else "",
        "price_fen": min((s.price_fen for s in skus), default=None),
        "stock": sum(s.stock for s in skus),
        # The codes of the guarantees a purchase at the lowest price would carry now.
        "guarantees": [
            offer.guarantee.code
            for offer in coverage.offers(
                session,
                clock,
                shop_id=product.shop_id,
                product_id=product.id,
                category=product.category,
                total_fen=min((s.price_fen for s in skus), default=0),
            )
        ],
        "skus": [
            {
                "sku_id": s.id,
                "variant": " / ".join(f"{k}:{v}" for k, v in s.variant.items()) or s.code,
                "price_fen": s.price_fen,
                "stock": s.stock,
            }
            for s in skus
        ],
    }


def pinned_view(session: Session, clock: Clock, live: LiveSession) -> dict[str, Any]:
    """The ``pin`` message body: the pinned product with its item id, or ``product: None``."""
    if live.pinned_item_id is None:
        return {"item_id": None, "product": None}
    item = session.get(ShowcaseItem, live.pinned_item_id)
    if item is None:
        return {"item_id": None, "product": None}
    return {"item_id": item.id, "product": product_card(session, clock, item.product_id)}


def showcase_view(session: Session, live: LiveSession) -> dict[str, Any]:
    """The ``showcase`` message body: the items in display order with title, price and stock."""
    entries = lives.showcase_entries(session, live.id)
    stock: dict[int, int] = {
        int(product_id): int(total or 0)
        for product_id, total in session.execute(
            select(Sku.product_id, func.sum(Sku.stock))
            .where(Sku.product_id.in_([e.item.product_id for e in entries]))
            .group_by(Sku.product_id)
        )
    }
    return {
        "items": [
            {
                "item_id": e.item.id,
                "product_id": e.item.product_id,
                "title": e.product_title,
                "price_fen": e.price_fen,
                "stock": stock.get(e.item.product_id, 0),
                "pinned": e.item.id == live.pinned_item_id,
            }
            for e in entries
            if e.published
        ]
    }


def state_view(session: Session, live: LiveSession) -> dict[str, Any]:
    """The ``state`` message body: the room's lifecycle and its creator."""
    creator = creators.get_creator(session, live.creator_id)
    return {
        "status": live.status,
        "title": live.title,
        "creator_id": creator.id,
        "creator": creator.display_name,
        "stream_url": live.stream_url,
    }


def room_snapshot(session: Session, clock: Clock, live: LiveSession) -> dict[str, dict[str, Any]]:
    """Every state message of a room, by kind, as a viewer who joins now must see them."""
    return {
        "state": state_view(session, live),
        "pin": pinned_view(session, clock, live),
        "showcase": showcase_view(session, live),
    }


def purchase_view(session: Session, order_id: int) -> dict[str, Any] | None:
    """The ``purchase`` ticker message of a paid live-room order (masked buyer name)."""
    order = session.get(Order, order_id)
    if order is None:
        return None
    product = session.get(Product, order.product_id)
    buyer = accounts.get_user(session, order.buyer_id)
    return {
        "order_id": order.id,
        "buyer": mask_name(buyer.display_name),
        "product_id": order.product_id,
        "title": product.title if product is not None else "",
        "quantity": order.quantity,
    }
