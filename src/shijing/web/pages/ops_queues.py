"""The operator console's queues: after-sales escalated to arbitration, Trust Purchase claims
waiting for review, and complaints to triage — each oldest first, with both sides' statements
and evidence, and the forms that decide them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.accounts.deps import MaybePrincipal
from shijing.accounts.service import Principal
from shijing.commerce.aftersales import service as aftersales
from shijing.commerce.aftersales.models import AfterSale, AfterSaleEvent, AfterSaleStatus, Fault
from shijing.commerce.complaints import service as complaints
from shijing.commerce.complaints.models import Complaint, ComplaintStatus
from shijing.commerce.creators.models import Creator
from shijing.core.errors import NotFound
from shijing.core.http import ClockDep, DbSession, Id
from shijing.core.money import format_fen
from shijing.core.pagination import PageParams, fetch_page
from shijing.guarantees import claims
from shijing.guarantees.models import Claim, ClaimStatus
from shijing.web.i18n import translate
from shijing.web.pages.auth import Csrf
from shijing.web.pages.forms import fen_from_yuan
from shijing.web.pages.ops_forms import (
    act,
    check_choice,
    check_text,
    collect,
    list_page,
    order_totals,
    user_names,
)
from shijing.web.pages.shop import shop_names

router = APIRouter(include_in_schema=False)

QUEUE_SHOWN = 50  # the oldest waiting items of a queue; the count says how many there are
NOTE_MAX = 500  # rulings, claim decisions and complaint resolutions
RULINGS = ("refund", "close")
FAULTS = tuple(f.value for f in Fault)
COMPLAINT_QUEUE = (ComplaintStatus.OPEN.value, ComplaintStatus.UNDER_REVIEW.value)


# -- arbitration --------------------------------------------------------------------------------


def _arbitration_context(session: Session) -> dict[str, Any]:
    """Escalated after-sales, the longest waiting first, with both sides' statements."""
    query = aftersales.listing(status=AfterSaleStatus.IN_ARBITRATION.value)
    query = query.order_by(None).order_by(AfterSale.escalated_at, AfterSale.id)
    sales, total = fetch_page(session, query, PageParams(limit=QUEUE_SHOWN, offset=0))
    ids = [s.id for s in sales]
    statements: dict[int, str] = {}
    if ids:
        for event in session.scalars(
            select(AfterSaleEvent)
            .where(AfterSaleEvent.aftersale_id.in_(ids), AfterSaleEvent.kind == "escalate")
            .order_by(AfterSaleEvent.id)
        ):
            statements[event.aftersale_id] = str((event.detail or {}).get("statement", ""))
    return {
        "sales": sales,
        "total": total,
        "statements": statements,
        "buyers": user_names(session, {s.buyer_id for s in sales}),
        "shops": shop_names(session, {s.shop_id for s in sales}),
        "order_totals": order_totals(session, {s.order_id for s in sales}),
        "rulings": RULINGS,
        "faults": FAULTS,
    }


@router.get("/ops/arbitration")
def arbitration(
    request: Request, principal: MaybePrincipal, session: DbSession, done: str | None = None
) -> Response:
    return list_page(request, principal, "arbitration", lambda: _arbitration_context(session), done)


def _check_ruling(values: dict[str, str], lang: str) -> dict[str, str]:
    return collect(
        ruling=check_choice(values["ruling"], RULINGS, lang),
        fault=check_choice(values["fault"], FAULTS, lang),
        note=check_text(values["note"], NOTE_MAX, lang),
    )


@router.post("/ops/arbitration/{aftersale_id}/rule")
async def rule(
    aftersale_id: Id,
    request: Request,
    _csrf: Csrf,
    principal: MaybePrincipal,
    session: DbSession,
    clock: ClockDep,
) -> Response:
    def run(me: Principal, values: dict[str, str]) -> None:
        aftersales.rule(
            session,
            clock,
            me,
            aftersale_id,
            ruling=values["ruling"],
            fault=values["fault"],
            note=values["note"].strip(),
        )

    return await act(
        request,
        principal,
        session,
        "arbitration",
        aftersale_id,
        ("ruling", "fault", "note"),
        _check_ruling,
        run,
        lambda: _arbitration_context(session),
    )


# -- claims review ------------------------------------------------------------------------------


def _claims_context(session: Session) -> dict[str, Any]:
    """Claims waiting for an operator, the longest waiting first, with their evidence."""
    query = claims.listing(status=ClaimStatus.UNDER_REVIEW.value).order_by(
        Claim.opened_at, Claim.id
    )
    found, total = fetch_page(session, query, PageParams(limit=QUEUE_SHOWN, offset=0))
    return {
        "claims": found,
        "total": total,
        "buyers": user_names(session, {c.buyer_id for c in found}),
        "shops": shop_names(session, {c.shop_id for c in found}),
        "order_totals": order_totals(session, {c.order_id for c in found}),
    }


@router.get("/ops/claims")
def claims_queue(
    request: Request, principal: MaybePrincipal, session: DbSession, done: str | None = None
) -> Response:
    return list_page(request, principal, "claims", lambda: _claims_context(session), done)


def _amount(value: str) -> int | None:
    """Fen from what the operator typed in yuan ("12.50", "¥1,200"); None when it is not an
    amount of money (or a negative one)."""
    fen = fen_from_yuan(value)
    return fen if fen is not None and fen >= 0 else None


def _claim_cap(session: Session, claim_id: int) -> int:
    claim = session.get(Claim, claim_id)
    if claim is None:
        raise NotFound("no such claim", field="claim_id")
    return claim.cap_fen


@router.post("/ops/claims/{claim_id}/approve")
async def approve_claim(
    claim_id: Id,
    request: Request,
    _csrf: Csrf,
    principal: MaybePrincipal,
    session: DbSession,
    clock: ClockDep,
) -> Response:
    def check(values: dict[str, str], lang: str) -> dict[str, str]:
        errors = collect(note=check_text(values["note"], NOTE_MAX, lang))
        typed = values["amount"].strip()
        if typed:
            fen = _amount(typed)
            cap = _claim_cap(session, claim_id)
            if fen is None:
                errors["amount"] = translate(lang, "ops.error.bad_amount")
            elif fen > cap:
                errors["amount"] = translate(
                    lang, "ops.error.amount_above_cap", cap=format_fen(cap)
                )
        return errors

    def run(me: Principal, values: dict[str, str]) -> None:
        typed = values["amount"].strip()
        claims.approve(
            session,
            clock,
            me,
            claim_id,
            note=values["note"].strip(),
            amount_fen=_amount(typed) if typed else None,
        )

    return await act(
        request,
        principal,
        session,
        "claims",
        claim_id,
        ("note", "amount"),
        check,
        run,
        lambda: _claims_context(session),
    )


@router.post("/ops/claims/{claim_id}/reject")
async def reject_claim(
    claim_id: Id,
    request: Request,
    _csrf: Csrf,
    principal: MaybePrincipal,
    session: DbSession,
    clock: ClockDep,
) -> Response:
    def check(values: dict[str, str], lang: str) -> dict[str, str]:
        return collect(reject_note=check_text(values["reject_note"], NOTE_MAX, lang))

    def run(me: Principal, values: dict[str, str]) -> None:
        claims.reject(session, clock, me, claim_id, note=values["reject_note"].strip())

    return await act(
        request,
        principal,
        session,
        "claims",
        claim_id,
        ("reject_note",),
        check,
        run,
        lambda: _claims_context(session),
    )


# -- complaints ---------------------------------------------------------------------------------


def _complaints_context(session: Session) -> dict[str, Any]:
    """Open complaints and those under review, oldest first (the triage queue)."""
    query = complaints.queue().where(Complaint.status.in_(COMPLAINT_QUEUE))
    found, total = fetch_page(session, query, PageParams(limit=QUEUE_SHOWN, offset=0))
    creator_ids = {c.creator_id for c in found if c.creator_id is not None}
    creator_names = (
        {
            int(i): str(name)
            for i, name in session.execute(
                select(Creator.id, Creator.display_name).where(Creator.id.in_(creator_ids))
            )
        }
        if creator_ids
        else {}
    )
    return {
        "complaints": found,
        "total": total,
        "complainants": user_names(session, {c.complainant_id for c in found}),
        "shops": shop_names(session, {c.shop_id for c in found if c.shop_id is not None}),
        "creators": creator_names,
    }


@router.get("/ops/complaints")
def complaints_queue(
    request: Request, principal: MaybePrincipal, session: DbSession, done: str | None = None
) -> Response:
    return list_page(request, principal, "complaints", lambda: _complaints_context(session), done)


def _no_check(_values: dict[str, str], _lang: str) -> dict[str, str]:
    return {}


@router.post("/ops/complaints/{complaint_id}/take")
async def take_complaint(
    complaint_id: Id,
    request: Request,
    _csrf: Csrf,
    principal: MaybePrincipal,
    session: DbSession,
    clock: ClockDep,
) -> Response:
    def run(me: Principal, _values: dict[str, str]) -> None:
        complaints.take(session, clock, me, complaint_id)

    return await act(
        request,
        principal,
        session,
        "complaints",
        complaint_id,
        (),
        _no_check,
        run,
        lambda: _complaints_context(session),
    )


@router.post("/ops/complaints/{complaint_id}/{verdict}")
async def resolve_complaint(
    complaint_id: Id,
    verdict: str,
    request: Request,
    _csrf: Csrf,
    principal: MaybePrincipal,
    session: DbSession,
    clock: ClockDep,
) -> Response:
    """Uphold or dismiss a complaint, with a note."""
    if verdict not in ("uphold", "dismiss"):
        raise NotFound("no such page")

    def check(values: dict[str, str], lang: str) -> dict[str, str]:
        return collect(note=check_text(values["note"], NOTE_MAX, lang))

    def run(me: Principal, values: dict[str, str]) -> None:
        decide = complaints.uphold if verdict == "uphold" else complaints.dismiss
        decide(session, clock, me, complaint_id, note=values["note"].strip())

    return await act(
        request,
        principal,
        session,
        "complaints",
        complaint_id,
        ("note",),
        check,
        run,
        lambda: _complaints_context(session),
    )
