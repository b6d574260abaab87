"""The creator console: the word-of-mouth score with its breakdown and trend, followers, live
sessions; scheduling, starting and ending a session; and, during a session, the showcase (add,
remove, pin, unpin) with the session's orders arriving in real time (the page listens to the
room's WebSocket and refreshes its orders partial when a purchase is announced).

Only the owner of a creator profile sees any of it: anonymous callers are sent to sign in,
everyone else (and every session that is not theirs) gets a 404."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from shijing.accounts.deps import MaybePrincipal
from shijing.accounts.service import Principal
from shijing.commerce.catalog import shelf
from shijing.commerce.creators import service as creators
from shijing.commerce.creators.models import Creator
from shijing.commerce.live import service as lives
from shijing.commerce.live.models import LiveSession, LiveStatus
from shijing.commerce.live.states import SHOWCASE_EDITABLE
from shijing.commerce.orders import service as orders
from shijing.commerce.orders.models import Order
from shijing.commerce.shops.access import shops_of
from shijing.core.clock import DISPLAY_TZ, Clock
from shijing.core.errors import DomainError, InvalidInput, NotFound
from shijing.core.http import MAX_ID, ClockDep, DbSession, Id
from shijing.core.pagination import PageParams
from shijing.trust import service as trust
from shijing.web.i18n import pick_language, translate
from shijing.web.pages import forms
from shijing.web.pages.access import admit, sign_in
from shijing.web.pages.auth import Csrf
from shijing.web.pages.forms import field_values, htmx, refused, see_other
from shijing.web.pages.render import render
from shijing.web.pages.shop import product_titles, shop_names

router = APIRouter(include_in_schema=False)

CONSOLE = "/creator"
RECENT_FOLLOWERS = 10
SESSIONS_SHOWN = 50
ORDERS_SHOWN = 50
OPTIONS_PER_SOURCE = 50
TREND_DAYS = 30
TREND_WIDTH, TREND_HEIGHT, TREND_PAD = 300, 80, 6
SCHEDULE_FIELDS = ("title", "scheduled_at", "stream_url")

# What the session page's script needs to say, in the page's language.
JS_KEYS = (
    "live.viewers",
    "live.just_bought",
    "live.disconnected",
    "live.status.scheduled",
    "live.status.live",
    "live.status.ended",
    "live.status.cancelled",
)

# One message per schedule field that states its whole rule, whichever part was broken.
_FIELD_MESSAGE = {
    "title": "creator.error.bad_title",
    "scheduled_at": "creator.error.time_window",
    "stream_url": "creator.error.bad_url",
}


# -- who may see it -----------------------------------------------------------------------------


def _creator_of(session: Session, principal: Principal) -> Creator:
    creator = creators.creator_of_user(session, principal.id)
    if creator is None:  # not a creator looks exactly like no such page
        raise NotFound("no such page")
    return creator


def _own_live(session: Session, creator: Creator, live_session_id: int) -> LiveSession:
    live = lives.get_live_session(session, live_session_id)
    if live.creator_id != creator.id:
        raise NotFound("no such live session", field="live_session_id")
    return live


def _allow(
    request: Request, session: Session, principal: Principal, live_session_id: int | None = None
) -> tuple[Creator, LiveSession | None]:
    """The caller's creator profile (and their session), or 404. The page shows who is signed
    in only once that passed: an error page renders after the request's session has closed."""
    creator = _creator_of(session, principal)
    live = None if live_session_id is None else _own_live(session, creator, live_session_id)
    admit(request, principal)
    return creator, live


def explain(lang: str, exc: DomainError) -> str:
    """A domain error in the page's language, in the console's own wording where it has one."""
    return forms.explain(lang, exc, "creator")


# -- what the console shows ---------------------------------------------------------------------


@dataclass(frozen=True)
class ReasonRow:
    """One reason orders went badly, as the console shows it."""

    reason: str
    count: int
    share: str  # "14.3%" of the orders counted
    median: str  # the median creator's share
    better_than: int | None  # share of creators doing worse, 0–100
    costs: str  # score points these orders cost, on the 3.0–5.0 scale
    change: float | None  # the share's change over 7 days, in percentage points


def _share(value: Any) -> str:
    return f"{value * 100:.1f}%" if isinstance(value, int | float) else "—"


def _reason_rows(outcomes: list[dict[str, Any]]) -> list[ReasonRow]:
    rows = []
    for item in outcomes:
        better, change, costs = item.get("better_than"), item.get("change_7d"), item.get("costs")
        rows.append(
            ReasonRow(
                reason=str(item.get("reason", "")),
                count=int(item.get("count") or 0),
                share=_share(item.get("rate")),
                median=_share(item.get("peer_median")),
                better_than=round(better * 100) if isinstance(better, int | float) else None,
                costs=f"{costs:.2f}" if isinstance(costs, int | float) else "—",
                change=round(change * 100, 1) if isinstance(change, int | float) else None,
            )
        )
    return rows


@dataclass(frozen=True)
class ScoreView:
    score: str | None  # "4.6", or None when there is not enough data
    as_of: str | None
    orders: int
    bad_orders: int
    outcome_pct: int | None
    deduction: float
    trend_points: str  # SVG polyline points, oldest first; "" for fewer than two days
    trend_dots: list[tuple[float, float, str]]
    trend_low: str | None
    trend_high: str | None
    reasons: list[ReasonRow]  # why orders went badly, reason by reason
    suggested: list[ReasonRow]  # the reasons that cost the most, with a suggestion
    worst_shop: tuple[str, int] | None  # (shop name, bad orders) most bad orders came from


def score_view(session: Session, creator_id: int) -> ScoreView:
    """The latest word-of-mouth score (one decimal) with its breakdown, and its trend as SVG
    coordinates on the 3.0–5.0 scale."""
    latest = trust.latest_creator_score(session, creator_id)
    history = list(reversed(trust.creator_history(session, creator_id, days=TREND_DAYS)))
    shown = latest is not None and latest.enough_data and latest.score is not None
    scored = [(r.as_of.isoformat(), float(r.score)) for r in history if r.score is not None]
    dots: list[tuple[float, float, str]] = []
    if len(scored) >= 2:
        step = (TREND_WIDTH - 2 * TREND_PAD) / (len(scored) - 1)
        span = TREND_HEIGHT - 2 * TREND_PAD
        for i, (day, value) in enumerate(scored):
            level = (min(5.0, max(3.0, value)) - 3.0) / 2.0
            x = round(TREND_PAD + i * step, 1)
            y = round(TREND_HEIGHT - TREND_PAD - level * span, 1)
            dots.append((x, y, f"{day} {value:.1f}"))
    values = [v for _, v in scored]
    detail = (latest.detail or {}) if latest is not None else {}
    reasons = _reason_rows([o for o in detail.get("outcomes", []) if isinstance(o, dict)])
    chosen = set(detail.get("suggested") or []) if shown else set()
    worst = detail.get("worst_shop") if shown and chosen else None
    worst_shop = None
    if isinstance(worst, dict) and int(worst.get("bad_orders", 0)) >= 2:
        shop_id = int(worst["shop_id"])
        name = shop_names(session, {shop_id}).get(shop_id, f"#{shop_id}")
        worst_shop = (name, int(worst["bad_orders"]))
    return ScoreView(
        score=f"{latest.score:.1f}" if shown and latest and latest.score is not None else None,
        as_of=latest.as_of.isoformat() if latest else None,
        orders=latest.orders if latest else 0,
        bad_orders=int((latest.detail or {}).get("bad_orders", 0)) if latest else 0,
        outcome_pct=(
            round(latest.outcome * 100) if latest and latest.outcome is not None else None
        ),
        deduction=latest.conduct_deduction if latest else 0.0,
        trend_points=" ".join(f"{x},{y}" for x, y, _ in dots),
        trend_dots=dots,
        trend_low=f"{min(values):.1f}" if len(values) >= 2 else None,
        trend_high=f"{max(values):.1f}" if len(values) >= 2 else None,
        reasons=reasons,
        suggested=sorted(
            (r for r in reasons if r.reason in chosen),
            key=lambda r: (-float(r.costs) if r.costs != "—" else 0.0, r.reason),
        ),
        worst_shop=worst_shop,
    )


def _console_context(session: Session, principal: Principal, creator: Creator) -> dict[str, Any]:
    followers, follower_total = creators.followers_of(session, creator.id, limit=RECENT_FOLLOWERS)
    sessions, _ = lives.my_live_sessions(session, principal, limit=SESSIONS_SHOWN)
    by_status: dict[str, list[LiveSession]] = {s.value: [] for s in LiveStatus}
    for live in sessions:
        by_status.setdefault(live.status, []).append(live)
    return {
        "creator": creator,
        "score": score_view(session, creator.id),
        "follower_count": creator.follower_count,
        "follower_total": follower_total,
        "followers": followers,
        "on_air": by_status[LiveStatus.LIVE.value],
        "scheduled": sorted(by_status[LiveStatus.SCHEDULED.value], key=lambda s: s.scheduled_at),
        "past": by_status[LiveStatus.ENDED.value] + by_status[LiveStatus.CANCELLED.value],
    }


@dataclass(frozen=True)
class ProductOption:
    product_id: int
    title: str
    commission_bps: int | None  # None: the creator's own shop


def sellable_options(
    session: Session, principal: Principal, exclude: set[int]
) -> list[ProductOption]:
    """Products the creator may put in a showcase: published products of the shops they are
    staff of, then products under open distribution plans (highest commission first). The
    service checks again when one is added; this list only saves typing ids."""
    options: dict[int, ProductOption] = {}
    for shop_id in shops_of(session, principal.id):
        views, _ = shelf.search_products(session, shop_id=shop_id, limit=OPTIONS_PER_SOURCE)
        for view in views:
            product = view.product
            options.setdefault(product.id, ProductOption(product.id, product.title, None))
    plans, _ = creators.open_plans(session, limit=OPTIONS_PER_SOURCE)
    for plan in plans:
        options.setdefault(
            plan.plan.product_id,
            ProductOption(plan.plan.product_id, plan.product_title, plan.plan.commission_bps),
        )
    return [o for pid, o in options.items() if pid not in exclude]


def _orders_context(session: Session, creator: Creator, live: LiveSession) -> dict[str, Any]:
    found, _ = orders.list_all_orders(
        session,
        creator_id=creator.id,
        live_session_id=live.id,
        page=PageParams(limit=ORDERS_SHOWN, offset=0),
    )
    paid: list[Order] = [o for o in found if o.paid_at is not None]
    titles = product_titles(session, {o.product_id for o in paid})
    return {
        "live": live,
        "orders": paid,
        "titles": titles,
        "orders_count": live.orders_count,
        "gmv_fen": live.gmv_fen,
    }


def _session_context(
    request: Request, session: Session, principal: Principal, creator: Creator, live: LiveSession
) -> dict[str, Any]:
    entries = lives.showcase_entries(session, live.id)
    lang = pick_language(request)
    return {
        "creator": creator,
        "live": live,
        "entries": entries,
        "editable": live.status in SHOWCASE_EDITABLE,
        "options": sellable_options(session, principal, {e.item.product_id for e in entries}),
        "js_strings": {key: translate(lang, key) for key in JS_KEYS},
        **_orders_context(session, creator, live),
    }


# -- the console --------------------------------------------------------------------------------


@router.get("/creator")
def console(request: Request, principal: MaybePrincipal, session: DbSession) -> Response:
    if principal is None:
        return sign_in(CONSOLE)
    creator, _ = _allow(request, session, principal)
    return render(request, "creator/console.html", _console_context(session, principal, creator))


def _parse_local_time(value: str) -> datetime | None:
    """A ``datetime-local`` value, read as Beijing time; None when it does not parse."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=DISPLAY_TZ)
    return parsed.astimezone(UTC)


def _schedule(
    session: Session, clock: Clock, principal: Principal, values: dict[str, str], lang: str
) -> tuple[LiveSession | None, dict[str, str]]:
    errors: dict[str, str] = {}
    if not values["title"].strip():
        errors["title"] = translate(lang, "error.required")
    when = None
    if not values["scheduled_at"]:
        errors["scheduled_at"] = translate(lang, "error.required")
    else:
        when = _parse_local_time(values["scheduled_at"])
        if when is None:
            errors["scheduled_at"] = translate(lang, "creator.error.bad_time")
    if errors or when is None:
        return None, errors
    try:
        live = lives.schedule_live_session(
            session,
            clock,
            principal,
            title=values["title"],
            scheduled_at=when,
            stream_url=values["stream_url"] or None,
        )
    except DomainError as exc:
        session.rollback()
        field = exc.field if exc.field in _FIELD_MESSAGE else "_schedule"
        key = _FIELD_MESSAGE.get(field)
        return None, {field: translate(lang, key) if key else explain(lang, exc)}
    return live, {}


@router.post("/creator/live")
async def schedule_session(
    request: Request, _csrf: Csrf, principal: MaybePrincipal, session: DbSession, clock: ClockDep
) -> Response:
    """Schedule a session; on success go to its page, otherwise show the console again with the
    errors next to their fields and what was typed kept."""
    if principal is None:
        return sign_in(CONSOLE)
    creator, _ = _allow(request, session, principal)
    form = await request.form()
    values = {k: str(form.get(k, "")).strip() for k in SCHEDULE_FIELDS}
    live, errors = _schedule(session, clock, principal, values, pick_language(request))
    if live is None:
        context = _console_context(session, principal, creator)
        context.update(values=values, errors=errors)
        return render(request, "creator/console.html", context, status=422)
    return see_other(f"/creator/live/{live.id}")


# -- one session --------------------------------------------------------------------------------


def _session_page(
    request: Request,
    session: Session,
    principal: Principal,
    creator: Creator,
    live_session_id: int,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
    partial: str | None = None,
) -> Response:
    live = _own_live(session, creator, live_session_id)
    context = _session_context(request, session, principal, creator, live)
    context.update(errors=errors or {}, values=values or {})
    return render(request, partial or "creator/session.html", context, status=status)


@router.get("/creator/live/{live_session_id}")
def session_page(
    live_session_id: Id, request: Request, principal: MaybePrincipal, session: DbSession
) -> Response:
    if principal is None:
        return sign_in(f"/creator/live/{live_session_id}")
    creator, _ = _allow(request, session, principal, live_session_id)
    return _session_page(request, session, principal, creator, live_session_id)


@router.get("/creator/live/{live_session_id}/orders")
def session_orders(
    live_session_id: Id, request: Request, principal: MaybePrincipal, session: DbSession
) -> Response:
    """The orders partial, refreshed by the page when the room announces a purchase."""
    if principal is None:
        return sign_in(f"/creator/live/{live_session_id}")
    creator, live = _allow(request, session, principal, live_session_id)
    assert live is not None
    return render(request, "creator/_orders.html", _orders_context(session, creator, live))


async def _act(
    request: Request,
    principal: Principal | None,
    session: Session,
    live_session_id: int,
    action: str,
    run: Callable[[Principal, FormData], None],
) -> Response:
    """Run one change to a session for its creator. HTMX requests get the showcase partial
    back; plain form posts are redirected to the session page, or see it with the error."""
    if principal is None:
        return sign_in(f"/creator/live/{live_session_id}")
    creator, _ = _allow(request, session, principal, live_session_id)  # 404 before the form
    form = await request.form()
    lang = pick_language(request)
    partial = "creator/_showcase.html" if htmx(request) and action != "_lifecycle" else None
    values = field_values(form, ("product_id",))
    exc = refused(session, lambda: run(principal, form), show_not_found=True)
    if isinstance(exc, DomainError):
        field = "product_id" if exc.field == "product_id" and action == "_add" else action
        return _session_page(
            request,
            session,
            principal,
            creator,
            live_session_id,
            errors={field: explain(lang, exc)},
            values=values,
            status=exc.status,
            partial=partial,
        )
    if partial is not None:
        return _session_page(request, session, principal, creator, live_session_id, partial=partial)
    return see_other(f"/creator/live/{live_session_id}")


def _product_id(form: FormData) -> int:
    try:
        product_id = int(str(form.get("product_id", "")).strip())
    except ValueError:
        product_id = 0
    if not 0 < product_id <= MAX_ID:
        raise InvalidInput("choose a product", field="product_id", code="choose_product")
    return product_id


@router.post("/creator/live/{live_session_id}/start")
async def start_session(
    live_session_id: Id,
    request: Request,
    _csrf: Csrf,
    principal: MaybePrincipal,
    session: DbSession,
    clock: ClockDep,
) -> Response:
    def run(me: Principal, _form: FormData) -> None:
        lives.start_live_session(session, clock, me, live_session_id=live_session_id)

    return await _act(request, principal, session, live_session_id, "_lifecycle", run)


@router.post("/creator/live/{live_session_id}/end")
async def end_session(
    live_session_id: Id,
    request: Request,
    _csrf: Csrf,
    principal: MaybePrincipal,
    session: DbSession,
    clock: ClockDep,
) -> Response:
    def run(me: Principal, _form: FormData) -> None:
        lives.end_live_session(session, clock, me, live_session_id=live_session_id)

    return await _act(request, principal, session, live_session_id, "_lifecycle", run)


@router.post("/creator/live/{live_session_id}/showcase")
async def add_to_showcase(
    live_session_id: Id,
    request: Request,
    _csrf: Csrf,
    principal: MaybePrincipal,
    session: DbSession,
    clock: ClockDep,
) -> Response:
    def run(me: Principal, form: FormData) -> None:
        product_id = _product_id(form)
        lives.add_showcase_item(
            session, clock, me, live_session_id=live_session_id, product_id=product_id
        )

    return await _act(request, principal, session, live_session_id, "_add", run)


@router.post("/creator/live/{live_session_id}/showcase/{item_id}/remove")
async def remove_from_showcase(
    live_session_id: Id,
    item_id: Id,
    request: Request,
    _csrf: Csrf,
    principal: MaybePrincipal,
    session: DbSession,
    clock: ClockDep,
) -> Response:
    def run(me: Principal, _form: FormData) -> None:
        lives.remove_showcase_item(
            session, clock, me, live_session_id=live_session_id, item_id=item_id
        )

    return await _act(request, principal, session, live_session_id, "_showcase", run)


@router.post("/creator/live/{live_session_id}/showcase/{item_id}/pin")
async def pin_item(
    live_session_id: Id,
    item_id: Id,
    request: Request,
    _csrf: Csrf,
    principal: MaybePrincipal,
    session: DbSession,
    clock: ClockDep,
) -> Response:
    def run(me: Principal, _form: FormData) -> None:
        lives.pin_showcase_item(
            session, clock, me, live_session_id=live_session_id, item_id=item_id
        )

    return await _act(request, principal, session, live_session_id, "_showcase", run)


@router.post("/creator/live/{live_session_id}/unpin")
async def unpin_item(
    live_session_id: Id,
    request: Request,
    _csrf: Csrf,
    principal: MaybePrincipal,
    session: DbSession,
    clock: ClockDep,
) -> Response:
    def run(me: Principal, _form: FormData) -> None:
        lives.unpin_showcase_item(session, clock, me, live_session_id=live_session_id)

    return await _act(request, principal, session, live_session_id, "_showcase", run)
