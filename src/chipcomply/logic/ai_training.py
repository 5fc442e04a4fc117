"""BIS policy statement of 2025-05-13: advanced-computing ICs and IaaS used to train AI models
for or on behalf of Macau / D:5-headquartered parties (scenarios PS-1 ... PS-7)."""

from __future__ import annotations

from chipcomply.logic.case import MOVEMENT
from chipcomply.logic.common import Ctx
from chipcomply.logic.destination import country_set, ear_country
from chipcomply.logic.end_use import actor, known

RULE = "bis.guidance.2025-05-13.ai_training"
IAAS_ROLES = frozenset({"iaas_provider", "iaas_customer"})


def _owner_hq(ctx: Ctx) -> list[tuple[str, str]]:
    """(who, headquarters) for the parties the model is trained or run for."""
    out = []
    eu = ctx.case.end_use
    if eu.model_owner_headquarters:
        out.append(("end_use.model_owner_headquarters", eu.model_owner_headquarters))
    for p in ctx.parties:
        if p.party.role in ("model_owner", "iaas_customer") and p.party.headquarters_country:
            out.append((p.label, p.party.headquarters_country))
    return out


def check_ai_training(ctx: Ctx) -> None:
    case = ctx.case
    purposes = set(case.end_use.purposes)
    iaas = case.activity == "iaas_compute" or any(p.party.role in IAAS_ROLES for p in ctx.parties)
    if not iaas or not ({"ai_training", "inference"} & purposes):
        return
    if not ctx.has(RULE):
        return
    rule = ctx.rule(RULE)
    hq_set = country_set(ctx.view, rule.value("headquarters"))
    owners = _owner_hq(ctx)
    if not owners:
        ctx.need("end_use.model_owner_headquarters")
        ctx.add(
            rule,
            "insufficient_information",
            "AI training / inference on IaaS: where the model owner (or compute customer) is "
            "headquartered decides the policy statement",
        )
        return
    flagged = [(w, hq) for w, hq in owners if ear_country(ctx, hq) in hq_set]
    if not flagged:
        ctx.add(
            rule,
            "no_license_required",
            f"model owner headquartered in {owners[0][1]}, not Macau or D:5",
        )
        return
    who, hq = flagged[0]
    bad = known(ctx) & set(rule.value("knowledge"))
    if "ai_training" not in purposes:
        ctx.flag(
            "DG-RF-09",
            f"inference-only service for a party headquartered in {hq} ({who}); review as a red "
            "flag",
            by="bis.guidance.2025-05-13.ai_training.PS-7",
        )
        return
    doer = actor(ctx)
    us = doer is not None and doer.party.us_person is True
    if bad:
        use = " and ".join(sorted(bad))
        if case.activity in MOVEMENT:
            ctx.require(
                "end_use",
                "bis.guidance.2025-05-13.ai_training.PS-1",
                f"items for training models for a {hq}-headquartered party with knowledge of "
                f"{use} end use (Part 744 catch-all)",
                policy="presumption_of_denial",
            )
        if us:
            ctx.require(
                "end_use",
                "bis.guidance.2025-05-13.ai_training.PS-3",
                f"a US person ({doer.label if doer else ''}) supporting training of models for a "
                f"{hq}-headquartered party with knowledge of {use} end use (§744.6), even though "
                "no item moves",
                policy="presumption_of_denial",
            )
        if not us and case.activity not in MOVEMENT:
            ctx.add(
                "bis.guidance.2025-05-13.ai_training.PS-4",
                "red_flags_to_resolve",
                f"a non-US provider training models for a {hq}-headquartered party with knowledge "
                f"of {use} end use risks Entity List designation (§744.11)",
            )
            ctx.flag(
                "DG-RF-10",
                f"training AI models for a party headquartered in {hq} ({who}) with knowledge of "
                f"{use} end use",
                by="bis.guidance.2025-05-13.ai_training.PS-4",
            )
        return
    ctx.flag(
        "DG-RF-10",
        f"compute used to train AI models for or on behalf of a party headquartered in {hq} "
        f"({who}): "
        "resolve by due diligence (DD-05) before proceeding",
        frozenset(),
        by="bis.guidance.2025-05-13.ai_training.PS-2",
    )
    if doer is not None and doer.party.us_person is False:
        ctx.add(
            "bis.guidance.2025-05-13.ai_training.PS-4",
            "info",
            f"{doer.label} is not a US person: BIS may still add a provider that trains models "
            "for such parties to the Entity List",
        )


__all__ = ["check_ai_training"]
