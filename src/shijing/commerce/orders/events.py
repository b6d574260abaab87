"""The events the orders domain emits (``shijing.core.outbox.emit``), one name each.

Every payload carries ``order_id`` and ``shop_id``.
"""

from __future__ import annotations

# everything scores need about the sale: buyer_id, product_id, sku_id, creator_id,
# live_session_id, traffic_source, quantity, unit_price_fen, total_fen, commission_fen,
# distribution_plan_id, category, placed_at
ORDER_PLACED = "order.placed"
# buyer_id, creator_id, live_session_id, total_fen, by (who cancelled), reason, at, was_paid
ORDER_CANCELLED = "order.cancelled"
ORDER_PAID = "order.paid"  # buyer_id, creator_id, live_session_id, total_fen, paid_at
# refund_id, aftersale_id (None for a refund not from an after-sale), amount_fen, refunded_fen
# (all refunded so far), total_fen, in_full, reason, status (the order's after it), at
ORDER_REFUNDED = "order.refunded"
# shipment_id, carrier_code, shipped_at, ship_due_at, late (shipped after ship_due_at)
ORDER_SHIPPED = "order.shipped"
# buyer_id, delivered_at, picked_up_at, shipped_at, delivery_hours
ORDER_DELIVERED = "order.delivered"
ORDER_COMPLETED = "order.completed"  # buyer_id, by ("buyer", or "system" at the deadline), at
