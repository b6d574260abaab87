"""Integrity's fact tables: flags, exported to Parquet by the day they were raised."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.facts.registry import FactTable, any_since, register, utc_days
from shijing.facts.schemas import TS
from shijing.integrity.models import IntegrityFlag, IntegrityRun

FLAGS = pa.schema(
    [
        ("flag_id", pa.int64()),
        ("day", pa.date32()),
        ("subject_kind", pa.string()),  # order, review, buyer
        ("subject_id", pa.int64()),
        ("reason", pa.string()),
        ("source", pa.string()),  # integrity, operator
        ("created_at", TS),
        ("lifted_at", TS),
        # From when the flag leaves its subject out of the scores: a detection run's flags from
        # the day the run looked at (the scores of that day, computed after it, leave them out,
        # as the daily step means them to), anyone else's from when they were raised.
        ("effective_at", TS),
    ]
)


def _flag_days(session: Session, since: datetime) -> set[date]:
    f = IntegrityFlag
    return utc_days(
        session.scalars(select(f.created_at).where(any_since((f.created_at, f.lifted_at), since)))
    )


def _flag_rows(session: Session, start: datetime, end: datetime) -> list[dict[str, Any]]:
    query = (
        select(IntegrityFlag, IntegrityRun.as_of)
        .outerjoin(IntegrityRun, IntegrityRun.id == IntegrityFlag.run_id)
        .where(IntegrityFlag.created_at >= start, IntegrityFlag.created_at < end)
        .order_by(IntegrityFlag.id)
    )
    return [
        {
            "flag_id": f.id,
            "day": f.created_at.date(),
            "subject_kind": f.subject_kind,
            "subject_id": f.subject_id,
            "reason": f.reason,
            "source": f.source,
            "created_at": f.created_at,
            "lifted_at": f.lifted_at,
            "effective_at": f.created_at if run_day is None else _day_start(run_day),
        }
        for f, run_day in session.execute(query)
    ]


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


register(FactTable("flags", FLAGS, IntegrityFlag.created_at, _flag_days, _flag_rows))
