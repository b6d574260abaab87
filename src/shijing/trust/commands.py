"""`shijing score ...`: run the daily scoring by hand, explain a shop's score, try a new
definition version beside the active one and compare them."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from shijing.core.clock import SystemClock
from shijing.core.db import Database
from shijing.core.errors import DomainError
from shijing.core.settings import get_settings
from shijing.trust import comparison, service, versions

score_app = typer.Typer(help="Trust scores.", no_args_is_help=True)
console = Console()
err_console = Console(stderr=True)

STEPS = ("export", "engine", "shops", "creators", "buyers", "write")


def _fail(message: str, field: str | None = None) -> typer.Exit:
    where = f"{field}: " if field else ""
    err_console.print(f"[red]error[/red]: {where}{message}")
    return typer.Exit(code=2)


def _parse_day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise _fail(f"{value!r} is not a date (YYYY-MM-DD)", "as_of") from exc


@score_app.command("run")
def score_run(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="YYYY-MM-DD (default today: facts to yesterday)")
    ] = None,
    engine: Annotated[str, typer.Option(help="duckdb or spark")] = "duckdb",
    definition: Annotated[
        str | None, typer.Option(help="definition version (default: the active one)")
    ] = None,
    facts_dir: Annotated[Path | None, typer.Option(help="Parquet fact tables folder")] = None,
    export: Annotated[
        bool,
        typer.Option(
            "--export/--no-export",
            help="export the database's facts first (--no-export: score the Parquet already in "
            "--facts-dir as it is, e.g. a `shijing sim bulk` folder)",
        ),
    ] = True,
) -> None:
    """Export facts, compute every score as of a day, store them, print a summary."""
    day = _parse_day(as_of)
    db = Database.from_url(get_settings().database_url)
    try:
        with (
            Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            ) as progress,
            db.transaction() as session,
        ):
            task = progress.add_task("scoring", total=len(STEPS))

            def step(name: str) -> None:
                progress.update(task, description=f"scoring: {name}", advance=1)

            summary = service.run_scores(
                session,
                SystemClock(),
                as_of=day,
                engine=engine,
                version=definition,
                root=facts_dir,
                export=export,
                progress=step,
            )
    except DomainError as exc:
        raise _fail(exc.message, exc.field) from exc
    finally:
        db.dispose()
    table = Table(title=f"Scores as of {summary.as_of} ({summary.definition_version}, {engine})")
    table.add_column("what")
    table.add_column("value", justify="right")
    table.add_row("shops", str(summary.shops))
    table.add_row("shops scored", str(summary.shops_scored))
    for band, count in summary.bands.items():
        table.add_row(f"  band {band}", str(count))
    table.add_row("creators (scored)", f"{summary.creators} ({summary.creators_scored})")
    table.add_row("buyers", str(summary.buyers))
    table.add_row("seconds", f"{summary.seconds:.1f}")
    console.print(table)
    if summary.movers:
        movers = Table(title=f"Biggest movers since {summary.movers_since}")
        movers.add_column("shop", justify="right")
        movers.add_column("before", justify="right")
        movers.add_column("now", justify="right")
        for shop_id, before, now in summary.movers:
            movers.add_row(str(shop_id), f"{before:.2f}", f"{now:.2f}")
        console.print(movers)


@score_app.command("explain")
def score_explain(shop: Annotated[int, typer.Option("--shop", help="shop id")]) -> None:
    """A shop's latest score, indicator by indicator, with suggestions."""
    db = Database.from_url(get_settings().database_url)
    try:
        with db.transaction() as session:
            row = service.latest_shop_score(session, shop)
            if row is None:
                raise _fail("this shop has no score yet", "shop")
            head = (
                f"shop {shop} as of {row.as_of} ({row.definition_version}): "
                + (f"{row.total:.2f} {row.band}" if row.enough_data else "not enough data")
                + f" · {row.orders} orders · peers {row.root_category}"
            )
            table = Table(title=head)
            for col in ("indicator", "raw", "shrunk", "better than", "points", "of", "7-day Δ"):
                table.add_column(col, justify="left" if col == "indicator" else "right")
            for i in row.indicators:
                table.add_row(
                    i["indicator"],
                    _num(i["raw"]),
                    _num(i["shrunk"]),
                    "—" if i["better_than"] is None else f"{i['better_than']:.0%}",
                    _num(i["points"], 2),
                    _num(i["max_points"], 1),
                    _num(i["change_7d"], 2),
                )
            console.print(table)
            for line in row.suggestions:
                console.print(f"• {line}")
    finally:
        db.dispose()


@score_app.command("compare")
def score_compare(
    definition: Annotated[str, typer.Option(help="the candidate definition version")],
    against: Annotated[
        str | None, typer.Option(help="the version to compare with (default: the active one)")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="YYYY-MM-DD (default: latest day both scored)")
    ] = None,
) -> None:
    """What switching a definition version on would change: bands, rank correlation, movers."""
    day = _parse_day(as_of)
    db = Database.from_url(get_settings().database_url)
    try:
        with db.transaction() as session:
            found = comparison.compare(
                session, SystemClock(), candidate=definition, baseline=against, as_of=day
            )
    except DomainError as exc:
        raise _fail(exc.message, exc.field) from exc
    finally:
        db.dispose()
    s, c, b = found.shops, found.creators, found.buyers
    console.print(
        f"[bold]{found.candidate}[/bold] against {found.baseline}, scores as of {found.as_of}"
    )
    summary = Table(title="How the scores move")
    for col in ("score", "scored under both", "mean Δ", "mean |Δ|", "max |Δ|", "Spearman"):
        summary.add_column(col, justify="left" if col == "score" else "right")
    for name, ch in (("shops", s.changes), ("creators", c.changes), ("buyers", b.changes)):
        summary.add_row(
            name,
            str(ch.compared),
            _num(ch.mean_change, 2),
            _num(ch.mean_abs_change, 2),
            _num(ch.max_abs_change, 2),
            _num(ch.spearman, 3),
        )
    console.print(summary)
    console.print(
        f"shops: {s.moved_up} into a better band, {s.moved_down} into a worse one; "
        f"{s.gained_score} newly scored, {s.lost_score} no longer scored (not enough data)"
    )
    console.print(
        f"creators: {c.became_shown} newly shown, {c.became_hidden} no longer shown; "
        f"buyers: {b.moved_up} up a level, {b.moved_down} down"
    )
    bands = Table(title=f"Shop bands: {found.baseline} (rows) → {found.candidate} (columns)")
    targets = sorted({t for row in s.bands.values() for t in row})
    bands.add_column(found.baseline)
    for target in targets:
        bands.add_column(target, justify="right")
    for source in sorted(s.bands):
        bands.add_row(source, *(str(s.bands[source].get(t, 0)) for t in targets))
    console.print(bands)
    if s.movers:
        movers = Table(title="Shops that move the most")
        for col in ("shop", found.baseline, found.candidate, "Δ", "bands"):
            movers.add_column(col, justify="right")
        for m in s.movers:
            movers.add_row(
                str(m.shop_id),
                _num(m.baseline, 2),
                _num(m.candidate, 2),
                _num(m.change, 2),
                f"{m.baseline_band} → {m.candidate_band}",
            )
        console.print(movers)


@score_app.command("trial")
def score_trial(
    definition: Annotated[str, typer.Option(help="definition version")],
    stop: Annotated[bool, typer.Option("--stop", help="end the trial")] = False,
) -> None:
    """Score a definition version every day beside the active one (or stop doing so)."""
    db = Database.from_url(get_settings().database_url)
    clock = SystemClock()
    try:
        with db.transaction() as session:
            if stop:
                versions.stop_trial(session, clock, version=definition)
            else:
                versions.start_trial(session, clock, version=definition)
    except DomainError as exc:
        raise _fail(exc.message, exc.field) from exc
    finally:
        db.dispose()
    console.print(f"{definition}: trial {'stopped' if stop else 'started'}")


def _num(value: float | None, digits: int = 4) -> str:
    return "—" if value is None else f"{value:.{digits}f}"
