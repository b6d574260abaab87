"""The events the catalog emits (``shijing.core.outbox.emit``), one name each.

Product and SKU events carry ``product_id``, ``shop_id`` and the acting user as ``actor``.
"""

from __future__ import annotations

from collections.abc import Mapping

PRODUCT_CREATED = "product.created"  # category, title, sku_ids
PRODUCT_UPDATED = "product.updated"  # changed (field names), category, previous_category
PRODUCT_PUBLISHED = "product.published"  # category
PRODUCT_UNPUBLISHED = "product.unpublished"  # category
SKU_CREATED = "sku.created"  # sku_id, code, price_fen, stock (the opening stock)
SKU_PRICE_CHANGED = "sku.price_changed"  # sku_id, old_price_fen, new_price_fen
# every stock movement: sku_id, delta, stock_after, reason, order_id (None unless an order's);
# no shop_id, no actor
STOCK_CHANGED = "stock.changed"

# by the shelf state a product has just moved to (``states.PRODUCT``)
BY_SHELF_STATE: Mapping[str, str] = {
    "published": PRODUCT_PUBLISHED,
    "unpublished": PRODUCT_UNPUBLISHED,
}
