"""The incremental export: a day partition is rewritten when a fact filed under it changes,
however long ago that day was (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pyarrow.parquet as pq
from sqlalchemy.orm import Session

from shijing.accounts.models import Role
from shijing.commerce.aftersales import service as aftersales
from shijing.core.clock import ManualClock
from shijing.facts.export import DEFAULT_REOPEN_DAYS, export_facts, partition_dir
from tests.factories import buy_and_deliver, make_product, make_shop, make_user, principal_of


def _aftersale_rows(root: Path, day: date) -> list[dict[str, object]]:
    folder = partition_dir(root, "aftersales", day)
    rows: list[dict[str, object]] = pq.read_table(folder / "part-0.parquet").to_pylist()
    return rows


def test_a_ruling_months_after_the_request_rewrites_its_old_partition(
    session: Session, clock: ManualClock, tmp_path: Path
) -> None:
    owner = make_user(session, clock, roles=(Role.MERCHANT,))
    shop = make_shop(session, clock, owner=owner)
    buyer = make_user(session, clock)
    operator = make_user(session, clock, roles=(Role.OPERATOR,))
    order = buy_and_deliver(
        session, clock, buyer=buyer, product=make_product(session, clock, shop=shop)
    )
    sale = aftersales.open_aftersale(
        session,
        clock,
        principal_of(session, buyer),
        order_id=order.id,
        kind="refund_only",
        reason="quality",
        description="the seam came apart on the first wash",
        evidence_urls=["https://img.example.com/seam.jpg"],
    )
    opened_day = sale.opened_at.date()
    aftersales.reject(session, clock, principal_of(session, owner), sale.id, reason="worn")
    aftersales.escalate(
        session, clock, principal_of(session, buyer), sale.id, statement="it was new"
    )
    clock.advance(timedelta(hours=2))  # past the export's safety margin for late commits
    first = export_facts(session, clock, tmp_path)
    assert first.full
    [row] = _aftersale_rows(tmp_path, opened_day)
    assert (row["status"], row["fault"], row["ruled_at"]) == ("in_arbitration", None, None)

    # a quiet month: the old partition is not touched
    clock.advance(timedelta(days=30))
    quiet = export_facts(session, clock, tmp_path)
    assert not quiet.full
    assert quiet.days["aftersales"] == DEFAULT_REOPEN_DAYS + 1  # only the recent days

    # two months after the request, the ruling against the shop
    clock.advance(timedelta(days=30))
    assert (clock.now().date() - opened_day).days > DEFAULT_REOPEN_DAYS
    aftersales.rule(
        session,
        clock,
        principal_of(session, operator),
        sale.id,
        ruling="refund",
        fault="shop",
        note="the photos show a manufacturing fault",
    )
    session.flush()
    later = export_facts(session, clock, tmp_path)
    assert later.days["aftersales"] == DEFAULT_REOPEN_DAYS + 2  # the recent days and that one
    [row] = _aftersale_rows(tmp_path, opened_day)
    assert row["fault"] == "shop"
    assert row["ruling"] == "refund"
    assert row["ruled_at"] is not None
