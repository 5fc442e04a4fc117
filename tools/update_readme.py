"""Re-run every ```console example in README.md and write its real output back.

A block looks like:

    ```console
    $ chipcomply classify --chip H100 --as-of 2026-12-01
    <output, replaced by this tool>
    ```

Commands run from the repo root with COLUMNS=100 so tables wrap the same way everywhere.
`--check` reports blocks whose recorded output differs from today's output (used by a test).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"```console\n\$ (?P<cmd>[^\n]+)\n(?P<out>.*?)```", re.S)


def run(cmd: str) -> str:
    args = shlex.split(cmd)
    if args[0] != "chipcomply":
        raise SystemExit(f"README example must start with 'chipcomply': {cmd}")
    stdin = None
    if "<" in args:
        i = args.index("<")
        stdin = (ROOT / args[i + 1]).read_bytes()
        args = args[:i] + args[i + 2 :]
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}
    proc = subprocess.run(
        [sys.executable, "-m", "chipcomply.cli.main", *args[1:]],
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        env=env,
        check=False,
    )
    text = proc.stdout.decode("utf-8") + proc.stderr.decode("utf-8")
    lines = [line.rstrip() for line in text.splitlines()]
    return "\n".join(lines) + "\n"


def refresh(text: str) -> tuple[str, list[str]]:
    stale: list[str] = []

    def replace(match: re.Match[str]) -> str:
        cmd = match.group("cmd")
        out = run(cmd)
        if out != match.group("out"):
            stale.append(cmd)
        return f"```console\n$ {cmd}\n{out}```"

    return BLOCK.sub(replace, text), stale


def main() -> None:
    path = ROOT / "README.md"
    new, stale = refresh(path.read_text("utf-8"))
    if "--check" in sys.argv:
        for cmd in stale:
            print(f"README example out of date: {cmd}")
        raise SystemExit(1 if stale else 0)
    path.write_text(new, encoding="utf-8")
    print(f"refreshed {len(BLOCK.findall(new))} examples ({len(stale)} changed)")


if __name__ == "__main__":
    main()
