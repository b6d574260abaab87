"""Reading the catalogue: the public shelf (published products of active shops), a shop's own
listing for its staff, product pages, and a SKU's stock history. Nothing here writes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, exists, func, select

from shijing.commerce.catalog.categories import with_descendants
from shijing.commerce.catalog.models import Product, Sku, StockMovement
from shijing.commerce.shops import service as shops
from shijing.commerce.shops.access import is_shop_staff
from shijing.commerce.shops.service import clean_text
from shijing.core.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from shijing.accounts.service import Principal

QUERY_MAX = 100


@dataclass(frozen=True)
class ProductView:
    """A product with its SKUs, as listings and product pages show it."""

    product: Product
    skus: list[Sku]

    @property
    def min_price_fen(self) -> int | None:
        return min((s.price_fen for s in self.skus), default=None)

    @property
    def max_price_fen(self) -> int | None:
        return max((s.price_fen for s in self.skus), default=None)


# -- loading and access -----------------------------------------------------------------------


def no_product() -> NotFound:
    return NotFound("no such product", field="product_id")


def no_sku() -> NotFound:
    return NotFound("no such SKU", field="sku_id")


def get_product(session: Session, product_id: int) -> Product:
    """The product whatever its state, or 404. No access check: for other domains' services."""
    product = session.get(Product, product_id)
    if product is None:
        raise no_product()
    return product


def get_sku(session: Session, sku_id: int) -> Sku:
    """The SKU, or 404. No access check: for other domains' services."""
    sku = session.get(Sku, sku_id)
    if sku is None:
        raise no_sku()
    return sku


def sees_shop(session: Session, principal: Principal | None, shop_id: int) -> bool:
    return principal is not None and (
        principal.is_operator or is_shop_staff(session, principal, shop_id)
    )


def _staff_read(session: Session, principal: Principal, shop_id: int, missing: NotFound) -> None:
    if not sees_shop(session, principal, shop_id):
        raise missing


def skus_of(session: Session, product_ids: Sequence[int]) -> dict[int, list[Sku]]:
    """The SKUs of several products in one query, by product id, in creation order."""
    found: dict[int, list[Sku]] = {pid: [] for pid in product_ids}
    if product_ids:
        for sku in session.scalars(
            select(Sku).where(Sku.product_id.in_(product_ids)).order_by(Sku.id)
        ):
            found[sku.product_id].append(sku)
    return found


def _views(session: Session, products: Sequence[Product]) -> list[ProductView]:
    skus = skus_of(session, [p.id for p in products])
    return [ProductView(p, skus[p.id]) for p in products]


# -- reading ----------------------------------------------------------------------------------


def view_product(session: Session, principal: Principal | None, product_id: int) -> ProductView:
    """A published product of an active shop for anyone; any product for its shop's staff and
    operators; 404 otherwise."""
    product = get_product(session, product_id)
    if not sees_shop(session, principal, product.shop_id) and not (
        product.published and shops.is_active(session, product.shop_id)
    ):
        raise no_product()
    return _views(session, [product])[0]


def _text_filter(q: str | None) -> ColumnElement[bool] | None:
    if q is None:
        return None
    text = clean_text(q, "q", QUERY_MAX, required=False)
    if not text:
        return None
    return func.lower(Product.title).contains(text.lower(), autoescape=True)


def _page(
    session: Session, conditions: list[ColumnElement[bool]], limit: int, offset: int
) -> tuple[list[ProductView], int]:
    total = session.scalar(select(func.count(Product.id)).where(*conditions)) or 0
    products = session.scalars(
        select(Product).where(*conditions).order_by(Product.id.desc()).limit(limit).offset(offset)
    ).all()
    return _views(session, products), total


def search_products(
    session: Session,
    *,
    category: str | None = None,
    shop_id: int | None = None,
    q: str | None = None,
    min_price_fen: int | None = None,
    max_price_fen: int | None = None,
    limit: int = 20,
    offset: int = 0,
) -> tuple[list[ProductView], int]:
    """The public shelf: published products of active shops, newest first. ``category``
    includes its sub-categories; a price range matches a product with any SKU inside it."""
    conditions: list[ColumnElement[bool]] = [
        Product.published.is_(True),
        Product.shop_id.in_(shops.active_shop_ids()),
    ]
    if category is not None:
        conditions.append(Product.category.in_(with_descendants(category)))
    if shop_id is not None:
        conditions.append(Product.shop_id == shop_id)
    title = _text_filter(q)
    if title is not None:
        conditions.append(title)
    if min_price_fen is not None or max_price_fen is not None:
        if (
            min_price_fen is not None
            and max_price_fen is not None
            and min_price_fen > max_price_fen
        ):
            raise InvalidInput("must not be below min_price_fen", field="max_price_fen")
        priced = [Sku.product_id == Product.id]
        if min_price_fen is not None:
            priced.append(Sku.price_fen >= min_price_fen)
        if max_price_fen is not None:
            priced.append(Sku.price_fen <= max_price_fen)
        conditions.append(exists().where(*priced))
    return _page(session, conditions, limit, offset)


def list_shop_products(
    session: Session,
    principal: Principal,
    shop_id: int,
    *,
    published: bool | None = None,
    category: str | None = None,
    q: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> tuple[list[ProductView], int]:
    """All of a shop's products, published or not (its staff and operators), newest first."""
    shops.get_shop(session, shop_id)
    _staff_read(session, principal, shop_id, NotFound("no such shop", field="shop_id"))
    conditions: list[ColumnElement[bool]] = [Product.shop_id == shop_id]
    if published is not None:
        conditions.append(Product.published.is_(published))
    if category is not None:
        conditions.append(Product.category.in_(with_descendants(category)))
    title = _text_filter(q)
    if title is not None:
        conditions.append(title)
    return _page(session, conditions, limit, offset)


def list_movements(
    session: Session, principal: Principal, sku_id: int, *, limit: int = 20, offset: int = 0
) -> tuple[list[StockMovement], int]:
    """A SKU's stock history, newest first (its shop's staff and operators)."""
    sku = get_sku(session, sku_id)
    product = get_product(session, sku.product_id)
    _staff_read(session, principal, product.shop_id, no_sku())
    where = StockMovement.sku_id == sku_id
    total = session.scalar(select(func.count(StockMovement.id)).where(where)) or 0
    rows = session.scalars(
        select(StockMovement)
        .where(where)
        .order_by(StockMovement.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), total
