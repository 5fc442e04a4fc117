"""CLI commands about items: classify, compare, the catalogue, and the demo job."""

from __future__ import annotations

from datetime import date

import typer
from rich.table import Table

from chipcomply.catalog import default_catalog
from chipcomply.cli.common import (
    console,
    fmt_number,
    parse_day,
    parse_document,
    print_json,
    read_text_arg,
)
from chipcomply.compare import METRICS, Comparison, compare
from chipcomply.errors import BadInput
from chipcomply.logic.classify import Classification, classify
from chipcomply.model import ChipSpec, parse_model

EXIT_INSUFFICIENT = 3


def _label(cls: Classification) -> str:
    if cls.status == "insufficient_information":
        return "insufficient information: need " + ", ".join(cls.missing)
    if cls.eccn is None:
        return "not 3A090 / 4A090"
    para = cls.paragraph or cls.eccn
    label = para if cls.ic_paragraph in (None, para) else f"{para} (IC: {cls.ic_paragraph})"
    return f"{cls.z_eccn} — {label}-level parameters" if cls.z_eccn else label


def _render_classification(cls: Classification) -> None:
    title = cls.name or "specification"
    console.print(f"[bold]{title}[/bold] — as of {cls.as_of.isoformat()}")
    console.print(f"  Classification: [bold]{_label(cls)}[/bold]")
    console.print(
        f"  TPP {fmt_number(cls.tpp, 1)} · performance density "
        f"{fmt_number(cls.performance_density, 2)} · item type {cls.item_type}"
    )
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("Rule")
    table.add_column("Result")
    table.add_column("Detail", overflow="fold")
    table.add_column("Citation", overflow="fold")
    for f in cls.findings:
        table.add_row(f.rule_id, f.outcome, f.detail, f.citation)
    console.print(table)
    vendor = cls.vendor_classification
    if vendor:
        tpp = f", TPP {vendor['tpp']:,}" if vendor.get("tpp") is not None else ""
        console.print(
            f"  Vendor-published ECCN: {vendor['eccn']}{tpp} for {vendor['product']} "
            f"({vendor['source']})",
            overflow="fold",
        )
        if str(vendor["eccn"]).endswith(".z") or ".z." in str(vendor["eccn"]):
            console.print(
                "  (.z: the product is also described in that parent ECCN and carries the "
                "same advanced-computing licence requirements as 3A090/4A090)",
                style="dim",
            )
    for caveat in cls.caveats:
        console.print(f"  Caveat: {caveat}", style="yellow", overflow="fold")
    if cls.sources:
        console.print("  Sources: " + " | ".join(cls.sources), overflow="fold")
    console.print(f"  Rulebook {cls.rulebook}", style="dim")


def classify_cmd(
    chip: str | None = typer.Option(None, "--chip", help="Catalogue name of a chip or system."),
    spec: str | None = typer.Option(None, "--spec", help="JSON/YAML spec file, or - for stdin."),
    as_of: str | None = typer.Option(None, "--as-of", help="Evaluation date YYYY-MM-DD."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Classify an IC, card, server or system under ECCN 3A090 / 4A090."""
    day = parse_day(as_of)
    if (chip is None) == (spec is None):
        raise BadInput("--chip/--spec", "give exactly one of --chip NAME or --spec FILE")
    if chip is not None:
        catalog = default_catalog()
        result = catalog.classify(catalog.lookup(chip, field="--chip"), day)
    else:
        assert spec is not None
        document = parse_document(read_text_arg(spec, "--spec"), "--spec")
        result = classify(parse_model(ChipSpec, document, "spec"), day)
    if json_out:
        print_json(result)
    else:
        _render_classification(result)
    if result.status == "insufficient_information":
        raise typer.Exit(EXIT_INSUFFICIENT)


def _render_comparison(cmp: Comparison) -> None:
    table = Table(title=f"Comparison as of {cmp.as_of.isoformat()}", header_style="bold")
    table.add_column("Metric")
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for letter, item in zip(letters, cmp.items, strict=False):
        table.add_column(f"{letter}: {item.name}", justify="right", overflow="fold")
    for letter in letters[1 : len(cmp.items)]:
        table.add_column(f"{letter}/A", justify="right", style="cyan")
    for key, label, unit in METRICS:
        values = [item.metrics.get(key) for item in cmp.items]
        if all(v is None for v in values):
            continue
        ratios = [cmp.ratios[k].get(key) for k in cmp.ratios]
        table.add_row(
            f"{label} ({unit})" if unit else label,
            *(fmt_number(v) for v in values),
            *(f"{r:.2f}×" if r is not None else "—" for r in ratios),
        )
    table.add_row("ECCN", *(_label(i.classification) for i in cmp.items), *("" for _ in cmp.ratios))
    table.add_row("Data", *(i.confidence for i in cmp.items), *("" for _ in cmp.ratios))
    console.print(table)
    for item in cmp.items:
        for caveat in item.classification.caveats:
            console.print(f"Caveat: {caveat}", style="yellow", overflow="fold")
    for item in cmp.items:
        console.print(f"[bold]{item.name}[/bold] sources: " + " | ".join(item.sources))
        for k, v in item.basis.items():
            console.print(f"  {k}: {v}", style="dim")


def compare_cmd(
    names: list[str] = typer.Argument(..., help="Two or more catalogue names."),
    as_of: str | None = typer.Option(None, "--as-of", help="Evaluation date YYYY-MM-DD."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Compare chips or systems side by side, with ratios against the first."""
    result = compare(names, parse_day(as_of))
    if json_out:
        print_json(result)
    else:
        _render_comparison(result)


def catalog_table(day: date | None) -> Table:
    catalog = default_catalog()
    table = Table(header_style="bold", title="chipcomply catalogue")
    for col in ("Chip / system", "Designer HQ", "TPP", "PD", "Classification", "Data"):
        table.add_column(col, justify="right" if col in ("TPP", "PD") else "left")
    for rec in catalog.records:
        cls = catalog.classify(rec, day)
        hq = getattr(rec, "designer_hq_country", None) or "—"
        table.add_row(
            rec.display_name,
            hq,
            fmt_number(cls.tpp, 1),
            fmt_number(cls.performance_density, 2),
            _label(cls),
            rec.confidence,
        )
    return table


def chips_list_cmd(
    as_of: str | None = typer.Option(None, "--as-of", help="Evaluation date YYYY-MM-DD."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List the catalogue with each record's classification."""
    day = parse_day(as_of)
    if json_out:
        catalog = default_catalog()
        rows = []
        for rec in catalog.records:
            cls = catalog.classify(rec, day)
            rows.append(
                {
                    "id": rec.id,
                    "name": rec.display_name,
                    "kind": rec.kind,
                    "aliases": rec.aliases,
                    "tpp": cls.tpp,
                    "performance_density": cls.performance_density,
                    "eccn": cls.eccn,
                    "paragraph": cls.paragraph,
                    "missing": cls.missing,
                    "confidence": rec.confidence,
                }
            )
        print_json(rows)
    else:
        console.print(catalog_table(day))


def chips_show_cmd(
    name: str = typer.Argument(..., help="Catalogue name."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show one catalogue record with all its fields and sources."""
    record = default_catalog().lookup(name)
    if json_out:
        print_json(record)
        return
    table = Table(show_header=False, box=None)
    for key, value in record.model_dump(exclude_none=True).items():
        shown = "\n".join(value) if isinstance(value, list) else str(value)
        table.add_row(f"[bold]{key}[/bold]", shown)
    console.print(table)


def demo_cmd() -> None:
    """The embedded-defaults demo: classify the whole catalogue as of today."""
    console.print(catalog_table(None))
    console.print(
        "Try: chipcomply classify --chip H100 · chipcomply compare H100 'Ascend 910C'",
        style="dim",
    )


def register(app: typer.Typer) -> None:
    app.command("classify")(classify_cmd)
    app.command("compare")(compare_cmd)
    app.command("demo")(demo_cmd)
    chips_app = typer.Typer(help="Browse the chip and system catalogue.", no_args_is_help=True)
    chips_app.command("list")(chips_list_cmd)
    chips_app.command("show")(chips_show_cmd)
    app.add_typer(chips_app, name="chips")
