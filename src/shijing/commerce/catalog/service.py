"""Use-cases that change the catalogue: products with their category attributes, SKUs, prices
and stock (reading is in ``shelf.py``). Functions take a Session and a Clock and only flush.

Every check happens before the first write, so a refused request changes nothing. Stock moves
only through ``stock.py`` (one conditional UPDATE, one audit row each).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from shijing.commerce.catalog import events as catalog_events
from shijing.commerce.catalog import shelf, stock
from shijing.commerce.catalog.categories import get_category
from shijing.commerce.catalog.models import Product, Sku
from shijing.commerce.catalog.states import PRODUCT, shelf_state
from shijing.commerce.catalog.stock_caps import check_stock_cap
from shijing.commerce.shops import service as shops
from shijing.commerce.shops.service import clean_text
from shijing.core.errors import Conflict, InvalidInput, NotFound
from shijing.core.money import format_fen
from shijing.core.outbox import emit

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from shijing.accounts.service import Principal
    from shijing.core.clock import Clock

# Policy limits of the shelf.
MAX_PRICE_FEN = 100_000_000  # ¥1,000,000.00
MAX_IMAGES = 9
MAX_PER_ORDER = 999
DEFAULT_MAX_PER_ORDER = 10
MAX_SKUS_PER_PRODUCT = 100
MAX_STOCK = 10_000_000

TITLE_MAX = 120
DESCRIPTION_MAX = 5_000
URL_MAX = 500
CODE_MAX = 40
NOTE_MAX = 200
VARIANT_MAX_KEYS = 5
VARIANT_KEY_MAX = 20
VARIANT_VALUE_MAX = 40

M = TypeVar("M", Product, Sku)


@dataclass(frozen=True)
class NewSku:
    """A SKU to create: its code is unique within the product."""

    code: str
    price_fen: int
    stock: int = 0
    variant: Mapping[str, str] = field(default_factory=dict)


# -- validation -------------------------------------------------------------------------------


def _whole(value: Any, field_name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidInput("must be a whole number", field=field_name)
    return value


def _price(value: Any, field_name: str = "price_fen") -> int:
    price = _whole(value, field_name)
    if not 0 < price <= MAX_PRICE_FEN:
        raise InvalidInput(
            f"must be more than ¥0.00 and at most {format_fen(MAX_PRICE_FEN)} (in fen)",
            field=field_name,
        )
    return price


def _initial_stock(value: Any, field_name: str = "stock") -> int:
    units = _whole(value, field_name)
    if not 0 <= units <= MAX_STOCK:
        raise InvalidInput(f"must be from 0 to {MAX_STOCK:,}", field=field_name)
    return units


def _max_per_order(value: Any) -> int:
    n = _whole(value, "max_per_order")
    if not 1 <= n <= MAX_PER_ORDER:
        raise InvalidInput(f"must be from 1 to {MAX_PER_ORDER}", field="max_per_order")
    return n


def _code(value: Any, field_name: str = "code") -> str:
    code = clean_text(value, field_name, CODE_MAX)
    if any(ch.isspace() for ch in code):
        raise InvalidInput("must not contain spaces", field=field_name)
    return code


def _variant(value: Any, field_name: str = "variant") -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise InvalidInput("must be an object of name → value", field=field_name)
    if len(value) > VARIANT_MAX_KEYS:
        raise InvalidInput(f"may have at most {VARIANT_MAX_KEYS} dimensions", field=field_name)
    cleaned: dict[str, str] = {}
    for i, (key, val) in enumerate(value.items()):
        name = clean_text(key, f"{field_name}.{i}", VARIANT_KEY_MAX)
        cleaned[name] = clean_text(val, f"{field_name}.{name}", VARIANT_VALUE_MAX)
    return cleaned


def _image_urls(value: Any) -> list[str]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise InvalidInput("must be a list of URLs", field="image_urls")
    if len(value) > MAX_IMAGES:
        raise InvalidInput(f"may have at most {MAX_IMAGES} images", field="image_urls")
    urls: list[str] = []
    for i, raw in enumerate(value):
        field_name = f"image_urls.{i}"
        url = clean_text(raw, field_name, URL_MAX)
        try:
            parts = urlsplit(url)
            _ = parts.port  # raises for a port that is not a number in range
        except ValueError:
            parts = None
        if (
            parts is None
            or parts.scheme not in ("http", "https")
            or not parts.hostname
            or any(ch.isspace() for ch in url)
        ):
            raise InvalidInput("must be an http or https URL", field=field_name)
        urls.append(url)
    return urls


def _attributes(category_code: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidInput("must be an object of attribute → value", field="attributes")
    for name in value:
        clean_text(name, "attributes", 60)  # a name a person could have meant
    return get_category(category_code).validate_attributes(value)


def _category(value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidInput("must be a category code", field="category")
    return get_category(value).code


def _check_new_skus(skus: Sequence[NewSku], prefix: str = "skus") -> list[NewSku]:
    if not skus:
        raise InvalidInput("a product needs at least one SKU", field=prefix)
    if len(skus) > MAX_SKUS_PER_PRODUCT:
        raise InvalidInput(f"at most {MAX_SKUS_PER_PRODUCT} SKUs per product", field=prefix)
    seen: dict[str, int] = {}
    cleaned: list[NewSku] = []
    for i, new in enumerate(skus):
        code = _code(new.code, f"{prefix}.{i}.code")
        if code in seen:
            raise InvalidInput(
                f"repeats the code of {prefix}.{seen[code]}", field=f"{prefix}.{i}.code"
            )
        seen[code] = i
        cleaned.append(
            NewSku(
                code=code,
                price_fen=_price(new.price_fen, f"{prefix}.{i}.price_fen"),
                stock=_initial_stock(new.stock, f"{prefix}.{i}.stock"),
                variant=_variant(new.variant, f"{prefix}.{i}.variant"),
            )
        )
    return cleaned


# -- loading and access ---------------------------------------------------------------------


def _locked(session: Session, model: type[M], row_id: int) -> M:
    """The row, re-read under a row lock (PostgreSQL; SQLite serialises writers anyway)."""
    row = session.scalars(
        select(model)
        .where(model.id == row_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if row is None:
        raise shelf.no_product() if model is Product else shelf.no_sku()
    return row


def _staff_action(session: Session, principal: Principal, shop_id: int, missing: NotFound) -> None:
    """404 (as ``missing``) for outsiders, 403 for operators, 409 when the shop is closed."""
    try:
        shops.shop_for_staff_action(session, principal, shop_id)
    except NotFound:
        raise missing from None


# -- products ---------------------------------------------------------------------------------


def create_product(
    session: Session,
    clock: Clock,
    principal: Principal,
    shop_id: int,
    *,
    title: str,
    category: str,
    skus: Sequence[NewSku],
    description: str = "",
    image_urls: Sequence[str] = (),
    attributes: Mapping[str, Any] | None = None,
    max_per_order: int = DEFAULT_MAX_PER_ORDER,
    published: bool = False,
) -> Product:
    """A product with its SKUs, in one step (the shop's staff). Initial stock is recorded as a
    stock movement, so the audit trail adds up to the stock."""
    shops.shop_for_staff_action(session, principal, shop_id)
    title = clean_text(title, "title", TITLE_MAX)
    category_code = _category(category)
    attrs = _attributes(category_code, attributes or {})
    text = clean_text(description, "description", DESCRIPTION_MAX, required=False, multiline=True)
    urls = _image_urls(image_urls)
    limit = _max_per_order(max_per_order)
    drafts = _check_new_skus(skus)

    now = clock.now()
    product = Product(
        shop_id=shop_id,
        title=title,
        category=category_code,
        description=text,
        image_urls=urls,
        attributes=attrs,
        max_per_order=limit,
        published=False,
        created_at=now,
        updated_at=now,
    )
    session.add(product)
    session.flush()
    created = [_insert_sku(session, clock, principal, product, draft) for draft in drafts]
    emit(
        session,
        clock,
        catalog_events.PRODUCT_CREATED,
        product_id=product.id,
        shop_id=shop_id,
        category=category_code,
        title=title,
        sku_ids=[s.id for s in created],
        actor=principal.id,
    )
    if published:
        _set_shelf(session, clock, principal, product, "publish")
    return product


def update_product(
    session: Session,
    clock: Clock,
    principal: Principal,
    product_id: int,
    *,
    title: str | None = None,
    description: str | None = None,
    category: str | None = None,
    image_urls: Sequence[str] | None = None,
    attributes: Mapping[str, Any] | None = None,
    max_per_order: int | None = None,
) -> Product:
    """Change a product's details (the shop's staff); ``None`` keeps a value. A new category
    re-checks the attributes against the new category's declaration."""
    product = shelf.get_product(session, product_id)
    _staff_action(session, principal, product.shop_id, shelf.no_product())
    wanted: dict[str, Any] = {}
    if title is not None:
        wanted["title"] = clean_text(title, "title", TITLE_MAX)
    if description is not None:
        wanted["description"] = clean_text(
            description, "description", DESCRIPTION_MAX, required=False, multiline=True
        )
    if category is not None:
        wanted["category"] = _category(category)
    if category is not None or attributes is not None:
        wanted["attributes"] = _attributes(
            wanted.get("category", product.category),
            attributes if attributes is not None else product.attributes,
        )
    if image_urls is not None:
        wanted["image_urls"] = _image_urls(image_urls)
    if max_per_order is not None:
        wanted["max_per_order"] = _max_per_order(max_per_order)
    changed = {k: v for k, v in wanted.items() if getattr(product, k) != v}
    if not changed:
        return product
    before_category = product.category
    for key, value in changed.items():
        setattr(product, key, value)
    product.updated_at = clock.now()
    session.flush()
    emit(
        session,
        clock,
        catalog_events.PRODUCT_UPDATED,
        product_id=product.id,
        shop_id=product.shop_id,
        changed=sorted(changed),
        category=product.category,
        previous_category=before_category,
        actor=principal.id,
    )
    return product


def _set_shelf(
    session: Session, clock: Clock, principal: Principal, product: Product, action: str
) -> None:
    after = PRODUCT.next(shelf_state(product.published), action)
    if action == "publish":
        # The tree is data and may have changed since the product was written.
        _attributes(_category_still_known(product.category), product.attributes)
        if session.scalar(select(Sku.id).where(Sku.product_id == product.id).limit(1)) is None:
            raise Conflict("a product needs a SKU to go on sale", field="skus", code="no_skus")
    product.published = after == "published"
    product.updated_at = clock.now()
    session.flush()
    emit(
        session,
        clock,
        catalog_events.BY_SHELF_STATE[after],
        product_id=product.id,
        shop_id=product.shop_id,
        category=product.category,
        actor=principal.id,
    )


def _category_still_known(code: str) -> str:
    return get_category(code).code


def publish_product(
    session: Session, clock: Clock, principal: Principal, product_id: int
) -> Product:
    """Put the product on sale (visible to the public while its shop is active)."""
    product = shelf.get_product(session, product_id)
    _staff_action(session, principal, product.shop_id, shelf.no_product())
    product = _locked(session, Product, product_id)
    _set_shelf(session, clock, principal, product, "publish")
    return product


def unpublish_product(
    session: Session, clock: Clock, principal: Principal, product_id: int
) -> Product:
    """Take the product off sale; orders already placed are unaffected."""
    product = shelf.get_product(session, product_id)
    _staff_action(session, principal, product.shop_id, shelf.no_product())
    product = _locked(session, Product, product_id)
    _set_shelf(session, clock, principal, product, "unpublish")
    return product


# -- SKUs and stock ---------------------------------------------------------------------------


def _insert_sku(
    session: Session, clock: Clock, principal: Principal, product: Product, draft: NewSku
) -> Sku:
    now = clock.now()
    sku = Sku(
        product_id=product.id,
        code=draft.code,
        variant=dict(draft.variant),
        price_fen=draft.price_fen,
        stock=0,
        created_at=now,
        updated_at=now,
    )
    session.add(sku)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:  # a concurrent request took the code
        raise Conflict(
            "this product already has a SKU with this code", field="code", code="code_taken"
        ) from exc
    emit(
        session,
        clock,
        catalog_events.SKU_CREATED,
        sku_id=sku.id,
        product_id=product.id,
        shop_id=product.shop_id,
        code=sku.code,
        price_fen=sku.price_fen,
        stock=draft.stock,
        actor=principal.id,
    )
    if draft.stock > 0:
        stock.adjust_stock(
            session,
            clock,
            sku_id=sku.id,
            delta=draft.stock,
            actor_user_id=principal.id,
            note="initial stock",
        )
    return sku


def add_sku(
    session: Session,
    clock: Clock,
    principal: Principal,
    product_id: int,
    *,
    code: str,
    price_fen: int,
    stock: int = 0,
    variant: Mapping[str, str] | None = None,
) -> Sku:
    """Add a SKU to a product (the shop's staff); its code must be new within the product."""
    product = shelf.get_product(session, product_id)
    _staff_action(session, principal, product.shop_id, shelf.no_product())
    draft = NewSku(
        code=_code(code),
        price_fen=_price(price_fen),
        stock=_initial_stock(stock),
        variant=_variant(variant if variant is not None else {}),
    )
    count = session.scalar(select(func.count(Sku.id)).where(Sku.product_id == product.id)) or 0
    if count >= MAX_SKUS_PER_PRODUCT:
        raise Conflict(
            f"a product has at most {MAX_SKUS_PER_PRODUCT} SKUs", field="code", code="too_many"
        )
    taken = session.scalar(
        select(Sku.id).where(Sku.product_id == product.id, Sku.code == draft.code)
    )
    if taken is not None:
        raise Conflict(
            "this product already has a SKU with this code", field="code", code="code_taken"
        )
    check_stock_cap(session, product, adding=draft.stock, field="stock")
    return _insert_sku(session, clock, principal, product, draft)


def _sku_for_action(session: Session, principal: Principal, sku_id: int) -> tuple[Sku, Product]:
    sku = shelf.get_sku(session, sku_id)
    product = shelf.get_product(session, sku.product_id)
    _staff_action(session, principal, product.shop_id, shelf.no_sku())
    return sku, product


def change_sku_price(
    session: Session, clock: Clock, principal: Principal, sku_id: int, *, price_fen: int
) -> Sku:
    """A new price for new orders; orders already placed keep the price they were made at."""
    _, product = _sku_for_action(session, principal, sku_id)
    new_price = _price(price_fen)
    sku = _locked(session, Sku, sku_id)
    old_price = sku.price_fen
    if old_price == new_price:
        return sku
    sku.price_fen = new_price
    sku.updated_at = clock.now()
    session.flush()
    emit(
        session,
        clock,
        catalog_events.SKU_PRICE_CHANGED,
        sku_id=sku.id,
        product_id=product.id,
        shop_id=product.shop_id,
        old_price_fen=old_price,
        new_price_fen=new_price,
        actor=principal.id,
    )
    return sku


def adjust_sku_stock(
    session: Session,
    clock: Clock,
    principal: Principal,
    sku_id: int,
    *,
    delta: int,
    note: str | None = None,
) -> Sku:
    """A restock (positive) or a write-off (negative) by the shop's staff; never below zero."""
    sku, product = _sku_for_action(session, principal, sku_id)
    units = _whole(delta, "delta")
    if units == 0:
        raise InvalidInput("must not be zero", field="delta")
    if abs(units) > MAX_STOCK or (units > 0 and sku.stock + units > MAX_STOCK):
        raise InvalidInput(f"stock must stay at most {MAX_STOCK:,}", field="delta")
    check_stock_cap(session, product, adding=units, field="delta")
    text = clean_text(note, "note", NOTE_MAX, required=False) if note is not None else None
    stock.adjust_stock(
        session, clock, sku_id=sku.id, delta=units, actor_user_id=principal.id, note=text or None
    )
    session.refresh(sku)
    return sku
