"""Scale benchmark: a million counterparties, a Dask local cluster, delta re-screening.

Prints measured figures (nothing here is a timed test):

1. a synthetic-but-realistic customer base of 1,000,000 rows, generated deterministically
   from a seed into a temporary file (never committed): list names as published and
   misspelt, Chinese names, and invented companies and people from many regions;
2. that file screened single-process (``screen-batch --workers 1``) and on ``local:2``
   (``screen-batch --dask local:2``): wall time, rows/s, peak memory per worker;
3. 100,000 stored counterparties re-screened by ``chipcomply monitor`` after a list update of
   about 50 changed entries (the delta), against a full re-screen of the same 100,000;
4. how the cost grows with the list size and with the input size, three sizes each.

Run: ``python benchmarks/bench_scale.py`` (``--rows N`` for a smaller base, ``--skip-1m`` to
leave out part 2). Targets on a 2-core machine: 1M in <= 10 minutes; delta re-screen <= 60 s;
peak memory per worker <= 2 GB.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import random
import sys
import tempfile
import threading
import time
from importlib import resources
from pathlib import Path

os.environ.setdefault("CHIPCOMPLY_HOME", tempfile.mkdtemp(prefix="chipcomply-bench-scale-"))

ROOT = Path(__file__).resolve().parents[1]
CN = ROOT / "tests" / "screening" / "data" / "cn_entity_eval.csv"

CITIES = (  # noqa: SIM905 - word lists, easier to read as text
    "Shenzhen Shanghai Beijing Hangzhou Suzhou Wuhan Chengdu Xiamen Dalian Tianjin Hsinchu "
    "Taipei Osaka Nagoya Busan Seoul Singapore Penang Johor Bangkok Hanoi Manila Jakarta "
    "Pune Bangalore Chennai Dubai Istanbul Ankara Warsaw Prague Vienna Munich Stuttgart "
    "Hamburg Lyon Grenoble Turin Milan Madrid Porto Leeds Bristol Dublin Austin Phoenix "
    "Boston Denver Portland Toronto Vancouver Monterrey Guadalajara Sao Paulo Santiago "
    "Lagos Nairobi Cairo"
).split()
SYLLABLES = (  # noqa: SIM905 - word lists, easier to read as text
    "ka lo ven tri mar zen qu dor pel sa nix or ta li mo ra te vi no su be ga fi ho ju ki "
    "la me ne po ro si tu va xe yo zu an el in on ur"
).split()
INDUSTRY = (  # noqa: SIM905 - word lists, easier to read as text
    "Technology Technologies Logistics Trading Semiconductor Electronics Medical Foods "
    "Tools Machinery Systems Software Networks Devices Materials Chemicals Energy Photonics"
    " Optics Robotics Components Instruments Solutions Industrial Engineering Supply "
    "Holdings Capital Ventures Data Cloud Computing"
).split()
LEGAL = (  # noqa: SIM905 - word lists, easier to read as text
    "Co., Ltd.|Ltd.|GmbH|AG|LLC|Inc.|Corp.|S.A.|S.r.l.|B.V.|Pte. Ltd.|Sdn. Bhd.|K.K.|"
    "OOO|JSC|PLC|Pvt. Ltd.|S.A.S.|A.S.|Limited|Company Limited|有限公司"
).split("|")
GIVEN = (  # noqa: SIM905 - word lists, easier to read as text
    "Maria Ahmed Wei Olga James Priya Kenji Fatima Lucas Min Anna Mohammed Li Sergei John "
    "Aisha Hiroshi Sofia Carlos Mei Ivan Sarah Omar Yuki Elena David Nguyen Ana Raj Chen "
    "Laura Ali Jun Emma Pedro Hana Viktor Grace Daniel Irina Kofi Amara Lars Ingrid Mateo "
    "Zainab Tomasz Agnieszka Arjun Deepa Kwame Nadia Pablo Rosa Sven Yara"
).split()
FAMILY = (  # noqa: SIM905 - word lists, easier to read as text
    "Garcia Khan Zhang Petrova Smith Sharma Sato Haddad Silva Wang Li Ivanov Kim Nguyen "
    "Mueller Rossi Novak Kowalski Tanaka Suzuki Patel Singh Cohen Lopez Martin Dubois "
    "Jensen Hansen Yilmaz Demir Popescu Horvat Okafor Mensah Mwangi Hassan Ali Rahman "
    "Chowdhury Fernandes Costa Alves Moreau Bernard Fischer Weber Schmidt Larsen Nielsen "
    "Berg Lindqvist"
).split()
MIDDLE = ["", "", "", "A.", "J.", "M.", "Li", "Ibrahim", "José", "Marie"]


class PeakRSS:
    """Peak resident memory of this process and of each process below it, sampled.

    ``ru_maxrss`` cannot be used for workers: Linux carries a process's high-water mark
    across fork and exec, so every worker spawned by a large client would report the
    client's peak. Sampling each process's current RSS (every 0.2 s) measures what each
    one really held.
    """

    def __init__(self) -> None:
        import psutil

        self._me = psutil.Process()
        self.own = 0.0
        self.children: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        import psutil

        try:
            self.own = max(self.own, self._me.memory_info().rss / 2**20)
            for child in self._me.children(recursive=True):
                try:
                    rss = child.memory_info().rss / 2**20
                except psutil.Error:
                    continue
                self.children[child.pid] = max(self.children.get(child.pid, 0.0), rss)
        except psutil.Error:
            pass

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self._sample()

    def __enter__(self) -> PeakRSS:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    @property
    def worst_child(self) -> float:
        return max(self.children.values(), default=0.0)


def _typo(rng: random.Random, name: str) -> str:
    if len(name) < 6:
        return name
    j = rng.randrange(1, len(name) - 1)
    kind = rng.random()
    if kind < 0.4:
        return name[:j] + name[j + 1 :]
    if kind < 0.7:
        return name[:j] + name[j + 1] + name[j] + name[j + 2 :]
    return name[:j] + rng.choice("aeioun") + name[j + 1 :]


def customer_base(n: int, seed: int = 2026) -> list[tuple[str, str, str]]:
    """(id, name, country) rows: 2.5% listed names (half misspelt), 0.5% Chinese names,
    52% invented companies, 45% invented people."""
    from chipcomply.lists import active_lists

    rng = random.Random(seed)
    listed = [r for r in active_lists().records if r.name]
    with CN.open(encoding="utf-8", newline="") as fh:
        chinese = [r["query"] for r in csv.DictReader(fh)]
    countries = ["", "", "", "", "CN", "US", "DE", "JP", "IN", "RU", "AE", "SG", "TR", "BR"]
    rows: list[tuple[str, str, str]] = []
    for i in range(n):
        pick = rng.random()
        if pick < 0.025:
            rec = rng.choice(listed)
            name = rec.name if rng.random() < 0.5 else _typo(rng, rec.name)
            cc = rec.countries[0] if rec.countries and rng.random() < 0.5 else ""
        elif pick < 0.03:
            name, cc = rng.choice(chinese), rng.choice(["", "CN"])
        elif pick < 0.55:
            word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
            parts = [word, rng.choice(INDUSTRY), rng.choice(LEGAL)]
            if rng.random() < 0.6:
                parts.insert(0 if rng.random() < 0.7 else 1, rng.choice(CITIES))
            if rng.random() < 0.2:
                parts.insert(-1, rng.choice(INDUSTRY))
            name, cc = " ".join(parts), rng.choice(countries)
        else:
            given, family = rng.choice(GIVEN), rng.choice(FAMILY)
            middle = rng.choice(MIDDLE)
            name = " ".join(p for p in (given, middle, family) if p)
            if rng.random() < 0.15:
                name = f"{family.upper()}, {given}"
            cc = rng.choice(countries)
        rows.append((f"C{i:07d}", name, cc))
    return rows


def write_base(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name", "country"])
        w.writerows(rows)
    return path


# --------------------------------------------------------------------------- part 2


def batch_runs(src: Path, tmp: Path, n: int) -> tuple[list[tuple[str, str]], float]:
    from chipcomply.screening import get_screener
    from chipcomply.screening.batch import screen_file

    out: list[tuple[str, str]] = []
    get_screener()
    with PeakRSS() as mem:
        t = time.perf_counter()
        one = screen_file(src, tmp / "single.csv", workers=1, restart=True)
        t_one = time.perf_counter() - t
    out.append(
        (
            f"{n:,} rows, single process",
            f"{t_one / 60:.1f} min ({one.screened / t_one:,.0f} rows/s, {one.hits:,} hits); "
            f"peak RSS {mem.own:,.0f} MB (incl. this script's {n:,} generated rows)",
        )
    )
    print(f"[batch] single process: {t_one:.0f} s", file=sys.stderr)

    with PeakRSS() as mem:
        t = time.perf_counter()
        two = screen_file(src, tmp / "dask.csv", dask="local:2", restart=True)
        t_two = time.perf_counter() - t
    same = (tmp / "single.csv").read_bytes() == (tmp / "dask.csv").read_bytes()
    out.append(
        (
            f"{n:,} rows, Dask local:2",
            f"{t_two / 60:.1f} min ({two.screened / t_two:,.0f} rows/s, "
            f"{t_one / t_two:.2f}x the single process); peak RSS per worker "
            f"{mem.worst_child:,.0f} MB over {len(mem.children)} child processes; "
            f"client {mem.own:,.0f} MB; output identical: {same}",
        )
    )
    print(f"[batch] local:2: {t_two:.0f} s, same={same}", file=sys.stderr)
    return out, t_one


# --------------------------------------------------------------------------- part 3


def _older_editions(folder: Path, seed: int = 5) -> tuple[list[Path], list[Path], int]:
    """Bundled CSL and SDN editions less ~50 entries (removed or altered), and the bundled."""
    rng = random.Random(seed)
    docs = {}
    for name in ("csl_projection_2026-07-31.json.gz", "ofac_sdn_2026-08-20.json.gz"):
        blob = resources.files("chipcomply.lists").joinpath(f"data/{name}").read_bytes()
        docs[name] = gzip.decompress(blob)
    csl = json.loads(docs["csl_projection_2026-07-31.json.gz"])
    sdn = json.loads(docs["ofac_sdn_2026-08-20.json.gz"])
    sources = csl["tables"]["sources"]
    pool = [i for i, e in enumerate(csl["entries"]) if "(SDN)" not in sources[e["s"]]]
    gone = set(rng.sample(pool, 12))
    csl["entries"] = [e for i, e in enumerate(csl["entries"]) if i not in gone]
    csl["entryCount"] = len(csl["entries"])
    csl["sourceGeneratedAt"] = "2026-07-24T00:00:00Z"
    picks = rng.sample(range(len(sdn["entries"])), 38)
    for i in picks[:20]:
        e = sdn["entries"][i]
        names = list(e.get("alternateNames") or [])
        e["alternateNames"] = names[:-1] if names else [e["name"] + " TRADING"]
    sdn["entries"] = [e for i, e in enumerate(sdn["entries"]) if i not in set(picks[20:])]
    sdn["published"] = "2026-08-13"
    folder.mkdir(parents=True, exist_ok=True)
    old = [folder / "csl-old.json", folder / "sdn-old.json"]
    old[0].write_text(json.dumps(csl), encoding="utf-8")
    old[1].write_text(json.dumps(sdn), encoding="utf-8")
    new = [folder / "csl-new.json", folder / "sdn-new.json"]
    new[0].write_bytes(docs["csl_projection_2026-07-31.json.gz"])
    new[1].write_bytes(docs["ofac_sdn_2026-08-20.json.gz"])
    return old, new, 12 + 38


def delta_runs(rows: list[tuple[str, str, str]], tmp: Path) -> list[tuple[str, str]]:
    from chipcomply.service import SYSTEM, get_desk

    n = len(rows)
    base = write_base(tmp / "stored.csv", rows)
    old, new, changed = _older_editions(tmp / "editions")
    desk = get_desk(f"sqlite:///{tmp / 'monitor.sqlite3'}")
    desk.update_lists(SYSTEM, [str(p) for p in old])
    desk.enrol(SYSTEM, base)
    mem = PeakRSS().__enter__()
    t = time.perf_counter()
    first = desk.monitor(SYSTEM, update=False)
    t_first = time.perf_counter() - t
    t = time.perf_counter()
    delta = desk.monitor(SYSTEM, sources=[str(p) for p in new])
    t_delta = time.perf_counter() - t
    t = time.perf_counter()
    full = desk.monitor(SYSTEM, update=False, full=True)
    t_full = time.perf_counter() - t
    mem.__exit__()
    assert full["alerts"]["opened"] == 0 and full["alerts"]["closed"] == 0, "delta != full"
    tim = delta["timings"]
    rescreen = tim["plan"] + tim["screen"] + tim["store matches"] + tim["reconcile"]
    cps = delta["counterparties"]
    return [
        (
            f"monitor, first run: {n:,} new counterparties screened in full",
            f"{t_first:.1f} s ({first['alerts']['opened']:,} alerts opened)",
        ),
        (
            f"monitor after an update of {changed} entries "
            f"({delta['records']['added']} added, {delta['records']['removed']} removed, "
            f"{delta['records']['changed']} changed)",
            f"delta re-screen {rescreen:.1f} s, {full['timings']['screen'] / tim['screen']:.2f}x "
            f"the full re-screen's speed (plan {tim['plan']:.1f} s, screening "
            f"{tim['screen']:.1f} s, storing {tim['store matches'] + tim['reconcile']:.1f} s); "
            f"whole run {t_delta:.1f} s with the update ({tim['update']:.1f} s) and the new "
            f"index ({tim['index']:.1f} s)",
        ),
        (
            "  of which by delta / in full",
            f"{cps['screened_delta']:,} / {cps['screened_full']:,} "
            f"({', '.join(f'{k}: {v}' for k, v in delta['full_rescreen_reasons'].items())}); "
            f"alerts {delta['alerts']['opened']} opened, {delta['alerts']['closed']} closed",
        ),
        (
            f"full re-screen of the same {n:,} (monitor --full)",
            f"{full['timings']['screen']:.1f} s screening, {t_full:.1f} s whole run; "
            "no alert differs from the delta's",
        ),
        (
            "peak RSS, monitor process / its worst screening worker",
            f"{mem.own:,.0f} MB / {mem.worst_child:,.0f} MB",
        ),
    ]


# --------------------------------------------------------------------------- part 4


def growth(
    rows: list[tuple[str, str, str]], tmp: Path, one_m: tuple[int, float] | None
) -> list[str]:
    from chipcomply.lists import active_lists
    from chipcomply.lists.store import ActiveLists
    from chipcomply.screening import Screener
    from chipcomply.screening.batch import screen_file
    from chipcomply.screening.normalise import tokens_of

    lines = ["list size (records)   index build   rows/s (20,000 rows, 1 process)"]
    lists = active_lists()
    queries = [name for _, name, _ in rows[:20_000]]
    for frac in (0.25, 0.5, 1.0):
        recs = lists.records[: int(len(lists.records) * frac)]
        sub = ActiveLists(lists.snapshots, tuple(recs), lists.winner)
        tokens_of.cache_clear()
        t = time.perf_counter()
        scr = Screener(sub)
        t_build = time.perf_counter() - t
        scr.warm_up()
        t = time.perf_counter()
        for q in queries:
            scr.screen(q, limit=5)
        qps = len(queries) / (time.perf_counter() - t)
        lines.append(f"{len(recs):>19,}   {t_build:>9.1f} s   {qps:>10,.0f}")
    lines.append("")
    lines.append("input size (rows)     wall time     rows/s (screen-batch --workers 1)")
    for size in (10_000, 100_000):
        src = write_base(tmp / f"in-{size}.csv", rows[:size])
        t = time.perf_counter()
        summary = screen_file(src, tmp / f"out-{size}.csv", workers=1, restart=True)
        wall = time.perf_counter() - t
        lines.append(f"{size:>17,}   {wall:>9.1f} s   {summary.screened / wall:>10,.0f}")
    if one_m is not None:
        size, wall = one_m
        lines.append(f"{size:>17,}   {wall:>9.1f} s   {size / wall:>10,.0f}   (part 2's run)")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--stored", type=int, default=100_000)
    parser.add_argument("--skip-1m", action="store_true", help="leave out part 2")
    args = parser.parse_args()
    report: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory(prefix="chipcomply-scale-") as tmpdir:
        tmp = Path(tmpdir)
        t = time.perf_counter()
        rows = customer_base(args.rows)
        src = write_base(tmp / "customers.csv", rows)
        report.append(
            (
                "customer base (seed 2026)",
                f"{len(rows):,} rows, {len({r[1] for r in rows}):,} distinct names, "
                f"{src.stat().st_size / 1e6:,.0f} MB CSV, "
                f"generated in {time.perf_counter() - t:.0f} s",
            )
        )
        one_m: tuple[int, float] | None = None
        if not args.skip_1m:
            got, wall = batch_runs(src, tmp, len(rows))
            report += got
            one_m = (len(rows), wall)
        report += delta_runs(rows[: args.stored], tmp)
        table = growth(rows, tmp, one_m)
    width = max(len(k) for k, _ in report)
    print(f"\nchipcomply scale benchmark — {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    for k, v in report:
        print(f"{k:<{width}}  {v}")
    print("\ncost against list size and input size")
    for line in table:
        print("  " + line)


if __name__ == "__main__":
    main()
