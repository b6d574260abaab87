"""HTTP API of the orders domain: place, pay, cancel, look at orders and their timelines."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, status
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from shijing.accounts.deps import CurrentPrincipal, OperatorPrincipal
from shijing.accounts.service import Principal
from shijing.commerce.orders import idempotency, service
from shijing.commerce.orders.fingerprints import DEVICE_HEADER
from shijing.commerce.orders.models import Order, OrderStatus, TrafficSource
from shijing.commerce.orders.schemas import (
    CancelIn,
    OrderIn,
    OrderOut,
    PayIn,
    TimelineEntryOut,
)
from shijing.commerce.payments import service as payments
from shijing.commerce.payments.models import PaymentStatus
from shijing.commerce.payments.provider import PaymentProvider
from shijing.commerce.payments.schemas import PaymentOut, RefundOut
from shijing.core.clock import Clock
from shijing.core.http import MAX_ID, ClockDep, DbSession, SettingsDep
from shijing.core.pagination import Page, Paging

router = APIRouter(tags=["orders"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias=idempotency.HEADER,
        description="repeat a request safely: the same key and body give the first answer",
    ),
]
DeviceId = Annotated[
    str | None,
    Header(
        alias=DEVICE_HEADER,
        description="the client's device id (at most 128 characters); only a keyed hash of it "
        "is stored",
    ),
]
OrderId = Annotated[int, Path(ge=1, le=MAX_ID)]
ShopId = Annotated[int, Path(ge=1, le=MAX_ID)]
StatusFilter = Annotated[OrderStatus | None, Query(alias="status")]
REPLAYED_HEADER = "Idempotent-Replayed"


def _provider(settings: SettingsDep) -> PaymentProvider:
    return payments.provider_for(settings=settings)


ProviderDep = Annotated[PaymentProvider, Depends(_provider)]
Outcome = tuple[int, dict[str, Any]]


def _idempotent(
    session: Session,
    clock: Clock,
    principal: Principal,
    *,
    scope: str,
    key: str | None,
    request_hash: str,
    run: Callable[[], Outcome],
) -> JSONResponse:
    """Run ``run`` once per key: a repeat gets the stored status and body back."""
    if key is None:
        code, body = run()
        return JSONResponse(body, status_code=code)
    claimed = idempotency.claim(
        session, clock, user_id=principal.id, scope=scope, key=key, request_hash=request_hash
    )
    if claimed.replay:
        return JSONResponse(
            claimed.record.response,
            status_code=claimed.record.status_code,
            headers={REPLAYED_HEADER: "true"},
        )
    code, body = run()
    idempotency.settle(session, claimed, status_code=code, response=body)
    return JSONResponse(body, status_code=code)


def _out(session: Session, principal: Principal, order: Order) -> OrderOut:
    role = service.viewer_role(session, principal, order)
    return OrderOut.of(order, for_shop=role in ("shop", "operator"))


@router.post(
    "/orders",
    status_code=status.HTTP_201_CREATED,
    response_model=OrderOut,
    responses={409: {"description": "out of stock"}, 422: {"description": "bad input"}},
)
def place_order(
    body: OrderIn,
    principal: CurrentPrincipal,
    session: DbSession,
    clock: ClockDep,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
    device_id: DeviceId = None,
) -> JSONResponse:
    """Place an order for one SKU. The price is the SKU's now; the stock is reserved at once;
    unpaid after ``unpaid_cancel_minutes`` the order is cancelled. An ``X-Device-Id`` header is
    recorded as a fingerprint (a keyed hash) of the device."""

    def run() -> Outcome:
        order = service.place_order(
            session,
            clock,
            principal,
            sku_id=body.sku_id,
            quantity=body.quantity,
            traffic_source=body.traffic_source,
            live_session_id=body.live_session_id,
            creator_id=body.creator_id,
            ship_to=service.ShipTo(**body.ship_to.model_dump()),
            pay_within=timedelta(minutes=settings.unpaid_cancel_minutes),
            device_id=device_id,
        )
        return 201, OrderOut.of(order, for_shop=False).model_dump(mode="json")

    return _idempotent(
        session,
        clock,
        principal,
        scope="orders.place",
        key=idempotency_key,
        request_hash=idempotency.fingerprint("place", body.model_dump(mode="json")),
        run=run,
    )


@router.get("/orders", response_model=Page[OrderOut])
def list_my_orders(
    principal: CurrentPrincipal, session: DbSession, paging: Paging, status: StatusFilter = None
) -> Page[OrderOut]:
    """The caller's own orders, newest first."""
    rows, total = service.list_buyer_orders(
        session, principal, status=status.value if status else None, page=paging
    )
    return Page(
        items=[OrderOut.of(o, for_shop=False) for o in rows],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.get("/orders/{order_id}", response_model=OrderOut)
def get_order(order_id: OrderId, principal: CurrentPrincipal, session: DbSession) -> OrderOut:
    """One order: for its buyer, its shop's staff and operators (404 for anyone else)."""
    return _out(session, principal, service.get_order_for(session, principal, order_id))


@router.get("/orders/{order_id}/timeline", response_model=list[TimelineEntryOut])
def get_timeline(
    order_id: OrderId, principal: CurrentPrincipal, session: DbSession
) -> list[TimelineEntryOut]:
    """Everything that happened to the order, oldest first."""
    return [
        TimelineEntryOut.of(e) for e in service.order_timeline_for(session, principal, order_id)
    ]


@router.post(
    "/orders/{order_id}/pay",
    status_code=status.HTTP_201_CREATED,
    response_model=PaymentOut,
    responses={402: {"description": "the payment method was declined"}},
)
def pay_order(
    order_id: OrderId,
    body: PayIn,
    principal: CurrentPrincipal,
    session: DbSession,
    clock: ClockDep,
    provider: ProviderDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Pay for the order (its buyer). 201 with the captured payment; 402 naming
    ``payment_method`` when the gateway declines (the attempt is recorded; pay again)."""

    def run() -> Outcome:
        payment = service.pay_order(
            session,
            clock,
            principal,
            order_id=order_id,
            payment_method=body.payment_method,
            idempotency_key=idempotency_key,
            provider=provider,
        )
        if payment.status == PaymentStatus.FAILED.value:
            return 402, {
                "error": payment.failure_code or "payment_failed",
                "message": payment.failure_reason or "the payment was declined",
                "field": "payment_method",
            }
        return 201, PaymentOut.model_validate(payment).model_dump(mode="json")

    return _idempotent(
        session,
        clock,
        principal,
        scope="orders.pay",
        key=idempotency_key,
        request_hash=idempotency.fingerprint("pay", order_id, body.model_dump(mode="json")),
        run=run,
    )


@router.post("/orders/{order_id}/cancel", response_model=OrderOut)
def cancel_order(
    order_id: OrderId,
    principal: CurrentPrincipal,
    session: DbSession,
    clock: ClockDep,
    provider: ProviderDep,
    body: CancelIn | None = None,
) -> OrderOut:
    """Cancel before shipping: the buyer (a paid order is refunded in full), or the shop's staff
    with a ``reason``. Stock goes back."""
    order = service.cancel_order(
        session,
        clock,
        principal,
        order_id=order_id,
        reason=body.reason if body else None,
        provider=provider,
    )
    return _out(session, principal, order)


@router.get("/orders/{order_id}/payment", response_model=PaymentOut, tags=["payments"])
def get_payment(order_id: OrderId, principal: CurrentPrincipal, session: DbSession) -> PaymentOut:
    """The payment that paid the order (or its latest attempt) with its refunds."""
    payment, refunds = service.payment_of_order_for(session, principal, order_id)
    out = PaymentOut.model_validate(payment)
    out.refunds = [RefundOut.model_validate(r) for r in refunds]
    return out


@router.get("/shops/{shop_id}/orders", response_model=Page[OrderOut])
def list_shop_orders(
    shop_id: ShopId,
    principal: CurrentPrincipal,
    session: DbSession,
    paging: Paging,
    status: StatusFilter = None,
) -> Page[OrderOut]:
    """A shop's orders (its staff, operators). ``?status=paid`` is the list to ship, the most
    urgent ``ship_due_at`` first."""
    rows, total = service.list_shop_orders(
        session, principal, shop_id=shop_id, status=status.value if status else None, page=paging
    )
    return Page(
        items=[OrderOut.of(o, for_shop=True) for o in rows],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.get("/admin/orders", response_model=Page[OrderOut], tags=["admin"])
def list_all_orders(
    principal: OperatorPrincipal,
    session: DbSession,
    paging: Paging,
    status: StatusFilter = None,
    shop_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    buyer_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    creator_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    live_session_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    traffic_source: TrafficSource | None = None,
) -> Page[OrderOut]:
    """Every order, filtered (operators only)."""
    rows, total = service.list_all_orders(
        session,
        status=status.value if status else None,
        shop_id=shop_id,
        buyer_id=buyer_id,
        creator_id=creator_id,
        live_session_id=live_session_id,
        traffic_source=traffic_source.value if traffic_source else None,
        page=paging,
    )
    return Page(
        items=[OrderOut.of(o, for_shop=True) for o in rows],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )
