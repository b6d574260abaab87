"""`shijing integrity ...`: run the detectors over the platform's facts, or run the brushing
detector over any graph given as a CSV of orders (so it can be judged on graphs not our own)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from shijing.core.clock import SystemClock
from shijing.core.db import Database
from shijing.core.errors import DomainError
from shijing.core.settings import get_settings
from shijing.facts.settings import get_facts_settings
from shijing.integrity import runs
from shijing.integrity.edges_csv import detect_csv

integrity_app = typer.Typer(
    help="Integrity: brushing, fake reviews, return abuse.", no_args_is_help=True
)
console = Console()
err_console = Console(stderr=True)


def _fail(message: str, field: str | None = None) -> typer.Exit:
    where = f"{field}: " if field else ""
    err_console.print(f"[red]error[/red]: {where}{message}")
    return typer.Exit(code=2)


@integrity_app.command("detect")
def detect(
    edges: Annotated[
        Path, typer.Option("--edges", help="CSV: edge_id,buyer_id,shop_id,ts,amount_fen")
    ],
    out: Annotated[Path, typer.Option("--out", help="CSV to write: kind,id,flagged,score")],
) -> None:
    """Run the batch brushing detector on a plain CSV of orders (no fingerprints, no reviews)."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as progress:
        task = progress.add_task("reading", total=1.0)

        def step(name: str, done: float) -> None:
            progress.update(task, description=name, completed=done)

        try:
            summary = detect_csv(edges, out, progress=step)
        except DomainError as exc:
            raise _fail(exc.message, exc.field) from exc
    err_console.print(str(summary))


@integrity_app.command("run")
def run(
    as_of: Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD (default today)")] = None,
    engine: Annotated[str, typer.Option(help="duckdb or spark")] = "duckdb",
    definition: Annotated[
        str | None, typer.Option(help="definition version (default: the active one)")
    ] = None,
    facts_dir: Annotated[Path | None, typer.Option(help="Parquet fact tables folder")] = None,
) -> None:
    """Export facts, run every detector as of a day, store flags and blocks, print a summary."""
    day: date | None = None
    if as_of is not None:
        try:
            day = date.fromisoformat(as_of)
        except ValueError as exc:
            raise _fail(f"{as_of!r} is not a date (YYYY-MM-DD)", "as_of") from exc
    db = Database.from_url(get_settings().database_url)
    trust = get_facts_settings()
    try:
        with db.transaction() as session:
            result = runs.run_detection(
                session,
                SystemClock(),
                as_of=day,
                engine=engine,
                version=definition,
                root=facts_dir or trust.facts_dir,
                spark_master=trust.spark_master,
                progress=lambda name: err_console.print(f"[dim]integrity: {name}[/dim]"),
            )
            status, error, counts = result.status, result.error, dict(result.counts)
            title = f"integrity run {result.id} as of {result.as_of} ({result.definition_version})"
    except DomainError as exc:
        raise _fail(exc.message, exc.field) from exc
    finally:
        db.dispose()
    if error:
        raise _fail(f"the run failed and changed no flag: {error}", "run")
    table = Table(title=f"{title}: {status}")
    table.add_column("detector")
    table.add_column("found")
    for name, value in sorted(counts.items()):
        table.add_row(name, str(value))
    console.print(table)
