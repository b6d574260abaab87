"""What every page of the operator console shares: who may see it, how a section is rendered
(the whole page, or only its list for HTMX), and how a form is checked, run and answered.

Every form is checked here before the service is called, so the error shows next to its field in
the page's language with what was typed kept; a refusal from the service is shown the same way
and nothing is written."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.accounts.models import User
from shijing.accounts.service import Principal
from shijing.commerce.orders.models import Order
from shijing.commerce.shops.models import Shop
from shijing.core.errors import DomainError, NotFound
from shijing.web.i18n import pick_language, translate
from shijing.web.pages.render import render

SECTIONS = ("dashboard", "arbitration", "claims", "complaints", "shops", "creators", "funds")
FIELD_OF = {"amount_fen": "amount"}  # a service's field name → the form's


# -- who may see it -----------------------------------------------------------------------------


def sign_in(path: str) -> Response:
    return RedirectResponse(f"/login?next={path}", status_code=303)


def allow(request: Request, principal: Principal) -> None:
    """404 for anyone but an operator; the page shows who is signed in only once that passed."""
    if not principal.is_operator:
        raise NotFound("no such page")
    request.state.principal = principal


def explain(lang: str, exc: DomainError) -> str:
    """A service's refusal in the page's language, or its own message as a last resort."""
    for key in (f"ops.error.{exc.code}", f"error.{exc.code}"):
        text = translate(lang, key)
        if text != key:
            return text
    return exc.message


def show(request: Request, section: str, context: dict[str, Any], *, status: int = 200) -> Response:
    """The section's page, or only its list for an HTMX request."""
    context["section"] = section
    context.setdefault("sections", SECTIONS)
    partial = bool(request.headers.get("hx-request")) and section not in ("dashboard", "funds")
    template = f"ops/_{section}.html" if partial else "ops/page.html"
    return render(request, template, context, status=status)


def done_id(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 10 else None


# -- form checks --------------------------------------------------------------------------------


def check_text(value: str, max_len: int, lang: str) -> str | None:
    """The error for a required free-text field, or None: empty, too long, or holding control
    characters (which no person means and PostgreSQL cannot store)."""
    if not value.strip():
        return translate(lang, "error.required")
    if len(value.strip()) > max_len:
        return translate(lang, "ops.error.too_long", n=max_len)
    for ch in value:
        kind = unicodedata.category(ch)
        if kind == "Cs" or (kind == "Cc" and ch not in "\n\r\t"):
            return translate(lang, "ops.error.bad_characters")
    return None


def check_choice(value: str, allowed: tuple[str, ...], lang: str) -> str | None:
    if value not in allowed:
        return translate(lang, "ops.error.choose")
    return None


def collect(**checks: str | None) -> dict[str, str]:
    return {name: message for name, message in checks.items() if message}


async def act(
    request: Request,
    principal: Principal | None,
    session: Session,
    section: str,
    item_id: int,
    fields: tuple[str, ...],
    check: Callable[[dict[str, str], str], dict[str, str]],
    run: Callable[[Principal, dict[str, str]], None],
    context: Callable[[], dict[str, Any]],
) -> Response:
    """Check one form of a queue, run it, and answer: the list again with the errors next to
    the failed item's fields (nothing written), or, on success, a redirect (the list partial
    for HTMX) naming what was done."""
    if principal is None:
        return sign_in(f"/ops/{section}")
    allow(request, principal)
    form = await request.form()
    values = {name: str(form.get(name, "")) for name in fields}
    lang = pick_language(request)
    errors = check(values, lang)
    status = 422
    if not errors:
        try:
            run(principal, values)
        except NotFound:
            raise
        except DomainError as exc:
            session.rollback()
            status = exc.status
            field = FIELD_OF.get(exc.field or "", exc.field)
            field = field if field in fields else "_form"
            errors = {field: explain(lang, exc)}
    htmx = bool(request.headers.get("hx-request"))
    if errors:
        shown = context()
        shown.update(errors=errors, values=values, failed=item_id)
        return show(request, section, shown, status=status)
    if htmx:
        session.flush()
        shown = context()
        shown.update(done=item_id)
        return show(request, section, shown)
    return RedirectResponse(f"/ops/{section}?done={item_id}", status_code=303)


# -- names for ids ------------------------------------------------------------------------------


def user_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))
    return {int(i): str(name) for i, name in rows}


def shop_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(Shop.id, Shop.name).where(Shop.id.in_(ids)))
    return {int(i): str(name) for i, name in rows}


def order_totals(session: Session, ids: set[int]) -> dict[int, int]:
    if not ids:
        return {}
    rows = session.execute(select(Order.id, Order.total_fen).where(Order.id.in_(ids)))
    return {int(i): int(total) for i, total in rows}
