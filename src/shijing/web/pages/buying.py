"""Buying from a page: the buy form's fields, their server-side validation, and placing and paying
the order (simulated payment) in one request, with errors named by the form's own fields in the
page's language."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.requests import Request

from shijing.accounts.deps import SESSION_COOKIE
from shijing.accounts.service import Principal
from shijing.commerce.orders import service as orders
from shijing.commerce.orders.fingerprints import DEVICE_COOKIE, MAX_DEVICE_ID
from shijing.commerce.orders.models import Order
from shijing.core.clock import Clock
from shijing.core.errors import DomainError
from shijing.core.pagination import PageParams
from shijing.web.i18n import translate
from shijing.web.pages.forms import translated

ADDRESS_FIELDS = ("name", "phone", "province", "city", "address")
SIMULATED_METHOD = "sim_ok"


@dataclass
class BuyForm:
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)


def saved_address(session: Session, principal: Principal | None) -> dict[str, str]:
    """The address of the buyer's latest order, to prefill the form ("saved" address)."""
    if principal is None:
        return {}
    latest, _ = orders.list_buyer_orders(
        session, principal, status=None, page=PageParams(limit=1, offset=0)
    )
    if not latest:
        return {}
    order = latest[0]
    return {
        "name": order.ship_to_name,
        "phone": order.ship_to_phone,
        "province": order.ship_to_province,
        "city": order.ship_to_city,
        "address": order.ship_to_address,
    }


def device_id_of(request: Request) -> str | None:
    """The device a page purchase is recorded with: the ``shijing_device`` cookie when the
    browser has one, else the page session cookie (one sign-in on one browser). Only its keyed
    hash is stored. A cookie that is not a plausible id is ignored rather than refused."""
    for name in (DEVICE_COOKIE, SESSION_COOKIE):
        value = request.cookies.get(name)
        if value and len(value) <= MAX_DEVICE_ID and value.isprintable():
            return value
    return None


def read_form(form: FormData, lang: str) -> tuple[BuyForm, int | None, int | None]:
    """The submitted values, the SKU and quantity when they parse, and per-field errors."""
    values = {k: str(form.get(k, "")).strip() for k in ("sku_id", "quantity", *ADDRESS_FIELDS)}
    result = BuyForm(values)
    sku_id = quantity = None
    try:
        sku_id = int(values["sku_id"])
    except ValueError:
        result.errors["sku_id"] = translate(lang, "error.choose_variant")
    try:
        quantity = int(values["quantity"] or "1")
        if not 1 <= quantity <= 99:
            raise ValueError
    except ValueError:
        result.errors["quantity"] = translate(lang, "error.bad_quantity")
    for name in ADDRESS_FIELDS:
        if not values[name]:
            result.errors[name] = translate(lang, "error.required")
    return result, sku_id, quantity


_FIELD_OF = {f"ship_to.{name}": name for name in ADDRESS_FIELDS}
_MESSAGE_OF = {
    "ship_to.phone": "error.bad_phone",
    "ship_to.province": "error.bad_province",
    "ship_to.name": "error.too_long",
    "ship_to.city": "error.too_long",
    "ship_to.address": "error.too_long",
    "live_session_id": "error.not_on_air",
}


def explain(lang: str, exc: DomainError) -> tuple[str, str]:
    """The form field a domain error belongs to, and what to tell the buyer."""
    name = _FIELD_OF.get(exc.field or "", exc.field or "_form")
    if name not in ("sku_id", "quantity", *ADDRESS_FIELDS):
        name = "_form"
    key = f"error.{exc.code}"
    if exc.field in _MESSAGE_OF and exc.code == "invalid":
        key = _MESSAGE_OF[exc.field]
    return name, translated(lang, (key,), exc.message)


def buy(
    session: Session,
    clock: Clock,
    principal: Principal,
    *,
    sku_id: int,
    quantity: int,
    values: dict[str, str],
    traffic_source: str,
    live_session_id: int | None = None,
    device_id: str | None = None,
) -> Order:
    """Place the order and pay it with the simulated method. Raises the first domain error; the
    caller rolls back, so a failed payment leaves no order behind."""
    order = orders.place_order(
        session,
        clock,
        principal,
        sku_id=sku_id,
        quantity=quantity,
        traffic_source=traffic_source,
        live_session_id=live_session_id,
        device_id=device_id,
        ship_to=orders.ShipTo(
            name=values["name"],
            phone=values["phone"],
            province=values["province"],
            city=values["city"],
            address=values["address"],
        ),
    )
    payment = orders.pay_order(
        session,
        clock,
        principal,
        order_id=order.id,
        payment_method=SIMULATED_METHOD,
        idempotency_key=f"page-{order.id}",
    )
    if payment.status != "captured":
        raise DomainError(payment.failure_code or "payment failed", code="payment_failed")
    return order


def buy_from_form(
    session: Session,
    clock: Clock,
    principal: Principal,
    lang: str,
    form: BuyForm,
    sku_id: int | None,
    quantity: int | None,
    *,
    traffic_source: str,
    live_session_id: int | None = None,
    device_id: str | None = None,
) -> tuple[Order | None, int]:
    """Buy what a checked form asks for: the order and 200, or None and the status to answer
    with, the refusal added to the form's errors in the page's language (nothing written)."""
    if form.errors or sku_id is None or quantity is None:
        return None, 422
    try:
        order = buy(
            session,
            clock,
            principal,
            sku_id=sku_id,
            quantity=quantity,
            values=form.values,
            traffic_source=traffic_source,
            live_session_id=live_session_id,
            device_id=device_id,
        )
    except DomainError as exc:
        session.rollback()
        name, text = explain(lang, exc)
        form.errors[name] = text
        return None, exc.status if exc.status != 400 else 422
    return order, 200


def form_context(form: BuyForm, **extra: Any) -> dict[str, Any]:
    return {"values": form.values, "errors": form.errors, **extra}
