"""Every rule carries a citation and a source; low-confidence rules are marked unverified; every
rule id the logic names exists in the rulebook."""

from __future__ import annotations

import re
from pathlib import Path

import chipcomply.logic
from chipcomply.rulebook import default_rulebook

LOGIC = Path(chipcomply.logic.__file__).parent
RULE_ID = re.compile(r'"((?:ear|bis|aidr|ecra|prc|ofac)\.[A-Za-z0-9_.\-]+)"')


def test_every_rule_has_a_citation_and_every_version_a_source() -> None:
    book = default_rulebook()
    rules = list(book)
    assert len(rules) > 100
    for rule in rules:
        assert len(rule.citation.strip()) >= 3, rule.rule_id
        for v in rule.versions:
            assert len(v.source.strip()) >= 3, (rule.rule_id, v.valid_from)
            assert v.url is None or v.url.startswith("http"), (rule.rule_id, v.url)


def test_low_confidence_and_reconstructed_items_are_unverified() -> None:
    for rule in default_rulebook():
        for v in rule.versions:
            if v.conf == "L":
                assert v.unverified, rule.rule_id
            if v.values.get("status") == "R":
                assert v.unverified, rule.rule_id


def test_every_rule_id_the_logic_names_exists() -> None:
    book = default_rulebook()
    named: set[str] = set()
    for path in LOGIC.glob("*.py"):
        named |= {m for m in RULE_ID.findall(path.read_text("utf-8")) if not m.endswith(".")}
    assert named, "no rule ids found in logic/"
    missing = sorted(r for r in named if r not in book)
    assert not missing, missing


def test_aidr_text_is_never_enforced_and_hq_rule_is() -> None:
    book = default_rulebook()
    for rule in book:
        if rule.rule_id.startswith("aidr."):
            assert all(not v.enforced for v in rule.versions), rule.rule_id
    hq = book.rule("ear.744.23.a.3")
    assert all(v.enforced for v in hq.versions)
