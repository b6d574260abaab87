"""A claim pays at most once, whatever happens: its event delivered twice, two workers racing
on it, a process killed between approval and payment or in the middle of paying."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from shijing.core.clock import ManualClock
from shijing.core.db import Database
from shijing.core.deadlines import run_due
from shijing.core.outbox import Dispatcher, EventStatus, OutboxEvent
from shijing.guarantees import payouts
from shijing.guarantees.handlers import claims_on_return_pickup
from shijing.guarantees.models import Claim
from shijing.ledger import service as ledger
from shijing.ledger.models import LedgerTransaction
from tests.guarantees.builders import buyer, covered_order, request_return, send_back, trusted_shop

ROOT = Path(__file__).resolve().parents[2]


def _payouts(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(LedgerTransaction)
            .where(LedgerTransaction.kind == "claim.payout")
        )
        or 0
    )


def _pickup_event(session: Session) -> OutboxEvent:
    event = session.scalar(
        select(OutboxEvent)
        .where(OutboxEvent.name == "shipment.picked_up")
        .order_by(OutboxEvent.id.desc())
        .limit(1)
    )
    assert event is not None
    assert event.payload["direction"] == "return"
    return event


def _returned_order(session: Session, db: Database, clock: ManualClock) -> int:
    shop = trusted_shop(session, clock)
    order = covered_order(session, db, clock, shop=shop, who=buyer(session, clock, credit=50))
    send_back(session, db, clock, request_return(session, clock, order))
    return order.id


def test_the_pickup_event_delivered_twice_pays_once(
    session: Session, db: Database, clock: ManualClock
) -> None:
    order_id = _returned_order(session, db, clock)
    assert _payouts(session) == 1
    # The outbox forgets it delivered the event (a worker died before recording it): again.
    event = _pickup_event(session)
    session.execute(
        update(OutboxEvent)
        .where(OutboxEvent.id == event.id)
        .values(status=EventStatus.PENDING.value, delivered_to=[], next_attempt_at=clock.now())
    )
    session.commit()
    Dispatcher(db, clock).run_until_idle()
    run_due(db, clock)
    session.expire_all()
    [claim] = session.scalars(select(Claim).where(Claim.order_id == order_id))
    assert (claim.status, claim.paid_fen) == ("paid", 1000)
    assert _payouts(session) == 1
    assert ledger.check(session).ok


def _race(workers: int, work: Callable[[], object]) -> list[BaseException]:
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []

    def run() -> None:
        barrier.wait()
        try:
            work()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_two_workers_racing_on_the_same_event_and_claim_pay_once(
    committing_db: Database, clock: ManualClock
) -> None:
    db = committing_db
    with db.sessions() as session:
        shop = trusted_shop(session, clock)
        order = covered_order(session, db, clock, shop=shop, who=buyer(session, clock, credit=50))
        sale = request_return(session, clock, order)
        session.commit()
        # Hold the pickup back from subscribers so that the two workers below race on it.
        send_back_without_dispatch(session, clock, sale.id)
        event = _pickup_event(session)
        session.commit()

    def deliver_and_pay() -> None:
        # What each of two dispatchers does with the same event (at-least-once delivery),
        # and then with the approval event that follows.
        with db.transaction() as s:
            claims_on_return_pickup(s, s.get(OutboxEvent, event.id), clock)  # type: ignore[arg-type]
        with db.transaction() as s:
            for claim_id in s.scalars(select(Claim.id)):
                payouts.pay(s, clock, claim_id)

    errors = _race(2, deliver_and_pay)
    assert errors == []
    # And two whole dispatchers draining the outbox at once.
    errors = _race(2, lambda: Dispatcher(db, clock).run_until_idle())
    assert errors == []
    with db.sessions() as s:
        [claim] = s.scalars(select(Claim))
        assert (claim.status, claim.paid_fen) == ("paid", 1000)
        assert _payouts(s) == 1
        assert ledger.check(s).ok


def send_back_without_dispatch(session: Session, clock: ManualClock, aftersale_id: int) -> None:
    from shijing.accounts.models import User
    from shijing.commerce.aftersales import service as aftersales
    from shijing.commerce.aftersales.models import AfterSale
    from tests.factories import deliver_parcel, principal_of

    sale = session.get(AfterSale, aftersale_id)
    assert sale is not None
    who = session.get(User, sale.buyer_id)
    assert who is not None
    aftersales.ship_return(
        session,
        clock,
        principal_of(session, who),
        sale.id,
        carrier_code="sf",
        tracking_no="SFRACE000001",
    )
    deliver_parcel(
        session, clock, carrier_code="sf", tracking_no="SFRACE000001", kinds=("picked_up",)
    )


CRASH = """
import os, signal, sys
from datetime import datetime
from sqlalchemy import select
from shijing.core.clock import ManualClock
from shijing.core.db import Database
from shijing.core.outbox import OutboxEvent
from shijing.guarantees import payouts
from shijing.guarantees.handlers import claims_on_return_pickup
from shijing.guarantees.models import Claim

db = Database.from_url(sys.argv[1])
clock = ManualClock(datetime.fromisoformat(sys.argv[2]))
where = sys.argv[3]
with db.transaction() as s:  # the claim is opened and approved, and that commits
    event = s.get(OutboxEvent, int(sys.argv[4]))
    claims_on_return_pickup(s, event, clock)
if where == "after_approval":
    os.kill(os.getpid(), signal.SIGKILL)
with db.sessions() as s:  # paying: killed after the ledger posting, before the commit
    s.begin()
    payouts.pay(s, clock, s.scalar(select(Claim.id)))
    s.flush()
    os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.parametrize("where", ["after_approval", "while_paying"])
def test_a_process_killed_between_approval_and_payment_pays_once(
    committing_db: Database, clock: ManualClock, where: str
) -> None:
    db = committing_db
    with db.sessions() as session:
        shop = trusted_shop(session, clock)
        order = covered_order(session, db, clock, shop=shop, who=buyer(session, clock, credit=50))
        sale = request_return(session, clock, order)
        session.commit()
        send_back_without_dispatch(session, clock, sale.id)
        event = _pickup_event(session)
        session.commit()
        event_id = event.id
    url = db.engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [sys.executable, "-c", CRASH, url, clock.now().isoformat(), where, str(event_id)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    with db.sessions() as s:
        [claim] = s.scalars(select(Claim))
        assert claim.status == "approved"  # the kill lost the payment, not the approval
        assert _payouts(s) == 0
    # The worker that comes back: the approval event and the due step both try to pay.
    Dispatcher(db, clock).run_until_idle()
    run_due(db, clock)
    run_due(db, clock)
    with db.sessions() as s:
        [claim] = s.scalars(select(Claim))
        assert (claim.status, claim.paid_fen) == ("paid", 1000)
        assert _payouts(s) == 1
        assert ledger.check(s).ok
