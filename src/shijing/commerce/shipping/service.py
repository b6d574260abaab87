"""Use-cases of the shipping domain: ship an order, open a return shipment, take in carriers'
tracking events, and read shipments with who-may-see-what.

Tracking numbers are trimmed and upper-cased (carriers print them in capitals), so ``sf1234567``
and ``SF1234567`` are one parcel. A batch of tracking events is checked whole before anything is
written: one bad or foreign event refuses the batch, naming it (``events.3.tracking_no``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shijing.accounts.service import Principal
from shijing.commerce.orders import fulfilment, timeline
from shijing.commerce.orders.access import get_order_for
from shijing.commerce.shipping import events as shipping_events
from shijing.commerce.shipping.carriers import find_carrier, normalise_code
from shijing.commerce.shipping.models import (
    Carrier,
    Direction,
    Shipment,
    ShipmentStatus,
    TrackingEvent,
    TrackingKind,
)
from shijing.commerce.shipping.preconditions import check_before_shipping
from shijing.commerce.shipping.states import ACTION_OF_KIND, SHIPMENT
from shijing.commerce.shops import service as shops
from shijing.commerce.shops.access import is_shop_staff, require_shop_staff
from shijing.core.clock import Clock
from shijing.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from shijing.core.outbox import emit
from shijing.core.pagination import PageParams, fetch_page
from shijing.core.settings import get_settings

if TYPE_CHECKING:
    from shijing.commerce.orders.models import Order

TRACKING_NO = re.compile(r"^[A-Z0-9-]{6,40}$")
FUTURE_SKEW = timedelta(minutes=5)  # carriers' clocks run a little ahead of ours
MAX_EVENT_ID_LENGTH = 64
MAX_LOCATION_LENGTH = 100
MAX_BATCH = 100


class Outcome(StrEnum):
    APPLIED = "applied"  # moved the shipment
    RECORDED = "recorded"  # kept as history; stale or out of order, moved nothing
    DUPLICATE = "duplicate"  # this event id was already received for the shipment


@dataclass(frozen=True)
class TrackingReport:
    """One tracking event as a carrier reports it."""

    event_id: str
    tracking_no: str
    kind: str
    at: datetime
    location: str | None = None


@dataclass(frozen=True)
class TrackingResult:
    event_id: str
    tracking_no: str
    shipment_id: int
    outcome: Outcome
    status: str  # the shipment's status after the event


def normalise_tracking_no(value: str, *, field: str = "tracking_no") -> str:
    tracking_no = value.strip().upper()
    if not TRACKING_NO.fullmatch(tracking_no):
        raise InvalidInput("must be 6–40 letters, digits or '-'", field=field)
    return tracking_no


def _known_carrier(session: Session, code: str, *, field: str = "carrier_code") -> Carrier:
    carrier = find_carrier(session, normalise_code(code, field=field))
    if carrier is None:
        raise InvalidInput("no such carrier", field=field)
    return carrier


def _ensure_tracking_no_free(session: Session, carrier_code: str, tracking_no: str) -> None:
    used = session.scalar(
        select(Shipment.id).where(
            Shipment.carrier_code == carrier_code, Shipment.tracking_no == tracking_no
        )
    )
    if used is not None:
        raise _tracking_no_taken()


def _tracking_no_taken() -> Conflict:
    return Conflict(
        "this tracking number is already used for this carrier",
        field="tracking_no",
        code="tracking_no_taken",
    )


def _add_shipment(session: Session, shipment: Shipment) -> Shipment:
    session.add(shipment)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:  # a concurrent shipment took the number first
        raise _tracking_no_taken() from exc
    return shipment


def _emit_created(session: Session, clock: Clock, shipment: Shipment) -> None:
    emit(
        session,
        clock,
        shipping_events.SHIPMENT_CREATED,
        shipment_id=shipment.id,
        order_id=shipment.order_id,
        aftersale_id=shipment.aftersale_id,
        direction=shipment.direction,
        carrier_code=shipment.carrier_code,
        tracking_no=shipment.tracking_no,
        at=shipment.created_at,
    )


# -- shipping an order and returns ------------------------------------------------------------


def ship_order(
    session: Session,
    clock: Clock,
    principal: Principal,
    *,
    order_id: int,
    carrier_code: str,
    tracking_no: str,
) -> Shipment:
    """The shop's staff hand a paid order to a carrier: an outbound shipment from the shop's
    return province to the buyer's, and the order ``ship``. 404 for an order of another shop,
    409 when the order is not paid or the tracking number is already used with that carrier."""
    code = normalise_code(carrier_code)
    number = normalise_tracking_no(tracking_no)
    order = fulfilment.get_order(session, order_id=order_id)
    if not is_shop_staff(session, principal, order.shop_id):
        if principal.is_operator:
            raise Forbidden("only the shop's staff ship its orders")
        raise NotFound("no such order", field="order_id")
    fulfilment.ensure_can(order, "ship")
    carrier = _known_carrier(session, code)
    _ensure_tracking_no_free(session, carrier.code, number)
    check_before_shipping(session, order)
    shop = shops.get_shop(session, order.shop_id)
    shipment = _add_shipment(
        session,
        Shipment(
            order_id=order.id,
            shop_id=order.shop_id,
            aftersale_id=None,
            direction=Direction.OUTBOUND.value,
            carrier_code=carrier.code,
            tracking_no=number,
            status=ShipmentStatus.CREATED.value,
            from_province=shop.return_province,
            to_province=order.ship_to_province,
            created_at=clock.now(),
            created_by_user_id=principal.id,
        ),
    )
    _emit_created(session, clock, shipment)
    fulfilment.mark_shipped(
        session,
        clock,
        order,
        shipment_id=shipment.id,
        carrier_code=carrier.code,
        tracking_no=number,
        actor_user_id=principal.id,
    )
    return shipment


def create_return_shipment(
    session: Session,
    clock: Clock,
    *,
    order_id: int,
    aftersale_id: int,
    carrier_code: str,
    tracking_no: str,
    created_by_user_id: int | None = None,
) -> Shipment:
    """A return parcel for an after-sale, from the buyer's province to the shop's return
    province. The caller (after-sales) has checked who may do this. Its tracking events never move
    the order; they emit ``shipment.picked_up`` / ``shipment.delivered`` / ``shipment.failed``.
    404 for an unknown order, 409 for an order never shipped or a tracking number in use."""
    code = normalise_code(carrier_code)
    number = normalise_tracking_no(tracking_no)
    order = fulfilment.get_order(session, order_id=order_id)
    if order.shipped_at is None:
        raise Conflict("the order was never shipped", field="order_id", code="invalid_state")
    carrier = _known_carrier(session, code)
    _ensure_tracking_no_free(session, carrier.code, number)
    shop = shops.get_shop(session, order.shop_id)
    shipment = _add_shipment(
        session,
        Shipment(
            order_id=order.id,
            shop_id=order.shop_id,
            aftersale_id=aftersale_id,
            direction=Direction.RETURN.value,
            carrier_code=carrier.code,
            tracking_no=number,
            status=ShipmentStatus.CREATED.value,
            from_province=order.ship_to_province,
            to_province=shop.return_province,
            created_at=clock.now(),
            created_by_user_id=created_by_user_id,
        ),
    )
    timeline.record(
        session,
        clock,
        order,
        "return_shipment_created",
        actor_user_id=created_by_user_id,
        shipment_id=shipment.id,
        aftersale_id=aftersale_id,
        carrier_code=carrier.code,
        tracking_no=number,
    )
    _emit_created(session, clock, shipment)
    return shipment


# -- tracking events --------------------------------------------------------------------------


@dataclass
class _Checked:
    index: int
    report: TrackingReport
    event_id: str
    at: datetime
    location: str | None
    shipment_id: int


def _check_report(
    session: Session, clock: Clock, carrier: Carrier, index: int, report: TrackingReport
) -> _Checked:
    where = f"events.{index}"
    if report.kind not in ACTION_OF_KIND:
        kinds = ", ".join(k.value for k in TrackingKind)
        raise InvalidInput(f"must be one of {kinds}", field=f"{where}.kind")
    event_id = report.event_id.strip()
    if not event_id or len(event_id) > MAX_EVENT_ID_LENGTH:
        raise InvalidInput(f"must be 1–{MAX_EVENT_ID_LENGTH} characters", field=f"{where}.event_id")
    if report.at.tzinfo is None:
        raise InvalidInput("must carry a UTC offset", field=f"{where}.at")
    at = report.at.astimezone(UTC)
    if at > clock.now() + FUTURE_SKEW:
        raise InvalidInput("must not be in the future", field=f"{where}.at")
    location = (report.location or "").strip() or None
    if location is not None and len(location) > MAX_LOCATION_LENGTH:
        raise InvalidInput(
            f"must be at most {MAX_LOCATION_LENGTH} characters", field=f"{where}.location"
        )
    number = normalise_tracking_no(report.tracking_no, field=f"{where}.tracking_no")
    shipment_id = session.scalar(
        select(Shipment.id).where(
            Shipment.carrier_code == carrier.code, Shipment.tracking_no == number
        )
    )
    if shipment_id is None:  # unknown, or another carrier's parcel: indistinguishable
        raise NotFound("no such shipment for this carrier", field=f"{where}.tracking_no")
    return _Checked(index, report, event_id, at, location, shipment_id)


def record_tracking_events(
    session: Session,
    clock: Clock,
    carrier: Carrier,
    *,
    reports: Sequence[TrackingReport],
    auto_complete_days: int | None = None,
) -> list[TrackingResult]:
    """Take in a carrier's tracking events (in the order given back). All are checked before
    any is written; then they are applied oldest first. A redelivered event id is a no-op; an
    event that is stale or out of order is kept as history and moves nothing (shipping/states.py).
    An outbound shipment delivered delivers its order."""
    if not reports:
        raise InvalidInput("send at least one event", field="events")
    if len(reports) > MAX_BATCH:
        raise InvalidInput(f"send at most {MAX_BATCH} events at once", field="events")
    days = auto_complete_days if auto_complete_days is not None else _auto_complete_days()
    checked = [_check_report(session, clock, carrier, i, r) for i, r in enumerate(reports)]
    # Lock the shipments in id order (no deadlock between two batches), fresh from the database.
    ids = sorted({c.shipment_id for c in checked})
    shipments = {
        s.id: s
        for s in session.scalars(
            select(Shipment)
            .where(Shipment.id.in_(ids))
            .order_by(Shipment.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    }
    results: dict[int, TrackingResult] = {}
    seen: set[tuple[int, str]] = set()
    for c in sorted(checked, key=lambda c: (c.at, c.index)):
        shipment = shipments[c.shipment_id]
        outcome = _record_one(session, clock, shipment, c, seen, days)
        results[c.index] = TrackingResult(
            event_id=c.event_id,
            tracking_no=shipment.tracking_no,
            shipment_id=shipment.id,
            outcome=outcome,
            status=shipment.status,
        )
    return [results[i] for i in range(len(checked))]


def _auto_complete_days() -> int:
    return get_settings().auto_complete_days


def _record_one(
    session: Session,
    clock: Clock,
    shipment: Shipment,
    c: _Checked,
    seen: set[tuple[int, str]],
    auto_complete_days: int,
) -> Outcome:
    key = (shipment.id, c.event_id)
    duplicate = key in seen or (
        session.scalar(
            select(TrackingEvent.id).where(
                TrackingEvent.shipment_id == shipment.id, TrackingEvent.external_id == c.event_id
            )
        )
        is not None
    )
    if duplicate:
        return Outcome.DUPLICATE
    seen.add(key)
    event = TrackingEvent(
        shipment_id=shipment.id,
        external_id=c.event_id,
        kind=c.report.kind,
        at=c.at,
        location=c.location,
        received_at=clock.now(),
        applied=False,
    )
    session.add(event)
    event.applied = _apply(session, clock, shipment, c, auto_complete_days)
    session.flush()
    return Outcome.APPLIED if event.applied else Outcome.RECORDED


_EVENT_OF_STATUS = {
    ShipmentStatus.PICKED_UP.value: "picked_up",
    ShipmentStatus.IN_TRANSIT.value: "in_transit",
    ShipmentStatus.DELIVERED.value: "delivered",
    ShipmentStatus.FAILED.value: "failed",
}


def _apply(
    session: Session, clock: Clock, shipment: Shipment, c: _Checked, auto_complete_days: int
) -> bool:
    """Move the shipment for one new event if the table and the event's time allow; True if
    it moved. A pickup scan always corrects an earlier-inferred pickup time."""
    action = ACTION_OF_KIND[c.report.kind]
    is_pickup = c.report.kind == TrackingKind.PICKED_UP.value
    if is_pickup and shipment.picked_up_at is not None and c.at < shipment.picked_up_at:
        shipment.picked_up_at = c.at  # a pickup scan that came in late corrects the inference
    stale = shipment.status_at is not None and c.at < shipment.status_at and action != "deliver"
    if stale or not SHIPMENT.can(shipment.status, action):
        return False
    previous = shipment.status
    shipment.status = SHIPMENT.next(previous, action)
    shipment.status_at = c.at
    if shipment.picked_up_at is None:
        shipment.picked_up_at = c.at
    if action == "fail":
        shipment.failed_at = c.at
    elif action == "deliver":
        shipment.delivered_at = c.at
    order = fulfilment.get_order(session, order_id=shipment.order_id)
    if previous == ShipmentStatus.CREATED.value and not is_pickup:
        # Subscribers (after-sales: "the return was picked up") see one pickup for every parcel.
        _announce(session, clock, order, shipment, "picked_up", c, inferred=True)
    _announce(
        session,
        clock,
        order,
        shipment,
        _EVENT_OF_STATUS[shipment.status],
        c,
        **({"inferred": False} if is_pickup else {}),
    )
    if action == "deliver" and shipment.direction == Direction.OUTBOUND.value:
        fulfilment.mark_delivered(
            session,
            clock,
            order,
            shipment_id=shipment.id,
            delivered_at=c.at,
            picked_up_at=shipment.picked_up_at,
            auto_complete_days=auto_complete_days,
        )
    return True


def _announce(
    session: Session,
    clock: Clock,
    order: Order,
    shipment: Shipment,
    what: str,
    c: _Checked,
    **extra: Any,
) -> None:
    """One outbox event and one timeline row on the order for a shipment transition."""
    emit(
        session,
        clock,
        shipping_events.BY_STATUS[what],
        shipment_id=shipment.id,
        order_id=shipment.order_id,
        aftersale_id=shipment.aftersale_id,
        direction=shipment.direction,
        carrier_code=shipment.carrier_code,
        at=c.at,
        **extra,
    )
    timeline.record(
        session,
        clock,
        order,
        f"shipment_{what}",
        shipment_id=shipment.id,
        direction=shipment.direction,
        at=c.at.isoformat(),
        location=c.location,
        **extra,
    )


# -- reading ----------------------------------------------------------------------------------


def shipments_of_order(
    session: Session,
    principal: Principal,
    *,
    order_id: int,
    direction: str | None = None,
    page: PageParams | None = None,
) -> tuple[list[Shipment], int]:
    """An order's shipments, oldest first, for its buyer, its shop's staff and operators; the
    page and the total."""
    get_order_for(session, principal, order_id)
    query = select(Shipment).where(Shipment.order_id == order_id)
    if direction is not None:
        query = query.where(Shipment.direction == direction)
    return fetch_page(session, query.order_by(Shipment.id), page or PageParams())


def shipments_of_shop(
    session: Session,
    principal: Principal,
    *,
    shop_id: int,
    status: str | None = None,
    direction: str | None = None,
    page: PageParams | None = None,
) -> tuple[list[Shipment], int]:
    """A shop's shipments, newest first, for its staff and operators (404 for anyone else)."""
    require_shop_staff(session, principal, shop_id)
    query = select(Shipment).where(Shipment.shop_id == shop_id)
    if status is not None:
        query = query.where(Shipment.status == status)
    if direction is not None:
        query = query.where(Shipment.direction == direction)
    return fetch_page(session, query.order_by(Shipment.id.desc()), page or PageParams())


def visible_shipment(session: Session, principal: Principal, *, shipment_id: int) -> Shipment:
    """The shipment if the caller may see its order; else 404."""
    shipment = session.get(Shipment, shipment_id)
    try:
        if shipment is not None:
            get_order_for(session, principal, shipment.order_id)
    except NotFound:
        shipment = None
    if shipment is None:
        raise NotFound("no such shipment", field="shipment_id")
    return shipment


def get_shipment(session: Session, *, shipment_id: int) -> Shipment:
    """A shipment without access checks, for other domains (after-sales, guarantees)."""
    shipment = session.get(Shipment, shipment_id)
    if shipment is None:
        raise NotFound("no such shipment", field="shipment_id")
    return shipment


def shipments_of_aftersale(session: Session, *, aftersale_id: int) -> list[Shipment]:
    """The return shipments of an after-sale, oldest first (no access checks)."""
    return list(
        session.scalars(
            select(Shipment).where(Shipment.aftersale_id == aftersale_id).order_by(Shipment.id)
        )
    )


def tracking_history(session: Session, *, shipment_id: int) -> list[TrackingEvent]:
    """Every tracking event received for a shipment, by the carrier's time."""
    return list(
        session.scalars(
            select(TrackingEvent)
            .where(TrackingEvent.shipment_id == shipment_id)
            .order_by(TrackingEvent.at, TrackingEvent.id)
        )
    )
