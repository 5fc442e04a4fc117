"""CLI commands for the restricted-party lists: show, import, reset, update."""

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


def update_cmd(
    sources: list[str] | None = typer.Option(
        None,
        "--from",
        metavar="URL_OR_FILE",
        help="A list file or URL instead of the official downloads (repeat for several "
        "lists, one per family).",
    ),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Publication date YYYY-MM-DD for files that state none."
    ),
    fmt: str | None = typer.Option(
        None, "--format", help=f"One of {', '.join(FORMATS)} (guessed when omitted)."
    ),
    db: str | None = typer.Option(
        None,
        "--db",
        help="Database for the audit record (default $CHIPCOMPLY_DB or the data home).",
    ),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Fetch the official CSL and OFAC files (or --from), check, diff and switch to them.

    A file that fails its manifest, a truncated download or no network leaves the lists in
    use unchanged; the message says why.
    """
    if fmt is not None and fmt not in FORMATS:
        raise BadInput("--format", f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    day = parse_day(as_of)
    try:
        from chipcomply.service import SYSTEM, get_desk
    except ImportError:  # without the service extra there is no audit trail to write to
        from datetime import date

        from chipcomply.lists.update import update

        out = update(sources or None, today=date.today(), as_of=day, fmt=fmt).as_dict()
    else:
        out = get_desk(db).update_lists(SYSTEM, sources or None, day, fmt)
    if json_out:
        print_json(out)
        return
    print_update(out)


def print_update(out: dict[str, object]) -> None:
    """The human summary of a list update (also used by `chipcomply monitor`)."""
    sources = out["sources"]
    assert isinstance(sources, list)
    if out["status"] == "current":
        console.print("The lists are already current.", markup=False)
    else:
        console.print("Lists updated:", markup=False)
    for src in sources:
        console.print(
            f"  {src['family']}: {src['snapshot']} ({src['entries']:,} entries, as of "
            f"{src['as_of']}, {src['status']}) from {src['from']}",
            markup=False,
            highlight=False,
        )
    counts = out["records"]
    assert isinstance(counts, dict)
    line = (
        f"Record changes: {counts['added']:,} added, {counts['removed']:,} removed, "
        f"{counts['changed']:,} changed, {counts['unchanged']:,} unchanged."
    )
    console.print(line, markup=False)
    for mark, key in (("+", "added"), ("-", "removed"), ("~", "changed")):
        items = out[key]
        assert isinstance(items, list)
        for item in items[:10]:
            fields = f"  ({', '.join(item['fields'])})" if item.get("fields") else ""
            console.print(
                f"  {mark} {item['uid']}  {item['name']}{fields}", markup=False, highlight=False
            )
        n = int(counts[key])
        if n > 10:
            console.print(f"    … {n - 10:,} more {key}", markup=False)
    if out.get("diff_file"):
        console.print(f"Full diff: {out['diff_file']}", markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    lists_app = typer.Typer(help="Restricted-party list snapshots.", no_args_is_help=True)
    lists_app.command("show")(show_cmd)
    lists_app.command("import")(import_cmd)
    lists_app.command("reset")(reset_cmd)
    lists_app.command("update")(update_cmd)
    app.add_typer(lists_app, name="lists")
