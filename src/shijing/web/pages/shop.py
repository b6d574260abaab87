"""Buyer pages around the shelf: discovery (the home page) and the product page with buying."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.accounts.deps import MaybePrincipal
from shijing.accounts.service import Principal
from shijing.commerce.catalog import shelf
from shijing.commerce.catalog.categories import CATEGORIES
from shijing.commerce.catalog.models import Product
from shijing.commerce.creators import service as creators
from shijing.commerce.live import service as lives
from shijing.commerce.orders.models import TrafficSource
from shijing.commerce.reviews import service as reviews
from shijing.commerce.shops.models import Shop
from shijing.core.clock import Clock
from shijing.core.errors import DomainError
from shijing.core.http import ClockDep, DbSession
from shijing.guarantees import coverage, enrolment
from shijing.trust import service as trust
from shijing.web.i18n import pick_language
from shijing.web.live.room import guarantees_of, product_card
from shijing.web.pages import buying
from shijing.web.pages.auth import Csrf
from shijing.web.pages.render import render

router = APIRouter(include_in_schema=False)


def shop_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = session.execute(select(Shop.id, Shop.name).where(Shop.id.in_(wanted)))
    return {int(shop_id): str(name) for shop_id, name in rows}


def product_titles(session: Session, ids: Iterable[int]) -> dict[int, str]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = session.execute(select(Product.id, Product.title).where(Product.id.in_(wanted)))
    return {int(product_id): str(title) for product_id, title in rows}


@router.get("/")
def discover(
    request: Request, principal: MaybePrincipal, session: DbSession, q: str | None = None
) -> Response:
    """Live rooms on air and upcoming, then products (newest first, or matching ``q``)."""
    request.state.principal = principal
    rooms, _ = lives.discover_live_sessions(session, limit=20)
    hosts = creators.creators_by_ids(session, {r.creator_id for r in rooms})
    errors: dict[str, str] = {}
    try:
        products, total = shelf.search_products(session, q=q, limit=24)
    except DomainError as exc:
        errors["q"] = buying.explain(pick_language(request), exc)[1]
        products, total = shelf.search_products(session, limit=24)
    shops = shop_names(session, {p.product.shop_id for p in products})
    trusted = shop_trust(session, {p.product.shop_id for p in products})
    return render(
        request,
        "discover.html",
        {
            "rooms": rooms,
            "hosts": hosts,
            "products": products,
            "total": total,
            "shops": shops,
            "trust": trusted,
            "q": q or "",
            "errors": errors,
        },
    )


def shop_trust(session: Session, shop_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """For each shop: whether it carries the Trust Purchase badge, and its latest experience
    score and band (None while there is not enough data)."""
    wanted = sorted(set(shop_ids))
    badges = enrolment.badge_holders(session, wanted)
    scores = trust.latest_shop_scores(session, wanted)
    found: dict[int, dict[str, Any]] = {}
    for shop_id in wanted:
        score = scores.get(shop_id)
        shown = score is not None and score.enough_data and score.total is not None
        found[shop_id] = {
            "badge": shop_id in badges,
            "total": score.total if shown and score else None,
            "band": score.band if shown and score else None,
            "dimensions": dict(score.dimensions or {}) if shown and score else {},
        }
    return found


def _product_context(
    session: Session, clock: Clock, principal: Principal | None, product_id: int
) -> dict[str, Any]:
    view = shelf.view_product(session, principal, product_id)
    category = CATEGORIES.get(view.product.category)
    offers = coverage.offers(
        session,
        clock,
        shop_id=view.product.shop_id,
        product_id=view.product.id,
        category=view.product.category,
        total_fen=view.min_price_fen or 0,
    )
    return {
        "offers": [o.terms for o in offers],
        "trust": shop_trust(session, [view.product.shop_id])[view.product.shop_id],
        "view": view,
        "product": view.product,
        "shop_name": shop_names(session, [view.product.shop_id]).get(view.product.shop_id, ""),
        "category": category,
        "guarantees": guarantees_of(view.product.category),
        "summary": reviews.summarise(session, product_id=product_id),
        "stock": sum(s.stock for s in view.skus),
        "skus": (product_card(session, clock, product_id) or {}).get("skus", []),
    }


@router.get("/products/{product_id}")
def product_page(
    product_id: int,
    request: Request,
    principal: MaybePrincipal,
    session: DbSession,
    clock: ClockDep,
) -> Response:
    request.state.principal = principal
    context = _product_context(session, clock, principal, product_id)
    context["values"] = buying.saved_address(session, principal)
    return render(request, "product.html", context)


@router.post("/products/{product_id}/buy")
async def buy_product(
    product_id: int,
    request: Request,
    _csrf: Csrf,
    principal: MaybePrincipal,
    session: DbSession,
    clock: ClockDep,
) -> Response:
    """Buy from the product page: on success the page says so; errors sit next to the fields."""
    request.state.principal = principal
    lang = pick_language(request)
    context = _product_context(session, clock, principal, product_id)
    template = "_buy_box.html" if request.headers.get("hx-request") else "product.html"
    if principal is None:
        context["errors"] = {"_form": ""}
        return render(request, template, context, status=401)
    form, sku_id, quantity = buying.read_form(await request.form(), lang)
    if sku_id is not None and sku_id not in {s.id for s in context["view"].skus}:
        form.errors["sku_id"] = buying.explain(lang, shelf.no_sku())[1]
    order, status = buying.buy_from_form(
        session,
        clock,
        principal,
        lang,
        form,
        sku_id,
        quantity,
        traffic_source=TrafficSource.PRODUCT_PAGE.value,
        device_id=buying.device_id_of(request),
    )
    if order is not None:
        context["bought"] = order
    context.update(buying.form_context(form))
    return render(request, template, context, status=status)
