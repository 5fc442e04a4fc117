"""May we ship / use / service / rent compute for this, on this date? The dated determination.

``determine(case)`` runs the steps of REGULATIONS.md §I in order - date and regime,
classification, jurisdiction, destination and headquarters rules, is-informed letters, end
uses and listed parties, License Exceptions, GP10, the AI-training policy, red flags, the PRC
overlay and penalty exposure - and returns a :class:`Determination` whose JSON form is exactly
what ``chipcomply check --json`` prints. Same case, rulebook and list snapshot: same bytes.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from chipcomply import __version__
from chipcomply.logic import (
    ai_training,
    destination,
    end_use,
    entity_list,
    exceptions,
    fdp,
    gp10,
    hq_rule,
    items,
    letters,
    parties,
    penalties,
    prc,
    red_flags,
)
from chipcomply.logic.case import MOVEMENT, Case, parse_case
from chipcomply.logic.common import (
    OUTCOME_ORDER,
    Ctx,
    ItemFacts,
    Outcome,
    PartyFacts,
    ReviewPolicy,
)
from chipcomply.model import Finding, finding
from chipcomply.rulebook import RuleBook, default_rulebook


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class ItemSummary(_Out):
    index: int
    name: str
    catalogue_id: str | None
    eccn: str | None
    paragraph: str | None
    parameter_class: Literal["a", "b", "c"] | None
    classification_basis: Literal["eccn", "classifier", "none"]
    datacenter: bool | None
    tpp: float | None
    subject_to_ear: Literal["yes", "no", "unknown"] | None


class HitSummary(_Out):
    source: str
    listed_name: str
    matched_name: str
    entity_number: str | None
    score: float
    confident: bool
    footnotes: list[str]
    explanation: str


class PartySummary(_Out):
    index: int
    role: str
    name: str
    country: str | None
    headquarters_country: str | None
    hits: list[HitSummary]
    hit_count: int
    owned_by_listed_pct: float


class DueDiligenceStep(_Out):
    id: str
    rule_id: str
    title: str
    unverified: bool


class Versions(_Out):
    rulebook: str
    lists: str | None
    engine: str


class Determination(_Out):
    as_of: date
    activity: str
    outcome: Outcome
    outcomes: list[Outcome]
    review_policy: ReviewPolicy | None
    license_exception: str | None
    findings: list[Finding]
    red_flags: list[red_flags.RedFlag]
    prc: list[prc.PrcFinding]
    penalty_exposure: penalties.PenaltyExposure
    missing_facts: list[str]
    due_diligence: list[DueDiligenceStep]
    items: list[ItemSummary]
    parties: list[PartySummary]
    aidr_scenario: list[Finding]
    versions: Versions


def _movement(case: Case) -> bool:
    return case.activity in MOVEMENT or (
        case.activity == "sell"
        and case.to_country is not None
        and case.to_country != case.from_country
    )


def _time_model(ctx: Ctx) -> None:
    """Say which regime governs the day (REGULATIONS.md §0, rule T-1)."""
    if not any(i.advanced for i in ctx.items):
        return
    rid = "aidr.742.6.a.6.iii.A"
    if ctx.has(rid):
        rule = ctx.rule(rid)
        if rule.value("status") == "compliance_date_not_reached":
            text = (
                "AI Diffusion Rule text is in force but its compliance date (2025-05-15) has not "
                "arrived: the pre-AIDR obligations apply"
            )
        else:
            text = (
                "AI Diffusion Rule not enforced (BIS, 2025-05-13): its worldwide .a licence, tiers "
                "and AIA/ACM/LPP are not applied; the D:5/Macau-headquarters rule stays enforced"
            )
        ctx.add(rule, "not_enforced", text)


def _aidr_scenario(ctx: Ctx) -> list[Finding]:
    """The AIDR text applied as if enforced - a what-if that never changes the answer."""
    if not ctx.case.aidr_text_scenario or not ctx.has("aidr.742.6.a.6.iii.A"):
        return []
    out: list[Finding] = []
    tiers = ctx.rule("aidr.tiers")
    tier3 = destination.country_set(ctx.view, tiers.value("tier3"))
    dest = destination.destination(ctx)
    lpp = ctx.rule("aidr.740.29")
    worldwide = ctx.rule("aidr.742.6.a.6.iii.A")
    for item in ctx.items:
        if item.pclass != "a":
            continue
        if dest in tiers.value("tier1"):
            out.append(
                finding(
                    ctx.rule("aidr.740.27"),
                    "license_exception",
                    f"{item.label}: Tier-1 destination {dest}: License Exception AIA",
                )
            )
        elif dest in tier3:
            out.append(
                finding(
                    worldwide,
                    "license_required",
                    f"{item.label}: Tier-3 destination {dest}: licence, presumption of denial",
                )
            )
        else:
            cap = float(lpp.value("tpp_per_consignee_year"))
            total = (item.tpp or 0) * (item.quantity or 0)
            if item.tpp is not None and item.quantity is not None and total <= cap:
                out.append(
                    finding(
                        lpp,
                        "license_exception",
                        f"{item.label}: Tier-2 destination {dest}: {total:,.0f} TPP within LPP's "
                        f"{cap:,.0f} per consignee-year",
                    )
                )
            else:
                out.append(
                    finding(
                        worldwide,
                        "license_required",
                        f"{item.label}: Tier-2 destination {dest}: licence (TPP total "
                        f"{total:,.0f} exceeds LPP or quantity unknown)",
                    )
                )
    return out


def _outcomes(ctx: Ctx, flags: list[red_flags.RedFlag]) -> list[Outcome]:
    labels: set[str] = {f.outcome for f in ctx.findings if f.outcome in OUTCOME_ORDER}
    if ctx.missing:
        labels.add("insufficient_information")
    if any(f.status == "open" for f in flags):
        labels.add("red_flags_to_resolve")
    return [o for o in OUTCOME_ORDER if o in labels]  # type: ignore[misc]


def _baseline(ctx: Ctx) -> None:
    """No rule produced an answer: say why nothing is required (only when nothing is missing)."""
    if any(f.outcome in OUTCOME_ORDER for f in ctx.findings) or ctx.missing:
        return
    verb = ctx.case.activity
    ctx.add(
        "ear.736.2.b.10",
        "no_license_required",
        f"no licence requirement attaches to this {verb}, no listed party or restricted end use is "
        "involved, and no violation is known (GP10)",
    )


def _due_diligence(ctx: Ctx, flags: list[red_flags.RedFlag]) -> list[DueDiligenceStep]:
    steps = red_flags.due_diligence_steps(ctx.book)
    wanted: list[str] = []
    if ctx.parties:
        wanted.append("DD-01")
    if any(i.advanced for i in ctx.items):
        wanted += ["DD-02", "DD-03"]
    if (
        any(p.party.role in ("iaas_provider", "iaas_customer") for p in ctx.parties)
        or ctx.case.activity == "iaas_compute"
    ):
        wanted.append("DD-05")
    if any(f.rule_id == gp10.GUIDANCE for f in ctx.findings):
        wanted.append("DD-07")
    if any(f.status == "open" for f in flags):
        wanted.append("DD-06")
    out = []
    for sid in wanted:
        rid = steps.get(sid)
        if rid is None or not ctx.has(rid):
            continue
        v = ctx.rule(rid)
        out.append(
            DueDiligenceStep(
                id=sid, rule_id=rid, title=v.title.split(" - ", 1)[-1], unverified=v.unverified
            )
        )
    return out


def _item_summary(i: ItemFacts, movement: bool) -> ItemSummary:
    return ItemSummary(
        index=i.index,
        name=i.name,
        catalogue_id=i.record_id,
        eccn=i.eccn,
        paragraph=i.paragraph,
        parameter_class=i.pclass,
        classification_basis=i.basis,
        datacenter=i.datacenter,
        tpp=i.tpp,
        subject_to_ear=i.subject if movement else None,
    )


def _party_summary(p: PartyFacts) -> PartySummary:
    return PartySummary(
        index=p.index,
        role=p.party.role,
        name=p.party.name,
        country=p.party.country,
        headquarters_country=p.party.headquarters_country,
        hits=[
            HitSummary(
                source=h.source_code,
                listed_name=h.listed_name,
                matched_name=h.matched_name,
                entity_number=h.entity_number,
                score=round(h.score, 4),
                confident=h.confident,
                footnotes=h.footnotes,
                explanation=h.explanation,
            )
            for h in p.hits[:5]
        ],
        hit_count=len(p.hits),
        owned_by_listed_pct=p.owned_by_listed_pct,
    )


def determine(
    case: dict[str, Any] | Case,
    *,
    screener: parties.Screener | None = None,
    rulebook: RuleBook | None = None,
) -> Determination:
    """Answer ``case`` as the law stood on ``case.as_of``. Bad input raises BadInput."""
    c = parse_case(case)
    book = rulebook or default_rulebook()
    view = book.at(c.as_of)
    ctx = Ctx(case=c, book=book, view=view)
    red_flags.collect_reported(ctx)

    ctx.items = [items.item_facts(ctx, i, it) for i, it in enumerate(c.items)]
    parties.screen_parties(ctx, screener or parties.default_screener())
    if ctx.lists_version is None:  # no party screened: name the active snapshots anyway
        ctx.lists_version = parties.lists_version()
    movement = _movement(c)

    if movement:
        if c.to_country is None:
            ctx.need("to_country")
        if c.from_country is None:
            ctx.need("from_country")
        if not c.items:
            ctx.need("items")
        elif not ctx.parties_with(frozenset({"end_user", "consignee"})):
            ctx.need("parties (an end_user or consignee)")
        for item in ctx.items:
            item.subject = fdp.jurisdiction(ctx, item)
            if item.subject == "no":
                continue
            if not item.handled:
                # unclassifiable, but a chip an is-informed letter names is licensable anyway
                letters.check_letters(ctx, item)
                continue
            if item.advanced or item.pclass == "c":
                destination.check_destination(ctx, item)
                hq_rule.check_headquarters(ctx, item)
            else:
                letters.check_letters(ctx, item)
                destination.check_embargo(ctx, item)
        end_use.check_end_uses(ctx)
    entity_list.check_parties(ctx)
    end_use.check_us_person(ctx)
    ai_training.check_ai_training(ctx)
    gp10.check_gp10(ctx)
    _time_model(ctx)
    if (
        ctx.has("bis.guidance.2026-05-31")
        and any(p.party.datacenter_operator for p in ctx.parties)
        and c.activity in ("use", "service")
    ):
        ctx.add(
            "bis.guidance.2026-05-31",
            "info",
            "a bona fide data-centre operator need not stop ongoing use, storage, disposal or "
            "servicing of advanced-computing items because of the HQ-rule guidance, until BIS "
            "says otherwise",
        )

    policies: dict[int, ReviewPolicy | None] = {}
    for req in ctx.requirements:
        if req.policy is not None or req.kind not in ("destination", "headquarters"):
            continue
        if req.item is None:
            continue
        if req.item not in policies:
            chosen = exceptions.item_policy(ctx, ctx.items[req.item])
            policies[req.item] = chosen
            if chosen is not None:
                ctx.add(
                    "ear.742.6.b.10",
                    chosen,
                    f"{ctx.items[req.item].label}: licence applications are reviewed under "
                    f"{chosen.replace('_', ' ')}",
                )
        req.policy = policies[req.item]
    exceptions.apply_exceptions(ctx)

    red_flags.derive_flags(ctx)
    flags = red_flags.evaluate(ctx)
    _baseline(ctx)
    outcomes = _outcomes(ctx, flags)
    outcome: Outcome = outcomes[0] if outcomes else "insufficient_information"
    policy = (
        exceptions.most_restrictive([r.policy for r in ctx.requirements])
        if outcome in ("license_required", "gp10_risk")
        else None
    )
    prc_findings = prc.check_prc(ctx, outcome)
    open_flags = sum(1 for f in flags if f.status == "open")
    exposure = penalties.exposure(ctx, open_flags, outcome)
    return Determination(
        as_of=c.as_of,
        activity=c.activity,
        outcome=outcome,
        outcomes=outcomes,
        review_policy=policy,
        license_exception=ctx.license_exception if "license_exception" in outcomes else None,
        findings=ctx.findings,
        red_flags=flags,
        prc=prc_findings,
        penalty_exposure=exposure,
        missing_facts=ctx.missing,
        due_diligence=_due_diligence(ctx, flags),
        items=[_item_summary(i, movement) for i in ctx.items],
        parties=[_party_summary(p) for p in ctx.parties],
        aidr_scenario=_aidr_scenario(ctx),
        versions=Versions(rulebook=book.version, lists=ctx.lists_version, engine=__version__),
    )


__all__ = ["Determination", "determine"]
