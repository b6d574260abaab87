"""What the merchant console shows, section by section: each builder reads through the domains'
services and returns the context its partial (``templates/merchant/_<section>.html``) needs.
The routes and forms are in ``merchant.py``."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.accounts.service import Principal
from shijing.commerce.aftersales import service as aftersales
from shijing.commerce.aftersales.models import AfterSale
from shijing.commerce.aftersales.states import OPEN
from shijing.commerce.catalog import shelf
from shijing.commerce.creators import service as creators
from shijing.commerce.orders import service as orders
from shijing.commerce.orders.models import Order, OrderStatus
from shijing.commerce.shipping import carriers
from shijing.commerce.shops.models import Shop
from shijing.core.clock import Clock
from shijing.core.money import format_fen
from shijing.core.pagination import PageParams
from shijing.guarantees import catalogue as catalogues
from shijing.guarantees import claims, deposits, enrolment
from shijing.guarantees.models import BADGE_HOLDING, Claim
from shijing.trust import service as trust
from shijing.web import charts
from shijing.web.i18n import translate
from shijing.web.pages.shop import product_titles

TREND_DAYS = 90
ROWS_SHOWN = 50
STATEMENT_LINES = 30
DIMENSIONS = ("product", "logistics", "service")
# Conditions of Trust Purchase, as ``enrolment.qualification`` names them, in the order shown.
CONDITIONS = ("score", "deposit", "counterfeit", "shop")


# -- small formatting helpers -------------------------------------------------------------------


def countdown(lang: str, now: datetime, due: datetime | None) -> tuple[str, bool]:
    """``("in 5 h 12 min", False)`` or ``("3 h 5 min overdue", True)``; ``("", False)`` when
    there is no deadline."""
    if due is None:
        return "", False
    seconds = int((due - now).total_seconds())
    overdue = seconds < 0
    minutes = abs(seconds) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        span = translate(lang, "merchant.span_days", d=days, h=hours)
    elif hours:
        span = translate(lang, "merchant.span_hours", h=hours, m=mins)
    else:
        span = translate(lang, "merchant.span_minutes", m=mins)
    key = "merchant.overdue_by" if overdue else "merchant.due_in"
    return translate(lang, key, span=span), overdue


def indicator_value(indicator: str, value: Any) -> str:
    """Rates as percentages, time indicators in hours; "—" when there is none."""
    if not isinstance(value, int | float):
        return "—"
    if indicator.endswith("_hours"):
        return f"{value:.1f} h"
    return f"{value * 100:.1f}%"


def _number(value: Any, digits: int = 1) -> str:
    return f"{value:.{digits}f}" if isinstance(value, int | float) else "—"


def new_key() -> str:
    """A fresh idempotency key for a money form: a double submit moves the money once."""
    return secrets.token_urlsafe(16)


# -- the score ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorRow:
    code: str
    dimension: str
    raw: str
    shrunk: str
    median: str
    percentile: int | None  # share of peers this shop beats, 0–100
    points: str
    max_points: str
    change: float | None


def _indicator_rows(indicators: list[dict[str, Any]]) -> list[IndicatorRow]:
    rows = []
    for item in indicators:
        code = str(item.get("indicator", ""))
        better = item.get("better_than")
        change = item.get("change_7d")
        rows.append(
            IndicatorRow(
                code=code,
                dimension=str(item.get("dimension", "")),
                raw=indicator_value(code, item.get("raw")),
                shrunk=indicator_value(code, item.get("shrunk")),
                median=indicator_value(code, item.get("peer_median")),
                percentile=round(better * 100) if isinstance(better, int | float) else None,
                points=_number(item.get("points")),
                max_points=_number(item.get("max_points")),
                change=float(change) if isinstance(change, int | float) else None,
            )
        )
    order = {d: i for i, d in enumerate(DIMENSIONS)}
    return sorted(rows, key=lambda r: (order.get(r.dimension, 9), r.code))


def _suggestions(lang: str, stored: list[str], indicators: list[dict[str, Any]]) -> list[str]:
    """The score's suggestions. They are stored in English; in Chinese the same number is
    written from the indicators that cost the most points, as the scoring does."""
    if lang == "en" or not stored:
        return list(stored)
    costly = sorted(
        (
            i
            for i in indicators
            if isinstance(i.get("points"), int | float)
            and isinstance(i.get("max_points"), int | float)
            and i["max_points"] - i["points"] > 0.01
            and i.get("peer_median") is not None
        ),
        key=lambda i: (-(i["max_points"] - i["points"]), str(i.get("indicator"))),
    )
    out = []
    for item in costly[: len(stored)]:
        code = str(item["indicator"])
        you = item.get("raw") if item.get("raw") is not None else item.get("shrunk")
        out.append(
            translate(
                lang,
                "merchant.suggestion",
                name=translate(lang, f"merchant.indicator.{code}"),
                you=indicator_value(code, you),
                med=indicator_value(code, item.get("peer_median")),
            )
        )
    return out or list(stored)


def score_context(session: Session, lang: str, shop: Shop) -> dict[str, Any]:
    latest = trust.latest_shop_score(session, shop.id)
    history = list(reversed(trust.shop_history(session, shop.id, days=TREND_DAYS)))
    series = [(r.as_of.isoformat(), float(r.total)) for r in history if r.total is not None]
    shown = latest is not None and latest.enough_data and latest.total is not None
    indicators = list(latest.indicators or []) if latest is not None else []
    dimensions = dict(latest.dimensions or {}) if latest is not None else {}
    return {
        "score": latest,
        "score_shown": shown,
        "score_total": f"{latest.total:.1f}" if shown and latest and latest.total else None,
        "dimensions": [(d, _number(dimensions.get(d))) for d in DIMENSIONS if d in dimensions],
        # a shop without enough orders yet still sees where it stands, indicator by indicator
        # (its values and its peers' median; points come with the score)
        "indicators": _indicator_rows(indicators),
        "suggestions": _suggestions(lang, list(latest.suggestions or []), indicators)
        if shown and latest
        else [],
        "trend": charts.line(series, floor=0.0, ceiling=100.0),
    }


# -- orders to ship -----------------------------------------------------------------------------


def orders_context(
    session: Session, clock: Clock, principal: Principal, lang: str, shop: Shop
) -> dict[str, Any]:
    found, total = orders.list_shop_orders(
        session,
        principal,
        shop_id=shop.id,
        status=OrderStatus.PAID.value,
        page=PageParams(limit=ROWS_SHOWN, offset=0),
    )
    now = clock.now()
    known, _ = carriers.list_carriers(session, page=PageParams(limit=100, offset=0))
    return {
        "to_ship": [(o, *countdown(lang, now, o.ship_due_at)) for o in found],
        "to_ship_total": total,
        "titles": product_titles(session, {o.product_id for o in found}),
        "carriers": known,
    }


# -- after-sales --------------------------------------------------------------------------------


def aftersales_context(session: Session, clock: Clock, lang: str, shop: Shop) -> dict[str, Any]:
    query = (
        aftersales.listing(shop_id=shop.id)
        .where(AfterSale.status.in_([s.value for s in OPEN]))
        .limit(ROWS_SHOWN)
    )
    sales = list(session.scalars(query))
    now = clock.now()
    rows = []
    for sale in sales:
        due = sale.respond_due_at if sale.status == "requested" else sale.due_at
        rows.append((sale, *countdown(lang, now, due)))
    by_order = {
        int(o.id): o
        for o in session.scalars(select(Order).where(Order.id.in_({s.order_id for s in sales})))
    }
    known, _ = carriers.list_carriers(session, page=PageParams(limit=100, offset=0))
    return {
        "sales": rows,
        "sale_orders": by_order,
        "sale_titles": product_titles(session, {o.product_id for o in by_order.values()}),
        "carriers": known,
    }


# -- Trust Purchase -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    code: str
    passed: bool
    why: str  # in the page's language


def _conditions(lang: str, result: enrolment.Qualification, shop: Shop) -> list[Condition]:
    facts = result.facts
    failed = {where for where, _ in result.failures}
    score = facts.get("score")
    values = {
        "score": translate(
            lang,
            "merchant.cond.score_is" if score is not None else "merchant.cond.score_none",
            score=_number(score),
            min=_number(facts.get("min_score"), 0),
        ),
        "deposit": translate(
            lang,
            "merchant.cond.deposit_is",
            held=_fen(facts.get("deposit_fen")),
            min=_fen(facts.get("deposit_minimum_fen")),
        ),
        "counterfeit": translate(
            lang, "merchant.cond.counterfeit_is", n=facts.get("counterfeit_rulings", 0)
        ),
        "shop": translate(
            lang, "merchant.cond.shop_is", status=translate(lang, f"merchant.shop.{shop.status}")
        ),
    }
    out = []
    for code in CONDITIONS:
        why = values[code]
        if code == "deposit" and code in failed:
            owed = [r for w, r in result.failures if w == "deposit" and "owes" in r]
            if owed:
                why = f"{why} · {translate(lang, 'merchant.cond.owes')}"
        out.append(Condition(code, code not in failed, why))
    return out


def _fen(value: Any) -> str:
    return format_fen(value) if isinstance(value, int) and not isinstance(value, bool) else "—"


def trust_context(session: Session, clock: Clock, lang: str, shop: Shop) -> dict[str, Any]:
    row = enrolment.get_enrolment(session, shop.id)
    result = enrolment.qualification(session, clock, shop.id)
    shop_claims = list(
        session.scalars(claims.listing(shop_id=shop.id).order_by(Claim.id.desc()).limit(ROWS_SHOWN))
    )
    _, catalogue = catalogues.in_force(session, clock)
    names = {g.code: g.name_zh if lang == "zh-CN" else g.name_en for g in catalogue.guarantees}
    return {
        "guarantee_names": names,
        "enrolment": row,
        "badge": row is not None and row.status in BADGE_HOLDING,
        "badge_status": row.status if row is not None else "none",
        "qualifies": result.ok,
        "conditions": _conditions(lang, result, shop),
        "badge_history": enrolment.history(session, shop.id, limit=ROWS_SHOWN),
        "claims": shop_claims,
    }


# -- deposit ------------------------------------------------------------------------------------


def deposit_context(session: Session, clock: Clock, shop: Shop) -> dict[str, Any]:
    return {
        "statement": deposits.statement(session, clock, shop.id, limit=STATEMENT_LINES),
        "topup_key": new_key(),
        "withdraw_key": new_key(),
    }


# -- products and distribution plans ------------------------------------------------------------


def products_context(session: Session, principal: Principal, shop: Shop) -> dict[str, Any]:
    views, total = shelf.list_shop_products(session, principal, shop.id, limit=ROWS_SHOWN)
    return {"products": views, "products_total": total}


def plans_context(session: Session, principal: Principal, shop: Shop) -> dict[str, Any]:
    plans, _ = creators.shop_plans(session, principal, shop_id=shop.id, limit=ROWS_SHOWN)
    views, _ = shelf.list_shop_products(session, principal, shop.id, limit=100)
    return {
        "plans": plans,
        "plan_titles": product_titles(session, {p.product_id for p in plans}),
        "plan_options": [(v.product.id, v.product.title) for v in views],
    }


# -- the whole page -----------------------------------------------------------------------------

Builder = Callable[[Session, Clock, Principal, str, Shop], dict[str, Any]]

BUILDERS: dict[str, Builder] = {
    "score": lambda s, c, p, lang, shop: score_context(s, lang, shop),
    "orders": lambda s, c, p, lang, shop: orders_context(s, c, p, lang, shop),
    "aftersales": lambda s, c, p, lang, shop: aftersales_context(s, c, lang, shop),
    "trust": lambda s, c, p, lang, shop: trust_context(s, c, lang, shop),
    "deposit": lambda s, c, p, lang, shop: deposit_context(s, c, shop),
    "products": lambda s, c, p, lang, shop: products_context(s, p, shop),
    "plans": lambda s, c, p, lang, shop: plans_context(s, p, shop),
}
SECTIONS = tuple(BUILDERS)


def section_context(
    session: Session, clock: Clock, principal: Principal, lang: str, shop: Shop, section: str
) -> dict[str, Any]:
    return {"shop": shop, **BUILDERS[section](session, clock, principal, lang, shop)}


def page_context(
    session: Session, clock: Clock, principal: Principal, lang: str, shop: Shop
) -> dict[str, Any]:
    context: dict[str, Any] = {"shop": shop, "sections": SECTIONS}
    for build in BUILDERS.values():
        context.update(build(session, clock, principal, lang, shop))
    return context
