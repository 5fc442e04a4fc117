"""`lists update`: real files over a loopback HTTP server; refusals keep the active lists.

The files are the official trade.gov formats (``consolidated.json``, ``consolidated.csv``)
written from the bundled CSL edition's records, so they are complete, realistic editions:
the server sends them with a ``Last-Modified`` date, cut in half, cut off mid-transfer,
with a renamed column, or not at all.
"""

from __future__ import annotations

import csv
import io
import json
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from chipcomply.errors import BadInput, DataError
from chipcomply.lists import ListRecord, SnapshotStore, active_lists
from chipcomply.lists import fetch as fetch_mod
from chipcomply.lists.diff import record_hash
from chipcomply.lists.parsers import CSL_COLUMNS
from chipcomply.lists.store import bundled_snapshots
from chipcomply.lists.update import update

from cli_runner import run_cli

TODAY = date(2026, 9, 10)


def _csl_records() -> list[ListRecord]:
    csl = next(s for s in bundled_snapshots() if s.meta.family == "csl")
    return list(csl.records)


def _json_entry(r: ListRecord) -> dict[str, Any]:
    return {
        "source": r.source,
        "entity_number": r.entity_number,
        "type": r.type,
        "programs": r.programs,
        "name": r.name,
        "alt_names": r.alt_names,
        "addresses": [{"country": c} for c in r.countries],
        "federal_register_notice": r.federal_register_notice,
        "license_requirement": r.license_requirement,
        "license_policy": r.license_policy,
        "source_list_url": r.source_list_url,
    }


def consolidated_json(records: list[ListRecord]) -> bytes:
    return json.dumps({"results": [_json_entry(r) for r in records]}).encode("utf-8")


def consolidated_csv(records: list[ListRecord], header: tuple[str, ...] = CSL_COLUMNS) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for i, r in enumerate(records):
        row = dict.fromkeys(CSL_COLUMNS, "")
        row.update(
            _id=str(i),
            source=r.source,
            entity_number=r.entity_number or "",
            type=r.type or "",
            programs="; ".join(r.programs),
            name=r.name,
            addresses="; ".join(r.countries),
            federal_register_notice=r.federal_register_notice or "",
            license_requirement=r.license_requirement or "",
            license_policy=r.license_policy or "",
            source_list_url=r.source_list_url or "",
            alt_names="; ".join(a.replace(";", ",") for a in r.alt_names),
        )
        w.writerow([row[c] for c in CSL_COLUMNS])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


@pytest.fixture(scope="module")
def editions() -> dict[str, Any]:
    """Edition 1 (all CSL records), edition 2 (5 removed, 2 added, 3 SDN entries changed)."""
    recs = _csl_records()
    sdn = [r for r in recs if r.source_code == "SDN" and r.entity_number][:3]
    removed = [r for r in recs if r.source_code == "EL"][:5]
    gone = {r.uid for r in removed}
    changed = {r.uid for r in sdn}
    second = []
    for r in recs:
        if r.uid in gone:
            continue
        if r.uid in changed:
            r = r.model_copy(update={"alt_names": [*r.alt_names, f"{r.name} TRADING FZE"]})
        second.append(r)
    template = next(r for r in recs if r.source_code == "EL")
    for n, name in enumerate(("Quillmark Photonics Co., Ltd.", "Shenzhen Vantorix Compute Ltd.")):
        second.append(
            template.model_copy(update={"name": name, "alt_names": [], "entity_number": f"X{n}"})
        )
    return {
        "v1": consolidated_json(recs),
        "v2": consolidated_json(second),
        "csv": consolidated_csv(recs),
        "removed": {r.name for r in removed},
        "changed": {r.entity_number for r in sdn},
    }


class _Server:
    """Serves registered paths; each is (status, body, headers, how many bytes to send)."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[int, bytes, dict[str, str], int | None]] = {}
        files = self.files

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, body, headers, cut = files.get(self.path, (404, b"not found", {}, None))
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body if cut is None else body[:cut])
                if cut is not None:
                    self.close_connection = True

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def put(
        self,
        path: str,
        body: bytes,
        day: date | None = None,
        status: int = 200,
        cut: int | None = None,
    ) -> str:
        headers = {}
        if day is not None:
            moment = datetime(day.year, day.month, day.day, 6, 0, tzinfo=UTC)
            headers["Last-Modified"] = format_datetime(moment, usegmt=True)
        self.files[path] = (status, body, headers, cut)
        return self.url + path


@pytest.fixture(scope="module")
def server() -> Iterator[_Server]:
    srv = _Server()
    yield srv
    srv.httpd.shutdown()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CHIPCOMPLY_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CHIPCOMPLY_INDEX_CACHE", "0")
    monkeypatch.setenv("CHIPCOMPLY_DB", f"sqlite:///{tmp_path / 'desk.sqlite3'}")
    return tmp_path / "home"


def test_update_over_http_diffs_records_and_keeps_old_snapshots(
    home: Path, server: _Server, editions: dict[str, Any]
) -> None:
    first = update(
        [server.put("/v1/consolidated.json", editions["v1"], date(2026, 9, 1))], today=TODAY
    )
    assert first.changed and first.sources[0].status == "new"
    assert first.sources[0].as_of == date(2026, 9, 1)  # from Last-Modified
    v1 = first.after["csl"]
    assert v1.startswith("csl-2026-09-01-")
    # this edition is newer than the bundled OFAC SDN file, so it supplies SDN itself
    assert active_lists().winner["SDN"] == v1

    second = update(
        [server.put("/v2/consolidated.json", editions["v2"], date(2026, 9, 8))], today=TODAY
    )
    counts = second.diff.counts()
    assert (counts["added"], counts["removed"], counts["changed"]) == (2, 5, 3)
    assert {c.name for c in second.diff.removed} == editions["removed"]
    assert {c.entity_number for c in second.diff.changed} == editions["changed"]
    assert all(c.fields == ("alt_names",) for c in second.diff.changed)
    assert {c.name for c in second.diff.added} == {
        "Quillmark Photonics Co., Ltd.",
        "Shenzhen Vantorix Compute Ltd.",
    }
    assert second.before["csl"] == v1 and second.after["csl"] != v1
    # old snapshots are kept (the audit trail names them), the full diff is on disk
    assert v1 in SnapshotStore().stored_ids()
    assert second.diff_file is not None
    assert json.loads(second.diff_file.read_text("utf-8"))["counts"] == counts
    # the same file again: nothing to do
    again = update([server.url + "/v2/consolidated.json"], today=TODAY)
    assert not again.changed and again.sources[0].status == "active" and again.diff.empty


def test_content_hash_is_the_desks_clearance_hash(editions: dict[str, Any]) -> None:
    pytest.importorskip("orjson")
    from chipcomply.service import hit_record_hash

    for rec in _csl_records()[:300]:
        assert record_hash(rec) == hit_record_hash({"record": rec.model_dump(mode="json")})


def _refused(server: _Server, editions: dict[str, Any]) -> list[tuple[str, str]]:
    half_json = editions["v1"][: len(editions["v1"]) // 2]
    lines = editions["csv"].split(b"\n")
    short_csv = b"\n".join(lines[: len(lines) * 2 // 5]) + b"\n"
    renamed = editions["csv"].replace(b",name,", b",entity_name,", 1)
    return [
        (server.put("/half/consolidated.json", half_json), "malformed JSON"),
        (server.put("/short/consolidated.csv", short_csv), "entries, expected 15000–80000"),
        (server.put("/renamed/consolidated.csv", renamed), "missing columns name"),
        (
            server.put("/cut/consolidated.json", editions["v1"], cut=100_000),
            "truncated download",
        ),
        (server.url + "/missing/consolidated.json", "the server answered HTTP 404"),
        (server.put("/error/consolidated.json", b"oops", status=503), "HTTP 503"),
        ("http://127.0.0.1:1/consolidated.json", "cannot fetch http://127.0.0.1:1"),
    ]


def test_bad_files_and_failed_downloads_leave_the_active_lists(
    home: Path, server: _Server, editions: dict[str, Any]
) -> None:
    store = SnapshotStore()
    before = store.active_ids()
    for url, message in _refused(server, editions):
        with pytest.raises(DataError) as exc:
            update([url], today=TODAY, as_of=date(2026, 9, 2))
        assert message in exc.value.message, url
        assert "the active lists are unchanged" in exc.value.message
        assert store.active_ids() == before
        assert store.stored_ids() == []
    with pytest.raises(BadInput, match="--from: no such file"):
        update([str(home / "nope.json")], today=TODAY)


def test_a_failure_while_storing_leaves_no_half_snapshot(
    home: Path, server: _Server, editions: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import chipcomply.lists.store as store_mod

    def broken(*_: object) -> None:
        raise OSError(28, "No space left on device")

    store = SnapshotStore()
    before = store.active_ids()
    monkeypatch.setattr(store_mod.os, "rename", broken)
    url = server.put("/v1/consolidated.json", editions["v1"], date(2026, 9, 1))
    with pytest.raises(
        DataError, match=r"\(No space left on device\); the active lists are unchanged"
    ):
        update([url], today=TODAY)
    assert store.active_ids() == before
    assert list((store.root / "snapshots").iterdir()) == []  # the staging folder went too


def test_official_downloads_offline_fail_with_a_clear_message(
    capsys: pytest.CaptureFixture[str], home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        fetch_mod,
        "OFFICIAL",
        (
            ("csl", "http://127.0.0.1:1/consolidated.json"),
            ("ofac-sdn", "http://127.0.0.1:1/sdn.csv"),
        ),
    )
    import chipcomply.lists.update as update_mod

    monkeypatch.setattr(update_mod, "OFFICIAL", fetch_mod.OFFICIAL)
    before = SnapshotStore().active_ids()
    res = run_cli(capsys, "lists", "update")
    assert res.code == 4
    text = " ".join(res.err.split())
    assert "cannot fetch http://127.0.0.1:1/consolidated.json" in text
    assert "the active lists are unchanged" in text and "Traceback" not in res.err
    assert SnapshotStore().active_ids() == before
    # the refusal is in the audit trail
    from chipcomply.service import get_desk

    rec = get_desk().audit_records(kind="lists_update")[0]
    assert rec["kind"] == "lists_update"


def test_cli_update_from_a_file_and_refusals(
    capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path, editions: dict[str, Any]
) -> None:
    path = tmp_path / "consolidated.csv"
    path.write_bytes(editions["csv"])
    res = run_cli(capsys, "lists", "update", "--from", str(path), "--as-of", "2026-09-03")
    assert res.code == 0, res.err
    assert "Lists updated:" in res.out and "csl-2026-09-03-" in res.out
    assert "Record changes:" in res.out and "Full diff:" in res.out
    res = run_cli(
        capsys, "lists", "update", "--from", str(path), "--from", str(path), "--as-of", "2026-09-03"
    )
    assert res.code == 2 and "are both csl editions" in " ".join(res.err.split())
    bad = tmp_path / "renamed.csv"
    bad.write_bytes(editions["csv"].replace(b",name,", b",entity_name,", 1))
    res = run_cli(capsys, "lists", "update", "--from", str(bad), "--as-of", "2026-09-04")
    assert res.code == 4 and len(res.err.strip().splitlines()) == 1
    assert "missing columns name" in " ".join(res.err.split())
    res = run_cli(capsys, "lists", "update", "--from", str(tmp_path / "nope.csv"))
    assert res.code == 2 and "--from: no such file" in res.err
    res = run_cli(capsys, "lists", "update", "--from", str(path), "--format", "xml")
    assert res.code == 2 and "unknown format 'xml'" in res.err
