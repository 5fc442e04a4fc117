"""Penalty exposure under ECRA (50 U.S.C. 4819) on the day: maxima per violation, never an amount.

Civil: the greater of the inflation-adjusted cap and twice the transaction value. Criminal
(wilful violations): the statutory fine and prison term. BIS's settlement guidelines decide
where within the maximum a case lands; chipcomply lists the factors present in the case.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from chipcomply.logic.common import Ctx


class PenaltyExposure(BaseModel):
    model_config = ConfigDict(frozen=True)

    civil_rule_id: str
    civil_citation: str
    civil_cap_usd: int
    transaction_value_usd: float | None
    civil_max_per_violation_usd: float
    civil_basis: str
    criminal_rule_id: str
    criminal_citation: str
    criminal_max_fine_usd: int
    criminal_max_prison_years: int
    aggravating: list[str]
    mitigating: list[str]


def exposure(ctx: Ctx, open_flags: int, outcome: str) -> PenaltyExposure:
    civil = ctx.rule("ecra.1760.c")
    crim = ctx.rule("ecra.1760.b")
    cap = int(civil.value("cap_usd"))
    mult = int(civil.value("transaction_multiple"))
    values = [i.value_usd for i in ctx.items]
    total = (
        float(sum(v for v in values if v is not None))
        if values and all(v is not None for v in values)
        else None
    )
    if total is not None and mult * total > cap:
        top, basis = mult * total, f"{mult} x transaction value USD {total:,.0f}"
    else:
        top = float(cap)
        basis = f"inflation-adjusted cap on {ctx.day.isoformat()}" + (
            " (transaction value not given: at least this)" if total is None else ""
        )
    aggravating = []
    if open_flags:
        aggravating.append(
            f"{open_flags} red flag(s) open: proceeding despite red flags is an aggravating factor"
        )
    if outcome == "gp10_risk":
        aggravating.append("knowledge-based violation (GP10): wilfulness may be inferred")
    if any(i.advanced for i in ctx.items):
        aggravating.append("harm to regulatory objectives: advanced-computing items")
    uses = set(ctx.case.end_use.purposes) | set(ctx.case.end_use.knowledge)
    if uses & {"military", "military_intelligence", "wmd"}:
        aggravating.append("sensitive end use (military / military-intelligence / WMD)")
    mitigating = [
        "voluntary self-disclosure (15 CFR 764.5) roughly halves the base penalty",
        "an effective compliance programme and documented red-flag resolutions",
        "exceptional cooperation and remedial measures",
    ]
    detail = (
        f"civil maximum per violation USD {top:,.0f} ({basis}); criminal up to USD "
        f"{crim.value('fine_usd'):,} and {crim.value('prison_years')} years"
    )
    ctx.add(civil, "info", detail)
    return PenaltyExposure(
        civil_rule_id=civil.rule_id,
        civil_citation=civil.citation,
        civil_cap_usd=cap,
        transaction_value_usd=total,
        civil_max_per_violation_usd=top,
        civil_basis=basis,
        criminal_rule_id=crim.rule_id,
        criminal_citation=crim.citation,
        criminal_max_fine_usd=int(crim.value("fine_usd")),
        criminal_max_prison_years=int(crim.value("prison_years")),
        aggravating=aggravating,
        mitigating=mitigating,
    )


__all__ = ["PenaltyExposure", "exposure"]
