"""Load run against the compliance desk on loopback: sustained req/s and latency.

Starts `chipcomply serve` on a free 127.0.0.1 port with a throwaway SQLite database (its
first-run admin key is read from the server's own output), warms it up, then for each of
POST /api/screen and POST /api/check keeps CONCURRENCY keep-alive connections busy for
DURATION seconds and prints requests/s, p50/p95/p99 latency and the error count ("mixed":
listed and unlisted names, incl. Huawei with 42 hits and ~190 KB answers; "clear": names
that hit nothing, the common case). Every
request is a real answer: screened or determined, and written to the audit chain.

    python benchmarks/bench_api.py [--duration 10] [--concurrency 4]

Only loopback traffic; bounded in time; prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

NAMES = [
    ("华为技术有限公司", "CN"),
    ("Huawei Technologies Co Ltd", "CN"),
    ("曙光信息产业股份有限公司", "CN"),
    ("Sugon", None),
    ("Zhejiang Dahua Technology", "CN"),
    ("Blue Harbour Bakery Ltd", "GB"),
    ("Shanghai Intelligent Technology Co., Ltd.", "CN"),
    ("中芯国际", None),
    ("Acme Robotics GmbH", "DE"),
    ("Inspur Group", "CN"),
]

#: Names that hit nothing: the common case at a distributor's desk.
CLEAR_NAMES = [
    ("Blue Harbour Bakery Ltd", "GB"),
    ("Acme Robotics GmbH", "DE"),
    ("Northwind Traders Pty Ltd", "AU"),
    ("Lion City Compute Pte Ltd", "SG"),
    ("Contoso Semiconductor Inc", "US"),
]

CASES = [
    {
        "as_of": "2025-06-01",
        "activity": "export",
        "from_country": "US",
        "to_country": "SG",
        "items": [{"chip": "H100", "quantity": 8}],
        "parties": [{"role": "end_user", "name": "Lion City Compute Pte Ltd", "country": "SG"}],
    },
    {
        "as_of": "2026-02-01",
        "activity": "export",
        "from_country": "US",
        "to_country": "CN",
        "items": [{"chip": "H20", "quantity": 100}],
        "parties": [{"role": "end_user", "name": "Example Trading Ltd", "country": "CN"}],
    },
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(tmp: Path, workers: int) -> tuple[subprocess.Popen[str], int, str]:
    port = _free_port()
    env = {**os.environ, "CHIPCOMPLY_HOME": str(tmp / "home"), "COLUMNS": "200"}
    cmd = [
        sys.executable,
        "-m",
        "chipcomply.cli.main",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--db",
        f"sqlite:///{tmp / 'bench.sqlite3'}",
        "--workers",
        str(workers),
    ]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    key = ""
    assert proc.stdout is not None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        m = re.search(r"admin API key \(shown once, keep it\): (\S+)", line)
        if m:
            key = m.group(1)
        if line.startswith("Open http://"):
            break
    threading.Thread(target=proc.stdout.read, daemon=True).start()  # keep draining
    if not key:
        proc.kill()
        raise SystemExit("server did not print its first-run admin key")
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                return proc, port, key
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("server did not become healthy")


def _cpu(pid: int) -> float:
    """User + system CPU seconds of a process and its live descendants (Linux /proc)."""
    stats: dict[int, list[str]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stats[int(entry.name)] = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
    family, grew = {pid}, True
    while grew:
        kids = {p for p, f in stats.items() if int(f[1]) in family} - family
        grew = bool(kids)
        family |= kids
    ticks = sum(int(stats[p][11]) + int(stats[p][12]) for p in family if p in stats)
    return ticks / os.sysconf("SC_CLK_TCK")


def run(
    port: int, key: str, path: str, bodies: list[bytes], duration: float, concurrency: int
) -> dict[str, float]:
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    errors = [0] * concurrency
    stop_at = time.monotonic() + duration
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        n = i
        while time.monotonic() < stop_at:
            body = bodies[n % len(bodies)]
            n += 1
            t0 = time.perf_counter()
            try:
                conn.request("POST", path, body=body, headers=headers)
                resp = conn.getresponse()
                resp.read()
                ok = resp.status == 200
            except OSError:
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            latencies[i].append(time.perf_counter() - t0)
            if not ok:
                errors[i] += 1
        conn.close()

    t_start = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t_start
    flat = sorted(x for lst in latencies for x in lst)
    q = statistics.quantiles(flat, n=100, method="inclusive") if len(flat) > 1 else [flat[0]] * 99
    return {
        "requests": len(flat),
        "rps": len(flat) / elapsed,
        "p50_ms": q[49] * 1000,
        "p95_ms": q[94] * 1000,
        "p99_ms": q[98] * 1000,
        "errors": sum(errors),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=float, default=10.0, help="seconds per endpoint (max 120)")
    ap.add_argument("--concurrency", type=int, default=4, help="keep-alive connections")
    ap.add_argument("--workers", type=int, default=2, help="server processes (one per core)")
    args = ap.parse_args()
    duration = min(max(args.duration, 1.0), 120.0)
    with tempfile.TemporaryDirectory(prefix="chipcomply-bench-") as tmp:
        proc, port, key = start_server(Path(tmp), args.workers)
        try:
            screen_bodies = [json.dumps({"name": n, "country": c}).encode() for n, c in NAMES]
            clear_bodies = [json.dumps({"name": n, "country": c}).encode() for n, c in CLEAR_NAMES]
            check_bodies = [json.dumps(c).encode() for c in CASES]
            # warm-up: index build, rulebook load, first audit writes (not measured)
            run(port, key, "/api/screen", screen_bodies, 3.0, args.concurrency)
            run(port, key, "/api/check", check_bodies, 3.0, args.concurrency)
            print(
                f"chipcomply desk on 127.0.0.1:{port}, SQLite, {args.workers} server processes, "
                f"{args.concurrency} connections, "
                f"{duration:.0f} s per endpoint, {os.cpu_count()} cores shared by server and client"
            )
            print(
                f"{'endpoint':<20}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}"
                f"{'p99 ms':>9}{'errors':>8}"
            )
            runs = (
                ("/api/screen", "mixed", screen_bodies),
                ("/api/screen", "clear", clear_bodies),
                ("/api/check", "cases", check_bodies),
            )
            for path, label, bodies in runs:
                srv0, cli0 = _cpu(proc.pid), os.times()
                r = run(port, key, path, bodies, duration, args.concurrency)
                srv1, cli1 = _cpu(proc.pid), os.times()
                cli = (cli1.user + cli1.system) - (cli0.user + cli0.system)
                print(
                    f"{path + ' ' + label:<20}{r['requests']:>9}{r['rps']:>9.0f}{r['p50_ms']:>9.1f}"
                    f"{r['p95_ms']:>9.1f}{r['p99_ms']:>9.1f}{r['errors']:>8}"
                    f"   server CPU {1000 * (srv1 - srv0) / max(r['requests'], 1):.1f} ms/req,"
                    f" client CPU {1000 * cli / max(r['requests'], 1):.1f} ms/req"
                )
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            conn.request("GET", "/api/audit/verify", headers={"Authorization": f"Bearer {key}"})
            v = json.loads(conn.getresponse().read())
            print(f"audit chain after the run: intact={v['intact']}, {v['records']} records")
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
