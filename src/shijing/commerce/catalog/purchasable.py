"""What a buyer can put in an order: the one check every order placement makes."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.commerce.catalog.models import Product, Sku
from shijing.commerce.shops.models import Shop, ShopStatus
from shijing.core.errors import InvalidInput


def get_purchasable(session: Session, sku_id: int) -> tuple[Sku, Product, Shop]:
    """The SKU with its product and shop, or 422 on ``sku_id`` when it cannot be bought now:
    unknown, unpublished, or its shop is not open."""
    row = session.execute(
        select(Sku, Product, Shop)
        .join(Product, Product.id == Sku.product_id)
        .join(Shop, Shop.id == Product.shop_id)
        .where(Sku.id == sku_id)
    ).one_or_none()
    if row is None:
        raise InvalidInput("no such SKU", field="sku_id", code="unknown_sku")
    sku, product, shop = row
    if not product.published:
        raise InvalidInput("this product is not on sale", field="sku_id", code="unpublished")
    if shop.status != ShopStatus.ACTIVE.value:
        raise InvalidInput("this shop is not taking orders", field="sku_id", code="shop_closed")
    return sku, product, shop
