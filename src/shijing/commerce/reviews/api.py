"""HTTP API of the reviews domain."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.accounts.deps import CurrentPrincipal, MaybePrincipal, OperatorPrincipal
from shijing.accounts.models import User
from shijing.commerce.reviews import service
from shijing.commerce.reviews.models import Review
from shijing.commerce.reviews.schemas import (
    FollowupIn,
    HideIn,
    RatingSummary,
    ReplyIn,
    ReviewEditIn,
    ReviewIn,
    ReviewOut,
    ReviewPage,
)
from shijing.core.http import ClockDep, DbSession, Id
from shijing.core.pagination import Paging, fetch_page

router = APIRouter(tags=["reviews"])
ANONYMOUS_NAME = "匿名用户"
RatingFilter = Annotated[Literal["negative", "neutral", "positive"] | None, Query()]


def _names(session: Session, reviews: list[Review]) -> dict[int, str]:
    ids = {r.buyer_id for r in reviews if not r.anonymous}
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))
    return dict(rows.all())


def _out(review: Review, names: dict[int, str], *, owner_view: bool = False) -> ReviewOut:
    name = ANONYMOUS_NAME if review.anonymous else names.get(review.buyer_id, ANONYMOUS_NAME)
    return ReviewOut(
        id=review.id,
        order_id=review.order_id if owner_view else None,
        shop_id=review.shop_id,
        product_id=review.product_id,
        buyer_name=name,
        product_rating=review.product_rating,
        logistics_rating=review.logistics_rating,
        service_rating=review.service_rating,
        text=review.text,
        image_urls=list(review.image_urls),
        anonymous=review.anonymous,
        created_at=review.created_at,
        editable_until=review.editable_until if owner_view else None,
        followup_text=review.followup_text,
        followup_at=review.followup_at,
        shop_reply=review.shop_reply,
        shop_replied_at=review.shop_replied_at,
    )


def _one(session: Session, review: Review, *, owner_view: bool = False) -> ReviewOut:
    return _out(review, _names(session, [review]), owner_view=owner_view)


def _urls(urls: list[object] | None) -> list[str] | None:
    return None if urls is None else [str(u) for u in urls]


@router.post(
    "/orders/{order_id}/review", status_code=status.HTTP_201_CREATED, response_model=ReviewOut
)
def write_review(
    order_id: Id, body: ReviewIn, principal: CurrentPrincipal, session: DbSession, clock: ClockDep
) -> ReviewOut:
    review = service.write_review(
        session,
        clock,
        principal,
        order_id=order_id,
        ratings=service.Ratings(body.product_rating, body.logistics_rating, body.service_rating),
        text=body.text,
        image_urls=_urls(list(body.image_urls)),
        anonymous=body.anonymous,
    )
    return _one(session, review, owner_view=True)


@router.patch("/reviews/{review_id}", response_model=ReviewOut)
def edit_review(
    review_id: Id,
    body: ReviewEditIn,
    principal: CurrentPrincipal,
    session: DbSession,
    clock: ClockDep,
) -> ReviewOut:
    given = (body.product_rating, body.logistics_rating, body.service_rating)
    ratings = None
    if any(r is not None for r in given):
        current = service.get_visible(session, principal, review_id)
        ratings = service.Ratings(
            body.product_rating or current.product_rating,
            body.logistics_rating or current.logistics_rating,
            body.service_rating or current.service_rating,
        )
    review = service.edit_review(
        session,
        clock,
        principal,
        review_id,
        ratings=ratings,
        text=body.text,
        image_urls=_urls(list(body.image_urls) if body.image_urls is not None else None),
    )
    return _one(session, review, owner_view=True)


@router.post("/reviews/{review_id}/followup", response_model=ReviewOut)
def add_followup(
    review_id: Id,
    body: FollowupIn,
    principal: CurrentPrincipal,
    session: DbSession,
    clock: ClockDep,
) -> ReviewOut:
    review = service.add_followup(
        session,
        clock,
        principal,
        review_id,
        text=body.text,
        image_urls=_urls(list(body.image_urls)),
    )
    return _one(session, review, owner_view=True)


@router.post("/reviews/{review_id}/reply", response_model=ReviewOut)
def reply(
    review_id: Id, body: ReplyIn, principal: CurrentPrincipal, session: DbSession, clock: ClockDep
) -> ReviewOut:
    return _one(session, service.reply(session, clock, principal, review_id, text=body.text))


@router.post("/admin/reviews/{review_id}/hide", response_model=ReviewOut)
def hide(
    review_id: Id, body: HideIn, principal: OperatorPrincipal, session: DbSession, clock: ClockDep
) -> ReviewOut:
    return _one(session, service.hide(session, clock, principal, review_id, reason=body.reason))


@router.get("/reviews/{review_id}", response_model=ReviewOut)
def get_review(review_id: Id, principal: MaybePrincipal, session: DbSession) -> ReviewOut:
    review = service.get_visible(session, principal, review_id)
    owner = principal is not None and principal.id == review.buyer_id
    return _one(session, review, owner_view=owner)


@router.get("/me/reviews", response_model=ReviewPage)
def my_reviews(principal: CurrentPrincipal, session: DbSession, paging: Paging) -> ReviewPage:
    query = select(Review).where(Review.buyer_id == principal.id).order_by(Review.id.desc())
    rows, total = fetch_page(session, query, paging)
    names = _names(session, rows)
    return ReviewPage(
        items=[_out(r, names, owner_view=True) for r in rows],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
        summary=RatingSummary(**vars(service.Summary(0, None, None, None, None))),
    )


def _public_page(
    session: Session,
    paging: Paging,
    rating: str | None,
    *,
    product_id: int | None = None,
    shop_id: int | None = None,
) -> ReviewPage:
    query = service.public_reviews(product_id=product_id, shop_id=shop_id, rating=rating)
    rows, total = fetch_page(session, query, paging)
    names = _names(session, rows)
    summary = service.summarise(session, product_id=product_id, shop_id=shop_id)
    return ReviewPage(
        items=[_out(r, names) for r in rows],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
        summary=RatingSummary(**vars(summary)),
    )


@router.get("/products/{product_id}/reviews", response_model=ReviewPage)
def product_reviews(
    product_id: Id, session: DbSession, paging: Paging, rating: RatingFilter = None
) -> ReviewPage:
    return _public_page(session, paging, rating, product_id=product_id)


@router.get("/shops/{shop_id}/reviews", response_model=ReviewPage)
def shop_reviews(
    shop_id: Id, session: DbSession, paging: Paging, rating: RatingFilter = None
) -> ReviewPage:
    return _public_page(session, paging, rating, shop_id=shop_id)
