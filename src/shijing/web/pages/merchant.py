"""The merchant console: the shops I work for (``/merchant``) and one shop's console
(``/merchant/shops/{id}``) with its experience score, orders to ship, the after-sales queue,
Trust Purchase, the deposit, products with stock and distribution plans for creators.

Only the shop's own staff see a shop's console: anonymous callers are sent to sign in, everyone
else (operators included, who have their own console) gets a 404. Every form is checked here
first, in the page's language, then by the service; a refused form shows the console again with
the error next to its field, what was typed kept, and nothing written. HTMX requests get the
section's partial back; plain posts are redirected to the console (or see it with the errors)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from shijing.accounts.deps import MaybePrincipal
from shijing.accounts.service import Principal
from shijing.commerce.aftersales import service as aftersales
from shijing.commerce.catalog import service as catalog
from shijing.commerce.catalog import shelf
from shijing.commerce.creators import service as creators
from shijing.commerce.creators.models import DistributionPlan
from shijing.commerce.orders.models import Order
from shijing.commerce.shipping import carriers
from shijing.commerce.shipping import service as shipping
from shijing.commerce.shops import service as shops
from shijing.commerce.shops.access import shop_role
from shijing.commerce.shops.models import Shop
from shijing.core.clock import Clock
from shijing.core.errors import DomainError, NotFound
from shijing.core.http import ClockDep, DbSession, Id
from shijing.guarantees import deposits, enrolment
from shijing.web.i18n import pick_language, translate
from shijing.web.pages import forms
from shijing.web.pages import merchant_views as views
from shijing.web.pages.access import admit, sign_in
from shijing.web.pages.auth import Csrf
from shijing.web.pages.render import render

router = APIRouter(include_in_schema=False)

CONSOLE = "/merchant"
SHOPS_SHOWN = 50
TRACKING_NO = re.compile(r"^[A-Za-z0-9-]{6,40}$")
REJECT_REASON_MAX = 300  # the after-sale's reject_reason column
NOTE_MAX = catalog.NOTE_MAX
MAX_STOCK = catalog.MAX_STOCK
MAX_MOVE_FEN = deposits.MAX_MOVE_FEN
MAX_COMMISSION_PCT = Decimal(creators.MAX_COMMISSION_BPS) / 100
TICKED = {"on", "1", "true", "yes"}
# What a successful form says when the console shows again (``?done=...``).
NOTICES = (
    "shipped",
    "approved",
    "rejected",
    "received",
    "reshipped",
    "enrolled",
    "withdrawn_badge",
    "topped_up",
    "withdrawn",
    "stock_adjusted",
    "plan_published",
    "plan_closed",
)


# -- who may see it -----------------------------------------------------------------------------


def _shop_path(shop_id: int) -> str:
    return f"{CONSOLE}/shops/{shop_id}"


def _allow(request: Request, session: Session, principal: Principal, shop_id: int) -> Shop:
    """The shop when the caller is its owner or staff; 404 otherwise (operators too). The page
    shows who is signed in only once that passed."""
    if shop_role(session, principal.id, shop_id) is None:
        raise NotFound("no such shop", field="shop_id")
    shop = shops.get_shop(session, shop_id)
    admit(request, principal)
    return shop


def explain(lang: str, exc: DomainError) -> str:
    """A domain error in the page's language, in the console's own wording where it has one."""
    return forms.explain(lang, exc, "merchant")


# -- the list of my shops -----------------------------------------------------------------------


@router.get("/merchant")
def my_shops(request: Request, principal: MaybePrincipal, session: DbSession) -> Response:
    if principal is None:
        return sign_in(CONSOLE)
    admit(request, principal)
    memberships, total = shops.list_my_shops(session, principal, limit=SHOPS_SHOWN)
    return render(request, "merchant/index.html", {"memberships": memberships, "total": total})


# -- one shop -----------------------------------------------------------------------------------


@router.get("/merchant/shops/{shop_id}")
def shop_console(
    shop_id: Id,
    request: Request,
    principal: MaybePrincipal,
    session: DbSession,
    clock: ClockDep,
    done: str | None = None,
) -> Response:
    if principal is None:
        return sign_in(_shop_path(shop_id))
    shop = _allow(request, session, principal, shop_id)
    context = views.page_context(session, clock, principal, pick_language(request), shop)
    context["notice"] = done if done in NOTICES else None
    return render(request, "merchant/shop.html", context)


@dataclass(frozen=True)
class Action:
    section: str  # the partial the form lives in
    form: str  # which form on the page (errors show only there)
    done: str  # the notice on success
    fields: tuple[str, ...] = ()
    aliases: dict[str, str] = field(default_factory=dict)  # service field → form field


Run = Callable[[Principal, Shop, dict[str, str], str], None]


def _show(
    request: Request,
    session: Session,
    clock: Clock,
    principal: Principal,
    shop: Shop,
    action: Action,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    notice: str | None = None,
) -> Response:
    lang = pick_language(request)
    if forms.htmx(request):
        context = views.section_context(session, clock, principal, lang, shop, action.section)
        template = f"merchant/_{action.section}.html"
        context["hx_section"] = action.section
    else:
        context = views.page_context(session, clock, principal, lang, shop)
        template = "merchant/shop.html"
    context.update(
        failed=action.form if errors else None,
        errors=errors or {},
        values=values or {},
        notice=notice,
    )
    return render(request, template, context, status=status)


async def _act(
    request: Request,
    principal: Principal | None,
    session: Session,
    clock: Clock,
    shop_id: int,
    action: Action,
    run: Run,
) -> Response:
    if principal is None:
        return sign_in(_shop_path(shop_id))
    shop = _allow(request, session, principal, shop_id)  # 404 before the form is read
    values = forms.field_values(await request.form(), action.fields)
    lang = pick_language(request)
    exc = forms.refused(session, lambda: run(principal, shop, values, lang))
    if isinstance(exc, forms.FormErrors):
        return _show(
            request, session, clock, principal, shop, action, status=422, errors=exc.errors,
            values=values,
        )  # fmt: skip
    if exc is not None:
        name = forms.form_field(exc.field, action.fields, action.aliases)
        return _show(
            request, session, clock, principal, shop, action,
            status=exc.status if exc.status in (409, 422) else 422,
            errors={name: explain(lang, exc)}, values=values,
        )  # fmt: skip
    if forms.htmx(request):
        session.flush()
        return _show(request, session, clock, principal, shop, action, notice=action.done)
    return forms.see_other(f"{_shop_path(shop.id)}?done={action.done}#sec-{action.section}")


# -- reading the forms --------------------------------------------------------------------------


def _need(values: dict[str, str], lang: str, errors: dict[str, str], *names: str) -> None:
    for name in names:
        if not values.get(name):
            errors.setdefault(name, translate(lang, "error.required"))


def _check_parcel(session: Session, values: dict[str, str], lang: str) -> None:
    errors: dict[str, str] = {}
    _need(values, lang, errors, "carrier_code", "tracking_no")
    code = values.get("carrier_code", "")
    if code and carriers.find_carrier(session, code.lower()) is None:
        errors["carrier_code"] = translate(lang, "merchant.error.bad_carrier")
    number = values.get("tracking_no", "")
    if number and not TRACKING_NO.fullmatch(number):
        errors["tracking_no"] = translate(lang, "merchant.error.bad_tracking")
    if errors:
        raise forms.FormErrors(errors)


def _amount_fen(values: dict[str, str], lang: str) -> int:
    errors: dict[str, str] = {}
    _need(values, lang, errors, "amount")
    if not values.get("idempotency_key"):
        errors["_form"] = translate(lang, "error.csrf")
    fen = 0
    if values.get("amount"):
        fen = forms.fen_from_yuan(values["amount"]) or 0
        if not 0 < fen <= MAX_MOVE_FEN:
            errors["amount"] = translate(lang, "merchant.error.bad_amount")
    if errors:
        raise forms.FormErrors(errors)
    return fen


def _whole(text: str) -> int | None:
    try:
        return int(text.replace(" ", ""))
    except ValueError:
        return None


def _sale_of(session: Session, principal: Principal, shop: Shop, aftersale_id: int) -> int:
    sale = aftersales.get_visible(session, principal, aftersale_id)
    if sale.shop_id != shop.id:
        raise NotFound("no such after-sale", field="aftersale_id")
    return sale.id


# -- orders -------------------------------------------------------------------------------------


@router.post("/merchant/shops/{shop_id}/orders/{order_id}/ship")
async def ship(
    shop_id: Id,
    order_id: Id,
    request: Request,
    _csrf: Csrf,
    principal: MaybePrincipal,
    session: DbSession,
    clock: ClockDep,
) -> Response:
    def run(me: Principal, shop: Shop, values: dict[str, str], lang: str) -> None:
        order = session.get(Order, order_id)
        if order is None or order.shop_id != shop.id:
            raise NotFound("no such order", field="order_id")
        _check_parcel(session, values, lang)
        shipping.ship_order(
            session,
            clock,
            me,
            order_id=order.id,
            carrier_code=values["carrier_code"],
            tracking_no=values["tracking_no"],
        )

    action = Action("orders", f"ship-{order_id}", "shipped", ("carrier_code", "tracking_no"))
    return await _act(request, principal, session, clock, shop_id, action, run)


# -- after-sales --------------------------------------------------------------------------------


@router.post("/merchant/shops/{shop_id}/aftersales/{aftersale_id}/approve")
async def approve_aftersale(
    shop_id: Id,
    aftersale_id: Id,
    request: Request,
    _csrf: Csrf,
    principal: MaybePrincipal,
    session: DbSession,
    clock: ClockDep,
) -> Response:
    def run(me: Principal, shop: Shop, _values: dict[str, str], _lang: str) -> None:
        aftersales.approve(session, clock, me, _sale_of(session, me, shop, aftersale_id))

    action = Action("aftersales", f"approve-{aftersale_id}", "approved")
    return await _act(request, principal, session, clock, shop_id, action, run)


@router.post("/merchant/shops/{shop_id}/aftersales/{aftersale_id}/reject")
async def reject_aftersale(
    shop_id: Id,
    aftersale_id: Id,
    request: Request,
    _csrf: Csrf,
    principal: MaybePrincipal,
    session: DbSession,
    clock: ClockDep,
) -> Response:
    def run(me: Principal, shop: Shop, values: dict[str, str], lang: str) -> None:
        sale_id = _sale_of(session, me, shop, aftersale_id)
        errors: dict[str, str] = {}
        _need(values, lang, errors, "reason")
        if len(values["reason"]) > REJECT_REASON_MAX:
            errors["reason"] = translate(lang, "merchant.error.too_long", n=REJECT_REASON_MAX)
        if errors:
            raise forms.FormErrors(errors)
        aftersales.reject(session, clock, me, sale_id, reason=values["reason"])

    action = Action("aftersales", f"reject-{aftersale_id}", "rejected", ("reason",))
    return await _act(request, principal, session, clock, shop_id, action, run)


@router.post("/merchant/shops/{shop_id}/aftersales/{aftersale_id}/receive")
async def receive_return(
    shop_id: Id,
    aftersale_id: Id,
    request: Request,
    _csrf: Csrf,
    principal: MaybePrincipal,
    session: DbSession,
    clock: ClockDep,
) -> Response:
    def run(me: Principal, shop: Shop, _values: dict[str, str], _lang: str) -> None:
        aftersales.receive_return(session, clock, me, _sale_of(session, me, shop, aftersale_id))

    action = Action("aftersales", f"receive-{aftersale_id}", "received")
    return await _act(request, principal, session, clock, shop_id, action, run)


@router.post("/merchant/shops/{shop_id}/aftersales/{aftersale_id}/reship")
async def reship_exchange(
    shop_id: Id,
    aftersale_id: Id,
    request: Request,
    _csrf: Csrf,
    principal: MaybePrincipal,
    session: DbSession,
    clock: ClockDep,
) -> Response:
    def run(me: Principal, shop: Shop, values: dict[str, str], lang: str) -> None:
        sale_id = _sale_of(session, me, shop, aftersale_id)
        _check_parcel(session, values, lang)
        aftersales.reship(
            session,
            clock,
            me,
            sale_id,
            carrier_code=values["carrier_code"].lower(),
            tracking_no=values["tracking_no"].upper(),
        )

    fields = ("carrier_code", "tracking_no")
    action = Action("aftersales", f"reship-{aftersale_id}", "reshipped", fields)
    return await _act(request, principal, session, clock, shop_id, action, run)


# -- Trust Purchase -----------------------------------------------------------------------------


@router.post("/merchant/shops/{shop_id}/trust-purchase/apply")
async def apply_for_badge(
    shop_id: Id,
    request: Request,
    _csrf: Csrf,
    principal: MaybePrincipal,
    session: DbSession,
    clock: ClockDep,
) -> Response:
    def run(me: Principal, shop: Shop, values: dict[str, str], lang: str) -> None:
        if values["accept_terms"].lower() not in TICKED:
            raise forms.FormErrors({"accept_terms": translate(lang, "merchant.error.accept_terms")})
        enrolment.apply(session, clock, me, shop.id, accept_terms=True)

    action = Action("trust", "apply", "enrolled", ("accept_terms",))
    return await _act(request, principal, session, clock, shop_id, action, run)


@router.post("/merchant/shops/{shop_id}/trust-purchase/withdraw")
async def withdraw_from_badge(
    shop_id: Id,
    request: Request,
    _csrf: Csrf,
    principal: MaybePrincipal,
    session: DbSession,
    clock: ClockDep,
) -> Response:
    def run(me: Principal, shop: Shop, _values: dict[str, str], _lang: str) -> None:
        enrolment.withdraw(session, clock, me, shop.id)

    action = Action("trust", "leave", "withdrawn_badge")
    return await _act(request, principal, session, clock, shop_id, action, run)


# -- deposit ------------------------------------------------------------------------------------

_MONEY_FIELDS = ("amount", "idempotency_key")
_MONEY_ALIASES = {"amount_fen": "amount", "idempotency_key": "_form"}


def _move_money(session: Session, clock: Clock, move: Callable[..., object]) -> Run:
    """A deposit form's work: the amount typed in yuan, moved by ``move`` under the form's key."""

    def run(me: Principal, shop: Shop, values: dict[str, str], lang: str) -> None:
        amount = _amount_fen(values, lang)
        key = values["idempotency_key"]
        move(session, clock, me, shop.id, amount_fen=amount, idempotency_key=key)

    return run


@router.post("/merchant/shops/{shop_id}/deposit/top-up")
async def top_up(
    shop_id: Id,
    request: Request,
    _csrf: Csrf,
    principal: MaybePrincipal,
    session: DbSession,
    clock: ClockDep,
) -> Response:
    run = _move_money(session, clock, deposits.top_up)
    action = Action("deposit", "topup", "topped_up", _MONEY_FIELDS, _MONEY_ALIASES)
    return await _act(request, principal, session, clock, shop_id, action, run)


@router.post("/merchant/shops/{shop_id}/deposit/withdraw")
async def withdraw_deposit(
    shop_id: Id,
    request: Request,
    _csrf: Csrf,
    principal: MaybePrincipal,
    session: DbSession,
    clock: ClockDep,
) -> Response:
    run = _move_money(session, clock, deposits.withdraw)
    action = Action("deposit", "withdraw", "withdrawn", _MONEY_FIELDS, _MONEY_ALIASES)
    return await _act(request, principal, session, clock, shop_id, action, run)


# -- products and stock -------------------------------------------------------------------------


@router.post("/merchant/shops/{shop_id}/skus/{sku_id}/stock")
async def adjust_stock(
    shop_id: Id,
    sku_id: Id,
    request: Request,
    _csrf: Csrf,
    principal: MaybePrincipal,
    session: DbSession,
    clock: ClockDep,
) -> Response:
    def run(me: Principal, shop: Shop, values: dict[str, str], lang: str) -> None:
        sku = shelf.get_sku(session, sku_id)
        if shelf.get_product(session, sku.product_id).shop_id != shop.id:
            raise shelf.no_sku()
        errors: dict[str, str] = {}
        _need(values, lang, errors, "delta")
        delta = _whole(values["delta"]) if values["delta"] else None
        if values["delta"] and (delta is None or delta == 0 or abs(delta) > MAX_STOCK):
            errors["delta"] = translate(lang, "merchant.error.bad_delta", max=f"{MAX_STOCK:,}")
        if len(values["note"]) > NOTE_MAX:
            errors["note"] = translate(lang, "merchant.error.too_long", n=NOTE_MAX)
        if errors or delta is None:
            raise forms.FormErrors(errors)
        catalog.adjust_sku_stock(
            session, clock, me, sku.id, delta=delta, note=values["note"] or None
        )

    action = Action("products", f"stock-{sku_id}", "stock_adjusted", ("delta", "note"))
    return await _act(request, principal, session, clock, shop_id, action, run)


# -- distribution plans -------------------------------------------------------------------------


def _commission_bps(text: str) -> int | None:
    try:
        pct = Decimal(text.rstrip("%").strip())
    except InvalidOperation:
        return None
    if not pct.is_finite() or not 0 <= pct <= MAX_COMMISSION_PCT:
        return None
    bps = pct * 100
    return int(bps) if bps == bps.to_integral_value() else None


@router.post("/merchant/shops/{shop_id}/plans")
async def publish_plan(
    shop_id: Id,
    request: Request,
    _csrf: Csrf,
    principal: MaybePrincipal,
    session: DbSession,
    clock: ClockDep,
) -> Response:
    def run(me: Principal, shop: Shop, values: dict[str, str], lang: str) -> None:
        errors: dict[str, str] = {}
        _need(values, lang, errors, "product_id", "commission")
        own = {pid for pid, _ in views.plans_context(session, me, shop)["plan_options"]}
        product_id = _whole(values["product_id"]) if values["product_id"] else None
        if values["product_id"] and product_id not in own:
            errors["product_id"] = translate(lang, "merchant.error.choose_product")
        bps = _commission_bps(values["commission"]) if values["commission"] else None
        if values["commission"] and bps is None:
            errors["commission"] = translate(
                lang, "merchant.error.bad_commission", max=f"{MAX_COMMISSION_PCT:g}"
            )
        if errors or product_id is None or bps is None:
            raise forms.FormErrors(errors)
        creators.publish_distribution_plan(
            session, clock, me, shop_id=shop.id, product_id=product_id, commission_bps=bps
        )

    fields = ("product_id", "commission")
    action = Action("plans", "plan", "plan_published", fields, {"commission_bps": "commission"})
    return await _act(request, principal, session, clock, shop_id, action, run)


@router.post("/merchant/shops/{shop_id}/plans/{plan_id}/close")
async def close_plan(
    shop_id: Id,
    plan_id: Id,
    request: Request,
    _csrf: Csrf,
    principal: MaybePrincipal,
    session: DbSession,
    clock: ClockDep,
) -> Response:
    def run(me: Principal, shop: Shop, _values: dict[str, str], _lang: str) -> None:
        plan = session.get(DistributionPlan, plan_id)
        if plan is None or plan.shop_id != shop.id:
            raise NotFound("no such distribution plan", field="plan_id")
        creators.close_distribution_plan(session, clock, me, plan_id=plan.id)

    action = Action("plans", f"close-{plan_id}", "plan_closed")
    return await _act(request, principal, session, clock, shop_id, action, run)
