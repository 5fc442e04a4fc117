"""Jurisdiction: is the item subject to the EAR? US items, de minimis and the FDP rules.

The foreign direct product rules (§734.9(e), (h), (i)) are checked even when de minimis finds
too little US content: they reach foreign-made AI chips with no US content at all.
"""

from __future__ import annotations

from chipcomply.logic.case import MOVEMENT
from chipcomply.logic.common import Ctx, ItemFacts, Subject
from chipcomply.logic.destination import (
    country_set,
    destination,
    ear_country,
    recipients_headquartered_in,
)
from chipcomply.logic.entity_list import fdp_footnotes


def _us_technology(ctx: Ctx, item: ItemFacts) -> str:
    given = ctx.case.items[item.index].us_technology
    if given != "unknown":
        return given
    if item.designer_hq_country == "US":
        return "presumed"
    return "unknown"


def jurisdiction(ctx: Ctx, item: ItemFacts) -> Subject:
    """Decide (and explain) whether ``item`` is subject to the EAR for this movement."""
    case = ctx.case
    src = ear_country(ctx, case.from_country)
    if src == "US" and case.activity in MOVEMENT | {"sell"}:
        ctx.add("ear.734.3", "subject", f"{item.label} leaves from the United States")
        return "yes"
    if item.origin_country == "US":
        ctx.add("ear.734.3", "subject", f"{item.label} is of US origin, wherever located")
        return "yes"

    unknown: list[str] = []
    if item.origin_country is None and src is None:
        unknown.append(f"{item.label}.origin_country")

    # de minimis
    dm = ctx.rule("ear.734.4")
    dest = destination(ctx)
    threshold = (
        dm.value("embargoed_threshold_pct")
        if dest in dm.value("embargoed")
        else dm.value("threshold_pct")
    )
    pct = ctx.case.items[item.index].us_content_pct
    if pct is None:
        unknown.append(f"{item.label}.us_content_pct")
    elif pct > threshold:
        ctx.add(
            dm,
            "subject",
            f"{item.label}: US content {pct:g} % exceeds the {threshold} % de minimis level",
        )
        return "yes"
    else:
        ctx.add(
            dm,
            "not_met",
            f"{item.label}: US content {pct:g} % is within the {threshold} % de minimis level; "
            "FDP rules still checked",
        )

    tech = _us_technology(ctx, item)
    # Entity List FDP (footnotes 1 and 4): any item, no de minimis floor
    for party, hit, rule_id in fdp_footnotes(ctx):
        if rule_id == "ear.734.9.e.3":
            continue
        if tech == "no":
            continue
        basis = (
            "US technology"
            if tech == "yes"
            else "presumed US-origin technology or US-made SME in its production"
        )
        ctx.add(
            rule_id,
            "subject",
            f"{item.label}: {party.label} {party.party.name!r} is an Entity List "
            f"{', '.join(hit.footnotes)} "
            f"party; the item is a foreign direct product ({basis})",
        )
        return "yes"

    if item.advanced and ctx.has("ear.734.9.h"):
        rule = ctx.rule("ear.734.9.h")
        dests = country_set(ctx.view, rule.value("destinations"))
        hq_hit = recipients_headquartered_in(ctx, rule.values.get("headquarters"))
        if (dest in dests or hq_hit) and tech != "no":
            if tech == "unknown":
                unknown.append(f"{item.label}.us_technology")
            else:
                why = (
                    f"destined to {dest}"
                    if dest in dests
                    else f"for {hq_hit[0].label}, headquartered in "
                    f"{hq_hit[0].party.headquarters_country}"
                )
                basis = (
                    "made with US technology"
                    if tech == "yes"
                    else f"designed by a {item.designer_hq_country}-headquartered designer "
                    "(US technology presumed)"
                )
                ctx.add(rule, "subject", f"{item.label}: advanced-computing FDP - {basis}, {why}")
                return "yes"

    if ctx.has("ear.734.9.i") and "supercomputer" in _known(ctx):
        rule = ctx.rule("ear.734.9.i")
        if dest in country_set(ctx.view, rule.value("locations")) and tech != "no":
            if tech == "unknown":
                unknown.append(f"{item.label}.us_technology")
            else:
                ctx.add(
                    rule,
                    "subject",
                    f"{item.label}: supercomputer FDP - known supercomputer end use in {dest}",
                )
                return "yes"

    if unknown:
        ctx.add(
            "ear.734.3",
            "undetermined",
            f"{item.label}: not established whether the item is subject to the EAR (needs "
            f"{', '.join(unknown)})",
        )
        item.jurisdiction_missing = unknown
        return "unknown"
    ctx.add(
        "ear.734.3",
        "not_subject_to_ear",
        f"{item.label}: foreign-made, within de minimis and outside every FDP rule",
    )
    return "no"


def _known(ctx: Ctx) -> set[str]:
    eu = ctx.case.end_use
    return set(eu.purposes) | set(eu.knowledge)


__all__ = ["jurisdiction"]
