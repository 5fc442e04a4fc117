"""`chipcomply monitor` on SQLite and PostgreSQL: enrol, alerts, clearances, refusals.

Each database gets the same story, through the real command: a customer file is enrolled
and screened in full; a desk case clears one hit as a false positive (its alert closes,
the case's counterparty is taken in); an older OFAC SDN edition is then monitored by delta
and the open alerts equal a full re-screen; bad options and a refused list file fail in one
line, leave the alerts as they were, and are recorded.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from chipcomply.lists.diff import record_hash
from chipcomply.screening import Screener, get_screener
from chipcomply.service import SYSTEM, get_desk
from chipcomply.store import monitor as mon
from chipcomply.store import schema as s
from scale.conftest import counterparties
from scale.editions import bundled_sdn, older_sdn, write

from cli_runner import run_cli


def flat(text: str) -> str:
    return " ".join(text.split())


def expected(desk: Any) -> set[tuple[int, str]]:
    screener = get_screener()
    records = {r.uid: r for r in screener.lists.records}
    cleared = mon.active_clearances(desk.store)
    out = set()
    for p in mon.parties(desk.store):
        for hit in screener.screen(p["name"], country=p["country"]).hits:
            cl = cleared.get((p["party_hash"], hit.record.uid))
            if cl is None or cl["record_hash"] != record_hash(records[hit.record.uid]):
                out.add((int(p["id"]), hit.record.uid))
    return out


def test_monitor_story_on_both_databases(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    store_url: str,
    monkeypatch: pytest.MonkeyPatch,
    bundled_screener: Screener,
) -> None:
    monkeypatch.setenv("CHIPCOMPLY_HOME", str(tmp_path / "home"))
    rows = [r for r in counterparties(bundled_screener, 260, seed=4) if r["country"] != "QQ"]
    src = tmp_path / "customers.csv"
    with src.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["id", "name", "country"])
        w.writeheader()
        w.writerows(rows)
    summary_path = tmp_path / "summary.json"
    db = ["--db", store_url]

    # 1. enrol and screen in full against the lists in use
    res = run_cli(capsys, "monitor", "--no-update", "--enrol", str(src), *db)
    assert res.code == 0, res.err
    assert "Enrolled" in res.err and "1 bad rows, first: row 9: name: is empty" in flat(res.err)
    assert "Monitor run 1 against" in flat(res.out) and "New alerts" in res.out
    desk = get_desk(store_url)
    first = set(mon.open_alerts(desk.store))
    assert first == expected(desk) and len(first) > 30
    data = json.loads(next((tmp_path / "home" / "monitor").glob("run-1.json")).read_text())
    assert data["counterparties"]["screened_full"] == data["counterparties"]["stored"]
    assert all(
        a["reason"] == "counterparty screened for the first time" for a in data["new_alerts"]
    )

    # 2. clear one open alert on the desk; the next run closes it and suppresses the pair
    alert = mon.alerts(desk.store, "open")[0]
    case = desk.create_case(
        SYSTEM, {"screen": {"name": alert["counterparty"], "country": alert["country"]}}
    )
    desk.disposition(
        SYSTEM,
        case["id"],
        {"record_key": alert["record_uid"], "decision": "false_positive", "reason": "other party"},
    )
    res = run_cli(capsys, "monitor", "--no-update", "--summary-json", str(summary_path), *db)
    assert res.code == 0, res.err
    two = json.loads(summary_path.read_text("utf-8"))
    assert two["counterparties"]["unchanged"] == two["counterparties"]["stored"]
    assert [c["alert"] for c in two["closed_alerts"]] == [alert["id"]]
    assert two["closed_alerts"][0]["reason"].startswith("cleared as a false positive")
    assert two["alerts"]["suppressed_by_clearances"] == 1
    assert set(mon.open_alerts(desk.store)) == expected(desk)

    # 3. an older SDN edition: the delta re-screen raises what a full re-screen raises
    uids = [e["uid"] for e in bundled_sdn()["entries"]]
    older = write(
        tmp_path / "sdn", "sdn.json", older_sdn(8, "2026-08-12", drop=25, alter=uids[:30])
    )
    res = run_cli(capsys, "monitor", "--from", str(older), "--json", *db)
    assert res.code == 0, res.err
    three = json.loads(res.out)
    assert three["records"]["removed"] == 25 and three["records"]["changed"] >= 20
    assert three["counterparties"]["screened_delta"] > 0
    assert set(mon.open_alerts(desk.store)) == expected(desk)
    assert three["update"]["sources"][0]["family"] == "ofac-sdn"

    # 4. failures: one line, non-zero, alerts untouched, the failed run recorded
    before = mon.alerts(desk.store)
    bad_csl = tmp_path / "consolidated.csv"
    bad_csl.write_text("_id,source,full_name\n1,x,y\n", encoding="utf-8")
    no_name = tmp_path / "no_name.csv"
    no_name.write_text("id,company\n1,Huawei\n", encoding="utf-8")
    for args, code, message in (
        (["--from", str(bad_csl), "--as-of", "2026-09-01"], 4, "refused"),
        (["--from", str(tmp_path / "nope.json")], 2, "--from: no such file"),
        (["--enrol", str(no_name), "--no-update"], 2, "has no 'name' column"),
        (["--threshold", "3"], 2, "--threshold: must be greater than 0"),
        (["--no-update", "--from", str(older)], 2, "give --from or --no-update"),
    ):
        res = run_cli(capsys, "monitor", *args, *db)
        assert res.code == code, (args, res.err)
        assert message in flat(res.err) and len(res.err.strip().splitlines()) == 1
        assert "Traceback" not in res.err
    assert mon.alerts(desk.store) == before
    with desk.store.engine.connect() as conn:
        runs = conn.execute(sa.select(s.monitor_runs.c.status).order_by(s.monitor_runs.c.id))
        statuses = [r[0] for r in runs]
    assert statuses[:3] == ["done", "done", "done"] and "failed" in statuses[3:]

    # 5. a second monitor while one runs is refused
    with desk.store.begin() as conn:
        conn.execute(
            s.monitor_runs.insert().values(
                status="running", started_at=desk.now_iso(), threshold=0.8
            )
        )
    res = run_cli(capsys, "monitor", "--no-update", *db)
    assert res.code == 4 and "is still running" in flat(res.err)
    assert desk.verify()["intact"]
