"""Destinations: country-group membership by date and the §742.6(a)(6) destination licence rule.

A destination set in rule data is ``{groups, except_groups, plus, minus}``: members of any of
``groups`` that are in none of ``except_groups``, plus ``plus``, minus ``minus``. This is how
the EAR's recurring phrases ("D:1, D:4 or D:5 but not A:5 or A:6", "Macau or D:5") are written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chipcomply.logic.common import RECIPIENT_ROLES, Ctx, ItemFacts, PartyFacts
from chipcomply.rulebook import RuleView

GROUP_RULES: dict[str, str] = {
    "A:5": "ear.740.supp1.A5",
    "A:6": "ear.740.supp1.A6",
    "D:1": "ear.740.supp1.D1",
    "D:4": "ear.740.supp1.D4",
    "D:5": "ear.740.supp1.D5",
    "E:1": "ear.740.supp1.E1",
    "E:2": "ear.740.supp1.E2",
}


def group_members(view: RuleView, group: str) -> frozenset[str]:
    """Members of a country group on the view's day (error if the group is not curated then)."""
    return frozenset(view.get(GROUP_RULES[group]).value("members"))


def groups_of(view: RuleView, country: str) -> list[str]:
    """The country groups (of those chipcomply curates) that ``country`` is in on the day."""
    return [
        g
        for g, rid in GROUP_RULES.items()
        if view.in_force(rid) and country in group_members(view, g)
    ]


def country_set(view: RuleView, spec: Mapping[str, Any]) -> frozenset[str]:
    members: set[str] = set()
    for g in spec.get("groups", []):
        members |= group_members(view, g)
    for g in spec.get("except_groups", []):
        members -= group_members(view, g)
    members |= set(spec.get("plus", []))
    members -= set(spec.get("minus", []))
    return frozenset(members)


def describe_set(spec: Mapping[str, Any]) -> str:
    parts = []
    if spec.get("groups"):
        parts.append("/".join(spec["groups"]))
    if spec.get("except_groups"):
        parts.append("not " + "/".join(spec["except_groups"]))
    text = " ".join(parts)
    if spec.get("plus"):
        text = (text + " plus " if text else "") + ", ".join(spec["plus"])
    if spec.get("minus"):
        text += " minus " + ", ".join(spec["minus"])
    return text


def ear_country(ctx: Ctx, code: str | None) -> str | None:
    """The EAR destination for a country code: Hong Kong counts as China from 2020-12-23."""
    if code == "HK" and ctx.has("ear.738.hong_kong"):
        treated: str = ctx.rule("ear.738.hong_kong").value("treated_as")
        return treated
    return code


def d5_or_macau(ctx: Ctx) -> frozenset[str]:
    return country_set(ctx.view, {"groups": ["D:5"], "plus": ["MO"]})


def recipients_headquartered_in(ctx: Ctx, spec: Mapping[str, Any] | None) -> list[PartyFacts]:
    """Recipient parties whose ultimate parent is headquartered in the set ``spec`` names."""
    if not spec:
        return []
    hq_set = country_set(ctx.view, spec)
    return [
        p
        for p in ctx.parties_with(RECIPIENT_ROLES)
        if ear_country(ctx, p.party.headquarters_country) in hq_set
    ]


def destination(ctx: Ctx) -> str | None:
    """Where the items go (movement) or are (use, service): ``to_country`` as an EAR destination."""
    return ear_country(ctx, ctx.case.to_country)


def check_destination(ctx: Ctx, item: ItemFacts) -> None:
    """§742.6(a)(6)(iii) (3A090/4A090/.z) and §742.6(a)(6)(i)(B) (3A090.c) for one item."""
    dest = destination(ctx)
    if dest is None:
        ctx.need("to_country")
        return
    if item.pclass == "c":
        _check_hbm(ctx, item, dest)
        return
    if not item.advanced:
        return
    rule_id = "ear.742.6.a.6.iii"
    if not ctx.has(rule_id):
        return
    rule = ctx.rule(rule_id)
    assert item.pclass in ("a", "b")
    spec = rule.value(item.pclass)
    covered = country_set(ctx.view, spec)
    values = {"destination": dest, "parameter_class": item.pclass, "set": describe_set(spec)}
    if dest in covered:
        ctx.decided.add("destination")
        ctx.require(
            "destination",
            rule,
            f"{item.label} {item.paragraph or item.eccn} to {dest}: {dest} is in the licence "
            f"destinations for 3A090.{item.pclass}-level items ({describe_set(spec)})",
            item=item.index,
            exception_may_apply=True,
            values=values,
            subject=item.subject,
            missing=item.jurisdiction_missing,
        )
    else:
        ctx.add(
            rule,
            "no_license_required",
            f"{item.label} {item.paragraph or item.eccn} to {dest}: {dest} is not a licence "
            f"destination for 3A090.{item.pclass}-level items ({describe_set(spec)})",
            values,
        )


def _check_hbm(ctx: Ctx, item: ItemFacts, dest: str) -> None:
    rule_id = "ear.742.6.a.6.i.B"
    if not ctx.has(rule_id):
        return
    rule = ctx.rule(rule_id)
    spec = rule.value("c")
    covered = country_set(ctx.view, spec)
    comply = rule.value("compliance_date")
    if dest in covered:
        ctx.decided.add("destination")
        ctx.require(
            "hbm",
            rule,
            f"{item.label} 3A090.c high-bandwidth memory to {dest} (Macau or D:5); compliance "
            f"date {comply}. License Exception HBM (15 CFR 740.25) may cover HBM below 3.3 "
            "GB/s/mm2 "
            "in specified packaging scenarios - not granted automatically",
            item=item.index,
            policy="presumption_of_denial",
            values={"destination": dest},
            subject=item.subject,
            missing=item.jurisdiction_missing,
        )
    else:
        ctx.add(rule, "no_license_required", f"{item.label} 3A090.c to {dest}: not Macau or D:5")


def check_embargo(ctx: Ctx, item: ItemFacts) -> None:
    """AT-only and EAR99 items: licence only to the part-746 embargoed destinations."""
    dest = destination(ctx)
    if dest is None:
        ctx.need("to_country")
        return
    rule = ctx.rule("ear.746")
    countries = frozenset(rule.value("countries"))
    if dest in countries:
        ctx.decided.add("destination")
        ctx.require(
            "embargo",
            rule,
            f"{item.label} ({item.eccn or 'AT-only / EAR99'}) to {dest}: embargoed destination",
            item=item.index,
            policy="presumption_of_denial",
            subject=item.subject,
            missing=item.jurisdiction_missing,
        )
    else:
        ctx.add(
            "ear.738.at_only",
            "no_license_required",
            f"{item.label} ({item.eccn or 'outside 3A090/4A090'}) to {dest}: AT-only or EAR99 "
            "item, no licence to a destination outside the embargoes of part 746",
            {"destination": dest},
        )


__all__ = [
    "check_destination",
    "check_embargo",
    "country_set",
    "d5_or_macau",
    "describe_set",
    "destination",
    "ear_country",
    "group_members",
    "groups_of",
    "recipients_headquartered_in",
]
