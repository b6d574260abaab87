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
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.accounts.models import User
from shijing.accounts.service import Principal
from shijing.commerce.orders.models import Order
from shijing.core.errors import DomainError, NotFound
from shijing.web.i18n import pick_language, translate
from shijing.web.pages import forms
from shijing.web.pages.access import admit, sign_in
from shijing.web.pages.forms import FormErrors, field_values, form_field, htmx, refused, see_other
from shijing.web.pages.render import render

SECTIONS = (
    "dashboard",
    "arbitration",
    "claims",
    "complaints",
    "integrity",
    "shops",
    "creators",
    "scores",
    "funds",
)
FIELD_OF = {"amount_fen": "amount"}  # a service's field name → the form's


# -- who may see it -----------------------------------------------------------------------------


def allow(request: Request, principal: Principal) -> None:
    """404 for anyone but an operator; the page shows who is signed in only once that passed."""
    if not principal.is_operator:
        raise NotFound("no such page")
    admit(request, principal)


def explain(lang: str, exc: DomainError) -> str:
    """A service's refusal in the page's language, or its own message as a last resort."""
    return forms.explain(lang, exc, "ops")


def show(request: Request, section: str, context: dict[str, Any], *, status: int = 200) -> Response:
    """The section's page, or only its list for an HTMX request."""
    context["section"] = section
    context.setdefault("sections", SECTIONS)
    partial = htmx(request) and section not in ("dashboard", "funds")
    template = f"ops/_{section}.html" if partial else "ops/page.html"
    return render(request, template, context, status=status)


def done_id(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 10 else None


def list_page(
    request: Request,
    principal: Principal | None,
    section: str,
    context: Callable[[], dict[str, Any]],
    done: str | None,
) -> Response:
    """A section's list for an operator, marking the item just handled (``?done=<id>``)."""
    if principal is None:
        return sign_in(f"/ops/{section}")
    allow(request, principal)
    shown = context()
    shown["done"] = done_id(done)
    return show(request, section, shown)


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
    *,
    kind: str = "",
) -> Response:
    """Check one form of a queue, run it, and answer: the list again with the errors next to
    the failed item's fields (nothing written), or, on success, a redirect (the list partial
    for HTMX) naming what was done. ``kind`` says which of a section's lists the item is in
    when it shows more than one (an integrity block or a flag), as ``kind`` in the context and
    ``&kind=`` after the redirect."""
    if principal is None:
        return sign_in(f"/ops/{section}")
    allow(request, principal)
    values = field_values(await request.form(), fields, strip=False)
    lang = pick_language(request)
    errors = check(values, lang)
    status = 422
    if not errors:
        exc = refused(session, lambda: run(principal, values))
        if isinstance(exc, DomainError):
            status = exc.status
            errors = {form_field(exc.field, fields, FIELD_OF): explain(lang, exc)}
        elif isinstance(exc, FormErrors):
            errors = exc.errors
    if errors:
        shown = context()
        shown.update(errors=errors, values=values, failed=item_id)
        if kind:
            shown["kind"] = kind
        return show(request, section, shown, status=status)
    if htmx(request):
        session.flush()
        shown = context()
        shown.update(done=item_id)
        if kind:
            shown["kind"] = kind
        return show(request, section, shown)
    return see_other(f"/ops/{section}?done={item_id}" + (f"&kind={kind}" if kind else ""))


# -- names for ids ------------------------------------------------------------------------------


def user_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))
    return {int(i): str(name) for i, name in rows}


def order_totals(session: Session, ids: set[int]) -> dict[int, int]:
    if not ids:
        return {}
    rows = session.execute(select(Order.id, Order.total_fen).where(Order.id.in_(ids)))
    return {int(i): int(total) for i, total in rows}
