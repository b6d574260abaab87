"""The `shijing` command line."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.console import Console
from rich.table import Table

from shijing.accounts import service as accounts
from shijing.accounts.models import Role
from shijing.accounts.passwords import Passwords
from shijing.commerce.shipping.carriers import register_carrier
from shijing.core.clock import SystemClock
from shijing.core.db import Database
from shijing.core.deadlines import run_due
from shijing.core.errors import DomainError
from shijing.core.logs import configure_logging
from shijing.core.outbox import Dispatcher
from shijing.core.settings import Settings, get_settings

app = typer.Typer(help="Shijing (市井): trust-first live commerce.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
user_app = typer.Typer(help="Accounts.", no_args_is_help=True)
carrier_app = typer.Typer(help="Carrier integrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(carrier_app, name="carrier")
console = Console()
err_console = Console(stderr=True)

DEMO_DATABASE = "sqlite:///var/demo.sqlite"


def fail(message: str, field: str | None = None) -> typer.Exit:
    where = f"{field}: " if field else ""
    err_console.print(f"[red]error[/red]: {where}{message}")
    return typer.Exit(code=2)


def _settings() -> Settings:
    try:
        return get_settings()
    except Exception as exc:  # pydantic names the setting that is wrong
        raise fail(str(exc).splitlines()[-1] if str(exc) else repr(exc), "settings") from exc


def upgrade_database(db: Database) -> None:
    from shijing.migrations import upgrade

    upgrade(db.engine)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database at SHIJING_DATABASE_URL to the newest schema."""
    settings = _settings()
    db = Database.from_url(settings.database_url)
    upgrade_database(db)
    console.print(f"database is up to date ({db.dialect})")


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Option(help="login email")],
    name: Annotated[str, typer.Option(help="display name")],
    role: Annotated[list[Role] | None, typer.Option(help="extra role; repeatable")] = None,
    password: Annotated[
        str | None, typer.Option(help="at least 10 characters; generated and printed if omitted")
    ] = None,
) -> None:
    """Create an account with any roles, operators included."""
    settings = _settings()
    db = Database.from_url(settings.database_url)
    clear = password or secrets.token_urlsafe(12)
    passwords = Passwords(
        time_cost=settings.password_time_cost, memory_kib=settings.password_memory_kib
    )
    try:
        with db.transaction() as session:
            user = accounts.register_user(
                session,
                SystemClock(),
                passwords,
                email=email,
                password=clear,
                display_name=name,
                roles=tuple(role or ()),
            )
            user_id = user.id
    except DomainError as exc:
        raise fail(exc.message, exc.field) from exc
    console.print(f"created user {user_id} <{email}> roles={[r.value for r in role or ()]}")
    if password is None:
        console.print(f"password: {clear}")


@carrier_app.command("create")
def carrier_create(
    code: Annotated[str, typer.Option(help="2–20 lowercase letters or digits, e.g. sf")],
    name: Annotated[str, typer.Option(help="display name, e.g. 顺丰速运")],
) -> None:
    """Register a carrier integration and print its API key (shown this once only)."""
    settings = _settings()
    db = Database.from_url(settings.database_url)
    try:
        with db.transaction() as session:
            carrier, key = register_carrier(session, SystemClock(), code=code, name=name)
            carrier_code, carrier_name = carrier.code, carrier.name
    except DomainError as exc:
        raise fail(exc.message, exc.field) from exc
    console.print(f"created carrier {carrier_code} ({carrier_name})")
    console.print(f"api key (send as X-Carrier-Key; shown once): {key}", soft_wrap=True)


def _serve(settings: Settings, host: str, port: int, workers: int, background: bool) -> None:
    configure_logging(settings.log_level, json=settings.log_json)
    os.environ["SHIJING_DATABASE_URL"] = settings.database_url
    os.environ["SHIJING_BACKGROUND"] = "1" if background else "0"
    uvicorn.run(
        "shijing.web.asgi:create_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        access_log=False,
    )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="server processes")] = 1,
    background: Annotated[
        bool, typer.Option(help="run the event dispatcher and deadlines inside the server")
    ] = True,
) -> None:
    """Serve the API and pages."""
    settings = _settings()
    if workers > 1 and settings.database_url.startswith("sqlite"):
        raise fail("several workers need PostgreSQL; SQLite takes one", "workers")
    # With several server processes one dispatcher is enough: run `shijing worker` beside them.
    _serve(settings, host, port, workers, background and workers == 1)


@app.command()
def worker(
    poll: Annotated[float, typer.Option(min=0.05, help="seconds between polls")] = 1.0,
) -> None:
    """Deliver outbox events and run due deadlines, as a process of its own."""
    settings = _settings()
    configure_logging(settings.log_level, json=settings.log_json)
    db = Database.from_url(settings.database_url)
    clock = SystemClock()
    dispatcher = Dispatcher(db, clock)
    signal.signal(signal.SIGTERM, lambda *_: dispatcher.stop(timeout=0))
    console.print("worker started; Ctrl-C stops it")
    with contextlib.suppress(KeyboardInterrupt):
        dispatcher.serve_forever(poll, on_idle=lambda: run_due(db, clock))


@app.command()
def demo(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    fresh: Annotated[bool, typer.Option(help="start from an empty database")] = True,
) -> None:
    """Create a demo database with an operator account, print the login, and serve."""
    settings = _settings()
    url = os.environ.get("SHIJING_DATABASE_URL") or DEMO_DATABASE
    if fresh and url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    settings = settings.model_copy(update={"database_url": url})
    db = Database.from_url(url)
    upgrade_database(db)
    passwords = Passwords(
        time_cost=settings.password_time_cost, memory_kib=settings.password_memory_kib
    )
    operator_password = secrets.token_urlsafe(12)
    with db.transaction() as session:
        existing = accounts.find_user_by_email(session, "operator@shijing.local")
        if existing is None:
            accounts.register_user(
                session,
                SystemClock(),
                passwords,
                email="operator@shijing.local",
                password=operator_password,
                display_name="平台运营",
                roles=(Role.OPERATOR,),
            )
        else:
            existing.password_hash = passwords.hash(operator_password)
    db.dispose()
    table = Table(title="Shijing demo")
    table.add_column("what")
    table.add_column("value")
    table.add_row("address", f"http://{host}:{port}/")
    table.add_row("API docs", f"http://{host}:{port}/docs")
    table.add_row("operator", f"operator@shijing.local / {operator_password}")
    table.add_row("database", url)
    console.print(table)
    sys.stdout.flush()
    _serve(settings, host, port, 1, True)


def main() -> None:  # pragma: no cover - console script entry
    app()
