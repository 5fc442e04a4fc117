"""Self-contained reports of a case or an answer: HTML with inline CSS, and PDF.

The PDF is the same HTML printed by headless Chromium (Debian's ``chromium``), which lays
out Chinese names with the system's Noto CJK fonts and embeds them in the file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from chipcomply.service import Desk, Unavailable

CHROMIUM_ENV = "CHIPCOMPLY_CHROMIUM"
_PDF_LOCK = threading.Lock()
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--disable-extensions",
    "--no-pdf-header-footer",
)


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resources.files("chipcomply.reports") / "templates")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    add_filters(env)
    return env


def add_filters(env: jinja2.Environment) -> None:
    """Filters shared by the report and the web pages."""
    env.filters["pct"] = lambda v: "—" if v is None else f"{float(v) * 100:.0f}%"
    env.filters["num"] = _num
    env.filters["scalar"] = _scalar
    env.tests["mapping"] = lambda v: isinstance(v, dict)
    env.tests["sequence_of_mappings"] = lambda v: (
        isinstance(v, list) and all(isinstance(x, dict) for x in v)
    )


def _num(value: Any, digits: int = 2) -> str:
    if value is None or value == "":
        return "—"
    try:
        f = float(value)
    except (TypeError, ValueError):
        return str(value)
    return f"{int(f):,}" if f.is_integer() else f"{f:,.{digits}f}"


def _scalar(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_scalar(v) for v in value) if value else "—"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_scalar(v)}" for k, v in value.items())
    return str(value)


_ENV: jinja2.Environment | None = None


def env() -> jinja2.Environment:
    global _ENV
    if _ENV is None:
        _ENV = _env()
    return _ENV


def case_html(desk: Desk, case_id: int) -> str:
    case = desk.case(case_id)
    chain = desk.verify()
    return (
        env()
        .get_template("report.html")
        .render(
            title=case["title"],
            case=case,
            kind=case["kind"],
            answer=case["answer"],
            audit={"id": case["audit_id"], "hash": case["audit_hash"]},
            versions=case["versions"],
            chain=chain,
            generated=desk.now_iso(),
        )
    )


def answer_html(desk: Desk, record_id: int) -> str:
    rec = desk.audit_record(record_id)
    kind = {"screen": "screening", "check": "determination"}.get(rec["kind"], rec["kind"])
    return (
        env()
        .get_template("report.html")
        .render(
            title=f"{kind.capitalize()} — audit record {record_id}",
            case=None,
            kind=kind,
            answer=rec["output"],
            audit={"id": rec["id"], "hash": rec["hash"]},
            versions={
                "rulebook": rec["rulebook_version"],
                "lists": rec["lists"],
                "engine": rec["engine_version"],
            },
            chain=desk.verify(),
            generated=desk.now_iso(),
            input=rec["input"],
        )
    )


def chromium_path() -> str | None:
    explicit = os.environ.get(CHROMIUM_ENV)
    if explicit:
        return explicit if os.path.exists(explicit) else None
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def html_to_pdf(html: str, timeout: float = 90.0) -> bytes:
    """Print ``html`` to PDF with headless Chromium; Unavailable when there is none."""
    exe = chromium_path()
    if exe is None:
        raise Unavailable("PDF export needs Chromium (apt-get install chromium fonts-noto-cjk)")
    with _PDF_LOCK, tempfile.TemporaryDirectory(prefix="chipcomply-pdf-") as tmp:
        src = Path(tmp) / "report.html"
        out = Path(tmp) / "report.pdf"
        src.write_text(html, "utf-8")
        cmd = [
            exe,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp}/profile",
            f"--print-to-pdf={out}",
            src.as_uri(),
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise Unavailable(f"PDF export failed: {exc}") from None
        if not out.is_file() or out.stat().st_size == 0:
            tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
            raise Unavailable(
                "PDF export failed: " + (tail[0] if tail else f"exit {proc.returncode}")
            )
        return out.read_bytes()


__all__ = ["answer_html", "case_html", "chromium_path", "html_to_pdf"]
