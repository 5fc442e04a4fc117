"""One generic runner for rule cases written as data (tests/cases/<area>/*.yaml).

A case file holds ``kind`` (classify | check) and a list of ``cases``; each case gives its
input and an ``expect`` mapping compared with the answer's JSON. A reviewer who knows the
law and not Python adds a case by adding YAML. Special expectation keys:

- ``error_field``: the input must be refused (BadInput) naming this field;
- ``findings_include``: rule ids that must appear among the findings;
- ``finding_outcomes``: {rule_id: outcome} pairs that must appear;
- ``tpp_basis``: the precisions that decided TPP.
Floats compare to 1e-6 relative.
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from chipcomply.catalog import default_catalog
from chipcomply.errors import BadInput
from chipcomply.logic.classify import classify
from chipcomply.model import ChipSpec, parse_model

HERE = Path(__file__).parent
SPECIAL = {"error_field", "findings_include", "finding_outcomes", "tpp_basis"}


def _load() -> list[tuple[str, str, dict[str, Any]]]:
    out = []
    for path in sorted(HERE.rglob("*.yaml")):
        doc = yaml.safe_load(path.read_text("utf-8"))
        for case in doc["cases"]:
            out.append((f"{path.relative_to(HERE)}::{case['id']}", doc["kind"], case))
    return out


CASES = _load()


def _answer(kind: str, case: dict[str, Any]) -> dict[str, Any]:
    day = case.get("as_of")
    as_of = day if isinstance(day, date) or day is None else date.fromisoformat(str(day))
    if kind == "classify":
        if "chip" in case:
            cat = default_catalog()
            result = cat.classify(cat.lookup(case["chip"]), as_of)
        else:
            result = classify(parse_model(ChipSpec, case["spec"], "spec"), as_of)
        return result.model_dump(mode="json")
    if kind == "check":
        from chipcomply.logic.determine import determine

        return determine(case["case"]).model_dump(mode="json")
    raise AssertionError(f"unknown case kind {kind!r}")


def _same(expected: Any, actual: Any) -> bool:
    if isinstance(expected, float) or isinstance(actual, float):
        if expected is None or actual is None:
            return expected is actual
        return math.isclose(float(expected), float(actual), rel_tol=1e-6)
    if isinstance(expected, date):
        return expected.isoformat() == actual
    return bool(expected == actual)


@pytest.mark.parametrize(("case_id", "kind", "case"), CASES, ids=[c[0] for c in CASES])
def test_rule_case(case_id: str, kind: str, case: dict[str, Any]) -> None:
    expect: dict[str, Any] = case["expect"]
    if "error_field" in expect:
        with pytest.raises(BadInput) as info:
            _answer(kind, case)
        assert info.value.field == expect["error_field"], info.value.message
        return
    answer = _answer(kind, case)
    for key, want in expect.items():
        if key in SPECIAL:
            continue
        assert key in answer, f"{case_id}: answer has no field {key!r}"
        assert _same(want, answer[key]), f"{case_id}: {key} = {answer[key]!r}, expected {want!r}"
    rule_ids = [f["rule_id"] for f in answer.get("findings", [])]
    for rid in expect.get("findings_include", []):
        assert rid in rule_ids, f"{case_id}: no finding from {rid}; got {rule_ids}"
    pairs = {(f["rule_id"], f["outcome"]) for f in answer.get("findings", [])}
    for rid, outcome in expect.get("finding_outcomes", {}).items():
        assert (rid, outcome) in pairs, f"{case_id}: expected {rid} → {outcome}; got {pairs}"
    if "tpp_basis" in expect:
        assert answer["tpp_breakdown"]["basis"] == expect["tpp_basis"]
    for f in answer.get("findings", []):
        assert f["rule_id"] and f["citation"], f"{case_id}: finding without rule id/citation"
