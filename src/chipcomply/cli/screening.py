"""CLI commands for restricted-party screening: screen, screen-batch, match."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from chipcomply.cli.common import console, err_console, print_json, progress_bar
from chipcomply.errors import BadInput
from chipcomply.screening import ScreenResult, get_screener
from chipcomply.screening.batch import BatchSummary, match_file, screen_file


def _render(result: ScreenResult) -> None:
    lists = ", ".join(f"{k} {v}" for k, v in result.lists.items())
    if not result.hits:
        console.print(
            f"No listed party matches {result.query!r} at threshold {result.threshold:.2f}.",
            markup=False,
        )
        console.print(f"Algorithm {result.algorithm} · lists: {lists}", style="dim", markup=False)
        return
    table = Table(header_style="bold", title=f"Screening {result.query!r}", title_justify="left")
    table.add_column("Score", justify="right")
    table.add_column("List")
    table.add_column("Listed name", overflow="fold")
    table.add_column("Matched", overflow="fold")
    table.add_column("Entity #")
    for hit in result.hits:
        table.add_row(
            f"{hit.score:.3f}",
            hit.source_code,
            hit.name,
            "" if hit.matched_name == hit.name else hit.matched_name,
            hit.entity_number or "—",
        )
    console.print(table)
    for hit in result.hits[:3]:
        console.print(f"• {hit.explanation.text}", markup=False, highlight=False)
    if len(result.hits) > 3:
        console.print(f"  … {len(result.hits) - 3} more hits; use --json for every explanation.")
    console.print(f"Algorithm {result.algorithm} · lists: {lists}", style="dim", markup=False)


def screen_cmd(
    name: str = typer.Argument(..., help="The party's name, in any script or spelling."),
    country: str | None = typer.Option(None, "--country", help="ISO-2 country (a qualifier)."),
    threshold: float | None = typer.Option(
        None, "--threshold", help="Minimum score 0–1 (default 0.80)."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Screen one name against the US Consolidated Screening List and OFAC SDN."""
    result = get_screener().screen(name, country=country, threshold=_threshold(threshold))
    if json_out:
        print_json(result)
    else:
        _render(result)


def _threshold(value: float | None) -> float | None:
    if value is not None and not 0.0 < value <= 1.0:
        raise BadInput("--threshold", f"must be greater than 0 and at most 1, got {value}")
    return value


def _report(summary: BatchSummary, what: str) -> None:
    resumed = f" (resumed after {summary.resumed_from} rows)" if summary.resumed_from else ""
    err_console.print(
        f"{what} {summary.screened} rows{resumed} → {summary.output}; {summary.hits} with a hit",
        markup=False,
    )
    if summary.errors:
        raise BadInput(
            "INPUT",
            f"{summary.errors} row(s) not processed, listed in {summary.errors_path} "
            f"(first: {summary.first_error})",
        )


def screen_batch_cmd(
    input_path: Path = typer.Argument(..., metavar="INPUT", help="CSV, XLSX or Parquet."),
    output: Path = typer.Option(..., "--output", "-o", help="Output file (.csv/.xlsx/.parquet)."),
    threshold: float | None = typer.Option(None, "--threshold", help="Minimum score 0–1."),
    workers: int | None = typer.Option(None, "--workers", help="Worker processes (default 2)."),
    restart: bool = typer.Option(False, "--restart", help="Ignore a partial earlier run."),
    dask: str | None = typer.Option(
        None,
        "--dask",
        metavar="SCHEDULER",
        help="Screen on a Dask cluster: a scheduler address (tcp://host:8786) or local:N "
        "for N local workers. OUTPUT may then also be a directory (partitioned Parquet).",
    ),
) -> None:
    """Screen every row of a file with a `name` column (optional `country`, `id`)."""
    _threshold(threshold)
    if dask is not None:
        from chipcomply.screening.distributed import parse_scheduler

        parse_scheduler(dask)  # the index is built once the cluster is reached
    else:
        get_screener()  # build the index before the progress bar starts
    with progress_bar("screening") as bar:
        task = bar.add_task("rows", total=None)
        summary = screen_file(
            input_path,
            output,
            threshold=threshold,
            workers=workers,
            restart=restart,
            progress=lambda n: bar.advance(task, n),
            dask=dask,
        )
    _report(summary, "Screened")


def match_cmd(
    left: str | None = typer.Argument(None, help="First name."),
    right: str | None = typer.Argument(None, help="Second name."),
    pairs: Path | None = typer.Option(None, "--pairs", help="CSV with left,right[,schema]."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Output CSV for --pairs."),
    threshold: float | None = typer.Option(None, "--threshold", help="Match threshold 0–1."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
    restart: bool = typer.Option(False, "--restart", help="Ignore a partial earlier run."),
) -> None:
    """Score how well two names match (or every pair in a CSV with --pairs)."""
    _threshold(threshold)
    if pairs is not None:
        if left is not None or right is not None:
            raise BadInput("--pairs", "give either LEFT RIGHT or --pairs, not both")
        if output is None:
            raise BadInput("--output", "--pairs needs --output OUT.csv")
        summary = match_file(pairs, output, threshold=threshold, restart=restart)
        _report(summary, "Scored")
        return
    if left is None or right is None:
        raise BadInput("LEFT RIGHT", "give two names (or --pairs PAIRS.csv --output OUT.csv)")
    res = get_screener().match(left, right, threshold=threshold)
    if json_out:
        print_json(res)
        return
    verdict = "match" if res.match else "no match"
    console.print(
        f"{res.score:.4f} — {verdict} at threshold {res.threshold:.2f} ({res.algorithm})",
        markup=False,
    )
    console.print(res.explanation.text, markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    app.command("screen")(screen_cmd)
    app.command("screen-batch")(screen_batch_cmd)
    app.command("match")(match_cmd)
