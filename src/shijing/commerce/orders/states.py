"""The order lifecycle as data."""

from __future__ import annotations

from shijing.commerce.orders.models import OrderStatus as S
from shijing.core.states import StateMachine

ORDER = StateMachine.build(
    "order",
    [s.value for s in S],
    {
        "pay": ([S.PENDING_PAYMENT], S.PAID),
        "cancel_unpaid": ([S.PENDING_PAYMENT], S.CANCELLED),  # buyer, or the 30-minute deadline
        "cancel_paid": ([S.PAID], S.CANCELLED),  # buyer or shop, before shipping; refunded in full
        "ship": ([S.PAID], S.SHIPPED),
        "deliver": ([S.SHIPPED], S.DELIVERED),
        "complete": ([S.DELIVERED], S.COMPLETED),  # buyer confirms, or automatically after N days
        "refund_in_full": ([S.PAID, S.SHIPPED, S.DELIVERED, S.COMPLETED], S.REFUNDED),
    },
)
