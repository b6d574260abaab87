"""HTTP API of the payments domain: the gateway's signed webhooks.

(An order's payment is read at ``GET /orders/{id}/payment``, next to the order.)
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request

from shijing.commerce.payments import service
from shijing.commerce.payments.provider import SIGNATURE_HEADER
from shijing.commerce.payments.schemas import WebhookAckOut
from shijing.commerce.payments.simulated import SimulatedGateway
from shijing.core.http import ClockDep, DbSession, SettingsDep

router = APIRouter(tags=["payments"])


async def raw_body(request: Request) -> bytes:
    """The body exactly as sent: the signature covers these bytes, not a re-encoding."""
    return await request.body()


@router.post(
    "/payments/webhooks/simulated",
    response_model=WebhookAckOut,
    responses={400: {"description": "missing, forged or stale signature; nothing is changed"}},
)
def simulated_gateway_webhook(
    body: Annotated[bytes, Depends(raw_body)],
    session: DbSession,
    clock: ClockDep,
    settings: SettingsDep,
    signature: Annotated[str | None, Header(alias=SIGNATURE_HEADER)] = None,
) -> WebhookAckOut:
    """A webhook from the simulated gateway, signed ``t=<unix>,v1=<HMAC-SHA256 hex>`` over
    ``"<t>.<raw body>"``. Each event is processed once; a redelivery is acknowledged as a
    duplicate."""
    gateway = SimulatedGateway(settings.payment_webhook_secret)
    outcome = service.receive_webhook(
        session, clock, provider=gateway, body=body, signature=signature
    )
    return WebhookAckOut(
        event_id=outcome.event_id, event_type=outcome.event_type, duplicate=outcome.duplicate
    )
