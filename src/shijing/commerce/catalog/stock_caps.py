"""Caps on how many units a product may hold, registered by the layers above commerce.

A used phone listed in the warranty programme (Trust Purchase) is one phone with one IMEI: a
restock would sell that IMEI twice. That layer may not be imported here, so it registers a cap
at start-up, as it registers its shipping preconditions. A cap answers the most units the
product's SKUs may hold together, with the reason, or None where it does not apply.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shijing.commerce.catalog.models import Product, Sku
from shijing.core.errors import Conflict

StockCap = Callable[[Session, Product], tuple[int, str] | None]
_CAPS: dict[str, StockCap] = {}


def register(name: str) -> Callable[[StockCap], StockCap]:
    def add(cap: StockCap) -> StockCap:
        _CAPS[name] = cap
        return cap

    return add


def check_stock_cap(session: Session, product: Product, *, adding: int, field: str) -> None:
    """Refuse (409 naming ``field``) ``adding`` units to the product past any registered cap."""
    if adding <= 0 or not _CAPS:
        return
    held = session.scalar(select(func.sum(Sku.stock)).where(Sku.product_id == product.id)) or 0
    for cap in _CAPS.values():
        found = cap(session, product)
        if found is not None and held + adding > found[0]:
            limit, reason = found
            raise Conflict(
                f"{reason}: at most {limit} in stock (it has {held})", field=field, code="stock_cap"
            )
