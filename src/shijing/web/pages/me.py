"""The buyer's own page: the creators they follow, their credit with its level and the reasons
behind it in plain words, and links to their orders and their Trust Purchase claims (listed on
``/me/claims`` with the compensation paid)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shijing.accounts.deps import MaybePrincipal
from shijing.commerce.creators import service as creators
from shijing.commerce.orders.models import Order
from shijing.core.http import ClockDep, DbSession
from shijing.core.pagination import PageParams, fetch_page
from shijing.guarantees import claims
from shijing.guarantees.models import Claim, Promise
from shijing.trust.service import buyer_credit
from shijing.web.i18n import pick_language, translate
from shijing.web.pages.access import admit, sign_in
from shijing.web.pages.orders import PAGE_SIZE, page_number
from shijing.web.pages.render import render
from shijing.web.pages.shop import product_titles

router = APIRouter(include_in_schema=False)

FOLLOWS_SHOWN = 50

# The number(s) each credit reason's detail carries ("account 12 days old" → 12).
_DETAIL = {
    "account_age": re.compile(r"(?P<n>\d+) days"),
    "completed_orders": re.compile(r"^(?P<n>\d+) completed"),
    "returns": re.compile(r"^(?P<n>\d+) returns where (?P<expected>[\d.]+)"),
    "buyer_fault": re.compile(r"^(?P<n>\d+)$"),
    "rejected_claims": re.compile(r"^(?P<n>\d+)$"),
    "failed_payments": re.compile(r"^(?P<n>\d+)$"),
    "integrity_flags": re.compile(r"^(?P<n>\d+)$"),
}


@dataclass(frozen=True)
class Reason:
    code: str
    label: str
    points: str  # "+20.0", "-3.5"
    negative: bool
    detail: str


def explain_reason(lang: str, reason: dict[str, Any]) -> Reason:
    """One line of the credit's "why", in the page's language: what it is, its points and the
    figures behind it (the scoring's own words where they cannot be read)."""
    code = str(reason.get("code", ""))
    points = float(reason.get("points") or 0)
    label_key = f"me.reason.{code}"
    label = translate(lang, label_key)
    detail = str(reason.get("detail") or "")
    pattern = _DETAIL.get(code)
    match = pattern.search(detail) if pattern else None
    if match:
        detail = translate(lang, f"me.reason_detail.{code}", **match.groupdict())
    elif code == "base":
        detail = ""
    return Reason(
        code=code,
        label=label if label != label_key else code,
        points=f"{points:+.1f}",
        negative=points < 0,
        detail=detail,
    )


def _orders_count(session: Session, user_id: int) -> int:
    return session.scalar(select(func.count()).where(Order.buyer_id == user_id)) or 0


@router.get("/me")
def me_page(
    request: Request, principal: MaybePrincipal, session: DbSession, clock: ClockDep
) -> Response:
    if principal is None:
        return sign_in("/me")
    admit(request, principal)
    lang = pick_language(request)
    follows, follow_total = creators.follows_of(session, principal.id, limit=FOLLOWS_SHOWN)
    credit = buyer_credit(session, clock, principal.user)
    claim_total = session.scalar(
        select(func.count()).select_from(
            claims.listing(buyer_id=principal.id).order_by(None).subquery()
        )
    )
    return render(
        request,
        "me.html",
        {
            "follows": follows,
            "follow_total": follow_total,
            "credit": credit,
            "score": f"{float(credit['score']):.0f}",
            "reasons": [explain_reason(lang, r) for r in credit.get("reasons") or []],
            "tips": [
                str(r.get("code"))
                for r in sorted(
                    (r for r in credit.get("reasons") or [] if r.get("tip")),
                    key=lambda r: int(r["tip"]),
                )
            ],
            "orders_count": _orders_count(session, principal.id),
            "claims_count": claim_total or 0,
        },
    )


@router.get("/me/claims")
def my_claims(
    request: Request, principal: MaybePrincipal, session: DbSession, page: str | None = None
) -> Response:
    """My Trust Purchase claims, newest first, with what each paid."""
    if principal is None:
        return sign_in("/me/claims")
    admit(request, principal)
    number = page_number(page)
    found, total = fetch_page(
        session,
        claims.listing(buyer_id=principal.id).order_by(Claim.id.desc()),
        PageParams(limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE),
    )
    promise_ids = {c.promise_id for c in found}
    promises = (
        {p.id: p for p in session.scalars(select(Promise).where(Promise.id.in_(promise_ids)))}
        if promise_ids
        else {}
    )
    order_products = {
        int(oid): int(pid)
        for oid, pid in session.execute(
            select(Order.id, Order.product_id).where(Order.id.in_({c.order_id for c in found}))
        )
    }
    titles = product_titles(session, set(order_products.values()))
    return render(
        request,
        "orders/claims.html",
        {
            "claims": found,
            "total": total,
            "page": number,
            "pages": max(1, -(-total // PAGE_SIZE)),
            "promise_of": promises,
            "order_titles": {oid: titles.get(pid, "") for oid, pid in order_products.items()},
        },
    )
