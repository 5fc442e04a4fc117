from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from chipcomply.errors import DataError, OutsideCoverage, RuleLookupError
from chipcomply.rulebook import default_rulebook, load_rulebook
from chipcomply.rulebook.engine import _rules_root


def test_every_rule_version_is_cited_and_graded() -> None:
    book = default_rulebook()
    rules = list(book)
    assert len(rules) >= 12
    for rule in rules:
        assert rule.citation.strip(), rule.rule_id
        for version in rule.versions:
            assert version.source.strip(), rule.rule_id
            assert version.conf in {"H", "M", "L"}
            assert version.unverified or version.conf != "L", rule.rule_id


def test_regime_changes_on_the_dates_of_the_two_rules() -> None:
    book = default_rulebook()
    tests = {
        date(2022, 10, 20): "none",
        date(2022, 10, 21): "tpp_and_io",
        date(2023, 11, 16): "tpp_and_io",
        date(2023, 11, 17): "tpp_and_pd",
    }
    for day, expected in tests.items():
        assert book.at(day).get("ear.774.3A090.regime").value("test") == expected


def test_days_outside_coverage_are_refused() -> None:
    book = default_rulebook()
    with pytest.raises(OutsideCoverage) as info:
        book.at(book.coverage_from.replace(year=book.coverage_from.year - 1))
    assert info.value.field == "as_of"
    with pytest.raises(OutsideCoverage):
        book.at(date(book.coverage_to.year + 1, 1, 1))


def test_rule_not_in_force_is_an_error_not_a_default() -> None:
    view = default_rulebook().at(date(2023, 1, 1))
    with pytest.raises(RuleLookupError, match="no version in force"):
        view.get("ear.774.3A090.a.1")
    assert view.in_force("ear.774.3A090.a.1") is False
    with pytest.raises(RuleLookupError, match="unknown rule id"):
        view.get("ear.999.nothing")


def _copy_rules(tmp_path: Path) -> Path:
    root = tmp_path / "rules"
    shutil.copytree(_rules_root(), root)
    return root


def test_overlapping_versions_are_rejected(tmp_path: Path) -> None:
    root = _copy_rules(tmp_path)
    (root / "overlap.yaml").write_text(
        """
rules:
  - id: test.overlap
    title: Two versions that overlap
    citation: nowhere
    conf: H
    versions:
      - {valid_from: 2024-01-01, valid_to: 2024-12-31, source: test source}
      - {valid_from: 2024-06-01, source: test source}
""",
        encoding="utf-8",
    )
    with pytest.raises(DataError, match="overlapping versions"):
        load_rulebook(root)


def test_rule_without_citation_is_rejected(tmp_path: Path) -> None:
    root = _copy_rules(tmp_path)
    (root / "bad.yaml").write_text(
        "rules:\n  - id: test.bad\n    title: No citation\n    conf: H\n"
        "    versions: [{valid_from: 2024-01-01, source: test source}]\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError, match="citation"):
        load_rulebook(root)


def test_version_string_tracks_rule_content(tmp_path: Path) -> None:
    root = _copy_rules(tmp_path)
    before = load_rulebook(root).version
    target = root / "ear/part_774/3A090.yaml"
    target.write_text(target.read_text("utf-8").replace("tpp_min: 4800}", "tpp_min: 4801}"))
    after = load_rulebook(root)
    assert after.version != before
    assert after.at(date(2025, 1, 1)).get("ear.774.3A090.a.1").value("tpp_min") == 4801
    assert default_rulebook().version.split("+")[0] == before.split("+")[0]
