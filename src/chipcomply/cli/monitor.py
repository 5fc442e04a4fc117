"""`chipcomply monitor`: list update + delta re-screen of every stored counterparty.

Suitable for cron: exit 0 when the run is done (whether or not it raised alerts), non-zero
with a one-line message when it failed (no network, a refused list file, a bad option). The
summary of new and closed alerts is printed and written as JSON.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from chipcomply.cli.common import console, err_console, parse_day, print_json, progress_bar
from chipcomply.errors import BadInput

SHOWN = 50  # alerts of each kind printed; the JSON summary has them all
PER_PARTY = 3  # a counterparty like "Huawei" hits dozens of affiliates: show its best few


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=2)
            fh.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _grouped(rows: list[dict[str, Any]]) -> list[tuple[list[dict[str, Any]], int]]:
    """Alerts by counterparty (in first-seen order), best score first, capped per party."""
    groups: dict[int, list[dict[str, Any]]] = {}
    for a in rows:
        groups.setdefault(a["counterparty"]["id"], []).append(a)
    out = []
    for alerts in groups.values():
        alerts.sort(key=lambda a: -float(a.get("score") or 0.0))
        out.append((alerts[:PER_PARTY], max(0, len(alerts) - PER_PARTY)))
    return out


def _list_code(source: str) -> str:
    """'Entity List (EL) - Bureau of Industry and Security' → 'EL', as in `screen`'s table."""
    found = re.search(r"\(([A-Z][A-Z0-9-]*)\)", source)
    return found.group(1) if found else source.split(" - ")[0]


def _alert_table(title: str, rows: list[dict[str, Any]], closed: bool) -> None:
    table = Table(header_style="bold", title=title, title_justify="left")
    if not closed:
        table.add_column("Score", justify="right")
    table.add_column("Counterparty", overflow="fold", ratio=3)
    table.add_column("List", overflow="fold")
    table.add_column("List record", overflow="fold", ratio=4)
    table.add_column("Why" if not closed else "Closed because", overflow="fold", ratio=2)
    shown = 0
    for alerts, hidden in _grouped(rows):
        if shown >= SHOWN:
            break
        for a in alerts:
            cp, rec = a["counterparty"], a["record"]
            tags = ", ".join(t for t in (cp["external_id"], cp["country"]) if t)
            cells = [
                cp["name"] + (f" ({tags})" if tags else ""),
                _list_code(rec["source"]),
                f"{rec['name']} [{rec['uid']}]",
                a["reason"],
            ]
            table.add_row(*([f"{a['score']:.3f}"] if not closed else []), *cells)
            shown += 1
        if hidden > 0:
            more = f"… and {hidden:,} more for this counterparty"
            table.add_row(*([""] if not closed else []), "", "", more, "")
    console.print(table)
    if len(rows) > shown:
        console.print(
            f"  {shown:,} of {len(rows):,} shown; every alert is in the summary file",
            markup=False,
        )


def _print(summary: dict[str, Any], path: Path) -> None:
    from chipcomply.cli.lists import print_update

    if summary.get("update"):
        print_update(summary["update"])
    cps = summary["counterparties"]
    al = summary["alerts"]
    lists = ", ".join(summary["lists"]["after"].values())
    console.print(
        f"Monitor run {summary['run']} against {lists} (threshold {summary['threshold']:.2f})",
        markup=False,
        highlight=False,
    )
    console.print(
        f"Counterparties: {cps['stored']:,} stored"
        + (
            f" ({cps['enrolled_now']:,} taken in from cases and desk batches)"
            if cps["enrolled_now"]
            else ""
        )
        + "; "
        f"{cps['screened_delta']:,} re-screened against the changes, "
        f"{cps['screened_full']:,} in full, {cps['unchanged']:,} unchanged"
        + (f", {cps['errors']:,} not screenable" if cps["errors"] else ""),
        markup=False,
    )
    console.print(
        f"Alerts: {al['opened']:,} new, {al['closed']:,} closed, {al['open']:,} open"
        + (
            f" ({al['suppressed_by_clearances']:,} suppressed by clearances)"
            if al["suppressed_by_clearances"]
            else ""
        ),
        markup=False,
    )
    if summary["new_alerts"]:
        _alert_table("New alerts", summary["new_alerts"], closed=False)
    if summary["closed_alerts"]:
        _alert_table("Closed alerts", summary["closed_alerts"], closed=True)
    if summary.get("note"):
        console.print(f"Note: {summary['note']}", markup=False)
    console.print(f"Summary: {path}", markup=False, highlight=False)


def monitor_cmd(
    sources: list[str] | None = typer.Option(
        None,
        "--from",
        metavar="URL_OR_FILE",
        help="List files or URLs to update from (default: the official downloads).",
    ),
    no_update: bool = typer.Option(
        False, "--no-update", help="Skip the list update; re-screen against the lists in use."
    ),
    enrol: list[Path] | None = typer.Option(
        None,
        "--enrol",
        metavar="FILE",
        help="Store the counterparties of a batch file (name, country, id columns) first.",
    ),
    full: bool = typer.Option(
        False, "--full", help="Re-screen every counterparty against the whole index."
    ),
    threshold: float | None = typer.Option(None, "--threshold", help="Alert threshold 0–1."),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Publication date YYYY-MM-DD for list files that state none."
    ),
    db: str | None = typer.Option(
        None, "--db", help="Database URL (default $CHIPCOMPLY_DB or the data home)."
    ),
    summary_json: Path | None = typer.Option(
        None, "--summary-json", help="Where to write the JSON summary (default: data home)."
    ),
    workers: int | None = typer.Option(None, "--workers", min=1, help="Worker processes."),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Update the lists and re-screen every stored counterparty against what changed."""
    if no_update and sources:
        raise BadInput("--from", "give --from or --no-update, not both")
    if threshold is not None and not 0.0 < threshold <= 1.0:
        raise BadInput("--threshold", f"must be greater than 0 and at most 1, got {threshold}")
    day = parse_day(as_of)
    for path in enrol or []:
        if not path.is_file():
            raise BadInput("--enrol", f"no such file: {path}")
    try:
        from chipcomply.service import SYSTEM, get_desk
    except ImportError:
        raise BadInput(
            "monitor", "needs the desk's storage: pip install 'chipcomply[service]'"
        ) from None
    from chipcomply.paths import data_home

    desk = get_desk(db)
    for path in enrol or []:
        got = desk.enrol(SYSTEM, path)
        err_console.print(
            f"Enrolled {got['added']:,} new counterparties from {path} "
            f"({got['known']:,} already stored"
            + (
                f", {got['bad_rows']:,} bad rows, first: {got['first_bad_row']}"
                if got["bad_rows"]
                else ""
            )
            + ")",
            markup=False,
            highlight=False,
        )
    with progress_bar("re-screening") as bar:
        task = bar.add_task("counterparties", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        summary = desk.monitor(
            SYSTEM,
            sources=sources or None,
            update=not no_update,
            full=full,
            threshold=threshold,
            as_of=day,
            workers=workers,
            progress=progress,
        )
    path = summary_json or data_home() / "monitor" / f"run-{summary['run']}.json"
    _write_json(path, summary)
    if json_out:
        print_json(summary)
    else:
        _print(summary, path)


def register(app: typer.Typer) -> None:
    app.command("monitor")(monitor_cmd)
