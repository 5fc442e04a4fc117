"""`chipcomply serve` as a user starts it: first-run admin key printed once, /health open."""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(tmp: Path, db: str) -> tuple[subprocess.Popen[str], int, list[str]]:
    port = _free_port()
    env = {**os.environ, "CHIPCOMPLY_HOME": str(tmp / "home")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "chipcomply.cli.main", "serve", "--port", str(port), "--db", db],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    lines: list[str] = []
    while True:
        line = proc.stdout.readline()
        assert line, "serve exited early: " + "".join(lines)
        lines.append(line)
        if line.startswith("Open http://"):
            break
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                break
        except OSError:
            time.sleep(0.1)
    return proc, port, lines


def _get(port: int, path: str, key: str | None = None) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers={"Authorization": f"Bearer {key}"} if key else {})
    resp = conn.getresponse()
    return resp.status, json.loads(resp.read())


def test_serve_prints_the_first_run_key_once(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'desk.sqlite3'}"
    proc, port, lines = _serve(tmp_path, db)
    try:
        text = "".join(lines)
        assert f"http://127.0.0.1:{port}" in text
        m = re.search(r"admin API key \(shown once, keep it\): (cc_\S+)", text)
        assert m, text
        status, health = _get(port, "/health")
        assert status == 200 and health["status"] == "ok"
        assert _get(port, "/api/rules")[0] == 401
        status, rules = _get(port, "/api/rules?as_of=2025-06-01", m.group(1))
        assert status == 200 and rules["rules"]
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    proc, port, lines = _serve(tmp_path, db)  # the same database again: no new key
    try:
        assert "admin API key" not in "".join(lines)
        assert _get(port, "/api/audit/verify", m.group(1))[1]["intact"] is True
    finally:
        proc.terminate()
        proc.wait(timeout=20)
