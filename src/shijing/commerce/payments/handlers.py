"""The payments domain's due step (imported by ``commerce/wiring.py``): the simulated gateway
delivers its signed webhooks to the platform, through the same verification and processing as
``POST /api/v1/payments/webhooks/simulated``."""

from __future__ import annotations

from sqlalchemy.orm import Session

from shijing.commerce.payments import service
from shijing.commerce.payments.simulated import SimulatedGateway
from shijing.core.clock import Clock
from shijing.core.deadlines import due
from shijing.core.settings import get_settings


@due.register("payments.deliver_gateway_webhooks")
def deliver_gateway_webhooks(session: Session, clock: Clock) -> int:
    """Sign and deliver every webhook the simulated gateway owes; returns how many arrived."""
    gateway = SimulatedGateway(get_settings().payment_webhook_secret)

    def receive(body: bytes, signature: str) -> None:
        service.receive_webhook(session, clock, provider=gateway, body=body, signature=signature)

    return gateway.deliver_webhooks(session, clock, receive)
