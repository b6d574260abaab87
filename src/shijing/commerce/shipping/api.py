"""HTTP API of the shipping domain, and of the order-side fulfilment steps (ship, confirm
receipt) that the orders API leaves to it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, status

from shijing.accounts.deps import CurrentPrincipal, OperatorPrincipal
from shijing.commerce.orders import fulfilment
from shijing.commerce.shipping import carriers, service
from shijing.commerce.shipping.models import Carrier, Direction, Shipment, ShipmentStatus
from shijing.commerce.shipping.schemas import (
    CarrierCreateIn,
    CarrierOut,
    NewCarrierOut,
    OrderFulfilmentOut,
    ShipIn,
    ShipmentDetailOut,
    ShipmentOut,
    ShippedOut,
    TrackingBatchIn,
    TrackingBatchOut,
    TrackingEventOut,
    TrackingResultOut,
)
from shijing.commerce.shipping.service import TrackingReport
from shijing.core.http import ClockDep, DbSession, Id, SettingsDep
from shijing.core.pagination import Page, PageParams, Paging

router = APIRouter(tags=["shipping"])


def current_carrier(
    session: DbSession,
    x_carrier_key: Annotated[str | None, Header(description="the carrier's API key")] = None,
) -> Carrier:
    """The carrier integration calling, from ``X-Carrier-Key``; 401 when missing or wrong."""
    return carriers.carrier_from_key(session, x_carrier_key)


CarrierDep = Annotated[Carrier, Depends(current_carrier, scope="function")]


def _page(rows: list[Shipment], total: int, paging: PageParams) -> Page[ShipmentOut]:
    return Page(
        items=[ShipmentOut.model_validate(s) for s in rows],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


# -- the order side ---------------------------------------------------------------------------


@router.post(
    "/orders/{order_id}/ship", status_code=status.HTTP_201_CREATED, response_model=ShippedOut
)
def ship_order(
    order_id: Id, body: ShipIn, principal: CurrentPrincipal, session: DbSession, clock: ClockDep
) -> ShippedOut:
    """The shop's staff mark a paid order shipped with a carrier and tracking number."""
    shipment = service.ship_order(
        session,
        clock,
        principal,
        order_id=order_id,
        carrier_code=body.carrier_code,
        tracking_no=body.tracking_no,
    )
    order = fulfilment.get_order(session, order_id=order_id)
    late = bool(order.ship_due_at and order.shipped_at and order.shipped_at > order.ship_due_at)
    return ShippedOut(
        order=OrderFulfilmentOut.model_validate(order),
        shipment=ShipmentOut.model_validate(shipment),
        late=late,
    )


@router.post("/orders/{order_id}/confirm-receipt", response_model=OrderFulfilmentOut)
def confirm_receipt(
    order_id: Id, principal: CurrentPrincipal, session: DbSession, clock: ClockDep
) -> OrderFulfilmentOut:
    """The buyer confirms the goods arrived: the order completes."""
    order = fulfilment.confirm_receipt(session, clock, principal, order_id=order_id)
    return OrderFulfilmentOut.model_validate(order)


@router.get("/orders/{order_id}/shipments", response_model=Page[ShipmentOut])
def order_shipments(
    order_id: Id,
    principal: CurrentPrincipal,
    session: DbSession,
    paging: Paging,
    direction: Direction | None = None,
) -> Page[ShipmentOut]:
    """An order's shipments (outbound and returns): its buyer, its shop's staff, operators."""
    rows, total = service.shipments_of_order(
        session,
        principal,
        order_id=order_id,
        direction=direction.value if direction else None,
        page=paging,
    )
    return _page(rows, total, paging)


# -- shipments --------------------------------------------------------------------------------


@router.get("/shops/{shop_id}/shipments", response_model=Page[ShipmentOut])
def shop_shipments(
    shop_id: Id,
    principal: CurrentPrincipal,
    session: DbSession,
    paging: Paging,
    shipment_status: Annotated[ShipmentStatus | None, Query(alias="status")] = None,
    direction: Direction | None = None,
) -> Page[ShipmentOut]:
    """A shop's shipments, newest first, for its staff and operators (``?status=failed``: the
    parcels to follow up)."""
    rows, total = service.shipments_of_shop(
        session,
        principal,
        shop_id=shop_id,
        status=shipment_status.value if shipment_status else None,
        direction=direction.value if direction else None,
        page=paging,
    )
    return _page(rows, total, paging)


@router.get("/shipments/{shipment_id}", response_model=ShipmentDetailOut)
def shipment_detail(
    shipment_id: Id, principal: CurrentPrincipal, session: DbSession
) -> ShipmentDetailOut:
    """A shipment with its tracking events, for whoever may see its order."""
    shipment = service.visible_shipment(session, principal, shipment_id=shipment_id)
    events = service.tracking_history(session, shipment_id=shipment.id)
    return ShipmentDetailOut(
        **ShipmentOut.model_validate(shipment).model_dump(),
        events=[TrackingEventOut.model_validate(e) for e in events],
    )


# -- carriers ---------------------------------------------------------------------------------


@router.post("/carrier/tracking-events", response_model=TrackingBatchOut)
def tracking_events(
    body: TrackingBatchIn,
    carrier: CarrierDep,
    session: DbSession,
    clock: ClockDep,
    settings: SettingsDep,
) -> TrackingBatchOut:
    """A carrier integration pushes tracking events (``X-Carrier-Key``). Redelivered event ids
    are no-ops; stale or out-of-order events are kept as history without moving the parcel."""
    results = service.record_tracking_events(
        session,
        clock,
        carrier,
        reports=[
            TrackingReport(
                event_id=e.event_id,
                tracking_no=e.tracking_no,
                kind=e.kind,
                at=e.at,
                location=e.location,
            )
            for e in body.events
        ],
        auto_complete_days=settings.auto_complete_days,
    )
    return TrackingBatchOut(results=[TrackingResultOut.model_validate(r) for r in results])


@router.get("/carriers", response_model=Page[CarrierOut])
def list_carriers(session: DbSession, paging: Paging) -> Page[CarrierOut]:
    """The carriers a shop may ship with, by code."""
    rows, total = carriers.list_carriers(session, page=paging)
    return Page(
        items=[CarrierOut.model_validate(c) for c in rows],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.post(
    "/admin/carriers",
    status_code=status.HTTP_201_CREATED,
    response_model=NewCarrierOut,
    tags=["admin"],
)
def create_carrier(
    body: CarrierCreateIn, principal: OperatorPrincipal, session: DbSession, clock: ClockDep
) -> NewCarrierOut:
    """Register a carrier integration; its API key is in this answer and nowhere else."""
    carrier, key = carriers.register_carrier(session, clock, code=body.code, name=body.name)
    return NewCarrierOut(
        code=carrier.code, name=carrier.name, created_at=carrier.created_at, api_key=key
    )
