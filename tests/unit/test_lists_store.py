"""Snapshot store: manifests refuse bad files, the active snapshot changes only on success."""

from __future__ import annotations

import gzip
import json
from importlib import resources
from pathlib import Path

import pytest

from chipcomply.errors import DataError
from chipcomply.lists import SnapshotStore, active_lists, combine, parse_file, validate
from chipcomply.lists.store import bundled_ids, bundled_snapshots

from cli_runner import run_cli

DATA = Path(__file__).resolve().parents[1] / "screening" / "data"


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SnapshotStore:
    monkeypatch.setenv("CHIPCOMPLY_HOME", str(tmp_path / "home"))
    return SnapshotStore()


def _projection(as_of: str, drop_source: str | None = None) -> dict[str, object]:
    blob = resources.files("chipcomply.lists").joinpath("data/csl_projection_2026-07-31.json.gz")
    doc: dict[str, object] = json.loads(gzip.decompress(blob.read_bytes()))
    doc["sourceGeneratedAt"] = f"{as_of}T00:00:00Z"
    if drop_source is not None:
        sources = doc["tables"]["sources"]  # type: ignore[index]
        idx = next(i for i, s in enumerate(sources) if f"({drop_source})" in s)
        doc["entries"] = [e for e in doc["entries"] if e["s"] != idx]  # type: ignore[attr-defined]
        doc["entryCount"] = len(doc["entries"])  # type: ignore[arg-type]
    return doc


def test_bundled_snapshots_are_valid_and_named_after_their_content() -> None:
    snaps = bundled_snapshots()
    ids = bundled_ids()
    assert {s.meta.family for s in snaps} == {"csl", "ofac-sdn"}
    for snap in snaps:
        assert ids[snap.meta.family] == snap.meta.id
        assert snap.meta.id.endswith(snap.meta.sha256[:12])
        assert all(r.snapshot == snap.meta.id for r in snap.records[:50])
    csl = next(s for s in snaps if s.meta.family == "csl")
    assert csl.meta.sha256 == "4cb2be849d976ae3d72f69c03681d7284663ba7ffd9dbe4c2274c89760bd7c8e"


def test_newer_sdn_edition_supplies_sdn_and_keeps_csl_countries() -> None:
    lists = active_lists(SnapshotStore(Path("/nonexistent/chipcomply-test")))
    assert lists.winner["SDN"].startswith("ofac-sdn-2026-08-20")
    assert lists.winner["EL"].startswith("csl-2026-07-31")
    sdn = [r for r in lists.records if r.source_code == "SDN"]
    assert len(sdn) == 19249
    assert all(r.snapshot and r.snapshot.startswith("ofac-sdn") for r in sdn)
    # The OFAC JSON has no addresses; countries come from the CSL edition's same entity.
    limmt = next(r for r in sdn if r.entity_number == "9749")
    assert limmt.name == "LIMMT ECONOMIC AND TRADE COMPANY, LTD." and limmt.countries == ["CN"]
    assert all(len(c) == 2 for r in lists.records for c in r.countries)


def test_sample_file_is_refused_and_previous_snapshot_stays(store: SnapshotStore) -> None:
    before = store.active_ids()
    with pytest.raises(DataError) as exc:
        store.import_file(DATA / "csl_official_format_sample_2025-06.csv", as_of=None)
    msg = exc.value.message
    assert "refused csl_official_format_sample_2025-06.csv" in msg
    assert "13 entries, expected 15000–80000" in msg
    assert "EL: 1 entries, expected 1500–12000" in msg
    assert "no as-of date" in msg
    assert "the active list is unchanged" in msg
    assert store.active_ids() == before
    assert not (store.root / "snapshots").exists()


def test_truncated_edition_is_refused_by_source_bounds(
    store: SnapshotStore, tmp_path: Path
) -> None:
    path = tmp_path / "csl.json"
    path.write_text(json.dumps(_projection("2026-09-01", drop_source="EL")), encoding="utf-8")
    with pytest.raises(DataError, match="EL: 0 entries, expected 1500–12000"):
        store.import_file(path)
    assert store.active_ids()["csl"].startswith("csl-2026-07-31")


def test_valid_import_becomes_active_and_reset_goes_back(
    store: SnapshotStore, tmp_path: Path
) -> None:
    path = tmp_path / "csl-2026-09-01.json"
    path.write_text(json.dumps(_projection("2026-09-01")), encoding="utf-8")
    meta = store.import_file(path)
    assert meta.family == "csl" and meta.as_of.isoformat() == "2026-09-01"
    assert meta.origin == "imported" and meta.total == 25921
    assert store.active_ids()["csl"] == meta.id
    loaded = store.load(meta.id)
    assert len(loaded.records) == 25921 and loaded.records[0].snapshot is None
    lists = combine(store.active())
    assert lists.winner["EL"] == meta.id
    # the OFAC edition (2026-08-20) is now older than this CSL, so CSL supplies SDN again
    assert lists.winner["SDN"] == meta.id
    store.reset("csl")
    assert store.active_ids()["csl"].startswith("csl-2026-07-31")


def test_validate_reports_missing_columns() -> None:
    parsed = parse_file(DATA / "csl_official_format_sample_2025-06.csv")
    parsed.columns = [c for c in parsed.columns if c != "alt_names"]
    assert "missing columns: alt_names" in validate(parsed)


def test_lists_show_prints_sources_dates_counts_and_sha(
    capsys: pytest.CaptureFixture[str], store: SnapshotStore
) -> None:
    res = run_cli(capsys, "lists", "show")
    assert res.code == 0, res.err
    assert "csl-2026-07-31-4cb2be849d97" in res.out and "2026-08-20" in res.out
    assert "4cb2be849d976ae3d72f69c03681d7284663ba7ffd9dbe4c2274c89760bd7c8e" in res.out
    assert "Entity List (EL) - Bureau of Industry and" in res.out and "3,420" in res.out
    res = run_cli(capsys, "lists", "show", "--json")
    data = json.loads(res.out)
    assert data["sources"]["EL"]["records"] == 3420
    assert data["sources"]["SDN"]["snapshot"].startswith("ofac-sdn-2026-08-20")
    assert {s["family"] for s in data["snapshots"]} == {"csl", "ofac-sdn"}


def test_lists_import_cli_refuses_with_exit_code(
    capsys: pytest.CaptureFixture[str], store: SnapshotStore
) -> None:
    res = run_cli(capsys, "lists", "import", str(DATA / "csl_official_format_sample_2025-06.csv"))
    assert res.code == 4
    assert "refused" in res.err and "Traceback" not in res.err
    res = run_cli(capsys, "lists", "import", "nope.csv")
    assert res.code == 2 and "no such file" in res.err
