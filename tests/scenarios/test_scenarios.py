"""End-to-end determinations as data: one YAML case per file, under a folder named for the
expected outcome. Each file is a `chipcomply check` case plus an `expect:` block:

    expect:
      note: what the scenario shows and where the answer comes from
      outcome: license_required          # must equal the folder name
      outcomes: [license_required, ...]  # must all be among the determination's outcomes
      review_policy: presumption_of_denial   # compared exactly (null allowed)
      license_exception: NAC             # compared exactly (null allowed)
      prc: [prc_conflict]                # PRC outcomes that must appear
      missing_facts: [to_country]        # facts that must be reported missing
      red_flags_open: [DG-RF-10]         # exactly the open red flags (sorted)
      findings: [{rule_id: ..., outcome: ...}]   # findings that must be present
      aidr_scenario: [license_required]  # outcomes the AIDR what-if must contain

The cases run through the real rulebook, catalogue and screening engine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from chipcomply.logic.determine import determine

HERE = Path(__file__).parent
CASES = sorted(p for p in HERE.glob("*/*.yaml"))


def _load(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    doc = yaml.safe_load(path.read_text("utf-8"))
    expect = doc.pop("expect")
    return doc, expect


def test_there_are_enough_scenarios() -> None:
    assert len(CASES) >= 40
    outcomes = {p.parent.name for p in CASES}
    assert {
        "license_required",
        "no_license_required",
        "insufficient_information",
        "gp10_risk",
    } <= outcomes


@pytest.mark.parametrize("path", CASES, ids=[f"{p.parent.name}/{p.stem}" for p in CASES])
def test_scenario(path: Path) -> None:
    case, expect = _load(path)
    assert expect["outcome"] == path.parent.name, "folder name must be the expected outcome"
    got = determine(case).model_dump(mode="json")
    why = (
        f"{path.name}: outcome {got['outcome']} {got['outcomes']}, missing {got['missing_facts']}, "
        + "; ".join(
            f"{f['rule_id']}={f['outcome']}"
            for f in got["findings"]
            if f["outcome"] not in ("computed", "met", "not_met")
        )
    )
    assert got["outcome"] == expect["outcome"], why
    assert set(expect.get("outcomes", [])) <= set(got["outcomes"]), why
    for key in ("review_policy", "license_exception"):
        if key in expect:
            assert got[key] == expect[key], f"{key}: {got[key]} != {expect[key]} ({why})"
    if "prc" in expect:
        assert set(expect["prc"]) <= {p["outcome"] for p in got["prc"]}, got["prc"]
    if "missing_facts" in expect:
        assert set(expect["missing_facts"]) <= set(got["missing_facts"]), got["missing_facts"]
    if "red_flags_open" in expect:
        open_ids = sorted({r["id"] for r in got["red_flags"] if r["status"] == "open"})
        assert open_ids == sorted(expect["red_flags_open"]), got["red_flags"]
    for want in expect.get("findings", []):
        assert any(
            f["rule_id"] == want["rule_id"] and f["outcome"] == want["outcome"]
            for f in got["findings"]
        ), f"missing finding {want} ({why})"
    if "aidr_scenario" in expect:
        assert set(expect["aidr_scenario"]) <= {f["outcome"] for f in got["aidr_scenario"]}
    if "penalty_civil_max_usd" in expect:
        assert (
            got["penalty_exposure"]["civil_max_per_violation_usd"]
            == expect["penalty_civil_max_usd"]
        )
    # every finding explains itself
    for f in got["findings"] + got["aidr_scenario"]:
        assert f["rule_id"] and f["citation"], f
