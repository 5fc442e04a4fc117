"""General Prohibition 10 and the BIS guidance of 2025-05-13 on PRC advanced-computing ICs.

From 2025-05-13 BIS presumes that a "PRC 3A090 IC" (3A090 parameters; developed or produced by
an entity in, or headquartered in, Macau or D:5) was designed or made in violation of the EAR,
so using, servicing, selling, transferring or financing one risks GP10 - anywhere. Obtaining
one solely for technical analysis or evaluation is a safe harbour. GP10 has no exceptions.
"""

from __future__ import annotations

from chipcomply.logic.common import Ctx, ItemFacts
from chipcomply.logic.destination import country_set, ear_country
from chipcomply.logic.end_use import known

GUIDANCE = "bis.guidance.2025-05-13.gp10"
HARBOUR = "bis.guidance.2025-05-13.gp10.safe_harbour"


def is_prc_ic(ctx: Ctx, item: ItemFacts, prc: frozenset[str], named: list[str]) -> str | None:
    """Why the item is a PRC 3A090 IC under the guidance, or None."""
    if item.record_id in named:
        return f"{item.name} is named in the guidance"
    if item.pclass not in ("a", "b"):
        return None
    if ear_country(ctx, item.designer_hq_country) in prc:
        return (
            f"meets 3A090.{item.pclass} parameters and its designer is headquartered in "
            f"{item.designer_hq_country}"
        )
    if ear_country(ctx, item.origin_country) in prc:
        return f"meets 3A090.{item.pclass} parameters and was produced in {item.origin_country}"
    return None


def check_gp10(ctx: Ctx) -> None:
    uses = known(ctx)
    if "ear_violation" in uses:
        ctx.add(
            "ear.736.2.b.10",
            "gp10_risk",
            "the actor knows a violation has occurred or will occur in connection with the items: "
            "proceeding is prohibited and no License Exception overcomes GP10",
        )
    if not ctx.has(GUIDANCE):
        for item in ctx.items:
            rec = item.record_id or ""
            if item.designer_hq_country in ("CN", "MO") and item.advanced:
                ctx.add(
                    "ear.736.2.b.10",
                    "not_applicable",
                    f"{item.label} {item.name}: PRC-designed 3A090-level IC, but the BIS "
                    "presumption that "
                    "such ICs were made in violation dates from 2025-05-13; GP10 needs knowledge "
                    "of a violation",
                    {"record": rec},
                )
        return
    rule = ctx.rule(GUIDANCE)
    prc = country_set(ctx.view, rule.value("prc"))
    named = list(rule.value("named_chips"))
    for item in ctx.items:
        why = is_prc_ic(ctx, item, prc, named)
        if why is None:
            continue
        harbour = ctx.rule(HARBOUR)
        allowed = set(harbour.value("purposes"))
        purposes = set(ctx.case.end_use.purposes)
        evaluation = ctx.case.activity == "technical_evaluation" or (
            ctx.case.activity in harbour.value("activities") and purposes and purposes <= allowed
        )
        if evaluation and purposes <= allowed:
            ctx.add(
                harbour,
                "safe_harbour",
                f"{item.label} {item.name} ({why}) obtained solely for technical analysis or "
                "evaluation: "
                "BIS will not pursue GP10 enforcement; deployment, inference service, resale or "
                "tooling "
                "would fall outside the safe harbour",
            )
            continue
        verb = ctx.case.activity
        outside = (
            f" (purposes {', '.join(sorted(purposes - allowed))} fall outside the safe harbour)"
            if purposes - allowed
            else ""
        )
        ctx.add(
            rule,
            "gp10_risk",
            f"{item.label} {item.name} is a PRC 3A090 IC ({why}); to {verb} it risks General "
            "Prohibition 10 "
            f"without BIS authorisation{outside}. Confirm with the supplier that every BIS "
            "authorisation "
            "exists (DD-07); no License Exception applies",
            {"activity": verb},
        )
        ctx.add(
            "ear.736.2.b.10",
            "gp10_risk",
            f"{item.label}: GP10 - no person may {verb} an item with knowledge of a violation; "
            "the guidance presumes one here",
        )


__all__ = ["check_gp10", "is_prc_ic"]
