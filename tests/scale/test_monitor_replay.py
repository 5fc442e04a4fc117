"""Done-when replay: across three real list editions, the delta re-screen raises exactly the
alerts a full re-screen would raise, misses none, and closes exactly the right ones.

Editions: S1 and S2 are the bundled CSL and OFAC SDN editions with entries removed and
altered (S1 more than S2); S3 is the bundled pair itself. A customer base of realistic
counterparties (listed names as given and misspelt, names of the very entries that change,
Chinese names, invented firms and people) is enrolled and monitored through S1 → S2 → S3,
with two good-guy clearances made on the desk in between. After every run the open alerts
must equal a full re-screen of every stored counterparty with ``screen()`` at the threshold,
minus the pairs a still-valid clearance suppresses.
"""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path
from typing import Any

import pytest

from chipcomply.lists.diff import record_hash
from chipcomply.screening import get_screener
from chipcomply.service import SYSTEM, get_desk
from chipcomply.store import monitor as mon
from scale.editions import bundled_csl, bundled_sdn, older_csl, older_sdn, write

from cli_runner import run_cli

DATA = Path(__file__).resolve().parents[1] / "screening" / "data"


def _names(doc: dict[str, Any], key: str = "n") -> dict[str, str]:
    return {
        str(e.get("e") or e.get("uid") or e[key]) + "|" + e[key]: e[key] for e in doc["entries"]
    }


def _customer_base(
    csl_docs: list[dict[str, Any]], sdn_docs: list[dict[str, Any]]
) -> list[dict[str, str]]:
    rng = random.Random(6)
    changing: set[str] = set()
    full_csl, full_sdn = _names(csl_docs[-1]), _names(sdn_docs[-1], "name")
    for doc in csl_docs[:-1]:
        mine = _names(doc)
        changing |= {full_csl[k] for k in full_csl.keys() - mine.keys()}
        changing |= {mine[k] for k in mine.keys() - full_csl.keys()}
    for doc in sdn_docs[:-1]:
        mine = _names(doc, "name")
        changing |= {full_sdn[k] for k in full_sdn.keys() - mine.keys()}
    base = sorted(changing)
    base += rng.sample(sorted(set(full_csl.values())), 300)
    base += rng.sample(sorted(set(full_sdn.values())), 200)
    out: list[str] = []
    for name in base:
        out.append(name)
        if len(name) > 8 and rng.random() < 0.4:
            j = rng.randrange(1, len(name) - 1)
            out.append(name[:j] + name[j + 1 :])
    with (DATA / "cn_entity_eval.csv").open(encoding="utf-8", newline="") as fh:
        out += [r["query"] for r in csv.DictReader(fh)][:150]
    first = ["Maria", "Wei", "Olga", "Ahmed", "Kenji", "Lucas"]
    last = ["Sato", "Garcia", "Petrova", "Khan", "Silva", "Haddad"]
    firms = ["Lumen", "Vertex", "Harbor", "Quill", "Saffron", "Tessel"]
    out += [f"{rng.choice(first)} {rng.choice(last)}" for _ in range(60)]
    out += [f"{rng.choice(firms)} {rng.choice(firms)} Logistics GmbH" for _ in range(60)]
    rows = []
    for i, name in enumerate(out):
        country = rng.choice(["", "", "", "CN", "RU", "IR"])
        rows.append({"id": f"K{i:05d}", "name": name, "country": country})
    return rows


def _expected(desk: Any) -> set[tuple[int, str]]:
    """A full re-screen of every stored counterparty, less the pairs still cleared."""
    screener = get_screener()
    records = {r.uid: r for r in screener.lists.records}
    cleared = mon.active_clearances(desk.store)
    out: set[tuple[int, str]] = set()
    for p in mon.parties(desk.store):
        for hit in screener.screen(p["name"], country=p["country"]).hits:
            cl = cleared.get((p["party_hash"], hit.record.uid))
            if cl is not None and cl["record_hash"] == record_hash(records[hit.record.uid]):
                continue
            out.add((int(p["id"]), hit.record.uid))
    return out


def _check_run(
    desk: Any, summary: dict[str, Any], before: set[tuple[int, str]]
) -> set[tuple[int, str]]:
    now = set(mon.open_alerts(desk.store))
    expected = _expected(desk)
    assert now - expected == set(), "alerts a full re-screen would not raise"
    assert expected - now == set(), "alerts missed"
    opened = {(a["counterparty"]["id"], a["record"]["uid"]) for a in summary["new_alerts"]}
    closed = {(a["counterparty"]["id"], a["record"]["uid"]) for a in summary["closed_alerts"]}
    assert opened == now - before and closed == before - now
    assert summary["alerts"]["open"] == len(now)
    return now


def _clearable(uids: list[int]) -> list[tuple[int, str]]:
    """(SDN uid, name) of entries whose own name screens to them."""
    screener = get_screener()
    doc = {e["uid"]: e for e in bundled_sdn()["entries"]}
    out = []
    for uid in uids:
        name = doc[uid]["name"]
        if any(h.record.uid == f"SDN:{uid}" for h in screener.screen(name).hits):
            out.append((uid, name))
    return out


def test_delta_rescreen_equals_full_rescreen_over_three_editions(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHIPCOMPLY_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CHIPCOMPLY_DB", f"sqlite:///{tmp_path / 'desk.sqlite3'}")
    sdn_entities = [e["uid"] for e in bundled_sdn()["entries"] if e["type"] == "entity"]
    changed_in_s2 = sdn_entities[100:112]  # altered in S2 only: S1 → S2 and S2 → S3 change them
    steady = sdn_entities[200:212]  # never altered or removed
    keep = set(changed_in_s2) | set(steady)
    # two counterparties that will be cleared on the desk: one whose entry S2 alters
    (a_uid, a_name), (b_uid, b_name) = _clearable(changed_in_s2)[0], _clearable(steady)[0]
    csl = [
        older_csl(1, "2026-07-01", drop=30, alter=24),
        older_csl(2, "2026-07-20", drop=15, alter=12),
        bundled_csl(),
    ]
    sdn = [
        older_sdn(3, "2026-08-01", drop=20, alter=[*sdn_entities[300:310]], keep=keep),
        older_sdn(4, "2026-08-10", drop=10, alter=changed_in_s2, keep=keep),
        bundled_sdn(),
    ]
    files = [
        (write(tmp_path / f"s{i}", "csl.json", c), write(tmp_path / f"s{i}", "sdn.json", s))
        for i, (c, s) in enumerate(zip(csl, sdn, strict=True), start=1)
    ]
    base = tmp_path / "customers.csv"
    rows = _customer_base(csl, sdn)
    rows += [{"id": "A", "name": a_name, "country": ""}, {"id": "B", "name": b_name, "country": ""}]
    with base.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["id", "name", "country"])
        w.writeheader()
        w.writerows(rows)

    def monitor(edition: int, *extra: str) -> dict[str, Any]:
        c, s = files[edition - 1]
        out = tmp_path / f"run{edition}.json"
        args = ["monitor", "--from", str(c), "--from", str(s), "--summary-json", str(out)]
        res = run_cli(capsys, *args, *extra)
        assert res.code == 0, res.err
        summary: dict[str, Any] = json.loads(out.read_text("utf-8"))
        return summary

    # S1: every counterparty is new, so screened in full
    s1 = monitor(1, "--enrol", str(base))
    desk = get_desk()
    assert s1["counterparties"]["screened_full"] == s1["counterparties"]["stored"] > 900
    open1 = _check_run(desk, s1, set())
    assert len(open1) > 300

    # two good-guy clearances on the desk: one on an entry S2 alters, one on a steady entry
    for name, uid in ((a_name, a_uid), (b_name, b_uid)):
        case = desk.create_case(SYSTEM, {"screen": {"name": name, "country": None}})
        desk.disposition(
            SYSTEM,
            case["id"],
            {"record_key": f"SDN:{uid}", "decision": "false_positive", "reason": "our customer"},
        )

    # S2: the delta (the cases' counterparties are already stored: the clearances apply)
    s2 = monitor(2)
    assert s2["counterparties"]["screened_delta"] > s2["counterparties"]["screened_full"]
    assert s2["records"]["changed"] >= len(changed_in_s2) and s2["records"]["removed"] > 0
    open2 = _check_run(desk, s2, open1)
    ids = {p["name"]: int(p["id"]) for p in mon.parties(desk.store) if not p["country"]}
    assert (ids[a_name], f"SDN:{a_uid}") in open2  # A's entry changed: its clearance is void
    assert (ids[b_name], f"SDN:{b_uid}") not in open2  # B's still holds
    print("TIMINGS", s2["timings"], s2["counterparties"], s2["full_rescreen_reasons"])
    assert {a["reason"] for a in s2["closed_alerts"]} >= {
        "record removed from the list",
        f"cleared as a false positive (clearance 2 by {SYSTEM.label})",
    }
    assert (
        s2["alerts"]["suppressed_by_clearances"] >= 1
        and s2["alerts"]["clearances_invalidated"] == 1
    )

    # S3: back to the bundled editions, again by delta
    s3 = monitor(3)
    assert s3["counterparties"]["screened_delta"] > s3["counterparties"]["screened_full"]
    _check_run(desk, s3, open2)
    print("TIMINGS", s3["timings"], s3["counterparties"], s3["full_rescreen_reasons"])
    assert s3["lists"]["before"] == s2["lists"]["after"]
    assert desk.verify()["intact"]
    kinds = [r["kind"] for r in desk.audit_records(limit=50)]
    assert kinds.count("monitor_run") == 3 and kinds.count("lists_update") == 3
