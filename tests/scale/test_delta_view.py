"""The subset view decides exactly as the full index does, for the records it holds."""

from __future__ import annotations

import random

from chipcomply.lists import delta
from chipcomply.screening import Screener
from chipcomply.screening.normalise import tokens_of
from scale.conftest import counterparties


def test_a_view_finds_exactly_the_full_index_hits_among_its_records(
    bundled_screener: Screener,
) -> None:
    full = bundled_screener.index
    rng = random.Random(12)
    queries = [r["name"] for r in counterparties(bundled_screener, 700, seed=12) if r["name"]]
    picked: set[int] = set(rng.sample(range(len(full.records)), 3000))
    # and the records the queries hit, so there is something to find
    for q in queries:
        picked.update(full.names[m].record for m in full.candidates(tokens_of(q), 0.8)[:2])
    view = delta.subset_index(full, picked)
    held = {full.records[i].uid for i in picked}
    found = 0
    for q in queries:
        toks = tokens_of(q)
        for cutoff in (0.8, 0.75):
            mine = delta._evaluate(view, toks, None, cutoff)
            want = {u: f for u, f in delta._evaluate(full, toks, None, cutoff).items() if u in held}
            assert mine == want, q
            found += len(mine)
    assert found > 100
