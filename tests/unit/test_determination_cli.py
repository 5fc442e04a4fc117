"""`chipcomply check`, `rules show` and `rules red-flags` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from cli_runner import run_cli

GOOD = {
    "as_of": "2025-06-01",
    "activity": "export",
    "from_country": "US",
    "to_country": "CN",
    "items": [{"chip": "NVIDIA H100 SXM5 80GB", "quantity": 8, "value_usd": 250000}],
    "parties": [
        {
            "role": "exporter",
            "name": "Acme GPU Distribution LLC",
            "country": "US",
            "us_person": True,
        },
        {
            "role": "end_user",
            "name": "Shanghai Cloud Co",
            "country": "CN",
            "headquarters_country": "CN",
        },
    ],
}
CONTRACT = {
    "as_of", "outcome", "outcomes", "review_policy", "license_exception", "findings",
    "red_flags", "prc", "penalty_exposure", "missing_facts", "versions",
}  # fmt: skip


def _case(tmp_path: Path, doc: object, name: str = "case.yaml") -> str:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return str(path)


def test_check_json_contract_and_exit_0(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    res = run_cli(capsys, "check", _case(tmp_path, GOOD), "--json")
    assert res.code == 0, res.err
    data = json.loads(res.out)
    assert set(data) >= CONTRACT
    assert (
        data["outcome"] == "license_required" and data["review_policy"] == "presumption_of_denial"
    )
    assert data["outcomes"][0] == data["outcome"]
    assert set(data["versions"]) == {"rulebook", "lists", "engine"}
    for f in data["findings"]:
        assert {
            "rule_id",
            "citation",
            "outcome",
            "detail",
            "conf",
            "valid_from",
            "valid_to",
        } <= set(f)
    for p in data["prc"]:
        assert {"rule_id", "citation", "outcome", "detail"} <= set(p)


def test_check_reads_json_from_stdin(capsys: pytest.CaptureFixture[str]) -> None:
    res = run_cli(capsys, "check", "-", "--json", stdin=json.dumps(GOOD).encode())
    assert res.code == 0, res.err
    assert json.loads(res.out)["outcome"] == "license_required"


def test_check_is_byte_identical_on_repeat(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = _case(tmp_path, GOOD)
    first = run_cli(capsys, "check", path, "--json").out
    second = run_cli(capsys, "check", path, "--json").out
    assert first == second


def test_insufficient_information_exits_3(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    doc = dict(GOOD, to_country="DE")
    doc["parties"] = [
        GOOD["parties"][0],
        {"role": "end_user", "name": "Munich Compute GmbH", "country": "DE"},
    ]
    res = run_cli(capsys, "check", _case(tmp_path, doc), "--json")
    assert res.code == 3
    data = json.loads(res.out)
    assert data["outcome"] == "insufficient_information"
    assert "parties[1].headquarters_country" in data["missing_facts"]


def test_human_output_names_outcome_and_citations(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    res = run_cli(capsys, "check", _case(tmp_path, GOOD))
    assert res.code == 0, res.err
    assert "license_required" in res.out and "15 CFR 742.6(a)(6)(iii)" in res.out


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"colour": "red"}, "colour"),
        ({"parties": [{"role": "boss", "name": "X"}]}, "parties[0].role"),
        ({"end_use": {"purposes": ["fun"]}}, "end_use.purposes[0]"),
        ({"to_country": "XX"}, "to_country"),
        ({"to_country": "China"}, "to_country"),
        ({"as_of": "01/06/2025"}, "as_of"),
        ({"as_of": "2025-6-1x"}, "as_of"),
        ({"items": [{"chip": "H100", "quantity": -1}]}, "items[0].quantity"),
        ({"items": [{"chip": "H100", "value_usd": -5.0}]}, "items[0].value_usd"),
        ({"items": [{"chip": "H100", "us_technology": "maybe"}]}, "items[0].us_technology"),
        ({"items": [{"chip": "Nonexistent Chip 9000"}]}, "items[0].chip"),
        ({"red_flags": ["DG-RF-99"]}, "red_flags[0]"),
        ({"activity": "smuggle"}, "activity"),
        ({"as_of": "2018-06-01"}, "as_of"),
    ],
)
def test_bad_input_exits_2_naming_the_field(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, change: dict[str, object], field: str
) -> None:
    res = run_cli(capsys, "check", _case(tmp_path, {**GOOD, **change}), "--json")
    assert res.code == 2, (res.out, res.err)
    assert f"error: {field}:" in res.err
    assert "Traceback" not in res.err and res.out == ""


def test_bad_documents_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("as_of: [unclosed\n", encoding="utf-8")
    for args in (["check", str(bad)], ["check", str(tmp_path / "missing.yaml")], ["check", "-"]):
        res = run_cli(capsys, *args)
        assert res.code == 2 and "Traceback" not in res.err, res.err
    res = run_cli(capsys, "check", "-", stdin=b"- just\n- a list\n")
    assert res.code == 2 and "case:" in res.err


def test_rules_show_on_a_date_explains_the_time_model(capsys: pytest.CaptureFixture[str]) -> None:
    res = run_cli(capsys, "rules", "show", "ear.740.supp1.D5", "--as-of", "2025-11-07", "--json")
    assert res.code == 0, res.err
    data = json.loads(res.out)
    in_force = [v for v in data["versions"] if v["in_force"]]
    assert len(in_force) == 1 and "KH" not in in_force[0]["values"]["members"]
    assert data["citation"].startswith("15 CFR 740")
    res = run_cli(capsys, "rules", "show", "--as-of", "2025-06-01")
    assert res.code == 0 and "Time model" in res.out and "aidr.742.6.a.6.iii.A" in res.out
    res = run_cli(capsys, "rules", "show", "aidr.742.6.a.6.iii.A", "--as-of", "2025-06-01")
    assert "NOT ENFORCED" in res.out


def test_rules_show_refuses_unknown_ids_and_dates(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "rules", "show", "ear.nope").code == 2
    res = run_cli(capsys, "rules", "show", "--as-of", "2030-01-01")
    assert res.code == 2 and "coverage" in res.err


def test_rules_red_flags_lists_stable_ids(capsys: pytest.CaptureFixture[str]) -> None:
    res = run_cli(capsys, "rules", "red-flags", "--json")
    assert res.code == 0
    data = json.loads(res.out)
    ids = {r["id"] for r in data["red_flags"]}
    assert {f"DG-RF-{n:02d}" for n in range(1, 17)} <= ids and "RF-29" in ids
    reconstructed = [r for r in data["red_flags"] if r["status"] == "R"]
    assert reconstructed and all(r["unverified"] for r in reconstructed)
    assert {d["id"] for d in data["due_diligence"]} >= {"DD-01", "DD-07"}
