"""The operator console: a dashboard of the marketplace, the arbitration queue, the claims
review queue, complaints triage, the integrity review queue (blocks the detectors found, runs
and flags), shops and creators with their scores and badges, score definition versions side by
side, and the Trust Purchase fund balances (the queues are in ``ops_queues``, integrity in
``ops_integrity``, score definitions in ``ops_scores``, the shared form handling in
``ops_forms``, the dashboard's SQL in ``ops_metrics``).

Operators only: anonymous callers are sent to sign in, everyone else signed in gets the 404 page
(an operator console that answers "forbidden" tells the world it exists). HTMX posts get the
section's list back as a partial; plain posts are redirected.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from shijing.accounts.deps import MaybePrincipal
from shijing.accounts.service import Principal
from shijing.commerce.aftersales.models import AfterSale, AfterSaleStatus
from shijing.commerce.complaints.models import Complaint
from shijing.commerce.creators.models import Creator
from shijing.commerce.shops import service as shops
from shijing.commerce.shops.models import Shop, ShopStatus
from shijing.core.clock import Clock
from shijing.core.errors import NotFound
from shijing.core.http import ClockDep, DbSession, Id
from shijing.core.pagination import PageParams, fetch_page
from shijing.guarantees import balances
from shijing.guarantees.models import BADGE_HOLDING, Claim, ClaimStatus, Enrolment
from shijing.integrity.models import BlockStatus, IntegrityBlock
from shijing.trust import service as trust
from shijing.web import charts
from shijing.web.pages import ops_integrity, ops_metrics, ops_queues, ops_scores
from shijing.web.pages.access import sign_in
from shijing.web.pages.auth import Csrf
from shijing.web.pages.ops_forms import act, allow, check_text, collect, list_page, show

router = APIRouter(include_in_schema=False)
router.include_router(ops_queues.router)
router.include_router(ops_scores.router)
router.include_router(ops_integrity.router)

LIST_PAGE = 25  # shops and creators per page
REASON_MAX = 200  # a shop's status reason
COMPLAINT_QUEUE = ops_queues.COMPLAINT_QUEUE


# -- dashboard ----------------------------------------------------------------------------------


def _queue_counts(session: Session) -> dict[str, int]:
    def count(query: Any) -> int:
        return int(session.scalar(query) or 0)

    return {
        "arbitration": count(
            select(func.count(AfterSale.id)).where(
                AfterSale.status == AfterSaleStatus.IN_ARBITRATION.value
            )
        ),
        "claims": count(
            select(func.count(Claim.id)).where(Claim.status == ClaimStatus.UNDER_REVIEW.value)
        ),
        "complaints": count(
            select(func.count(Complaint.id)).where(Complaint.status.in_(COMPLAINT_QUEUE))
        ),
        "integrity": count(
            select(func.count(IntegrityBlock.id)).where(
                IntegrityBlock.status == BlockStatus.OPEN.value
            )
        ),
    }


def _dashboard_context(session: Session, clock: Clock) -> dict[str, Any]:
    board = ops_metrics.dashboard(session, clock.now())
    days = [(d.day.strftime("%m-%d"), d) for d in board.per_day]
    return {
        "board": board,
        "orders_chart": charts.bars([(label, float(d.orders)) for label, d in days]),
        "gmv_chart": charts.line(
            [(label, d.gmv_fen / 100) for label, d in days], floor=0.0, digits=2
        ),
        "queues": _queue_counts(session),
        "funds": balances.fund_balances(session),
    }


@router.get("/ops")
def dashboard(
    request: Request, principal: MaybePrincipal, session: DbSession, clock: ClockDep
) -> Response:
    if principal is None:
        return sign_in("/ops")
    allow(request, principal)
    return show(request, "dashboard", _dashboard_context(session, clock))


@router.get("/ops/funds")
def fund_page(request: Request, principal: MaybePrincipal, session: DbSession) -> Response:
    if principal is None:
        return sign_in("/ops/funds")
    allow(request, principal)
    return show(request, "funds", {"funds": balances.fund_balances(session)})


# -- shops --------------------------------------------------------------------------------------


def _page_params(offset: str | None) -> PageParams:
    start = int(offset) if offset and offset.isdigit() and len(offset) < 8 else 0
    return PageParams(limit=LIST_PAGE, offset=start)


def _shops_context(
    session: Session, *, status: str | None = None, q: str | None = None, offset: str | None = None
) -> dict[str, Any]:
    """Shops with their latest experience score and band, badge and status, by id."""
    query = select(Shop)
    chosen = status if status in {s.value for s in ShopStatus} else None
    if chosen:
        query = query.where(Shop.status == chosen)
    words = (q or "").strip()[:60]
    if words:
        query = query.where(func.lower(Shop.name).contains(words.lower(), autoescape=True))
    paging = _page_params(offset)
    found, total = fetch_page(session, query.order_by(Shop.id), paging)
    ids = [s.id for s in found]
    badges = (
        {
            int(i): str(s)
            for i, s in session.execute(
                select(Enrolment.shop_id, Enrolment.status).where(Enrolment.shop_id.in_(ids))
            )
        }
        if ids
        else {}
    )
    return {
        "shops": found,
        "total": total,
        "paging": paging,
        "scores": trust.latest_shop_scores(session, ids),
        "badges": badges,
        "badge_holding": BADGE_HOLDING,
        "filter": {"status": chosen or "", "q": words},
        "statuses": [s.value for s in ShopStatus],
    }


@router.get("/ops/shops")
def shop_list(
    request: Request,
    principal: MaybePrincipal,
    session: DbSession,
    status: str | None = None,
    q: str | None = None,
    offset: str | None = None,
    done: str | None = None,
) -> Response:
    return list_page(
        request,
        principal,
        "shops",
        lambda: _shops_context(session, status=status, q=q, offset=offset),
        done,
    )


@router.post("/ops/shops/{shop_id}/{action}")
async def change_shop_status(
    shop_id: Id,
    action: str,
    request: Request,
    _csrf: Csrf,
    principal: MaybePrincipal,
    session: DbSession,
    clock: ClockDep,
) -> Response:
    """Suspend an active shop or reinstate a suspended one, with a reason."""
    if action not in ("suspend", "reinstate"):
        raise NotFound("no such page")

    def check(values: dict[str, str], lang: str) -> dict[str, str]:
        shops.get_shop(session, shop_id)  # 404 for a shop that is not there
        return collect(reason=check_text(values["reason"], REASON_MAX, lang))

    def run(me: Principal, values: dict[str, str]) -> None:
        change = shops.suspend_shop if action == "suspend" else shops.reinstate_shop
        change(session, clock, me, shop_id, reason=values["reason"])

    query = request.query_params
    return await act(
        request,
        principal,
        session,
        "shops",
        shop_id,
        ("reason",),
        check,
        run,
        lambda: _shops_context(
            session, status=query.get("status"), q=query.get("q"), offset=query.get("offset")
        ),
    )


# -- creators -----------------------------------------------------------------------------------


def _creators_context(
    session: Session, *, q: str | None = None, offset: str | None = None
) -> dict[str, Any]:
    """Creators with their latest word-of-mouth score and followers, by id."""
    query = select(Creator)
    words = (q or "").strip()[:60]
    if words:
        needle = words.lower()
        query = query.where(
            or_(
                func.lower(Creator.handle).contains(needle, autoescape=True),
                func.lower(Creator.display_name).contains(needle, autoescape=True),
            )
        )
    paging = _page_params(offset)
    found, total = fetch_page(session, query.order_by(Creator.id), paging)
    return {
        "creators": found,
        "total": total,
        "paging": paging,
        "scores": {c.id: trust.latest_creator_score(session, c.id) for c in found},
        "filter": {"q": words},
    }


@router.get("/ops/creators")
def creator_list(
    request: Request,
    principal: MaybePrincipal,
    session: DbSession,
    q: str | None = None,
    offset: str | None = None,
) -> Response:
    if principal is None:
        return sign_in("/ops/creators")
    allow(request, principal)
    return show(request, "creators", _creators_context(session, q=q, offset=offset))
