"""Every edge of the after-sale lifecycle: each allowed one through the API (or the deadline
that drives it), each forbidden one refused with 409 and nothing changed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from shijing.commerce.aftersales.models import AfterSale
from shijing.commerce.aftersales.states import AFTERSALE
from shijing.core.clock import ManualClock
from shijing.core.db import Database
from shijing.core.deadlines import run_due
from tests.commerce.aftersales.conftest import World

API = "/api/v1"
Call = Callable[[TestClient, World, AfterSale], httpx.Response]


def _post(path: str, who: str, body: dict[str, object] | None = None) -> Call:
    def call(client: TestClient, world: World, sale: AfterSale) -> httpx.Response:
        return client.post(
            f"{API}/aftersales/{sale.id}{path}", json=body, headers=getattr(world, who)
        )

    return call


def _rule(ruling: str) -> Call:
    def call(client: TestClient, world: World, sale: AfterSale) -> httpx.Response:
        return client.post(
            f"{API}/admin/aftersales/{sale.id}/rule",
            json={"ruling": ruling, "fault": "shop", "note": "ruled"},
            headers=world.operator_h,
        )

    return call


_tracking = iter(range(1, 10_000))


def _ship_return(client: TestClient, world: World, sale: AfterSale) -> httpx.Response:
    return client.post(
        f"{API}/aftersales/{sale.id}/return-shipment",
        json={"carrier_code": "sf", "tracking_no": f"SFR{next(_tracking):08d}"},
        headers=world.buyer_h,
    )


CALLS: dict[str, Call] = {
    "approve_return": _post("/approve", "staff_h"),
    "refund": _post("/approve", "staff_h"),
    "ship_return": _ship_return,
    "receive_return": _post("/receive", "staff_h"),
    "reship": _post("/reship", "staff_h", {"carrier_code": "sf", "tracking_no": "SFX0000001"}),
    "reject": _post("/reject", "staff_h", {"reason": "not acceptable"}),
    "escalate": _post("/escalate", "buyer_h", {"statement": "please look again"}),
    "rule_return": _rule("refund"),
    "close": _rule("close"),
    "withdraw": _post("/withdraw", "buyer_h"),
}
# The kind an after-sale needs for the action to be the one the call takes.
KIND = {"refund": "refund_only", "reship": "exchange", "receive_return": "exchange"}


def _sale_in(
    session: Session, clock: ManualClock, world: World, status: str, kind: str
) -> AfterSale:
    sale = AfterSale(
        order_id=world.order.id,
        buyer_id=world.order.buyer_id,
        shop_id=world.order.shop_id,
        kind=kind,
        reason="quality",
        description="",
        evidence_urls=[],
        amount_fen=0 if kind == "exchange" else world.order.total_fen,
        status=status,
        opened_at=clock.now(),
        # A return on its way back has reached the shop (which may then dispute its contents).
        return_delivered_at=clock.now() if status == "return_shipped" else None,
    )
    session.add(sale)
    session.commit()
    return sale


def _allowed_call(state: str, action: str) -> tuple[str, Call | None]:
    """The kind to set up and the call that takes ``action`` from ``state`` (None: a deadline)."""
    if action == "refund" and state == "return_received":
        return "return_refund", None  # inside "receive": tested by the flow below
    if action == "refund" and state == "in_arbitration":
        return "refund_only", _rule("refund")
    if action == "reject" and state == "return_received":
        return "exchange", CALLS["reject"]
    if action == "close" and state in ("rejected", "awaiting_return"):
        return "return_refund", None
    return KIND.get(action, "return_refund"), CALLS[action]


@pytest.mark.parametrize(("state", "action", "target"), list(AFTERSALE.allowed()))
def test_every_allowed_transition(
    client: TestClient,
    world: World,
    session: Session,
    clock: ManualClock,
    db: Database,
    state: str,
    action: str,
    target: str,
) -> None:
    kind, call = _allowed_call(state, action)
    if state == "return_received" and action == "refund":
        sale = _sale_in(session, clock, world, "return_shipped", "return_refund")
        response = CALLS["receive_return"](client, world, sale)
        assert response.json()["status"] == target
        return
    sale = _sale_in(session, clock, world, state, kind)
    if call is None:  # a deadline drives it
        sale.due_at = clock.now()
        session.commit()
        run_due(db, clock)
        session.refresh(sale)
        assert sale.status == target
        return
    response = call(client, world, sale)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == target


@pytest.mark.parametrize(("state", "action"), list(AFTERSALE.forbidden()))
def test_every_forbidden_transition_is_409(
    client: TestClient,
    world: World,
    session: Session,
    clock: ManualClock,
    state: str,
    action: str,
) -> None:
    sale = _sale_in(session, clock, world, state, KIND.get(action, "return_refund"))
    response = CALLS[action](client, world, sale)
    assert response.status_code == 409, (response.status_code, response.text)
    session.refresh(sale)
    assert sale.status == state


def test_deadlines_do_not_touch_closed_after_sales(
    session: Session, clock: ManualClock, world: World, db: Database
) -> None:
    sale = _sale_in(session, clock, world, "refunded", "refund_only")
    sale.due_at = clock.now() - timedelta(days=1)
    session.commit()
    run_due(db, clock)
    session.refresh(sale)
    assert sale.status == "refunded"
