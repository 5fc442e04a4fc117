"""Benchmark restricted-party screening against a plain rapidfuzz baseline, in one process.

Prints, for chipcomply (cc-name-v1) and for the baseline (rapidfuzz ``token_sort_ratio``
full scan over every list name, the way a simple screening tool works):

- index build time and peak memory (CSL + OFAC SDN as bundled; and the stress case of CSL
  plus the whole OFAC SDN edition without de-duplication);
- single-query latency p50 / p95 over a mixed query set;
- batch throughput (queries/s) with 2 worker processes;
- quality: F1 on the nomenklatura name-bench pairs at the default threshold, and recall /
  false-positive rate on the Chinese Entity-List set at the default threshold.

Each figure is printed with its ratio to the baseline. Run: ``python benchmarks/bench_screening.py``
(``--quick`` for a shorter run). Nothing here asserts timings; tests never do.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

os.environ.setdefault("CHIPCOMPLY_INDEX_CACHE", "0")
os.environ.setdefault("CHIPCOMPLY_HOME", tempfile.mkdtemp(prefix="chipcomply-bench-"))

from rapidfuzz import fuzz, process, utils

from chipcomply.lists import active_lists, combine
from chipcomply.lists.store import bundled_snapshots
from chipcomply.screening import DEFAULT_THRESHOLD, Screener
from chipcomply.screening.batch import screen_file
from chipcomply.screening.index import NameIndex
from chipcomply.screening.normalise import tokens_of

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "screening" / "data"
NK = DATA / "nomenklatura_name_bench_cases.csv"
CN = DATA / "cn_entity_eval.csv"
BASELINE_CUTOFF = DEFAULT_THRESHOLD * 100


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def ratio(ours: float, base: float, higher_is_better: bool = True) -> str:
    if base == 0 or ours == 0:
        return "—"
    r = ours / base if higher_is_better else base / ours
    return f"{r:,.2f}× {'better' if r >= 1 else 'worse'}"


# --------------------------------------------------------------------------- data


def load_pairs() -> list[dict[str, str]]:
    with NK.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def load_cn() -> list[dict[str, str]]:
    if not CN.is_file():
        return []
    with CN.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def synthetic_companies(n: int, seed: int = 7) -> list[str]:
    """Plausible unlisted counterparties (city + invented word + industry + legal form)."""
    rng = random.Random(seed)
    cities = ["Shenzhen", "Munich", "Austin", "Osaka", "Lyon", "Pune", "Hsinchu", "Leeds", "Turin"]
    syll = ["ka", "lo", "ven", "tri", "mar", "zen", "qu", "dor", "pel", "sa", "nix", "or", "ta"]
    industry = ["Technology", "Logistics", "Trading", "Semiconductor", "Medical", "Foods", "Tools"]
    legal = ["Co., Ltd.", "GmbH", "LLC", "S.A.", "Pte. Ltd.", "Inc.", "K.K."]
    out = []
    for _ in range(n):
        word = "".join(rng.choice(syll) for _ in range(rng.randint(2, 3))).capitalize()
        out.append(f"{rng.choice(cities)} {word} {rng.choice(industry)} {rng.choice(legal)}")
    return out


def synthetic_people(n: int, seed: int = 5) -> list[str]:
    """Invented people's names from common given names and surnames of several regions."""
    rng = random.Random(seed)
    given = ["Maria", "Ahmed", "Wei", "Olga", "James", "Priya", "Kenji", "Fatima", "Lucas", "Min"]
    middle = ["", "", "A.", "Li", "Ibrahim", "Jose"]
    family = ["Garcia", "Khan", "Zhang", "Petrova", "Smith", "Sharma", "Sato", "Haddad", "Silva"]
    return [
        " ".join(p for p in (rng.choice(given), rng.choice(middle), rng.choice(family)) if p)
        for _ in range(n)
    ]


def counterparty_file(pairs: list[dict[str, str]], cn: list[dict[str, str]], n: int) -> list[str]:
    """A realistic counterparty list: mostly unlisted firms and people, 10% hard cases."""
    hard = query_set(pairs, cn, n // 10)
    out = hard + synthetic_companies(n * 45 // 100, seed=21) + synthetic_people(n * 45 // 100)
    random.Random(3).shuffle(out)
    return out[:n]


def query_set(pairs: list[dict[str, str]], cn: list[dict[str, str]], n: int) -> list[str]:
    queries = [r["query"] for r in cn]
    queries += [r["name1"] for r in pairs] + [r["name2"] for r in pairs]
    queries += synthetic_companies(max(0, n - len(queries)))
    rng = random.Random(11)
    rng.shuffle(queries)
    return queries[:n]


# --------------------------------------------------------------------------- baseline


class Baseline:
    """Plain rapidfuzz: every list name, token_sort_ratio, full scan."""

    def __init__(self, names: list[str], owners: list[str]) -> None:
        self.names = names
        self.owners = owners
        self.processed = [utils.default_process(n) for n in names]

    def screen(self, query: str, cutoff: float = BASELINE_CUTOFF) -> list[tuple[str, float]]:
        found = process.extract(
            utils.default_process(query),
            self.processed,
            scorer=fuzz.token_sort_ratio,
            processor=None,
            score_cutoff=cutoff,
            limit=5,
        )
        return [(self.owners[i], s) for _, s, i in found]


def build_baseline(screener: Screener) -> tuple[Baseline, float]:
    t = time.perf_counter()
    names: list[str] = []
    owners: list[str] = []
    for rec in screener.lists.records:
        for name in rec.names:
            names.append(name)
            owners.append(rec.name)
    base = Baseline(names, owners)
    return base, time.perf_counter() - t


def base_batch_qps(base: Baseline, queries: list[str]) -> float:
    """The baseline's best batch mode: rapidfuzz cdist over all names on 2 workers."""
    import numpy as np

    processed = [utils.default_process(q) for q in queries]
    t = time.perf_counter()
    for i in range(0, len(processed), 100):
        process.cdist(
            processed[i : i + 100],
            base.processed,
            scorer=fuzz.token_sort_ratio,
            processor=None,
            score_cutoff=BASELINE_CUTOFF,
            workers=2,
            dtype=np.uint8,
        )
    return len(processed) / (time.perf_counter() - t)


# --------------------------------------------------------------------------- measures


def latency(fn: Callable[[str], object], queries: Sequence[str]) -> list[float]:
    out = []
    for q in queries:
        t = time.perf_counter()
        fn(q)
        out.append((time.perf_counter() - t) * 1000.0)
    return out


def f1_at(scores: list[tuple[float, bool]], threshold: float) -> tuple[float, float, float]:
    tp = sum(1 for s, y in scores if s >= threshold and y)
    fp = sum(1 for s, y in scores if s >= threshold and not y)
    fn = sum(1 for s, y in scores if s < threshold and y)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return (2 * p * r / (p + r) if p + r else 0.0), p, r


Hits = list[tuple[str, list[str]]]


def cn_quality(hits_for: Callable[[str], Hits], cn: list[dict[str, str]]) -> tuple[float, float]:
    tp = fn = fp = tn = 0
    for row in cn:
        hits = hits_for(row["query"])
        if row["is_match"] == "true":
            want = row["expected_name"]
            if any(name == want or want in names for name, names in hits):
                tp += 1
            else:
                fn += 1
        elif hits:
            fp += 1
        else:
            tn += 1
    return tp / max(1, tp + fn), fp / max(1, fp + tn)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="fewer queries")
    args = parser.parse_args()
    n_latency = 300 if args.quick else 1000
    n_batch = 2000 if args.quick else 6000

    pairs = load_pairs()
    cn = load_cn()
    rows: list[tuple[str, str, str, str]] = []

    # ---- build
    rss0 = rss_mb()
    t = time.perf_counter()
    lists = active_lists()
    t_lists = time.perf_counter() - t
    t = time.perf_counter()
    screener = Screener(lists)
    t_index = time.perf_counter() - t
    rss1 = rss_mb()
    base, t_base = build_baseline(screener)
    build_ours = t_lists + t_index
    rows.append(
        (
            "index build (CSL + OFAC SDN, bundled)",
            f"{build_ours:.1f} s ({t_lists:.1f} s lists + {t_index:.1f} s index)",
            f"{t_base:.1f} s",
            "—",
        )
    )
    rows.append(
        (
            "peak RSS after build",
            f"{rss1:,.0f} MB (+{rss1 - rss0:,.0f} MB)",
            "(same process)",
            "—",
        )
    )
    print(
        f"[build] {len(lists.records):,} records, {len(screener.index.names):,} names, "
        f"{len(screener.index.postings):,} keys",
        file=sys.stderr,
    )
    if not args.quick:
        snaps = bundled_snapshots()
        merged = combine(snaps)
        every = list(merged.records) + [
            r for s in snaps if s.meta.family == "csl" for r in s.records if r.source_code == "SDN"
        ]
        tokens_of.cache_clear()  # tokenise every name again, as a fresh process would
        t = time.perf_counter()
        NameIndex(every)
        t_stress = time.perf_counter() - t
        rows.append(
            (
                f"stress build, CSL + whole SDN, {len(every):,} records",
                f"{t_stress:.1f} s, peak RSS {rss_mb():,.0f} MB",
                "—",
                "—",
            )
        )

    # make the process-wide screener this one (the batch run forks from it)
    import chipcomply.screening.api as api

    with api._lock:
        api._cached = (api._cache_key(api.SnapshotStore()), screener)
    screener.warm_up()

    # ---- latency
    queries = query_set(pairs, cn, n_latency)
    ours_ms = latency(lambda q: screener.screen(q), queries)
    base_q = queries[: max(50, n_latency // 5)]
    base_ms = latency(base.screen, base_q)
    for label, q in (("p50", 0.50), ("p95", 0.95)):
        o, b = pct(ours_ms, q), pct(base_ms, q)
        rows.append((f"single query {label}", f"{o:.2f} ms", f"{b:.2f} ms", ratio(o, b, False)))

    # ---- batch: a realistic counterparty file, and a file of hard cases only
    for label, batch_q in (
        ("counterparty file", counterparty_file(pairs, cn, n_batch)),
        ("hard cases only", query_set(pairs, cn, n_batch // 2)),
    ):
        with tempfile.TemporaryDirectory() as tmp:
            src = Path(tmp) / "in.csv"
            with src.open("w", encoding="utf-8", newline="") as fh:
                w = csv.writer(fh)
                w.writerow(["id", "name"])
                w.writerows([i, q] for i, q in enumerate(batch_q))
            t = time.perf_counter()
            summary = screen_file(src, Path(tmp) / "out.csv", workers=2)
            t_batch = time.perf_counter() - t
        qps = summary.screened / t_batch
        base_qps = base_batch_qps(base, batch_q[: max(400, len(batch_q) // 10)])
        rows.append(
            (
                f"batch, 2 workers, {label}",
                f"{qps:,.0f} q/s ({summary.screened:,} rows, {summary.hits:,} hits)",
                f"{base_qps:,.0f} q/s (cdist, 2 workers)",
                ratio(qps, base_qps),
            )
        )

    # ---- quality: nomenklatura
    ours_scores = [
        (screener.match(r["name1"], r["name2"]).score, r["is_match"] == "true") for r in pairs
    ]
    f1, p, r = f1_at(ours_scores, DEFAULT_THRESHOLD)
    base_scores = [
        (
            fuzz.token_sort_ratio(r["name1"], r["name2"], processor=utils.default_process) / 100,
            r["is_match"] == "true",
        )
        for r in pairs
    ]
    bf1_default = f1_at(base_scores, DEFAULT_THRESHOLD)[0]
    best = max((f1_at(base_scores, t / 100)[0], t / 100) for t in range(30, 100))
    rows.append(
        (
            f"nomenklatura F1 @ {DEFAULT_THRESHOLD:.2f} ({len(pairs)} pairs)",
            f"{f1:.3f} (P {p:.3f}, R {r:.3f})",
            f"{bf1_default:.3f} (best {best[0]:.3f} @ {best[1]:.2f})",
            ratio(f1, best[0]),
        )
    )

    # ---- quality: CN Entity List set
    if cn:

        def ours_hits(q: str) -> list[tuple[str, list[str]]]:
            return [(h.name, h.record.names) for h in screener.screen(q).hits]

        names_of = {rec.name: rec.names for rec in screener.lists.records}

        def base_hits(q: str) -> list[tuple[str, list[str]]]:
            return [(owner, names_of.get(owner, [owner])) for owner, _ in base.screen(q)]

        rec_o, fpr_o = cn_quality(ours_hits, cn)
        rec_b, fpr_b = cn_quality(base_hits, cn)
        n_pos = sum(1 for r in cn if r["is_match"] == "true")
        rows.append(
            (
                f"CN Entity-List recall ({n_pos} positives)",
                f"{rec_o:.3f}",
                f"{rec_b:.3f}",
                ratio(rec_o, rec_b),
            )
        )
        rows.append(
            (
                f"CN Entity-List false-positive rate ({len(cn) - n_pos} negatives)",
                f"{fpr_o:.3f}",
                f"{fpr_b:.3f}",
                "—" if fpr_o == 0 or fpr_b == 0 else ratio(fpr_o, fpr_b, False),
            )
        )

    width = max(len(r[0]) for r in rows)
    version = sys.version.split()[0]
    print(f"\nchipcomply screening benchmark — {os.cpu_count()} cores, Python {version}")
    print(f"{'measure':<{width}}  {'cc-name-v1':<38} {'rapidfuzz baseline':<34} ratio")
    for label, ours, theirs, rat in rows:
        print(f"{label:<{width}}  {ours:<38} {theirs:<34} {rat}")
    print(
        "\nbaseline = rapidfuzz token_sort_ratio over every list name (full scan), "
        f"cut-off {BASELINE_CUTOFF:.0f}; quality at the default threshold {DEFAULT_THRESHOLD}."
    )


if __name__ == "__main__":
    main()
