"""Run the real `chipcomply` entry point in-process and capture what a user would see."""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass

import pytest

from chipcomply.cli.main import main


@dataclass
class CliResult:
    code: int
    out: str
    err: str


def run_cli(capsys: pytest.CaptureFixture[str], *args: str, stdin: bytes = b"") -> CliResult:
    old_argv, old_stdin = sys.argv, sys.stdin
    sys.argv = ["chipcomply", *args]
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.argv, sys.stdin = old_argv, old_stdin
    captured = capsys.readouterr()
    return CliResult(code, captured.out, captured.err)
