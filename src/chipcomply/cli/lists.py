"""CLI commands for the restricted-party lists: show, import, reset."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from chipcomply.cli.common import console, parse_day, print_json
from chipcomply.errors import BadInput
from chipcomply.lists import FORMATS, SnapshotStore, active_lists
from chipcomply.lists.sources import BY_CODE


def show_cmd(json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Show the list snapshots in use: source, as-of date, counts, sha256."""
    lists = active_lists()
    in_use: dict[str, int] = {}
    for rec in lists.records:
        in_use[rec.source_code] = in_use.get(rec.source_code, 0) + 1
    if json_out:
        print_json(
            {
                "snapshots": [m.model_dump(mode="json") for m in lists.snapshots],
                "sources": {
                    code: {
                        "source": BY_CODE[code].csl_name,
                        "snapshot": snap,
                        "records": in_use.get(code, 0),
                    }
                    for code, snap in lists.winner.items()
                },
                "records": len(lists.records),
            }
        )
        return
    snaps = Table(header_style="bold", title="List snapshots", title_justify="left")
    for col in ("Family", "Snapshot", "As of", "Origin", "Entries", "File"):
        snaps.add_column(col, overflow="fold")
    for m in lists.snapshots:
        snaps.add_row(m.family, m.id, m.as_of.isoformat(), m.origin, f"{m.total:,}", m.file)
    console.print(snaps)
    for m in lists.snapshots:
        console.print(f"  sha256 {m.family}: {m.sha256}", markup=False, highlight=False)
    table = Table(header_style="bold", title="Sources screened", title_justify="left")
    for col in ("Code", "Source", "Records", "From", "As of"):
        table.add_column(col, overflow="fold", justify="right" if col == "Records" else "left")
    snap_of = {m.id: m for m in lists.snapshots}
    for code, snap in lists.winner.items():
        meta = snap_of[snap]
        table.add_row(
            code,
            BY_CODE[code].csl_name,
            f"{in_use.get(code, 0):,}",
            meta.family,
            meta.as_of.isoformat(),
        )
    console.print(table)
    console.print(f"{len(lists.records):,} records in use.", style="dim")


def import_cmd(
    path: Path = typer.Argument(..., help="A list file (official CSL CSV/JSON, OFAC files …)."),
    fmt: str | None = typer.Option(
        None, "--format", help=f"One of {', '.join(FORMATS)} (guessed when omitted)."
    ),
    as_of: str | None = typer.Option(None, "--as-of", help="Publication date YYYY-MM-DD."),
) -> None:
    """Import a newer list edition; it is checked against its manifest before it is used."""
    if fmt is not None and fmt not in FORMATS:
        raise BadInput("--format", f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if not path.is_file():
        raise BadInput("PATH", f"no such file: {path}")
    meta = SnapshotStore().import_file(path, fmt, parse_day(as_of))
    counts = ", ".join(f"{k} {v:,}" for k, v in meta.counts.items())
    console.print(f"Imported and activated {meta.id} ({meta.total:,} entries: {counts}).")


def reset_cmd(
    family: str | None = typer.Option(None, "--family", help="csl, ofac-sdn or ofac-cons."),
) -> None:
    """Go back to the bundled list editions."""
    SnapshotStore().reset(family)
    console.print("Using the bundled list editions" + (f" for {family}." if family else "."))


def register(app: typer.Typer) -> None:
    lists_app = typer.Typer(help="Restricted-party list snapshots.", no_args_is_help=True)
    lists_app.command("show")(show_cmd)
    lists_app.command("import")(import_cmd)
    lists_app.command("reset")(reset_cmd)
    app.add_typer(lists_app, name="lists")
