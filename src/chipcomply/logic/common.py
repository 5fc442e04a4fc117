"""What every determination step shares: the facts established so far and the findings made.

A step reads the case and the rulebook view for the day, and records findings, missing facts,
licence requirements and red flags on the :class:`Ctx`. Steps never decide the final outcome;
:mod:`chipcomply.logic.determine` does, from what they recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, get_args

from chipcomply.logic.case import Case, Party
from chipcomply.model import Finding, finding
from chipcomply.rulebook import RuleBook, RuleVersion, RuleView

#: Outcome labels, most severe first (the contract of issue 4).
Outcome = Literal[
    "gp10_risk",
    "license_required",
    "insufficient_information",
    "red_flags_to_resolve",
    "license_exception",
    "safe_harbour",
    "no_license_required",
    "not_subject_to_ear",
]
OUTCOME_ORDER: tuple[str, ...] = get_args(Outcome)
ReviewPolicy = Literal["presumption_of_denial", "case_by_case", "presumption_of_approval"]
POLICY_ORDER: tuple[str, ...] = ("presumption_of_denial", "case_by_case", "presumption_of_approval")
Subject = Literal["yes", "no", "unknown"]
RequirementKind = Literal[
    "destination", "headquarters", "hbm", "letter", "end_use", "party", "embargo", "aidr"
]
#: roles that receive the item or the service (the parties licence rules look at)
RECIPIENT_ROLES: frozenset[str] = frozenset({"consignee", "end_user"})
#: roles on the supplying side (not "parties to whom" items go)
SUPPLY_ROLES: frozenset[str] = frozenset(
    {"exporter", "seller", "iaas_provider", "service_provider"}
)


@dataclass
class ItemFacts:
    """What the engine established about one item."""

    index: int
    name: str
    record_id: str | None
    eccn: str | None
    paragraph: str | None
    pclass: Literal["a", "b", "c"] | None
    basis: Literal["eccn", "classifier", "none"]
    handled: bool
    datacenter: bool | None
    tpp: float | None
    memory_bw_tbps: float | None
    interconnect_gbps: float | None
    dram_bandwidth_gbps: float | None
    designer_hq_country: str | None
    origin_country: str | None
    value_usd: float | None
    quantity: int | None
    subject: Subject = "unknown"
    classification_missing: list[str] = field(default_factory=list)
    jurisdiction_missing: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"items[{self.index}]"

    @property
    def advanced(self) -> bool:
        return self.pclass in ("a", "b")


@dataclass
class ListHit:
    """One screening hit, reduced to what the licence rules need."""

    source_code: str
    matched_name: str
    listed_name: str
    entity_number: str | None
    score: float
    confident: bool
    footnotes: list[str]
    federal_register_notice: str | None
    license_requirement: str | None
    license_policy: str | None
    explanation: str


@dataclass
class PartyFacts:
    index: int
    party: Party
    hits: list[ListHit] = field(default_factory=list)
    listed_owners: list[tuple[str, float, str]] = field(default_factory=list)
    owned_by_listed_pct: float = 0.0

    @property
    def label(self) -> str:
        return f"parties[{self.index}]"


@dataclass
class Requirement:
    """A licence requirement found for the case (or for one item of it)."""

    kind: RequirementKind
    finding: Finding
    item: int | None
    policy: ReviewPolicy | None
    exception_may_apply: bool


@dataclass
class FlagState:
    """A red flag raised for this case (reported by the user or derived by a rule)."""

    flag_id: str
    origin: Literal["reported", "derived"]
    detail: str
    facts: frozenset[str] = frozenset()
    raised_by: str | None = None


@dataclass
class Ctx:
    case: Case
    book: RuleBook
    view: RuleView
    findings: list[Finding] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    requirements: list[Requirement] = field(default_factory=list)
    flags: list[FlagState] = field(default_factory=list)
    decided: set[str] = field(default_factory=set)
    items: list[ItemFacts] = field(default_factory=list)
    parties: list[PartyFacts] = field(default_factory=list)
    license_exception: str | None = None
    lists_version: str | None = None

    @property
    def day(self) -> date:
        return self.view.day

    def rule(self, rule_id: str) -> RuleVersion:
        return self.view.get(rule_id)

    def has(self, rule_id: str) -> bool:
        return self.view.in_force(rule_id)

    def add(
        self,
        rule: RuleVersion | str,
        outcome: str,
        detail: str,
        values: dict[str, Any] | None = None,
    ) -> Finding:
        version = self.rule(rule) if isinstance(rule, str) else rule
        made = finding(version, outcome, detail, values)
        self.findings.append(made)
        return made

    def need(self, fact: str) -> None:
        if fact not in self.missing:
            self.missing.append(fact)

    def require(
        self,
        kind: RequirementKind,
        rule: RuleVersion | str,
        detail: str,
        *,
        item: int | None = None,
        policy: ReviewPolicy | None = None,
        exception_may_apply: bool = False,
        values: dict[str, Any] | None = None,
        subject: Subject = "yes",
        missing: list[str] | None = None,
    ) -> None:
        """Record a licence requirement; when jurisdiction is unknown it is a conditional one."""
        if subject == "unknown":
            made = self.add(
                rule,
                "insufficient_information",
                detail + " - if the item is subject to the EAR, which is not established",
                values,
            )
            for fact in missing or []:
                self.need(fact)
            return
        made = self.add(rule, "license_required", detail, values)
        self.requirements.append(Requirement(kind, made, item, policy, exception_may_apply))

    def flag(
        self, flag_id: str, detail: str, facts: frozenset[str] = frozenset(), by: str | None = None
    ) -> None:
        for f in self.flags:
            if f.flag_id == flag_id and f.origin == "derived" and f.detail == detail:
                return
        self.flags.append(FlagState(flag_id, "derived", detail, facts, by))

    def parties_with(self, roles: frozenset[str]) -> list[PartyFacts]:
        return [p for p in self.parties if p.party.role in roles]


__all__ = [
    "OUTCOME_ORDER",
    "POLICY_ORDER",
    "RECIPIENT_ROLES",
    "SUPPLY_ROLES",
    "Ctx",
    "FlagState",
    "ItemFacts",
    "ListHit",
    "Outcome",
    "PartyFacts",
    "Requirement",
    "ReviewPolicy",
]
