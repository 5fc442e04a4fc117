"""Review policy of the licence requirements found, and License Exceptions NAC / ACA.

An exception is offered only when every requirement on an item comes from the destination or
headquarters rule (Part 742/744.23(a)(3)); an Entity List, end-use, embargo or GP10 problem
anywhere in the case bars it (restrictive beats permissive). Datacenter 3A090.a items are
never eligible.
"""

from __future__ import annotations

from typing import Any

from chipcomply.logic.common import POLICY_ORDER, Ctx, ItemFacts, Requirement, ReviewPolicy
from chipcomply.logic.destination import country_set, d5_or_macau, destination, ear_country
from chipcomply.logic.hq_rule import hq_parties
from chipcomply.model import finding

_EXCEPTION_KINDS = frozenset({"destination", "headquarters"})


def _d5_context(ctx: Ctx) -> bool:
    dest = destination(ctx)
    return dest in d5_or_macau(ctx) or bool(hq_parties(ctx))


def item_policy(ctx: Ctx, item: ItemFacts) -> ReviewPolicy | None:
    """§742.6(b)(10) policy for a destination/HQ requirement on ``item``."""
    if not ctx.has("ear.742.6.b.10"):
        return None
    rule = ctx.rule("ear.742.6.b.10")
    if not _d5_context(ctx):
        policy: ReviewPolicy = rule.value("other_destinations")
        return policy
    table = rule.value("d5_macau_or_hq")
    dc_a = item.pclass == "a" and item.datacenter is not False
    chosen: ReviewPolicy = table["datacenter_a"] if dc_a else table["other"]
    h200 = rule.values.get("h200_class")
    if chosen == "presumption_of_denial" and h200 and _h200_class(ctx, item, h200):
        given = set(ctx.case.certifications)
        needed = list(h200["certifications"])
        lacking = [c for c in needed if c not in given]
        if given and lacking:
            ctx.add(
                rule,
                "presumption_of_denial",
                f"{item.label}: H200-class case-by-case needs the certifications "
                f"{', '.join(lacking)}",
            )
            return chosen
        note = (
            "certified"
            if not lacking
            else "on condition the exporter certifies " + ", ".join(needed)
        )
        ctx.add(
            rule,
            "case_by_case",
            f"{item.label}: H200-class chip (TPP {item.tpp:g} < {h200['tpp_below']}, DRAM "
            "bandwidth "
            f"{item.dram_bandwidth_gbps:g} GB/s < {h200['dram_bandwidth_below_gbps']}) exported "
            "from the US to "
            f"{destination(ctx)}: case-by-case review, {note}",
        )
        return "case_by_case"
    return chosen


def _h200_class(ctx: Ctx, item: ItemFacts, h200: dict[str, Any]) -> bool:
    case = ctx.case
    if case.activity not in h200["activities"]:
        return False
    if ear_country(ctx, case.from_country) not in h200["from"]:
        return False
    if destination(ctx) not in h200["to"]:
        return False
    if item.tpp is None or item.dram_bandwidth_gbps is None:
        return False
    return item.tpp < float(h200["tpp_below"]) and item.dram_bandwidth_gbps < float(
        h200["dram_bandwidth_below_gbps"]
    )


def most_restrictive(policies: list[ReviewPolicy | None]) -> ReviewPolicy | None:
    present = [p for p in policies if p is not None]
    if not present:
        return None
    return min(present, key=POLICY_ORDER.index)


def _eligible(ctx: Ctx, item: ItemFacts) -> bool | None:
    if item.pclass == "b":
        return True
    if item.pclass == "a":
        if item.datacenter is None:
            return None
        return not item.datacenter
    return False


def apply_exceptions(ctx: Ctx) -> None:
    """Overcome destination/HQ requirements with NAC or ACA where every condition holds."""
    if not ctx.has("ear.740.8.eligibility"):
        return
    reqs = ctx.requirements
    blocking = [r for r in reqs if r.kind not in _EXCEPTION_KINDS]
    uvl = any(h.source_code == "UVL" and h.confident for p in ctx.parties for h in p.hits)
    chosen: set[str] = set()
    for item in ctx.items:
        mine = [r for r in reqs if r.item == item.index]
        if not mine or any(r.kind not in _EXCEPTION_KINDS for r in mine):
            continue
        elig = _eligible(ctx, item)
        if elig is None:
            ctx.need(f"{item.label}.datacenter")
            ctx.add(
                "ear.740.8.eligibility",
                "insufficient_information",
                f"{item.label}: whether the 3A090.a item is designed or marketed for datacenters "
                "decides NAC/ACA eligibility",
            )
            continue
        if not elig:
            ctx.add(
                "ear.740.8.eligibility",
                "not_eligible",
                f"{item.label}: a datacenter 3A090.a-level item is never eligible for NAC or ACA",
            )
            continue
        if blocking:
            ctx.add(
                "ear.740.8.eligibility",
                "not_eligible",
                f"{item.label}: eligible item, but {blocking[0].finding.rule_id} also requires a "
                "licence, which no License Exception overcomes",
            )
            continue
        if uvl:
            ctx.add(
                "ear.744.15",
                "not_eligible",
                f"{item.label}: a party is on the Unverified List, so no License Exception may be "
                "used",
            )
            continue
        which = _which(ctx, item)
        if which is None:
            continue
        chosen.add(which)
        for r in mine:
            _overcome(ctx, r, which)
    if chosen:
        ctx.license_exception = "NAC" if "NAC" in chosen else sorted(chosen)[0]


def _which(ctx: Ctx, item: ItemFacts) -> str | None:
    dest = destination(ctx)
    hq = hq_parties(ctx)
    if ctx.has("ear.740.8.b"):
        aca = ctx.rule("ear.740.8.b")
        within = country_set(ctx.view, aca.value("in_country_transfer_within"))
        in_country = (
            ctx.case.activity == "transfer"
            and ear_country(ctx, ctx.case.from_country) == dest
            and dest in within
        )
        to_aca = dest in country_set(ctx.view, aca.value("destinations")) and not hq
        if to_aca or in_country:
            what = (
                f"in-country transfer within {dest}" if in_country else f"eligible item to {dest}"
            )
            ctx.add(
                aca,
                "license_exception",
                f"{item.label}: ACA - {what}; no notification needed (AES code "
                f"{aca.value('aes_code')})",
            )
            return "ACA"
    nac = ctx.rule("ear.740.8.a")
    if dest in country_set(ctx.view, nac.value("destinations")) or hq:
        ctx.add(
            nac,
            "license_exception",
            f"{item.label}: NAC - eligible item to {dest}{' for ' + ', '.join(hq) if hq else ''}; "
            "file the NAC "
            f"notification in SNAP-R before shipping; BIS has {nac.value('review_days')} days and "
            "may require a "
            f"licence instead (AES code {nac.value('aes_code')})",
        )
        return "NAC"
    return None


def _overcome(ctx: Ctx, req: Requirement, which: str) -> None:
    old = req.finding
    idx = ctx.findings.index(old)
    version = ctx.rule(old.rule_id)
    new = finding(
        version,
        "license_exception",
        old.detail.removesuffix(" [unverified]") + f" - overcome by License Exception {which}",
        dict(old.values),
    )
    ctx.findings[idx] = new
    ctx.requirements.remove(req)


__all__ = ["apply_exceptions", "item_policy", "most_restrictive"]
