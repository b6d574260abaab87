"""Test fixtures: a database per xdist worker per backend, built by running the migrations, and
one rolled-back transaction per test. Every test that asks for ``db`` runs on SQLite and on
PostgreSQL; under CI a missing PostgreSQL fails the run instead of skipping it."""

from __future__ import annotations

import os

os.environ.setdefault("SHIJING_ENVIRONMENT", "test")
os.environ.setdefault("SHIJING_PASSWORD_TIME_COST", "1")
os.environ.setdefault("SHIJING_PASSWORD_MEMORY_KIB", "1024")
os.environ.setdefault("SHIJING_LOG_JSON", "false")

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from shijing.core.clock import ManualClock
from shijing.core.db import Database, create_db_engine
from shijing.core.logs import configure_logging
from shijing.core.settings import Settings
from shijing.migrations import upgrade
from shijing.models import metadata
from shijing.web.app import create_app

configure_logging("INFO", json=False)

PG_ADMIN_URL = os.environ.get(
    "SHIJING_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
BACKENDS = ["sqlite", "postgresql"]
START = datetime(2026, 11, 29, 4, 0, tzinfo=UTC)


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _run_id() -> str:
    # Several test runs may share one PostgreSQL server (developers, helpers, CI): each run and
    # each xdist worker gets a database of its own.
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID") or f"p{os.getpid()}"
    return f"{run[:8]}_{_worker()}"


def _drop_postgres(name: str) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _postgres_engine() -> tuple[Engine, str]:
    name = f"shijing_test_{_run_id()}"
    try:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception as exc:
        message = f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc}"
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    return create_db_engine(url, pool_size=20, max_overflow=40), name


@pytest.fixture(scope="session", params=BACKENDS)
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A migrated database for this worker and backend, created the way production does it."""
    pg_name = None
    if request.param == "sqlite":
        root = tmp_path_factory.getbasetemp()
        eng = create_db_engine(f"sqlite:///{root / f'shijing-{_run_id()}.sqlite'}")
    else:
        eng, pg_name = _postgres_engine()
    upgrade(eng)
    yield eng
    eng.dispose()
    if pg_name is not None:
        _drop_postgres(pg_name)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def db(engine: Engine) -> Iterator[Database]:
    """A Database whose every session joins one outer transaction, rolled back after the test."""
    connection = engine.connect()
    outer = connection.begin()
    try:
        yield Database(engine, connection=connection)
    finally:
        outer.rollback()
        connection.close()


@pytest.fixture
def committing_db(engine: Engine) -> Iterator[Database]:
    """A Database that commits for real (concurrency tests); its tables are emptied after."""
    yield Database(engine)
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    with db.sessions() as s:
        yield s


@pytest.fixture
def settings() -> Settings:
    return Settings(environment="test", secret_key="test-secret-key-0123456789")


@pytest.fixture
def app(db: Database, clock: ManualClock, settings: Settings) -> FastAPI:
    return create_app(settings, db=db, clock=clock)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def anon(app: FastAPI) -> Iterator[TestClient]:
    """A second, signed-out client of the same app."""
    with TestClient(app, base_url="http://testserver") as c:
        yield c
