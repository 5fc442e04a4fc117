"""CLI commands of the compliance desk: serve, keys, audit, cases and reports."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from chipcomply.cli.common import console, print_json
from chipcomply.errors import BadInput

DB_HELP = (
    "Database URL (sqlite:///FILE or postgresql://…); default $CHIPCOMPLY_DB or the data home."
)


def _desk(db: str | None):  # type: ignore[no-untyped-def]
    from chipcomply.service import get_desk

    return get_desk(db)


def serve_cmd(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    workers: int = typer.Option(1, "--workers", min=1, max=16, help="Worker processes."),
) -> None:
    """Start the compliance desk (API + web UI) on http://HOST:PORT."""
    import uvicorn

    from chipcomply.api.app import create_app
    from chipcomply.store import display_url

    desk = _desk(db)
    first = desk.ensure_first_admin()
    url = f"http://{host}:{port}"
    console.print(
        f"chipcomply desk on {url}  (database {display_url(desk.store.url)})",
        markup=False,
        highlight=False,
    )
    if first:
        console.print(
            f"First run: admin API key (shown once, keep it): {first}",
            markup=False,
            highlight=False,
        )
    else:
        console.print(
            "Sign in with your API key (a new one: chipcomply keys create --role admin)",
            markup=False,
            highlight=False,
        )
    console.print(
        f"Open {url}/login · API docs {url}/docs · health {url}/health",
        markup=False,
        highlight=False,
    )
    sys.stdout.flush()
    if workers > 1:  # separate processes, each with its own index, sharing the database
        import os

        from chipcomply.api.app import SERVE_DB_ENV

        os.environ[SERVE_DB_ENV] = desk.store.url
        uvicorn.run(
            "chipcomply.api.app:app_from_env",
            factory=True,
            workers=workers,
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
        )
        return
    desk.rulebook  # noqa: B018 - load the rules before the first request
    app = create_app(desk=desk)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


def keys_create_cmd(
    role: str = typer.Option(..., "--role", help="analyst | admin | auditor"),
    label: str | None = typer.Option(None, "--label", help="Who the key is for."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Create an API key and print it (only its hash is stored)."""
    from chipcomply.service import SYSTEM

    created = _desk(db).create_key(SYSTEM, role, label)
    sys.stdout.write(created["key"] + "\n")


def keys_list_cmd(
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List API keys (ids, roles, labels; never the secrets)."""
    keys = _desk(db).store.list_keys()
    if json_out:
        print_json(keys)
        return
    for k in keys:
        state = f"revoked {k['revoked_at'][:19]}" if k["revoked_at"] else "live"
        console.print(
            f"{k['key_id']}  {k['role']:<8} {k['label']}  ({state})", markup=False, highlight=False
        )


def keys_revoke_cmd(
    key_id: str = typer.Argument(..., help="The key id (second part of the key)."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Revoke an API key; its web sessions end too."""
    from chipcomply.service import SYSTEM

    _desk(db).revoke_key(SYSTEM, key_id)
    console.print(f"revoked {key_id}", markup=False)


def audit_verify_cmd(
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Verify the audit chain: exit 0 intact, 1 tampered (naming the first bad record)."""
    result = _desk(db).store.verify_audit()
    if json_out:
        print_json(result)
    elif result.intact:
        console.print(
            f"audit chain intact: {result.records} records, head #{result.head_id} "
            f"{result.head_hash}",
            markup=False,
            highlight=False,
        )
    else:
        console.print(
            f"audit chain TAMPERED at record {result.first_bad_id}: {result.problem}",
            markup=False,
            highlight=False,
        )
    if not result.intact:
        raise typer.Exit(1)


def audit_replay_cmd(
    record_id: int = typer.Argument(..., help="Audit record id."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Recompute a stored answer with its stored rulebook; exit 0 if byte-identical."""
    r = _desk(db).replay(record_id)
    sys.stdout.write(json.dumps(json.loads(r.recomputed), ensure_ascii=False, indent=2) + "\n")
    if r.problem:
        sys.stderr.write(f"chipcomply: note: {r.problem}\n")
    if r.identical:
        sys.stderr.write(f"replay of record {record_id} ({r.kind}): byte-identical\n")
        return
    sys.stderr.write(f"replay of record {record_id} ({r.kind}): DIFFERS\n{r.diff}")
    raise typer.Exit(1)


def audit_list_cmd(
    limit: int = typer.Option(20, "--limit", min=1, max=500),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The newest audit records."""
    records = _desk(db).audit_records(0, limit)
    if json_out:
        print_json(records)
        return
    for r in records:
        console.print(
            f"#{r['id']:<6} {r['created_at'][:19]}  {r['kind']:<20} {r['user_name']} "
            f"({r['role']})  {r['hash'][:16]}",
            markup=False,
            highlight=False,
        )


def cases_list_cmd(
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List cases, newest first."""
    cases = _desk(db).cases()
    if json_out:
        print_json(cases)
        return
    for c in cases:
        console.print(
            f"#{c['id']:<5} {c['kind']:<13} {c['status']:<6} {c['title']}",
            markup=False,
            highlight=False,
        )


def report_cmd(
    case_id: int = typer.Argument(..., help="Case id."),
    output: str = typer.Option(..., "--output", "-o", help="File to write (.html or .pdf)."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Export a case as a self-contained HTML or PDF report."""
    from chipcomply import reports

    path = Path(output)
    if path.suffix.lower() not in (".html", ".pdf"):
        raise BadInput("--output", "must end in .html or .pdf")
    html = reports.case_html(_desk(db), case_id)
    if path.suffix.lower() == ".pdf":
        path.write_bytes(reports.html_to_pdf(html))
    else:
        path.write_text(html, "utf-8")
    console.print(f"wrote {path}", markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_cmd)
    keys = typer.Typer(help="API keys and roles.", no_args_is_help=True)
    keys.command("create")(keys_create_cmd)
    keys.command("list")(keys_list_cmd)
    keys.command("revoke")(keys_revoke_cmd)
    app.add_typer(keys, name="keys")
    audit = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)
    audit.command("verify")(audit_verify_cmd)
    audit.command("replay")(audit_replay_cmd)
    audit.command("list")(audit_list_cmd)
    app.add_typer(audit, name="audit")
    cases = typer.Typer(help="Saved screenings and determinations.", no_args_is_help=True)
    cases.command("list")(cases_list_cmd)
    cases.command("report")(report_cmd)
    app.add_typer(cases, name="cases")
