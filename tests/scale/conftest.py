"""Scale tests: one real dask.distributed LocalCluster per session, isolated data homes.

The cluster has two worker processes (with nannies, so a killed worker is restarted, as on
a real cluster). Tests that change the active lists use their own data home.
"""

from __future__ import annotations

import csv
import logging
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chipcomply.screening import Screener, get_screener

DATA = Path(__file__).resolve().parents[1] / "screening" / "data"


@pytest.fixture(scope="session")
def scale_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("chipcomply-scale-home")


@pytest.fixture(autouse=True)
def _isolated_home(scale_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CHIPCOMPLY_HOME", str(scale_home))
    monkeypatch.setenv("CHIPCOMPLY_INDEX_CACHE", "0")
    yield


@pytest.fixture(scope="session")
def bundled_screener(scale_home: Path) -> Screener:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CHIPCOMPLY_HOME", str(scale_home))
        mp.setenv("CHIPCOMPLY_INDEX_CACHE", "0")
        return get_screener()


@pytest.fixture(scope="session")
def dask_cluster() -> Iterator[Any]:
    """A two-worker local cluster, shared by every Dask test of the session."""
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        silence_logs=logging.CRITICAL,
    )
    try:
        yield cluster
    finally:
        cluster.close()


def counterparties(screener: Screener, n: int, seed: int = 1) -> list[dict[str, str]]:
    """Realistic rows: listed names (some misspelt), Chinese names, invented firms, bad rows."""
    rng = random.Random(seed)
    records = [r for r in screener.lists.records if len(r.name) > 5]
    with (DATA / "cn_entity_eval.csv").open(encoding="utf-8", newline="") as fh:
        cn = [r["query"] for r in csv.DictReader(fh)]
    words = ["Lumen", "Vertex", "Harbor", "Quill", "Nordic", "Saffron", "Tessel", "Orchid"]
    kinds = ["Trading", "Logistics", "Semiconductor", "Foods", "Tools", "Capital"]
    legal = ["Co., Ltd.", "GmbH", "LLC", "S.A.", "Pte. Ltd."]
    rows: list[dict[str, str]] = []
    for i in range(n):
        pick = rng.random()
        country = ""
        if pick < 0.25:
            rec = rng.choice(records)
            name = rec.name
            if rng.random() < 0.5:
                j = rng.randrange(1, len(name) - 1)
                name = name[:j] + name[j + 1 :]
            country = rec.countries[0] if rec.countries and rng.random() < 0.5 else ""
        elif pick < 0.40:
            name = rng.choice(cn)
        else:
            firm = f"{rng.choice(words)} {rng.choice(words)} {rng.choice(kinds)}"
            name = f"{firm} {rng.choice(legal)}"
        rows.append({"id": f"C{i:05d}", "name": name, "country": country})
    rows[7]["name"] = ""  # a bad row: no name
    rows[11]["country"] = "QQ"  # a bad row: unknown country
    return rows


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


# The storage tests run against SQLite and a throwaway PostgreSQL server, with the fixtures
# of tests/store (one server per session).
from store.conftest import pg_url, store_url  # noqa: E402, F401
