"""The buyer's orders: the list (paginated, filtered by status) and one order's page — its
timeline with the parcels' tracking, confirming receipt, after-sales (request, send the return
back, withdraw, take a rejection to arbitration) with their progress and refunds, the order's
Trust Purchase promises and claims with the compensation paid, opening a claim, the review and
its follow-up, and complaints.

Only the order's buyer sees its page: anonymous callers are sent to sign in, everyone else gets
a 404 (someone else's order looks exactly like no order). Every form is checked here first, then
by its service; an error is shown next to its field in the page's language with what was typed
kept, and nothing is written."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.accounts.deps import MaybePrincipal
from shijing.accounts.service import Principal
from shijing.commerce.aftersales import service as aftersales
from shijing.commerce.aftersales.models import AfterSale, AfterSaleKind, AfterSaleReason
from shijing.commerce.aftersales.states import OPEN
from shijing.commerce.complaints import service as complaints
from shijing.commerce.complaints.models import Complaint, ComplaintCategory
from shijing.commerce.creators import service as creators
from shijing.commerce.orders import fulfilment
from shijing.commerce.orders import service as orders
from shijing.commerce.orders.access import get_order_for
from shijing.commerce.orders.models import Order, OrderStatus
from shijing.commerce.reviews import service as reviews
from shijing.commerce.reviews.models import Review
from shijing.commerce.shipping import carriers
from shijing.commerce.shipping import service as shipping
from shijing.core.clock import Clock
from shijing.core.errors import Conflict, DomainError, InvalidInput, NotFound
from shijing.core.http import ClockDep, DbSession, Id
from shijing.core.pagination import PageParams
from shijing.guarantees import claims, coverage
from shijing.guarantees.models import Claim
from shijing.web.i18n import pick_language, translate
from shijing.web.pages import forms
from shijing.web.pages.access import admit, sign_in
from shijing.web.pages.auth import Csrf
from shijing.web.pages.render import render
from shijing.web.pages.shop import product_titles, shop_names

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 20
MAX_PAGE = 10_000
MAX_DESCRIPTION = 1000
MAX_CLAIM_TEXT = 2000
MAX_REVIEW_TEXT = 1000
MIN_STATEMENT, MAX_STATEMENT = 5, 1000
MIN_COMPLAINT, MAX_COMPLAINT = 10, 2000
STATUSES = tuple(s.value for s in OrderStatus)
KINDS = tuple(k.value for k in AfterSaleKind)
REASONS = tuple(r.value for r in AfterSaleReason)
CATEGORIES = tuple(c.value for c in ComplaintCategory)
RATINGS = ("product_rating", "logistics_rating", "service_rating")

# The fields of each form on the order page; errors and kept values are keyed "form.field".
FORMS: dict[str, tuple[str, ...]] = {
    "confirm": (),
    "aftersale": ("kind", "reason", "description", "evidence_urls", "amount"),
    "return": ("carrier_code", "tracking_no"),
    "withdraw": (),
    "escalate": ("statement",),
    "claim": ("code", "remedy", "description", "evidence_urls", "amount"),
    "review": (*RATINGS, "text", "anonymous"),
    "followup": ("text",),
    "complaint": ("target", "category", "description", "evidence_urls"),
}
# A service names some fields differently from the form.
_ALIASES = {"amount_fen": "amount", "shop_id": "target", "creator_id": "target"}


# -- who may see it -----------------------------------------------------------------------------


def _my_order(session: Session, principal: Principal, order_id: int) -> Order:
    """The order if the caller bought it; 404 for everyone else, its shop's staff included
    (they have their console)."""
    order = get_order_for(session, principal, order_id)
    if order.buyer_id != principal.id:
        raise NotFound("no such order", field="order_id")
    return order


def _my_sale(session: Session, principal: Principal, order: Order, aftersale_id: int) -> AfterSale:
    sale = aftersales.get_visible(session, principal, aftersale_id)
    if sale.buyer_id != principal.id or sale.order_id != order.id:
        raise NotFound("no such after-sale", field="aftersale_id")
    return sale


# -- reading form values ------------------------------------------------------------------------


def _urls(text: str) -> tuple[list[str], str | None]:
    """Evidence addresses, one a line; the i18n key of what is wrong with them, if anything."""
    urls = [line.strip() for line in text.splitlines() if line.strip()]
    try:
        return aftersales.clean_evidence(urls), None
    except InvalidInput as exc:  # the service's own rule, told in the page's words
        if exc.field == "evidence_urls":
            return urls, "orders.error.too_many_urls"
        return urls, "orders.error.bad_url"


def _amount(text: str) -> tuple[int | None, str | None]:
    """An optional amount in yuan ("12.50") as fen; the i18n key of the problem, if any."""
    if not text:
        return None, None
    fen = forms.fen_from_yuan(text)
    if fen is None or fen <= 0:
        return None, "orders.error.bad_amount"
    return fen, None


def _evidence(
    values: dict[str, str], errors: dict[str, str], max_text: int, too_long: str
) -> tuple[list[str], int | None]:
    """The description, evidence addresses and amount shared by the after-sale and claim
    forms: what is wrong with them goes into ``errors``; the addresses and the fen come back."""
    if len(values["description"]) > max_text:
        errors["description"] = too_long
    urls, bad = _urls(values["evidence_urls"])
    if bad:
        errors["evidence_urls"] = bad
    amount, bad = _amount(values["amount"])
    if bad:
        errors["amount"] = bad
    return urls, amount


def _explain(lang: str, exc: DomainError, form: str) -> tuple[str, str]:
    """The form field a service's error belongs to ("form.field"), and what to say about it."""
    name = forms.form_field((exc.field or "").split(".")[0], FORMS[form], _ALIASES)
    keys = (f"orders.error.{exc.code}", f"orders.error.{form}.{name}", f"error.{exc.code}")
    return f"{form}.{name}", forms.translated(lang, keys, exc.message)


# -- what the pages show ------------------------------------------------------------------------


def _detail_context(
    session: Session, clock: Clock, principal: Principal, order: Order
) -> dict[str, Any]:
    shipments, _ = shipping.shipments_of_order(
        session, principal, order_id=order.id, page=PageParams(limit=100, offset=0)
    )
    sales = list(
        session.scalars(
            aftersales.listing(buyer_id=principal.id)
            .where(AfterSale.order_id == order.id)
            .order_by(AfterSale.id.desc())
        )
    )
    open_sale = next((s for s in sales if s.status in OPEN), None)
    promises = coverage.promises_of(session, order.id)
    my_claims = list(
        session.scalars(
            claims.listing(buyer_id=principal.id)
            .where(Claim.order_id == order.id)
            .order_by(Claim.id)
        )
    )
    review = session.scalar(select(Review).where(Review.order_id == order.id))
    delivered = order.delivered_at is not None
    claimable = [p for p in promises if p.code in claims.BUYER_OPENED] if delivered else []
    carrier_rows, _ = carriers.list_carriers(session, page=PageParams(limit=100, offset=0))
    return {
        "order": order,
        "title": product_titles(session, {order.product_id}).get(order.product_id, ""),
        "shop_name": shop_names(session, [order.shop_id]).get(order.shop_id, ""),
        "creator": (creators.get_creator(session, order.creator_id) if order.creator_id else None),
        "events": orders.order_timeline_for(session, principal, order.id),
        "shipments": shipments,
        "tracking": {s.id: shipping.tracking_history(session, shipment_id=s.id) for s in shipments},
        "sales": sales,
        "sale_history": {s.id: aftersales.history(session, s.id) for s in sales},
        "open_sale": open_sale,
        "can_confirm": order.status == OrderStatus.DELIVERED.value and open_sale is None,
        "can_open_sale": (
            delivered
            and order.status in aftersales.ELIGIBLE_ORDER_STATES
            and open_sale is None
            and order.refunded_fen < order.total_fen
        ),
        "remaining_fen": order.total_fen - order.refunded_fen,
        "kinds": KINDS,
        "reasons": REASONS,
        "carriers": carrier_rows,
        "promises": promises,
        "promise_of": {p.id: p for p in promises},
        "claims": my_claims,
        "claimable": claimable,
        "remedies": list(dict.fromkeys(r for p in claimable for r in p.terms.get("remedies", []))),
        "review": review,
        "can_review": review is None and delivered and order.status in reviews.REVIEWABLE,
        "complaints": list(
            session.scalars(
                select(Complaint)
                .where(Complaint.complainant_id == principal.id, Complaint.order_id == order.id)
                .order_by(Complaint.id)
            )
        ),
        "categories": CATEGORIES,
    }


def _page(
    request: Request,
    session: Session,
    clock: Clock,
    principal: Principal,
    order_id: int,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
    notice: str | None = None,
) -> Response:
    """The order page, or (for HTMX) just its body, which the forms swap."""
    order = _my_order(session, principal, order_id)
    admit(request, principal)
    context = _detail_context(session, clock, principal, order)
    context.update(errors=errors or {}, values=values or {}, notice=notice)
    template = "orders/_detail.html" if forms.htmx(request) else "orders/detail.html"
    return render(request, template, context, status=status)


# -- the pages ----------------------------------------------------------------------------------


def page_number(text: str | None) -> int:
    try:
        number = int(text or "1")
    except ValueError:
        return 1
    return min(max(number, 1), MAX_PAGE)


@router.get("/orders")
def order_list(
    request: Request,
    principal: MaybePrincipal,
    session: DbSession,
    status: str | None = None,
    page: str | None = None,
) -> Response:
    """My orders, newest first, ``status`` filtering, ``PAGE_SIZE`` a page."""
    if principal is None:
        return sign_in("/orders")
    admit(request, principal)
    errors: dict[str, str] = {}
    chosen = (status or "").strip() or None
    if chosen is not None and chosen not in STATUSES:
        errors["status"] = translate(pick_language(request), "orders.error.bad_status")
        chosen = None
    number = page_number(page)
    found, total = orders.list_buyer_orders(
        session,
        principal,
        status=chosen,
        page=PageParams(limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE),
    )
    pages = max(1, -(-total // PAGE_SIZE))
    return render(
        request,
        "orders/list.html",
        {
            "orders": found,
            "total": total,
            "page": number,
            "pages": pages,
            "status": chosen or "",
            "statuses": STATUSES,
            "titles": product_titles(session, {o.product_id for o in found}),
            "shops": shop_names(session, {o.shop_id for o in found}),
            "errors": errors,
            "values": {"status": status or ""},
        },
        status=422 if errors else 200,
    )


@router.get("/orders/{order_id}")
def order_page(
    order_id: Id,
    request: Request,
    principal: MaybePrincipal,
    session: DbSession,
    clock: ClockDep,
    done: str | None = None,
) -> Response:
    if principal is None:
        return sign_in(f"/orders/{order_id}")
    notice = done if done in FORMS else None
    return _page(request, session, clock, principal, order_id, notice=notice)


# -- the forms ----------------------------------------------------------------------------------

Run = Callable[[Order, dict[str, str]], None]


async def _submit(
    request: Request,
    principal: Principal | None,
    session: Session,
    clock: Clock,
    order_id: int,
    form_name: str,
    run: Run,
) -> Response:
    """Check the caller, read the form, run it. ``run`` raises the errors it found itself
    (``forms.FormErrors``, field → i18n key) or the service's error; either way the page comes back
    with the errors next to their fields, what was typed kept, and nothing written. On success
    a plain post is redirected to the order page and an HTMX one gets the page's body back."""
    if principal is None:
        return sign_in(f"/orders/{order_id}")
    order = _my_order(session, principal, order_id)  # 404 before the form is read
    plain = forms.field_values(await request.form(), FORMS[form_name])
    kept = {f"{form_name}.{name}": value for name, value in plain.items()}
    lang = pick_language(request)
    exc = forms.refused(session, lambda: run(order, plain))
    if isinstance(exc, forms.FormErrors):
        errors = {f"{form_name}.{k}": translate(lang, v) for k, v in exc.errors.items()}
        return _page(
            request, session, clock, principal, order_id, errors=errors, values=kept, status=422
        )
    if exc is not None:
        name, text = _explain(lang, exc, form_name)
        status = 409 if isinstance(exc, Conflict) else 422
        return _page(
            request, session, clock, principal, order_id, errors={name: text}, values=kept,
            status=status,
        )  # fmt: skip
    if forms.htmx(request):
        return _page(request, session, clock, principal, order_id, notice=form_name)
    return forms.see_other(f"/orders/{order_id}?done={form_name}")


def _required(values: dict[str, str], names: Sequence[str]) -> dict[str, str]:
    return {name: "error.required" for name in names if not values[name]}


def _refuse(errors: dict[str, str]) -> None:
    """Stop the form when the page found anything wrong (field → i18n key)."""
    if errors:
        raise forms.FormErrors(errors)


@router.post("/orders/{order_id}/confirm")
async def confirm_receipt(
    order_id: Id,
    request: Request,
    _csrf: Csrf,
    principal: MaybePrincipal,
    session: DbSession,
    clock: ClockDep,
) -> Response:
    def run(order: Order, _values: dict[str, str]) -> None:
        assert principal is not None
        fulfilment.confirm_receipt(session, clock, principal, order_id=order.id)

    return await _submit(request, principal, session, clock, order_id, "confirm", run)


@router.post("/orders/{order_id}/aftersales")
async def open_aftersale(
    order_id: Id,
    request: Request,
    _csrf: Csrf,
    principal: MaybePrincipal,
    session: DbSession,
    clock: ClockDep,
) -> Response:
    """Ask for a refund, a return or an exchange, with evidence."""

    def run(order: Order, values: dict[str, str]) -> None:
        assert principal is not None
        errors = _required(values, ("kind", "reason"))
        if values["kind"] and values["kind"] not in KINDS:
            errors["kind"] = "orders.error.choose"
        if values["reason"] and values["reason"] not in REASONS:
            errors["reason"] = "orders.error.choose"
        urls, amount = _evidence(values, errors, MAX_DESCRIPTION, "orders.error.too_long_1000")
        _refuse(errors)
        aftersales.open_aftersale(
            session,
            clock,
            principal,
            order_id=order.id,
            kind=values["kind"],
            reason=values["reason"],
            description=values["description"],
            evidence_urls=urls,
            amount_fen=amount,
        )

    return await _submit(request, principal, session, clock, order_id, "aftersale", run)


@router.post("/orders/{order_id}/aftersales/{aftersale_id}/return")
async def ship_return(
    order_id: Id,
    aftersale_id: Id,
    request: Request,
    _csrf: Csrf,
    principal: MaybePrincipal,
    session: DbSession,
    clock: ClockDep,
) -> Response:
    """The buyer sends the goods back: the carrier and the tracking number."""

    def run(order: Order, values: dict[str, str]) -> None:
        assert principal is not None
        sale = _my_sale(session, principal, order, aftersale_id)
        errors = _required(values, ("carrier_code", "tracking_no"))
        _refuse(errors)
        aftersales.ship_return(
            session,
            clock,
            principal,
            sale.id,
            carrier_code=values["carrier_code"],
            tracking_no=values["tracking_no"],
        )

    return await _submit(request, principal, session, clock, order_id, "return", run)


@router.post("/orders/{order_id}/aftersales/{aftersale_id}/withdraw")
async def withdraw_aftersale(
    order_id: Id,
    aftersale_id: Id,
    request: Request,
    _csrf: Csrf,
    principal: MaybePrincipal,
    session: DbSession,
    clock: ClockDep,
) -> Response:
    def run(order: Order, _values: dict[str, str]) -> None:
        assert principal is not None
        sale = _my_sale(session, principal, order, aftersale_id)
        aftersales.withdraw(session, clock, principal, sale.id)

    return await _submit(request, principal, session, clock, order_id, "withdraw", run)


@router.post("/orders/{order_id}/aftersales/{aftersale_id}/escalate")
async def escalate_aftersale(
    order_id: Id,
    aftersale_id: Id,
    request: Request,
    _csrf: Csrf,
    principal: MaybePrincipal,
    session: DbSession,
    clock: ClockDep,
) -> Response:
    """Take the shop's rejection to the platform's arbitration."""

    def run(order: Order, values: dict[str, str]) -> None:
        assert principal is not None
        sale = _my_sale(session, principal, order, aftersale_id)
        if not MIN_STATEMENT <= len(values["statement"]) <= MAX_STATEMENT:
            raise forms.FormErrors({"statement": "orders.error.statement_length"})
        aftersales.escalate(session, clock, principal, sale.id, statement=values["statement"])

    return await _submit(request, principal, session, clock, order_id, "escalate", run)


@router.post("/orders/{order_id}/claims")
async def open_claim(
    order_id: Id,
    request: Request,
    _csrf: Csrf,
    principal: MaybePrincipal,
    session: DbSession,
    clock: ClockDep,
) -> Response:
    """Claim under one of the order's Trust Purchase promises (damage, counterfeit, allergy,
    warranty), with photos or documents."""

    def run(order: Order, values: dict[str, str]) -> None:
        assert principal is not None
        errors = _required(values, ("code", "remedy"))
        covered = {p.code for p in coverage.promises_of(session, order.id)}
        if values["code"] and values["code"] not in covered & set(claims.BUYER_OPENED):
            errors["code"] = "orders.error.not_covered"
        urls, amount = _evidence(values, errors, MAX_CLAIM_TEXT, "orders.error.too_long_2000")
        _refuse(errors)
        claims.open_claim(
            session,
            clock,
            principal,
            order_id=order.id,
            code=values["code"],
            remedy=values["remedy"],
            description=values["description"],
            evidence_urls=urls,
            amount_fen=amount,
        )

    return await _submit(request, principal, session, clock, order_id, "claim", run)


@router.post("/orders/{order_id}/review")
async def write_review(
    order_id: Id,
    request: Request,
    _csrf: Csrf,
    principal: MaybePrincipal,
    session: DbSession,
    clock: ClockDep,
) -> Response:
    def run(order: Order, values: dict[str, str]) -> None:
        assert principal is not None
        errors: dict[str, str] = {}
        stars: dict[str, int] = {}
        for name in RATINGS:
            if values[name] not in ("1", "2", "3", "4", "5"):
                errors[name] = "orders.error.rating"
            else:
                stars[name] = int(values[name])
        if len(values["text"]) > MAX_REVIEW_TEXT:
            errors["text"] = "orders.error.too_long_1000"
        _refuse(errors)
        reviews.write_review(
            session,
            clock,
            principal,
            order_id=order.id,
            ratings=reviews.Ratings(
                product=stars["product_rating"],
                logistics=stars["logistics_rating"],
                service=stars["service_rating"],
            ),
            text=values["text"],
            anonymous=values["anonymous"] in ("1", "on", "true"),
        )

    return await _submit(request, principal, session, clock, order_id, "review", run)


@router.post("/orders/{order_id}/review/followup")
async def add_followup(
    order_id: Id,
    request: Request,
    _csrf: Csrf,
    principal: MaybePrincipal,
    session: DbSession,
    clock: ClockDep,
) -> Response:
    def run(order: Order, values: dict[str, str]) -> None:
        assert principal is not None
        errors = _required(values, ("text",))
        if len(values["text"]) > MAX_REVIEW_TEXT:
            errors["text"] = "orders.error.too_long_1000"
        _refuse(errors)
        review = session.scalar(select(Review).where(Review.order_id == order.id))
        if review is None:
            raise Conflict("write the review first", code="no_review")
        reviews.add_followup(session, clock, principal, review.id, text=values["text"])

    return await _submit(request, principal, session, clock, order_id, "followup", run)


@router.post("/orders/{order_id}/complaints")
async def file_complaint(
    order_id: Id,
    request: Request,
    _csrf: Csrf,
    principal: MaybePrincipal,
    session: DbSession,
    clock: ClockDep,
) -> Response:
    """Complain about the order's shop, or about the creator who sold it."""

    def run(order: Order, values: dict[str, str]) -> None:
        assert principal is not None
        errors = _required(values, ("target", "category", "description"))
        targets = ("shop", "creator") if order.creator_id else ("shop",)
        if values["target"] and values["target"] not in targets:
            errors["target"] = "orders.error.choose"
        if values["category"] and values["category"] not in CATEGORIES:
            errors["category"] = "orders.error.choose"
        if values["description"] and not (
            MIN_COMPLAINT <= len(values["description"]) <= MAX_COMPLAINT
        ):
            errors["description"] = "orders.error.complaint_length"
        urls, bad = _urls(values["evidence_urls"])
        if bad:
            errors["evidence_urls"] = bad
        _refuse(errors)
        on_shop = values["target"] == "shop"
        complaints.file_complaint(
            session,
            clock,
            principal,
            target_kind=values["target"],
            shop_id=order.shop_id if on_shop else None,
            creator_id=None if on_shop else order.creator_id,
            order_id=order.id,
            category=values["category"],
            description=values["description"],
            evidence_urls=urls,
        )

    return await _submit(request, principal, session, clock, order_id, "complaint", run)
