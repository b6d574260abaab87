"""The registry of fact tables: each domain registers the tables it exports to Parquet.

A fact table is a name, an Arrow schema, the column whose UTC date is a row's partition day, and
two functions of the operational database: which partition days changed since a time, and the
rows of a range of days. Commerce's tables are registered by ``facts.commerce``; integrity adds
its flags and detection runs, governance its cases, without the exporter knowing any of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pyarrow as pa
from sqlalchemy import ColumnElement, or_
from sqlalchemy.orm import Session

from shijing.core.errors import InvalidInput

ChangedDays = Callable[[Session, datetime], set[date]]
RowsOfDays = Callable[[Session, datetime, datetime], list[dict[str, Any]]]


@dataclass(frozen=True)
class FactTable:
    name: str
    schema: pa.Schema
    first_time: Any  # the mapped column whose UTC date is the row's partition day
    changed_days: ChangedDays  # partition days holding a row changed at or after a time
    rows: RowsOfDays  # the rows whose partition day lies in [start, end)


_TABLES: dict[str, FactTable] = {}


def register(table: FactTable) -> FactTable:
    """Add a table to every export from now on (idempotent for the same name and schema)."""
    known = _TABLES.get(table.name)
    if known is not None and not known.schema.equals(table.schema):
        raise ValueError(f"fact table {table.name!r} is registered twice with different schemas")
    _TABLES[table.name] = table
    return table


def registered() -> dict[str, FactTable]:
    """Every registered table, in registration order."""
    return dict(_TABLES)


def schema_of(name: str) -> pa.Schema:
    """The Arrow schema of a registered table."""
    try:
        return _TABLES[name].schema
    except KeyError:
        known = ", ".join(_TABLES) or "none"
        raise InvalidInput(f"no fact table {name!r} (registered: {known})", field="table") from None


# -- helpers for the functions of a table ------------------------------------------------------


def utc(value: datetime | None) -> datetime | None:
    """A stored time as aware UTC (SQLite hands back naive UTC)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_days(times: Iterable[datetime | None]) -> set[date]:
    """The UTC dates of some stored times (the partition days they fall on)."""
    return {t.date() for t in map(utc, times) if t is not None}


def any_since(columns: Iterable[Any], since: datetime) -> ColumnElement[bool]:
    """Some of ``columns`` holds a time at or after ``since``."""
    return or_(*(c >= since for c in columns))
