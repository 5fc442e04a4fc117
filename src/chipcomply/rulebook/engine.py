"""The rulebook: dated, cited rule data loaded from YAML, queried as of a day.

A rule has an id that follows its legal locator (e.g. ``ear.774.3A090.a.1``) and one or
more versions, each valid over an inclusive span of days. Asking for a rule on a day where
no version (or more than one) applies is an error: the rulebook never picks a default.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from chipcomply.errors import DataError, OutsideCoverage, RuleLookupError

Confidence = Literal["H", "M", "L"]
MANIFEST_NAME = "rulebook.yaml"


class _VersionDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")

    valid_from: date
    valid_to: date | None = None
    enforced: bool = True
    source: str = Field(min_length=3)
    url: str | None = None
    conf: Confidence | None = None
    unverified: bool = False
    note: str | None = None
    values: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _span_is_ordered(self) -> _VersionDoc:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError(f"valid_to {self.valid_to} is before valid_from {self.valid_from}")
        return self


class _RuleDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9]+(\.[A-Za-z0-9_\-]+)+$")
    title: str = Field(min_length=3)
    citation: str = Field(min_length=3)
    conf: Confidence
    versions: list[_VersionDoc] = Field(min_length=1)


class _FileDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: list[_RuleDoc]


class _ManifestDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    version: str
    reviewed: date
    coverage_from: date
    coverage_to: date


@dataclass(frozen=True)
class RuleVersion:
    """One version of a rule, valid from ``valid_from`` to ``valid_to`` inclusive."""

    rule_id: str
    title: str
    citation: str
    conf: Confidence
    valid_from: date
    valid_to: date | None
    enforced: bool
    source: str
    url: str | None
    unverified: bool
    note: str | None
    values: Mapping[str, Any] = field(default_factory=dict)

    def covers(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def value(self, key: str) -> Any:
        try:
            return self.values[key]
        except KeyError:
            raise RuleLookupError(f"rule {self.rule_id} has no value {key!r}") from None


@dataclass(frozen=True)
class Rule:
    rule_id: str
    title: str
    citation: str
    conf: Confidence
    versions: tuple[RuleVersion, ...]


class RuleBook:
    """All rules, with the span of days the rulebook has been curated for."""

    def __init__(self, rules: Mapping[str, Rule], manifest: _ManifestDoc, digest: str) -> None:
        self._rules = dict(rules)
        self.name = manifest.name
        self.reviewed = manifest.reviewed
        self.coverage_from = manifest.coverage_from
        self.coverage_to = manifest.coverage_to
        self.version = f"{manifest.version}+{digest[:12]}"

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._rules

    def __iter__(self) -> Iterator[Rule]:
        return iter(sorted(self._rules.values(), key=lambda r: r.rule_id))

    def rule(self, rule_id: str) -> Rule:
        try:
            return self._rules[rule_id]
        except KeyError:
            raise RuleLookupError(f"unknown rule id {rule_id!r}") from None

    def at(self, day: date) -> RuleView:
        if not self.coverage_from <= day <= self.coverage_to:
            raise OutsideCoverage(
                "as_of",
                f"{day.isoformat()} is outside the rulebook's coverage "
                f"({self.coverage_from.isoformat()} to {self.coverage_to.isoformat()})",
            )
        return RuleView(self, day)


class RuleView:
    """The rulebook as it stood on one day."""

    def __init__(self, book: RuleBook, day: date) -> None:
        self.book = book
        self.day = day

    def get(self, rule_id: str) -> RuleVersion:
        """The single version of ``rule_id`` in force on this day; error if none or several."""
        rule = self.book.rule(rule_id)
        hits = [v for v in rule.versions if v.covers(self.day)]
        if len(hits) != 1:
            what = "no version" if not hits else f"{len(hits)} versions"
            raise RuleLookupError(f"rule {rule_id}: {what} in force on {self.day.isoformat()}")
        return hits[0]

    def in_force(self, rule_id: str) -> bool:
        """Whether ``rule_id`` has a version on this day (unknown ids are still an error)."""
        rule = self.book.rule(rule_id)
        return any(v.covers(self.day) for v in rule.versions)

    def versions_in_force(self) -> list[RuleVersion]:
        out: list[RuleVersion] = []
        for rule in self.book:
            out.extend(v for v in rule.versions if v.covers(self.day))
        return out


def _rules_root() -> Path:
    return Path(str(resources.files("chipcomply") / "rules"))


def _check_no_overlap(rule: _RuleDoc, where: str) -> None:
    spans = sorted(rule.versions, key=lambda v: v.valid_from)
    for before, after in itertools.pairwise(spans):
        if before.valid_to is None or before.valid_to >= after.valid_from:
            raise DataError(
                f"{where}: rule {rule.id} has overlapping versions "
                f"from {before.valid_from} and {after.valid_from}"
            )


def load_rulebook(root: Path | None = None) -> RuleBook:
    """Load and validate every rule file under ``root`` (the bundled rules by default)."""
    base = root or _rules_root()
    manifest_path = base / MANIFEST_NAME
    try:
        manifest = _ManifestDoc.model_validate(yaml.safe_load(manifest_path.read_text("utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise DataError(f"{manifest_path}: invalid rulebook manifest: {exc}") from exc

    digest = hashlib.sha256()
    rules: dict[str, Rule] = {}
    for path in sorted(base.rglob("*.yaml")):
        if path == manifest_path:
            continue
        where = str(path.relative_to(base))
        raw = path.read_bytes()
        digest.update(where.encode() + b"\0" + raw)
        try:
            doc = _FileDoc.model_validate(yaml.safe_load(raw))
        except (yaml.YAMLError, ValidationError) as exc:
            raise DataError(f"rules/{where}: {exc}") from exc
        for r in doc.rules:
            if r.id in rules:
                raise DataError(f"rules/{where}: duplicate rule id {r.id}")
            _check_no_overlap(r, f"rules/{where}")
            versions = tuple(
                RuleVersion(
                    rule_id=r.id,
                    title=r.title,
                    citation=r.citation,
                    conf=v.conf or r.conf,
                    valid_from=v.valid_from,
                    valid_to=v.valid_to,
                    enforced=v.enforced,
                    source=v.source,
                    url=v.url,
                    unverified=v.unverified or (v.conf or r.conf) == "L",
                    note=v.note,
                    values=v.values,
                )
                for v in sorted(r.versions, key=lambda v: v.valid_from)
            )
            rules[r.id] = Rule(r.id, r.title, r.citation, r.conf, versions)
    return RuleBook(rules, manifest, digest.hexdigest())


_DEFAULT: RuleBook | None = None


def default_rulebook() -> RuleBook:
    """The bundled rulebook, loaded once per process."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = load_rulebook()
    return _DEFAULT
