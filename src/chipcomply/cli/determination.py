"""CLI commands for determinations: `check`, `rules show`, `rules red-flags`."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from chipcomply.cli.common import (
    console,
    parse_day,
    parse_document,
    print_json,
    read_text_arg,
)
from chipcomply.errors import BadInput
from chipcomply.logic.determine import Determination, determine
from chipcomply.logic.red_flags import catalogue, due_diligence_steps
from chipcomply.rulebook import RuleVersion, default_rulebook

EXIT_INSUFFICIENT = 3

TIME_MODEL = (
    "Time model: every rule version is valid from `valid_from` to `valid_to` (inclusive); the "
    "answer uses the versions in force on the as-of day, and a day outside the rulebook's "
    "coverage is refused. `enforced: false` marks text that is in force but not enforced (the "
    "AI Diffusion Rule from 2025-05-13) or suspended (the Affiliates Rule 2025-11-10 to "
    "2026-11-09). Country groups change by date too (Cambodia left D:5 on 2025-11-07)."
)


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _render(d: Determination) -> None:
    console.print(f"[bold]Determination as of {d.as_of.isoformat()}[/bold] — {d.activity}")
    console.print(f"  Outcome: [bold]{d.outcome}[/bold]  (all: {', '.join(d.outcomes)})")
    if d.review_policy:
        console.print(f"  Review policy: {d.review_policy}")
    if d.license_exception:
        console.print(f"  License Exception: {d.license_exception}")
    if d.missing_facts:
        console.print("  Missing facts: " + ", ".join(d.missing_facts))
    for it in d.items:
        console.print(
            f"  {'items[' + str(it.index) + ']'} {it.name}: {it.eccn or 'not 3A090/4A090'}"
            f" ({it.classification_basis}) subject to EAR: {it.subject_to_ear or 'n/a'}"
        )
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for col in ("Rule", "Result", "Detail", "Citation"):
        table.add_column(col, overflow="fold")
    for f in d.findings:
        if f.outcome in {"computed", "met", "not_met", "applied", "not_applied"}:
            continue
        if f.rule_id.startswith("ecra."):
            continue  # printed as the penalty line below
        table.add_row(f.rule_id, f.outcome, escape(f.detail), escape(f.citation))
    console.print(table)
    for r in d.red_flags:
        console.print(f"  Red flag {r.id} [{r.status}]: {r.detail}", markup=False)
    if d.due_diligence:
        console.print(
            "  Due diligence: " + "; ".join(f"{s.id} {s.title}" for s in d.due_diligence),
            markup=False,
        )
    for p in d.prc:
        console.print(f"  PRC {p.rule_id} [{p.outcome}]: {p.detail}", markup=False)
    pe = d.penalty_exposure
    console.print(
        f"  Penalty exposure: civil up to USD {pe.civil_max_per_violation_usd:,.0f} per violation "
        f"({pe.civil_basis}); criminal up to USD {pe.criminal_max_fine_usd:,} and "
        f"{pe.criminal_max_prison_years} years",
        markup=False,
    )
    console.print(
        f"  Rulebook {d.versions.rulebook} · lists {d.versions.lists} · engine {d.versions.engine}",
        style="dim",
    )


def check_cmd(
    case: str = typer.Argument(..., help="Case file (YAML or JSON), or - for stdin."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Determine whether an activity is licensable, on the case's as-of date, with citations."""
    document = parse_document(read_text_arg(case, "CASE"), "CASE")
    result = determine(document)
    if json_out:
        print_json(result)
    else:
        _render(result)
    if result.outcome == "insufficient_information":
        raise typer.Exit(EXIT_INSUFFICIENT)


def _version_json(v: RuleVersion, day: date) -> dict[str, Any]:
    return {
        "valid_from": v.valid_from.isoformat(),
        "valid_to": v.valid_to.isoformat() if v.valid_to else None,
        "in_force": v.covers(day),
        "enforced": v.enforced,
        "conf": v.conf,
        "unverified": v.unverified,
        "source": v.source,
        "url": v.url,
        "note": v.note,
        "values": _jsonable(dict(v.values)),
    }


def rules_show_cmd(
    rule_id: str | None = typer.Argument(None, help="A rule id; all rules in force if omitted."),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Evaluation date YYYY-MM-DD (default today)."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show rules with their values and citations on a date, and explain the time model."""
    book = default_rulebook()
    day = parse_day(as_of) or date.today()
    view = book.at(day)
    if rule_id is not None:
        if rule_id not in book:
            raise BadInput("RULE_ID", f"unknown rule id {rule_id!r}")
        rule = book.rule(rule_id)
        if json_out:
            print_json(
                {
                    "id": rule.rule_id,
                    "title": rule.title,
                    "citation": rule.citation,
                    "conf": rule.conf,
                    "as_of": day.isoformat(),
                    "versions": [_version_json(v, day) for v in rule.versions],
                }
            )
            return
        console.print(f"[bold]{rule.rule_id}[/bold] — {rule.title}", markup=True)
        console.print(f"  Citation: {rule.citation} · conf {rule.conf}", markup=False)
        for v in rule.versions:
            mark = "▶ in force" if v.covers(day) else "  "
            until = v.valid_to.isoformat() if v.valid_to else "open"
            flags = ("" if v.enforced else " · NOT ENFORCED") + (
                " · unverified" if v.unverified else ""
            )
            console.print(f"  {mark} {v.valid_from.isoformat()} → {until}{flags}", markup=False)
            console.print(f"      source: {v.source}", markup=False)
            if v.values:
                console.print(
                    "      values: " + json.dumps(_jsonable(dict(v.values)), ensure_ascii=False),
                    markup=False,
                )
        console.print(TIME_MODEL, style="dim", markup=False)
        return
    versions = view.versions_in_force()
    if json_out:
        print_json(
            {
                "as_of": day.isoformat(),
                "rulebook": book.version,
                "time_model": TIME_MODEL,
                "rules": [
                    {"id": v.rule_id, "title": v.title, "citation": v.citation}
                    | _version_json(v, day)
                    for v in versions
                ],
            }
        )
        return
    console.print(TIME_MODEL, markup=False)
    table = Table(
        title=f"Rules in force on {day.isoformat()} ({len(versions)})", header_style="bold"
    )
    for col in ("Rule", "From", "To", "Enforced", "Conf", "Citation"):
        table.add_column(col, overflow="fold")
    for v in versions:
        table.add_row(
            v.rule_id,
            v.valid_from.isoformat(),
            v.valid_to.isoformat() if v.valid_to else "—",
            "yes" if v.enforced else "NO",
            v.conf + (" (unverified)" if v.unverified else ""),
            escape(v.citation),
        )
    console.print(table)
    console.print(f"Rulebook {book.version}", style="dim")


def rules_red_flags_cmd(
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List the red-flag ids a case may report (and the due-diligence steps)."""
    book = default_rulebook()
    flags = catalogue(book)
    steps = due_diligence_steps(book)
    rows: list[dict[str, Any]] = []
    for fid in sorted(flags):
        d = flags[fid]
        rule = book.rule(d.rule_id)
        v = rule.versions[0]
        rows.append(
            {
                "id": fid,
                "rule_id": d.rule_id,
                "title": d.title,
                "status": d.status if d.status in ("C", "R") else None,
                "valid_from": v.valid_from.isoformat(),
                "conf": v.conf,
                "unverified": v.unverified,
                "citation": rule.citation,
            }
        )
    dd: list[dict[str, Any]] = []
    for sid in sorted(steps):
        rule = book.rule(steps[sid])
        v = rule.versions[0]
        dd.append(
            {
                "id": sid,
                "rule_id": rule.rule_id,
                "title": rule.title.split(" - ", 1)[-1],
                "unverified": v.unverified,
            }
        )
    if json_out:
        print_json({"red_flags": rows, "due_diligence": dd})
        return
    table = Table(title="Red flags a case may report (`red_flags: [...]`)", header_style="bold")
    for col in ("Id", "Status", "Conf", "Red flag", "Rule"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(
            r["id"],
            r["status"] or "",
            r["conf"] + (" (unverified)" if r["unverified"] else ""),
            r["title"],
            r["rule_id"],
        )
    console.print(table)
    table = Table(title="Due-diligence steps", header_style="bold")
    for col in ("Id", "Step", "Rule"):
        table.add_column(col, overflow="fold")
    for s in dd:
        table.add_row(
            s["id"], escape(s["title"] + (" [unverified]" if s["unverified"] else "")), s["rule_id"]
        )
    console.print(table)
    console.print(
        escape(
            "A reported flag stays open until `red_flag_resolutions: "
            "[{id, resolution, resolved_by, date}]` records its resolution."
        ),
        style="dim",
    )


def register(app: typer.Typer) -> None:
    app.command("check")(check_cmd)
    rules_app = typer.Typer(help="Browse the dated rulebook.", no_args_is_help=True)
    rules_app.command("show")(rules_show_cmd)
    rules_app.command("red-flags")(rules_red_flags_cmd)
    app.add_typer(rules_app, name="rules")
