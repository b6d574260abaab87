"""Conditions an order must meet before it ships, registered by the layers above commerce.

A higher layer (Trust Purchase: a certified jewel ships only with its certificate) may not be
imported here, so it registers a check at start-up instead. A check raises a domain error naming
what is missing; nothing has been written when it does.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from shijing.commerce.orders.models import Order

ShipCheck = Callable[[Session, Order], None]
_CHECKS: dict[str, ShipCheck] = {}


def register(name: str) -> Callable[[ShipCheck], ShipCheck]:
    def add(check: ShipCheck) -> ShipCheck:
        _CHECKS[name] = check
        return check

    return add


def check_before_shipping(session: Session, order: Order) -> None:
    for check in _CHECKS.values():
        check(session, order)
