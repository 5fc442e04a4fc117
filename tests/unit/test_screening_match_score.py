"""match_score (used for the PRC short lists) agrees with the full matcher at its floor."""

from __future__ import annotations

import csv
from pathlib import Path

from chipcomply.logic.prc import PRC_MATCH_SCORE
from chipcomply.rulebook import default_rulebook
from chipcomply.screening.api import get_screener

DATA = Path(__file__).resolve().parents[1] / "screening" / "data" / "cn_entity_eval.csv"


def _prc_entities() -> list[str]:
    names: set[str] = set()
    for rule in default_rulebook():
        if rule.rule_id.startswith(("prc.uel.", "prc.ecl.list.")):
            for version in rule.versions:
                names.update(version.values.get("entities", []))
    return sorted(names)


def test_pre_check_never_changes_a_score_at_or_above_the_floor() -> None:
    screener = get_screener()
    entities = _prc_entities()
    assert len(entities) > 50
    with DATA.open(encoding="utf-8", newline="") as fh:
        queries = [row["query"] for row in csv.DictReader(fh)][::20]
    queries += entities + [e[:-1].upper() for e in entities]
    checked = 0
    for query in queries:
        for entity in entities:
            full = screener.match_score(query, entity, floor=0.0)  # never pre-checked
            fast = screener.match_score(query, entity, floor=PRC_MATCH_SCORE)
            if full >= PRC_MATCH_SCORE or fast >= PRC_MATCH_SCORE:
                assert fast == full, (query, entity, full, fast)
                checked += 1
    assert checked >= len(entities)  # every entity at least matches itself


def test_without_a_high_floor_nothing_is_skipped() -> None:
    screener = get_screener()
    full = screener.match("Cubic Corporation", "中国航天科工集团有限公司").score
    assert full > 0.5
    assert screener.match_score("Cubic Corporation", "中国航天科工集团有限公司", floor=0.5) == full
    assert screener.match_score("Cubic Corporation", "中国航天科工集团有限公司", floor=0.9) == 0.0
