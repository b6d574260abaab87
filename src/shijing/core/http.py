"""FastAPI dependencies every domain's router uses: the request's session, clock and settings.

The request is the transaction boundary: the session commits after the endpoint returns and before
the response is sent (``scope="function"``), and rolls back if anything raised.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session

from shijing.core.clock import Clock
from shijing.core.db import Database
from shijing.core.settings import Settings


def get_database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def request_session(request: Request) -> Iterator[Session]:
    session = get_database(request).sessions()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


MAX_ID = 2**31 - 1  # ids are 32-bit integers on every database
Id = Annotated[int, Path(ge=1, le=MAX_ID, description="an id")]
"""A path id: anything outside 1…2³¹−1 is a 422 naming it, never a database error."""

DbSession = Annotated[Session, Depends(request_session, scope="function")]
ClockDep = Annotated[Clock, Depends(get_clock)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None
