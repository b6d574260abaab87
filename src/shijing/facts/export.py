"""Export the registered fact tables (``facts.registry``) from the operational database to
Parquet, by day.

Incremental by *changed days*: a day partition is rewritten whole when any row of that day has a
timestamp at or after the previous export's high-water mark (less a safety margin for
transactions that committed after the clock time they wrote), and the last ``reopen_days`` days
are always rewritten. Why not a plain high-water mark on the partition day: facts change long
after the day they are filed under (an order placed 60 days ago gets an after-sale ruling today),
so the day of a *change* and the day of the *partition* differ. The recent-days rewrite catches
edits that move no timestamp (a review hidden by moderation). The first export, or ``full=True``,
writes every day.

A first export starts the folder clean, so it refuses a folder that already holds day partitions
but no export state (say, one written by ``shijing sim bulk``): that Parquet is not this
database's and deleting it would lose it. Score such a folder as it is (``export=False``).

Partitions are written to a temporary file and renamed, so a reader never sees half a file.
"""

from __future__ import annotations

import json
import os
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.core.clock import Clock
from shijing.core.errors import Conflict
from shijing.facts.registry import registered, schema_of, utc_days

STATE_FILE = "_export_state.json"
SAFETY_MARGIN = timedelta(hours=1)
DEFAULT_REOPEN_DAYS = 14


@dataclass
class ExportReport:
    full: bool
    days: dict[str, int] = field(default_factory=dict)  # table → partitions rewritten
    rows: dict[str, int] = field(default_factory=dict)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


# -- writing ------------------------------------------------------------------------------------


def partition_dir(root: Path, table: str, day: date) -> Path:
    return root / table / f"day={day.isoformat()}"


def write_partition(root: Path, table: str, day: date, rows: list[dict[str, Any]]) -> None:
    """Replace one day's partition (atomically); an empty day removes it."""
    folder = partition_dir(root, table, day)
    if not rows:
        shutil.rmtree(folder, ignore_errors=True)
        return
    folder.mkdir(parents=True, exist_ok=True)
    data = pa.Table.from_pylist(rows, schema=schema_of(table))
    tmp = folder / ".part-0.parquet.tmp"
    pq.write_table(data, tmp)
    os.replace(tmp, folder / "part-0.parquet")


def _read_state(root: Path) -> datetime | None:
    path = root / STATE_FILE
    if not path.exists():
        return None
    return datetime.fromisoformat(json.loads(path.read_text())["exported_at"])


def export_facts(
    session: Session,
    clock: Clock,
    root: Path,
    *,
    full: bool = False,
    reopen_days: int = DEFAULT_REOPEN_DAYS,
) -> ExportReport:
    """Bring the Parquet fact tables under ``root`` up to date with the database."""
    now = clock.now()
    tables = registered()
    previous = None if full else _read_state(root)
    if previous is None and not full:
        foreign = [table for table in tables if exported_days(root, table)]
        if foreign:
            raise Conflict(
                f"{root} holds Parquet day partitions ({', '.join(foreign)}) but no "
                f"{STATE_FILE}: they were not exported from this database, and a first export "
                "would delete them; score the folder as it is (shijing score run --no-export) "
                "or choose an empty folder",
                field="facts_dir",
            )
    report = ExportReport(full=previous is None)
    today = now.date()
    recent = {today - timedelta(days=i) for i in range(reopen_days + 1)}
    for table, fact in tables.items():
        if previous is None:
            days = utc_days(session.scalars(select(fact.first_time)))
            # forget partitions whose rows are gone (a full export starts clean)
            shutil.rmtree(root / table, ignore_errors=True)
        else:
            days = fact.changed_days(session, previous - SAFETY_MARGIN) | recent
        by_day: dict[date, list[dict[str, Any]]] = defaultdict(list)
        if days:
            rows = fact.rows(session, _day_start(min(days)), _day_start(max(days) + timedelta(1)))
            for row in rows:
                if row["day"] in days:
                    by_day[row["day"]].append(row)
        for day in sorted(days):
            write_partition(root, table, day, by_day.get(day, []))
        report.days[table] = len(days)
        report.rows[table] = sum(len(v) for v in by_day.values())
    root.mkdir(parents=True, exist_ok=True)
    (root / STATE_FILE).write_text(json.dumps({"exported_at": now.isoformat()}))
    return report


def exported_days(root: Path, table: str) -> list[date]:
    """The day partitions present for a table."""
    folder = root / table
    if not folder.exists():
        return []
    return sorted(
        date.fromisoformat(p.name.removeprefix("day="))
        for p in folder.iterdir()
        if p.is_dir() and p.name.startswith("day=")
    )
