"""The service writes complete audit records; replay reproduces them byte for byte."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from chipcomply.errors import BadInput, DataError
from chipcomply.service import SYSTEM, Desk, _rules_root, party_hash
from chipcomply.store import Store
from chipcomply.store import schema as s

from cli_runner import run_cli

os.environ.setdefault("CHIPCOMPLY_HOME", tempfile.mkdtemp(prefix="chipcomply-svc-"))

CASE = {
    "as_of": "2025-06-01",
    "activity": "export",
    "from_country": "US",
    "to_country": "CN",
    "items": [{"chip": "H100", "quantity": 8}],
    "parties": [{"role": "end_user", "name": "Example Trading Ltd", "country": "CN"}],
}


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'desk.sqlite3'}"


def test_records_carry_input_output_versions_user_and_time(db: str) -> None:
    desk = Desk(Store(db))
    who = desk.authenticate(desk.create_key(SYSTEM, "analyst", "Ana")["key"])
    assert who is not None
    ans = desk.classify(who, {"chip": "H100"})  # no as_of: the service fills in today
    rec = desk.audit_record(ans.audit_id)
    assert rec["input"] == {"as_of": desk.today().isoformat(), "chip": "H100"}
    assert rec["output"] == ans.output and rec["user_name"] == "Ana" and rec["role"] == "analyst"
    assert rec["rulebook_version"] == desk.rulebook.version and rec["engine_version"]
    assert rec["created_at"].startswith(desk.today().isoformat())
    chk = desk.check(who, CASE)
    rec = desk.audit_record(chk.audit_id)
    assert rec["rulebook_version"] == chk.output["versions"]["rulebook"] == desk.rulebook.version
    scr = desk.screen(who, {"name": "华为技术有限公司"})
    rec = desk.audit_record(scr.audit_id)
    assert rec["lists"] == scr.output["lists"] and rec["input"]["name"] == "华为技术有限公司"


@pytest.mark.parametrize(
    ("kind", "payload"),
    [
        ("classify", {"chip": "Ascend 910C", "as_of": "2025-06-01"}),
        ("compare", {"names": ["H100", "H20"], "as_of": "2024-06-01"}),
        ("screen", {"name": "華為技術有限公司", "country": "CN"}),
        ("match", {"left": "Sugon", "right": "曙光信息产业股份有限公司"}),
        ("check", CASE),
    ],
)
def test_replay_is_byte_identical(db: str, kind: str, payload: dict) -> None:
    desk = Desk(Store(db))
    ans = getattr(desk, kind)(SYSTEM, payload)
    r = desk.replay(ans.audit_id)
    assert r.identical and r.recomputed == desk.store.audit_record(ans.audit_id)["output_json"]
    assert r.problem is None


def test_replay_uses_the_stored_rulebook_not_todays(db: str, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(_rules_root(), rules)
    old = Desk(Store(db), rules_root=rules)
    ans = old.classify(SYSTEM, {"chip": "H100", "as_of": "2025-06-01"})
    old_version = old.rulebook.version
    # The rules change afterwards (here: the 3A090.a.1 TPP threshold), so today's answer differs.
    target = next(p for p in rules.rglob("3A090.yaml"))
    text = target.read_text("utf-8")
    assert "4800" in text
    target.write_text(text.replace("4800", "99999"), "utf-8")
    new = Desk(Store(db), rules_root=rules)
    assert new.rulebook.version != old_version
    assert new.classify(SYSTEM, {"chip": "H100", "as_of": "2025-06-01"}).output != ans.output
    r = new.replay(ans.audit_id)
    assert r.identical, r.diff


def test_replay_reports_a_difference_with_a_diff(db: str) -> None:
    desk = Desk(Store(db))
    ans = desk.classify(SYSTEM, {"chip": "H100", "as_of": "2025-06-01"})
    forged = json.dumps({**ans.output, "paragraph": "EAR99"}, sort_keys=True, separators=(",", ":"))
    with desk.store.begin() as conn:
        conn.execute(
            s.audit_log.update().where(s.audit_log.c.id == ans.audit_id).values(output_json=forged)
        )
    r = desk.replay(ans.audit_id)
    assert (
        not r.identical
        and '-  "paragraph": "EAR99"' in r.diff
        and '+  "paragraph": "3A090.a.1"' in r.diff
    )


def test_replay_refuses_events_and_unknown_rulebooks(db: str) -> None:
    desk = Desk(Store(db))
    desk.create_key(SYSTEM, "auditor", "x")
    with pytest.raises(BadInput):
        desk.replay(1)
    ans = desk.classify(SYSTEM, {"chip": "H100", "as_of": "2025-06-01"})
    with desk.store.begin() as conn:
        conn.execute(sa.delete(s.rulebook_bundles))
        conn.execute(
            s.audit_log.update()
            .where(s.audit_log.c.id == ans.audit_id)
            .values(rulebook_version="2000.01.01+000000000000")
        )
    with pytest.raises(DataError, match="not stored"):
        desk.replay(ans.audit_id)


def test_counterparty_hash_normalises_spacing_case_and_width() -> None:
    assert party_hash("ＡＣＭＥ  Ltd", "cn") == party_hash("acme ltd", "CN")
    assert party_hash("Acme Ltd\u200b", "CN") == party_hash("Acme Ltd", "CN")
    assert party_hash("Acme Ltd", "CN") != party_hash("Acme Ltd", "HK")


def test_cli_keys_verify_and_replay(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    r = run_cli(capsys, "keys", "create", "--role", "analyst", "--db", db)
    assert r.code == 0 and r.out.count("\n") == 1 and r.out.startswith("cc_")
    assert run_cli(capsys, "keys", "create", "--role", "boss", "--db", db).code == 2
    desk = Desk(Store(db))
    ans = desk.screen(SYSTEM, {"name": "Sugon"})
    ok = run_cli(capsys, "audit", "verify", "--db", db)
    assert ok.code == 0 and "intact" in ok.out
    rep = run_cli(capsys, "audit", "replay", str(ans.audit_id), "--db", db)
    assert rep.code == 0 and json.loads(rep.out) == ans.output and "byte-identical" in rep.err
    with desk.store.begin() as conn:
        conn.execute(
            s.audit_log.update().where(s.audit_log.c.id == ans.audit_id).values(user_name="mallory")
        )
    bad = run_cli(capsys, "audit", "verify", "--db", db)
    assert bad.code == 1 and f"record {ans.audit_id}" in bad.out
    missing = run_cli(capsys, "audit", "replay", "9999", "--db", db)
    assert missing.code == 2 and "9999" in missing.err
