"""The `shijing` command line."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.console import Console
from rich.table import Table

from shijing import wiring as _wiring  # noqa: F401  (the worker delivers to every subscriber)
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
from shijing.integrity.commands import integrity_app
from shijing.trust.commands import score_app

app = typer.Typer(help="Shijing (市井): trust-first live commerce.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
user_app = typer.Typer(help="Accounts.", no_args_is_help=True)
carrier_app = typer.Typer(help="Carrier integrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(carrier_app, name="carrier")
sim_app = typer.Typer(help="The marketplace simulator.", no_args_is_help=True)
app.add_typer(sim_app, name="sim")
app.add_typer(score_app, name="score")
app.add_typer(integrity_app, name="integrity")
ledger_app = typer.Typer(help="The double-entry ledger.", no_args_is_help=True)
app.add_typer(ledger_app, name="ledger")
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
    """Deliver outbox events and run due deadlines, as a process of its own. With
    SHIJING_REDIS_URL set, what the events change in live rooms (pins, showcase, purchases, the
    room's state) is published to Redis, where the servers' hubs pick it up for their viewers."""
    settings = _settings()
    configure_logging(settings.log_level, json=settings.log_json)
    db = Database.from_url(settings.database_url)
    clock = SystemClock()
    dispatcher = Dispatcher(db, clock)
    signal.signal(signal.SIGTERM, lambda *_: dispatcher.stop(timeout=0))
    with _live_rooms(settings):
        console.print("worker started; Ctrl-C stops it")
        with contextlib.suppress(KeyboardInterrupt):
            dispatcher.serve_forever(poll, on_idle=lambda: run_due(db, clock))


@contextlib.contextmanager
def _live_rooms(settings: Settings) -> Iterator[None]:
    """The live-room subscribers of the outbox, publishing to Redis when it is configured."""
    from shijing.web.live import bridge  # registers the subscribers
    from shijing.web.live.hub import RedisPublisher

    if not settings.redis_url:
        yield
        return
    publisher = RedisPublisher(settings.redis_url)
    bridge.attach(publisher)
    try:
        yield
    finally:
        bridge.detach(publisher)
        publisher.close()


@app.command()
def demo(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    fresh: Annotated[bool, typer.Option(help="start from an empty database")] = True,
    scale: Annotated[str, typer.Option(help="size of the seeded marketplace")] = "small",
    days: Annotated[int, typer.Option(min=1, max=365, help="days of history to seed")] = 90,
) -> None:
    """Create a demo database with an operator account, seed a marketplace, print the logins,
    and serve."""
    settings = _settings()
    from shijing.sim.config import SCALES

    if scale not in SCALES:
        raise fail(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}", "scale")
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
    from shijing.sim.demo import seed_demo

    with _progress("seeding the demo marketplace") as step:
        seeded = seed_demo(db, scale=scale, days=days, progress=step)
    db.dispose()
    table = Table(title="Shijing demo")
    table.add_column("what")
    table.add_column("value")
    table.add_row("address", f"http://{host}:{port}/")
    table.add_row("API docs", f"http://{host}:{port}/docs")
    table.add_row("operator", f"operator@shijing.local / {operator_password}")
    for role in ("buyer", "merchant", "creator"):
        email, password = seeded.logins[role]
        table.add_row(role, f"{email} / {password}")
    live_ids = ", ".join(str(i) for i in seeded.live_session_ids) or "-"
    table.add_row("live now", f"live session ids {live_ids}")
    table.add_row(
        "Trust Purchase",
        f"{len(seeded.enrolled.badges)} shops carry the badge, "
        f"{len(seeded.enrolled.refused)} do not qualify yet",
    )
    table.add_row("seeded in", f"{seeded.seconds:.1f} s ({seeded.result.summary.orders:,} orders)")
    table.add_row("database", url)
    console.print(table)
    sys.stdout.flush()
    world = seeded.result.simulation.world
    assert world is not None
    viewers = [b.user_id for b in world.population.buyers if b.kind == "normal" and b.user_id]
    _serve_demo(settings, host, port, seeded.live_session_ids, viewers)


def _serve_demo(
    settings: Settings, host: str, port: int, room_ids: list[int], viewer_ids: list[int]
) -> None:
    """Serve the demo and keep its rooms on air alive at a human pace: simulated viewers come
    and go, chat, follow and buy, and creators pin the next product. Stops with the server."""
    import threading
    from datetime import UTC, datetime

    from sqlalchemy import select

    from shijing.accounts.models import User
    from shijing.sim.live import LiveRoomActor
    from shijing.web.app import create_app

    configure_logging(settings.log_level, json=settings.log_json)
    db = Database.from_url(settings.database_url)
    app = create_app(settings, db=db, background=True)
    hub = app.state.hub
    with db.sessions() as session:
        rows = session.execute(
            select(User.id, User.display_name).where(User.id.in_(viewer_ids))
        ).all()
        names = dict(rows)

    def chat_in(room: int) -> Callable[[int, str], None]:
        def chat(user_id: int, text: str) -> None:
            hub.publish_threadsafe(room, "chat", user=names.get(user_id, "老铁"), text=text)

        return chat

    actors = [
        LiveRoomActor(db, room, viewer_user_ids=viewer_ids, chat=chat_in(room), seed=room)
        for room in room_ids
    ]
    stop = threading.Event()

    def keep_rooms_alive() -> None:
        while not stop.wait(3.0):
            for actor in actors:
                try:
                    actor.tick(datetime.now(UTC))
                except Exception as exc:  # one bad tick must not end the demo
                    err_console.print(f"live room {actor.live_session_id}: {exc}")

    thread = threading.Thread(target=keep_rooms_alive, name="demo-live-rooms", daemon=True)
    thread.start()
    try:
        uvicorn.run(app, host=host, port=port, log_config=None, access_log=False)
    finally:
        stop.set()
        thread.join(timeout=10)
        db.dispose()


@contextlib.contextmanager
def _progress(what: str) -> Iterator[Callable[[int, int], None]]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=False,
    ) as bar:
        task = bar.add_task(what, total=None)

        def step(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield step


def _check_out(out: Path | None, force: bool) -> None:
    if out is not None and out.exists():
        if not out.is_dir():
            raise fail(f"{out} exists and is not a folder", "--out")
        if any(out.iterdir()) and not force:
            raise fail(f"{out} exists and is not empty (use --force to overwrite)", "--out")


@sim_app.command("run")
def sim_run(
    days: Annotated[int, typer.Option(help="simulated days")] = 90,
    seed: Annotated[int, typer.Option(help="random seed; a seed replays a run")] = 7,
    scale: Annotated[str, typer.Option(help="tiny, small, medium or large")] = "small",
    database: Annotated[
        str | None, typer.Option(help="SQLAlchemy URL (default: SHIJING_DATABASE_URL)")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="folder for ground_truth.json, labels and summary.json")
    ] = None,
    force: Annotated[bool, typer.Option(help="write into a non-empty --out")] = False,
) -> None:
    """Simulate a marketplace through the services, then print a summary and check invariants."""
    from shijing.sim.config import SCALES, SimConfig, get_scale
    from shijing.sim.runner import run_simulation

    if scale not in SCALES:
        raise fail(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}", "--scale")
    if days <= 0:
        raise fail("must be a positive number of days", "--days")
    _check_out(out, force)
    url = database or _settings().database_url
    db = Database.from_url(url)
    upgrade_database(db)
    config = SimConfig(get_scale(scale), days, seed)
    with _progress(f"simulating {days} days ({scale}, seed {seed})") as step:
        result = run_simulation(db, config, out=out, progress=step)
    db.dispose()
    table = Table(title=f"simulated marketplace: {scale}, {days} days, seed {seed}")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, value in result.summary.rows():
        table.add_row(name, value)
    table.add_row("orders per second", f"{result.summary.orders / result.seconds:,.1f}")
    table.add_row("invariants", "ok" if result.invariants.ok else "VIOLATED")
    console.print(table)
    if out is not None:
        console.print(f"ground truth: {out / 'ground_truth.json'}")
    if not result.invariants.ok:
        for line in result.invariants.violations:
            err_console.print(f"[red]invariant[/red]: {line}")
        raise typer.Exit(code=1)


@sim_app.command("bulk")
def sim_bulk(
    orders: Annotated[int, typer.Option(help="how many orders")] = 10_000_000,
    out: Annotated[
        Path, typer.Option(help="folder for <table>/day=YYYY-MM-DD/part-N.parquet")
    ] = Path("var/bulk"),
    seed: Annotated[int, typer.Option()] = 7,
    days: Annotated[int, typer.Option(help="days the orders are spread over")] = 90,
    force: Annotated[bool, typer.Option(help="write into a non-empty --out")] = False,
) -> None:
    """Generate the fact tables as Parquet directly (vectorised), with labels."""
    from shijing.sim.bulk import generate

    if orders <= 0:
        raise fail("must be a positive number of orders", "--orders")
    if days <= 0:
        raise fail("must be a positive number of days", "--days")
    _check_out(out, force)
    if out.exists() and force:
        import shutil

        shutil.rmtree(out)
    with _progress(f"generating {orders:,} orders") as step:
        result = generate(out, orders=orders, seed=seed, days=days, progress=step)
    table = Table(title=f"bulk fact tables in {out}")
    table.add_column("what")
    table.add_column("value", justify="right")
    for name in ("orders", "aftersales", "reviews", "complaints", "flags", "files"):
        table.add_row(name, f"{getattr(result, name):,}")
    table.add_row("seconds", f"{result.seconds:.1f}")
    console.print(table)


@ledger_app.command("check")
def ledger_check() -> None:
    """Verify that every transaction balances, every balance equals the sum of its entries, no
    idempotency key is used twice and no account that may not go negative is negative."""
    from shijing.ledger import service as ledger

    db = Database.from_url(_settings().database_url)
    with db.sessions() as session:
        report = ledger.check(session)
    console.print(f"{report.transactions:,} transactions on {report.accounts:,} accounts")
    problems = {
        "unbalanced transactions": [str(t) for t in report.unbalanced],
        "balances that differ from their entries": report.wrong_balances,
        "idempotency keys used twice": report.duplicate_keys,
        "negative balances where not allowed": report.negative_not_allowed,
    }
    for what, items in problems.items():
        if items:
            err_console.print(f"[red]{what}[/red]: {', '.join(items[:20])}")
    if not report.ok:
        raise typer.Exit(code=1)
    console.print("the books balance")


@ledger_app.command("statement")
def ledger_statement(
    shop: Annotated[int | None, typer.Option(min=1, help="a shop's deposit account")] = None,
    account: Annotated[str | None, typer.Option(help="any account code")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
) -> None:
    """Print an account's entries, newest first, with the running balance."""
    from shijing.core.errors import NotFound
    from shijing.core.money import format_fen
    from shijing.ledger import service as ledger

    if (shop is None) == (account is None):
        raise fail("give either --shop or --account", "shop")
    code = account or f"shop:{shop}:deposit"
    db = Database.from_url(_settings().database_url)
    with db.sessions() as session:
        try:
            balance = ledger.get_account(session, code).balance_fen
            lines = ledger.statement(session, code, limit=limit)
        except NotFound as exc:
            raise fail(f"no ledger account {code}", "shop" if shop else "account") from exc
    table = Table(title=f"{code} · balance {format_fen(balance)}")
    for column in ("posted", "kind", "memo", "amount", "balance"):
        table.add_column(column)
    for line in lines:
        table.add_row(
            f"{line.posted_at:%Y-%m-%d %H:%M}",
            line.kind,
            line.memo,
            format_fen(line.amount_fen),
            format_fen(line.balance_after_fen),
        )
    console.print(table)


def main() -> None:  # pragma: no cover - console script entry
    app()
