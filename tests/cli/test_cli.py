"""The command line: schema upgrades, account creation and the demo server."""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, inspect, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from shijing.accounts.models import User, UserRole
from shijing.cli import app
from shijing.core.settings import get_settings

runner = CliRunner()


@pytest.fixture
def sqlite_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    monkeypatch.setenv("SHIJING_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def test_db_upgrade_creates_the_schema(sqlite_url: str) -> None:
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    tables = set(inspect(create_engine(sqlite_url)).get_table_names())
    assert {"users", "api_tokens", "outbox_events", "alembic_version"} <= tables


def test_user_create_with_operator_role_prints_a_generated_password(sqlite_url: str) -> None:
    runner.invoke(app, ["db", "upgrade"])
    result = runner.invoke(
        app,
        ["user", "create", "--email", "ops@example.com", "--name", "运营", "--role", "operator"],
    )
    assert result.exit_code == 0, result.output
    assert re.search(r"password: \S{10,}", result.output)
    with Session(create_engine(sqlite_url)) as s:
        user = s.scalar(select(User).where(User.email == "ops@example.com"))
        assert user is not None
        assert s.scalars(select(UserRole.role).where(UserRole.user_id == user.id)).all() == [
            "operator"
        ]


def test_user_create_bad_input_names_the_field_and_writes_nothing(sqlite_url: str) -> None:
    runner.invoke(app, ["db", "upgrade"])
    short = runner.invoke(
        app, ["user", "create", "--email", "a@example.com", "--name", "a", "--password", "short"]
    )
    assert short.exit_code == 2
    assert "password" in short.output
    bad_role = runner.invoke(
        app, ["user", "create", "--email", "a@example.com", "--name", "a", "--role", "king"]
    )
    assert bad_role.exit_code == 2
    assert "role" in bad_role.output
    with Session(create_engine(sqlite_url)) as s:
        assert s.scalars(select(User)).all() == []
    runner.invoke(app, ["user", "create", "--email", "a@example.com", "--name", "a"])
    taken = runner.invoke(app, ["user", "create", "--email", "A@example.com", "--name", "b"])
    assert taken.exit_code == 2
    assert "email" in taken.output


def test_bad_settings_are_reported_not_raised(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHIJING_SESSION_DAYS", "zero")
    get_settings.cache_clear()
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 2
    assert "settings" in result.output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _watch(url: str, seconds: float) -> set[str]:
    """The kinds of live-room messages seen until simulated chat arrives (or ``seconds``)."""
    import websockets

    seen: set[str] = set()
    async with websockets.connect(url) as ws:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and "chat" not in seen:
            try:
                raw = await asyncio.wait_for(
                    ws.recv(), timeout=max(0.1, deadline - time.monotonic())
                )
            except TimeoutError:
                break
            seen.add(json.loads(raw).get("type", ""))
    return seen


def test_demo_serves_healthz_and_docs_and_prints_the_operator_login(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "SHIJING_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite'}",
        "SHIJING_ENVIRONMENT": "development",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "shijing",
            "demo",
            "--port",
            str(port),
            "--scale",
            "tiny",
            "--days",
            "14",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        text=True,
        cwd=tmp_path,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, "the demo server exited"
            assert time.monotonic() < deadline, "the demo server did not come up"
            time.sleep(0.2)
        assert httpx.get(f"{base}/docs").status_code == 200
        assert httpx.get(f"{base}/").status_code == 200
        # The rooms on air are alive: simulated viewers chat and creators pin while we watch.
        rooms = httpx.get(f"{base}/api/v1/live-sessions?status=live").json()["items"]
        assert rooms, "the demo leaves rooms on air"
        kinds = asyncio.run(_watch(f"ws://127.0.0.1:{port}/ws/live/{rooms[0]['id']}", 40))
        assert "chat" in kinds, kinds
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=20)
    match = re.search(r"operator@shijing\.local / (\S+)", output)
    assert match, output
    assert proc.returncode in (0, -15)
    # Every printed login works, and the marketplace has history.
    from shijing.accounts import service as accounts
    from shijing.accounts.passwords import Passwords
    from shijing.accounts.ratelimit import LoginRateLimiter, MemoryFailureStore
    from shijing.commerce.orders.models import Order
    from shijing.core.clock import SystemClock

    logins = dict(re.findall(r"(buyer|merchant|creator|operator)\W+(\S+@\S+ / \S+)", output))
    assert set(logins) == {"buyer", "merchant", "creator", "operator"}, output
    # Scores were computed and every shop applied to Trust Purchase under the real rules.
    assert re.search(r"\d+ shops carry the badge, \d+ do not qualify yet", output), output
    engine = create_engine(f"sqlite:///{tmp_path / 'demo.sqlite'}")
    with Session(engine) as s:
        for role, login in logins.items():
            email, password = login.split(" / ")
            limiter = LoginRateLimiter(MemoryFailureStore(SystemClock()))
            user = accounts.authenticate(
                s,
                SystemClock(),
                Passwords(time_cost=1, memory_kib=1024),
                limiter,
                email=email,
                password=password,
                client=None,
            )
            assert user.email == email, role
        assert s.scalars(select(Order)).first() is not None


def test_ledger_check_and_statement(sqlite_url: str) -> None:
    from shijing.core.clock import ManualClock
    from shijing.core.db import Database
    from shijing.ledger import service as ledger

    runner.invoke(app, ["db", "upgrade"])
    clock = ManualClock()
    db = Database.from_url(sqlite_url)
    with db.transaction() as s:
        ledger.open_account(s, clock, "provider:clearing", allow_negative=True)
        ledger.open_account(s, clock, "shop:3:deposit")
        ledger.post(
            s,
            clock,
            idempotency_key="topup",
            kind="deposit.topup",
            memo="充值",
            legs=[ledger.Leg("provider:clearing", -200_000), ledger.Leg("shop:3:deposit", 200_000)],
        )
    ok = runner.invoke(app, ["ledger", "check"])
    assert ok.exit_code == 0, ok.output
    assert "the books balance" in ok.output
    statement = runner.invoke(app, ["ledger", "statement", "--shop", "3"])
    assert statement.exit_code == 0, statement.output
    assert "¥2,000.00" in statement.output
    missing = runner.invoke(app, ["ledger", "statement", "--shop", "4"])
    assert missing.exit_code == 2
    assert "shop" in missing.output
    with db.transaction() as s:
        ledger.get_account(s, "shop:3:deposit").balance_fen = 1
    broken = runner.invoke(app, ["ledger", "check"])
    assert broken.exit_code == 1
    assert "shop:3:deposit" in broken.output
