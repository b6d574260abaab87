"""HTTP API of the catalogue: the category tree, the public shelf, and the shop's products, SKUs,
prices and stock."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from shijing.accounts.deps import CurrentPrincipal, MaybePrincipal
from shijing.commerce.catalog import service, shelf
from shijing.commerce.catalog.categories import Category, children_of, roots
from shijing.commerce.catalog.schemas import (
    AttributeOut,
    CategoryOut,
    MovementOut,
    ProductCreateIn,
    ProductOut,
    ProductUpdateIn,
    SkuIn,
    SkuOut,
    SkuPriceIn,
    StockAdjustIn,
)
from shijing.commerce.catalog.service import NewSku
from shijing.commerce.catalog.shelf import ProductView
from shijing.core.http import MAX_ID, ClockDep, DbSession
from shijing.core.pagination import Page

router = APIRouter(tags=["catalog"])

Limit = Annotated[int, Query(ge=1, le=100)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
ShopId = Annotated[int, Path(ge=1, le=MAX_ID)]
ProductId = Annotated[int, Path(ge=1, le=MAX_ID)]
SkuId = Annotated[int, Path(ge=1, le=MAX_ID)]
PriceFilter = Annotated[int | None, Query(ge=0, le=service.MAX_PRICE_FEN)]


def category_out(category: Category) -> CategoryOut:
    return CategoryOut(
        code=category.code,
        name_zh=category.name_zh,
        name_en=category.name_en,
        parent=category.parent,
        no_reason_return=category.no_reason_return,
        attributes=[
            AttributeOut(name=a.name, label_zh=a.label_zh, label_en=a.label_en, required=a.required)
            for a in category.attributes
        ],
        children=[category_out(c) for c in children_of(category.code)],
    )


def product_out(view: ProductView) -> ProductOut:
    p = view.product
    return ProductOut(
        id=p.id,
        shop_id=p.shop_id,
        title=p.title,
        category=p.category,
        description=p.description,
        image_urls=list(p.image_urls),
        attributes=dict(p.attributes),
        max_per_order=p.max_per_order,
        published=p.published,
        min_price_fen=view.min_price_fen,
        max_price_fen=view.max_price_fen,
        skus=[SkuOut.model_validate(s) for s in view.skus],
        created_at=p.created_at,
        updated_at=p.updated_at,
    )


def _new_sku(body: SkuIn) -> NewSku:
    return NewSku(code=body.code, price_fen=body.price_fen, stock=body.stock, variant=body.variant)


def _page(views: list[ProductView], total: int, limit: int, offset: int) -> Page[ProductOut]:
    return Page(items=[product_out(v) for v in views], total=total, limit=limit, offset=offset)


@router.get("/categories", response_model=list[CategoryOut])
def list_categories() -> list[CategoryOut]:
    """The category tree, with each category's attributes and whether it takes 7-day
    no-reason returns."""
    return [category_out(c) for c in roots()]


# -- the public shelf -------------------------------------------------------------------------


@router.get("/products", response_model=Page[ProductOut])
def search_products(
    session: DbSession,
    category: str | None = None,
    shop_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    q: Annotated[str | None, Query(description="words in the title")] = None,
    min_price_fen: PriceFilter = None,
    max_price_fen: PriceFilter = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> Page[ProductOut]:
    """Published products of active shops, newest first; ``category`` includes its
    sub-categories, and a price range matches a product with any SKU inside it."""
    views, total = shelf.search_products(
        session,
        category=category,
        shop_id=shop_id,
        q=q,
        min_price_fen=min_price_fen,
        max_price_fen=max_price_fen,
        limit=limit,
        offset=offset,
    )
    return _page(views, total, limit, offset)


@router.get("/products/{product_id}", response_model=ProductOut)
def get_product(product_id: ProductId, principal: MaybePrincipal, session: DbSession) -> ProductOut:
    """A product on sale; its shop's staff and operators see it in any state."""
    return product_out(shelf.view_product(session, principal, product_id))


# -- a shop's products ------------------------------------------------------------------------


@router.post(
    "/shops/{shop_id}/products", status_code=status.HTTP_201_CREATED, response_model=ProductOut
)
def create_product(
    shop_id: ShopId,
    body: ProductCreateIn,
    principal: CurrentPrincipal,
    session: DbSession,
    clock: ClockDep,
) -> ProductOut:
    """A product with its SKUs, in one request (the shop's staff)."""
    product = service.create_product(
        session,
        clock,
        principal,
        shop_id,
        title=body.title,
        category=body.category,
        skus=[_new_sku(s) for s in body.skus],
        description=body.description,
        image_urls=body.image_urls,
        attributes=body.attributes,
        max_per_order=body.max_per_order,
        published=body.published,
    )
    return product_out(shelf.view_product(session, principal, product.id))


@router.get("/shops/{shop_id}/products", response_model=Page[ProductOut])
def list_shop_products(
    shop_id: ShopId,
    principal: CurrentPrincipal,
    session: DbSession,
    published: bool | None = None,
    category: str | None = None,
    q: str | None = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> Page[ProductOut]:
    """Every product of the shop, published or not (its staff and operators)."""
    views, total = shelf.list_shop_products(
        session,
        principal,
        shop_id,
        published=published,
        category=category,
        q=q,
        limit=limit,
        offset=offset,
    )
    return _page(views, total, limit, offset)


@router.patch("/products/{product_id}", response_model=ProductOut)
def update_product(
    product_id: ProductId,
    body: ProductUpdateIn,
    principal: CurrentPrincipal,
    session: DbSession,
    clock: ClockDep,
) -> ProductOut:
    """Change a product's details; only the fields sent change."""
    service.update_product(
        session, clock, principal, product_id, **body.model_dump(exclude_none=True)
    )
    return product_out(shelf.view_product(session, principal, product_id))


@router.post("/products/{product_id}/publish", response_model=ProductOut)
def publish_product(
    product_id: ProductId, principal: CurrentPrincipal, session: DbSession, clock: ClockDep
) -> ProductOut:
    service.publish_product(session, clock, principal, product_id)
    return product_out(shelf.view_product(session, principal, product_id))


@router.post("/products/{product_id}/unpublish", response_model=ProductOut)
def unpublish_product(
    product_id: ProductId, principal: CurrentPrincipal, session: DbSession, clock: ClockDep
) -> ProductOut:
    service.unpublish_product(session, clock, principal, product_id)
    return product_out(shelf.view_product(session, principal, product_id))


# -- SKUs and stock ---------------------------------------------------------------------------


@router.post(
    "/products/{product_id}/skus", status_code=status.HTTP_201_CREATED, response_model=SkuOut
)
def add_sku(
    product_id: ProductId,
    body: SkuIn,
    principal: CurrentPrincipal,
    session: DbSession,
    clock: ClockDep,
) -> SkuOut:
    """Add a SKU to a product; its code must be new within the product."""
    sku = service.add_sku(
        session,
        clock,
        principal,
        product_id,
        code=body.code,
        price_fen=body.price_fen,
        stock=body.stock,
        variant=body.variant,
    )
    session.refresh(sku)
    return SkuOut.model_validate(sku)


@router.patch("/skus/{sku_id}", response_model=SkuOut)
def change_sku_price(
    sku_id: SkuId,
    body: SkuPriceIn,
    principal: CurrentPrincipal,
    session: DbSession,
    clock: ClockDep,
) -> SkuOut:
    """A new price, for orders placed from now on."""
    sku = service.change_sku_price(session, clock, principal, sku_id, price_fen=body.price_fen)
    return SkuOut.model_validate(sku)


@router.post("/skus/{sku_id}/stock", response_model=SkuOut)
def adjust_stock(
    sku_id: SkuId,
    body: StockAdjustIn,
    principal: CurrentPrincipal,
    session: DbSession,
    clock: ClockDep,
) -> SkuOut:
    """Restock (positive ``delta``) or write off (negative); stock never goes below zero."""
    sku = service.adjust_sku_stock(
        session, clock, principal, sku_id, delta=body.delta, note=body.note
    )
    return SkuOut.model_validate(sku)


@router.get("/skus/{sku_id}/movements", response_model=Page[MovementOut])
def list_movements(
    sku_id: SkuId,
    principal: CurrentPrincipal,
    session: DbSession,
    limit: Limit = 20,
    offset: Offset = 0,
) -> Page[MovementOut]:
    """The SKU's stock history, newest first (its shop's staff and operators)."""
    rows, total = shelf.list_movements(session, principal, sku_id, limit=limit, offset=offset)
    return Page(
        items=[MovementOut.model_validate(m) for m in rows],
        total=total,
        limit=limit,
        offset=offset,
    )
