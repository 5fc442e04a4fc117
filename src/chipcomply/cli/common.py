"""Plumbing shared by CLI commands: reading input files, printing JSON, dates."""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from chipcomply.errors import BadInput


def _width() -> int | None:
    # Piped output (files, CI logs, README examples) gets a fixed, readable width.
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit():
        return int(columns)
    return None if sys.stdout.isatty() else 120


console = Console(width=_width())
err_console = Console(stderr=True, width=_width())


def progress_bar(label: str) -> Progress:
    """A counting bar on stderr, shown only on a terminal and gone when done."""
    return Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    )


def parse_day(value: str | None, field: str = "--as-of") -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadInput(field, f"expected a date as YYYY-MM-DD, got {value!r}") from None


def read_text_arg(source: str, field: str) -> str:
    """Text of a file argument, or of stdin when the argument is '-'."""
    if source == "-":
        data = sys.stdin.buffer.read()
    else:
        path = Path(source)
        if not path.is_file():
            raise BadInput(field, f"no such file: {source}")
        data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadInput(field, f"not valid UTF-8 (byte {exc.start})") from None


def parse_document(text: str, field: str) -> Any:
    """Parse JSON or YAML; errors name the line."""
    stripped = text.lstrip()
    if not stripped:
        raise BadInput(field, "the document is empty")
    if stripped[0] in "{[":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise BadInput(field, f"malformed JSON at line {exc.lineno}: {exc.msg}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise BadInput(field, f"malformed YAML{where}: {problem}") from None


def print_json(obj: BaseModel | dict[str, Any] | list[Any]) -> None:
    data = obj.model_dump(mode="json") if isinstance(obj, BaseModel) else obj
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def fmt_number(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "—"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.{digits}f}"
