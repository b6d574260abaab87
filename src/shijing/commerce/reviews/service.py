"""Use-cases of the reviews domain: one review per delivered order, one follow-up, one reply."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shijing.accounts.service import Principal
from shijing.commerce.orders.models import Order, OrderStatus
from shijing.commerce.reviews import events as review_events
from shijing.commerce.reviews.models import Review
from shijing.commerce.reviews.policy import POLICY, ReviewPolicy
from shijing.commerce.shops.access import is_shop_staff, require_shop_staff
from shijing.core.clock import Clock
from shijing.core.errors import Conflict, NotFound
from shijing.core.outbox import emit

REVIEWABLE = {OrderStatus.DELIVERED.value, OrderStatus.COMPLETED.value, OrderStatus.REFUNDED.value}


@dataclass(frozen=True)
class Ratings:
    product: int
    logistics: int
    service: int


def _own_order(session: Session, principal: Principal, order_id: int) -> Order:
    order = session.get(Order, order_id)
    if order is None or order.buyer_id != principal.id:
        raise NotFound("no such order", field="order_id")
    return order


def write_review(
    session: Session,
    clock: Clock,
    principal: Principal,
    *,
    order_id: int,
    ratings: Ratings,
    text: str = "",
    image_urls: list[str] | None = None,
    anonymous: bool = False,
    policy: ReviewPolicy = POLICY,
) -> Review:
    """The buyer reviews a delivered order, once, within the review window."""
    order = _own_order(session, principal, order_id)
    now = clock.now()
    if order.status not in REVIEWABLE or order.delivered_at is None:
        raise Conflict(
            "an order can be reviewed only after delivery", field="order_id", code="not_delivered"
        )
    if now > order.delivered_at + policy.review_window:
        days = policy.review_window.days
        raise Conflict(
            f"reviews close {days} days after delivery",
            field="order_id",
            code="review_window_closed",
        )
    if session.scalar(select(Review.id).where(Review.order_id == order.id)) is not None:
        raise Conflict(
            "this order has been reviewed already", field="order_id", code="already_reviewed"
        )
    review = Review(
        order_id=order.id,
        buyer_id=order.buyer_id,
        shop_id=order.shop_id,
        product_id=order.product_id,
        creator_id=order.creator_id,
        product_rating=ratings.product,
        logistics_rating=ratings.logistics,
        service_rating=ratings.service,
        text=text.strip(),
        image_urls=image_urls or [],
        anonymous=anonymous,
        created_at=now,
        updated_at=now,
        editable_until=now + policy.edit_window,
    )
    session.add(review)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:  # a concurrent second review lost the race
        raise Conflict(
            "this order has been reviewed already", field="order_id", code="already_reviewed"
        ) from exc
    emit(
        session,
        clock,
        review_events.REVIEW_CREATED,
        review_id=review.id,
        order_id=order.id,
        buyer_id=order.buyer_id,
        shop_id=order.shop_id,
        product_id=order.product_id,
        creator_id=order.creator_id,
        product_rating=ratings.product,
        logistics_rating=ratings.logistics,
        service_rating=ratings.service,
        created_at=now,
        delivered_at=order.delivered_at,
    )
    return review


def _own_review(session: Session, principal: Principal, review_id: int) -> Review:
    review = session.get(Review, review_id)
    if review is None or review.buyer_id != principal.id:
        raise NotFound("no such review", field="review_id")
    return review


def edit_review(
    session: Session,
    clock: Clock,
    principal: Principal,
    review_id: int,
    *,
    ratings: Ratings | None = None,
    text: str | None = None,
    image_urls: list[str] | None = None,
) -> Review:
    """Change a review within its edit window; afterwards it stands as written."""
    review = _own_review(session, principal, review_id)
    now = clock.now()
    if now > review.editable_until:
        raise Conflict(
            "the review can no longer be edited", field="review_id", code="edit_window_closed"
        )
    before = Ratings(review.product_rating, review.logistics_rating, review.service_rating)
    if ratings is not None:
        review.product_rating = ratings.product
        review.logistics_rating = ratings.logistics
        review.service_rating = ratings.service
    if text is not None:
        review.text = text.strip()
    if image_urls is not None:
        review.image_urls = image_urls
    review.updated_at = now
    session.flush()
    emit(
        session,
        clock,
        review_events.REVIEW_UPDATED,
        review_id=review.id,
        order_id=review.order_id,
        shop_id=review.shop_id,
        product_id=review.product_id,
        before={
            "product": before.product,
            "logistics": before.logistics,
            "service": before.service,
        },
        product_rating=review.product_rating,
        logistics_rating=review.logistics_rating,
        service_rating=review.service_rating,
        at=now,
    )
    return review


def add_followup(
    session: Session,
    clock: Clock,
    principal: Principal,
    review_id: int,
    *,
    text: str,
    image_urls: list[str] | None = None,
    policy: ReviewPolicy = POLICY,
) -> Review:
    """One follow-up review (追评), within the follow-up window after delivery."""
    review = _own_review(session, principal, review_id)
    order = session.get(Order, review.order_id)
    now = clock.now()
    if review.followup_at is not None:
        raise Conflict(
            "a review takes one follow-up", field="review_id", code="already_followed_up"
        )
    if (
        order is None
        or order.delivered_at is None
        or (now > order.delivered_at + policy.followup_window)
    ):
        raise Conflict(
            "follow-ups close 180 days after delivery",
            field="review_id",
            code="followup_window_closed",
        )
    review.followup_text = text.strip()
    review.followup_at = now
    if image_urls:
        review.image_urls = [*review.image_urls, *image_urls][: policy.max_images * 2]
    session.flush()
    emit(
        session,
        clock,
        review_events.REVIEW_FOLLOWED_UP,
        review_id=review.id,
        shop_id=review.shop_id,
        at=now,
    )
    return review


def reply(
    session: Session, clock: Clock, principal: Principal, review_id: int, *, text: str
) -> Review:
    """The shop answers a review, once."""
    review = session.get(Review, review_id)
    if review is None:
        raise NotFound("no such review", field="review_id")
    require_shop_staff(session, principal, review.shop_id, allow_operator=False)
    if review.shop_reply is not None:
        raise Conflict("the shop has replied already", field="review_id", code="already_replied")
    review.shop_reply = text.strip()
    review.shop_replied_at = clock.now()
    session.flush()
    emit(
        session,
        clock,
        review_events.REVIEW_REPLIED,
        review_id=review.id,
        shop_id=review.shop_id,
        by=principal.id,
        at=review.shop_replied_at,
    )
    return review


def hide(
    session: Session, clock: Clock, principal: Principal, review_id: int, *, reason: str
) -> Review:
    """An operator takes a review out of public view and out of scores, with a reason."""
    review = session.get(Review, review_id)
    if review is None:
        raise NotFound("no such review", field="review_id")
    if review.hidden_reason is not None:
        raise Conflict("the review is hidden already", field="review_id", code="already_hidden")
    review.hidden_reason = reason.strip()
    session.flush()
    emit(
        session,
        clock,
        review_events.REVIEW_HIDDEN,
        review_id=review.id,
        shop_id=review.shop_id,
        order_id=review.order_id,
        by=principal.id,
        reason=review.hidden_reason,
        at=clock.now(),
    )
    return review


def get_visible(session: Session, principal: Principal | None, review_id: int) -> Review:
    """A review as this caller may see it: hidden ones only to their author, the shop and
    operators."""
    review = session.get(Review, review_id)
    if review is None:
        raise NotFound("no such review", field="review_id")
    if review.hidden_reason is not None and not (
        principal is not None
        and (
            principal.is_operator
            or principal.id == review.buyer_id
            or is_shop_staff(session, principal, review.shop_id)
        )
    ):
        raise NotFound("no such review", field="review_id")
    return review


def public_reviews(
    *, product_id: int | None = None, shop_id: int | None = None, rating: str | None = None
) -> Select[Review]:
    """Visible reviews of a product or shop, newest first.

    ``rating`` narrows to negative (1–2), neutral (3) or positive (4–5) product ratings."""
    query = select(Review).where(Review.hidden_reason.is_(None))
    if product_id is not None:
        query = query.where(Review.product_id == product_id)
    if shop_id is not None:
        query = query.where(Review.shop_id == shop_id)
    if rating == "negative":
        query = query.where(Review.product_rating <= 2)
    elif rating == "neutral":
        query = query.where(Review.product_rating == 3)
    elif rating == "positive":
        query = query.where(Review.product_rating >= 4)
    return query.order_by(Review.created_at.desc(), Review.id.desc())


@dataclass(frozen=True)
class Summary:
    count: int
    product_average: float | None
    logistics_average: float | None
    service_average: float | None
    negative_share: float | None


def summarise(
    session: Session, *, product_id: int | None = None, shop_id: int | None = None
) -> Summary:
    query = select(
        func.count(Review.id),
        func.avg(Review.product_rating),
        func.avg(Review.logistics_rating),
        func.avg(Review.service_rating),
        func.sum(case((Review.product_rating <= 2, 1), else_=0)),
    ).where(Review.hidden_reason.is_(None))
    if product_id is not None:
        query = query.where(Review.product_id == product_id)
    if shop_id is not None:
        query = query.where(Review.shop_id == shop_id)
    count, p, lg, s, negative = session.execute(query).one()
    if not count:
        return Summary(0, None, None, None, None)

    def r(x: object) -> float:
        return round(float(x), 2)  # type: ignore[arg-type]

    return Summary(int(count), r(p), r(lg), r(s), round(int(negative or 0) / int(count), 4))
