"""Listed parties: Entity List (footnotes 1/4/5), MEU, UVL, DPL, SDN, and the Affiliates Rule.

A confident hit on the Entity List for a party the items go to requires a licence for every
item subject to the EAR; footnote-1/4 entries also pull foreign-made items into the EAR (the
Entity List FDP rule, see :mod:`chipcomply.logic.fdp`). A possible (not confident) hit is a
red flag to resolve, never a silent pass.
"""

from __future__ import annotations

from chipcomply.logic.case import MOVEMENT
from chipcomply.logic.common import SUPPLY_ROLES, Ctx, ListHit, PartyFacts, ReviewPolicy
from chipcomply.logic.parties import best_per_source

_RESTRICTIVE = frozenset({"EL", "MEU", "DPL", "SDN"})
FOOTNOTE_RULES = {"FN1": "ear.734.9.e.1", "FN4": "ear.734.9.e.2", "FN5": "ear.734.9.e.3"}


def policy_of(text: str | None) -> ReviewPolicy:
    low = (text or "").lower()
    if "case-by-case" in low or "case by case" in low:
        return "case_by_case"
    if "approval" in low and "denial" not in low:
        return "presumption_of_approval"
    return "presumption_of_denial"


def fdp_footnotes(ctx: Ctx) -> list[tuple[PartyFacts, ListHit, str]]:
    """Parties to the transaction listed with an FDP footnote in force on the day."""
    out = []
    for p in ctx.parties:
        if p.party.role in SUPPLY_ROLES:
            continue
        for h in p.hits:
            if h.source_code != "EL" or not h.confident:
                continue
            for fn in h.footnotes:
                rule_id = FOOTNOTE_RULES.get(fn)
                if rule_id and ctx.has(rule_id):
                    out.append((p, h, rule_id))
    return out


def _describe(hit: ListHit) -> str:
    return f"{hit.listed_name!r} ({hit.source_code} {hit.entity_number or ''}".rstrip() + ")"


def check_parties(ctx: Ctx) -> None:
    """Licence requirements and red flags from the screening results of every party."""
    moving = ctx.case.activity in MOVEMENT or ctx.case.activity == "sell"
    any_subject = any(i.subject != "no" for i in ctx.items) or not ctx.items
    for p in ctx.parties:
        receiving = p.party.role not in SUPPLY_ROLES
        best = best_per_source(p.hits)
        restricted = any(h.confident and h.source_code in _RESTRICTIVE for h in best)
        for h in best:
            if restricted and h.source_code not in _RESTRICTIVE:
                continue  # a stricter listing of the same party already decides it
            if not h.confident:
                ctx.flag(
                    "DG-RF-07",
                    f"{p.label} {p.party.name!r} resembles {_describe(h)}: score {h.score:.2f}, "
                    f"{h.explanation}. Confirm or rule out the match",
                    frozenset({f"party:{p.index}"}),
                    by="ear.744.11",
                )
                continue
            _confident_hit(ctx, p, h, receiving=receiving, moving=moving, any_subject=any_subject)
        _affiliates(ctx, p, receiving=receiving, moving=moving)


def _confident_hit(
    ctx: Ctx, p: PartyFacts, h: ListHit, *, receiving: bool, moving: bool, any_subject: bool
) -> None:
    who = f"{p.label} {p.party.name!r} is {_describe(h)}"
    values = {"party": p.party.name, "matched": h.matched_name, "score": h.score}
    code = h.source_code
    if code == "DPL":
        ctx.decided.add(f"party:{p.index}")
        ctx.require(
            "party",
            "ear.736.2.b.4",
            f"{who}: denied export privileges",
            policy="presumption_of_denial",
            values=values,
        )
        return
    if code == "SDN":
        ctx.decided.add(f"party:{p.index}")
        ctx.require(
            "party",
            "ofac.sdn",
            f"{who}: blocked person, an OFAC licence is needed to deal",
            policy="presumption_of_denial",
            values=values,
        )
        return
    if code == "UVL":
        ctx.flag(
            "DG-RF-07",
            f"{who}: no License Exception may be used and a UVL statement is required before any "
            "no-licence-required export (15 CFR 744.15)",
            frozenset({f"party:{p.index}"}),
            by="ear.744.15",
        )
        return
    if code not in ("EL", "MEU"):
        ctx.flag(
            "DG-RF-07",
            f"{who}: listed by {code}; review what that list restricts",
            frozenset({f"party:{p.index}"}),
            by="ear.732.supp3",
        )
        return
    if not receiving:
        ctx.flag("DG-RF-07", f"{who}, on the supplying side of the deal", by="ear.744.11")
        return
    if not moving:
        ctx.flag(
            "DG-RF-07",
            f"{who}: no item is exported here, but dealing with a listed party is a red flag (and "
            "a "
            "GP10 risk if items reach it without a licence)",
            by="ear.744.11",
        )
        return
    if not any_subject:
        ctx.add("ear.744.11", "not_applicable", f"{who}, but no item is subject to the EAR")
        return
    ctx.decided.add(f"party:{p.index}")
    if code == "MEU":
        ctx.require(
            "party",
            "ear.744.21.meu",
            f"{who}: Military End-User List",
            policy="presumption_of_denial",
            values=values,
        )
        return
    fns = [fn for fn in h.footnotes if fn in FOOTNOTE_RULES and ctx.has(FOOTNOTE_RULES[fn])]
    extra = f"; footnote {', '.join(fns)} (Entity List FDP rule)" if fns else ""
    ctx.require(
        "party",
        "ear.744.11",
        f"{who}: licence for all items subject to the EAR "
        f"({h.license_policy or 'presumption of denial'}){extra}",
        policy=policy_of(h.license_policy),
        values=values | {"footnotes": h.footnotes, "federal_register": h.federal_register_notice},
    )


def _affiliates(ctx: Ctx, p: PartyFacts, *, receiving: bool, moving: bool) -> None:
    rule_id = "ear.744.11.affiliates"
    operating = ctx.has(rule_id) and ctx.rule(rule_id).value("status") == "operating"
    if p.party.ownership_unknown:
        if ctx.has("ear.732.supp3.rf29") and operating:
            ctx.flag(
                "RF-29",
                f"{p.label} {p.party.name!r}: ownership could not be established while the "
                "Affiliates Rule operates; resolve it or apply for a licence",
                by="ear.732.supp3.rf29",
            )
        else:
            ctx.flag(
                "DG-RF-16" if ctx.has("bis.guidance.2025-05-13.diversion.DG-RF-16") else "KYC",
                f"{p.label} {p.party.name!r}: ownership could not be established (DD-01: screen "
                "owners)",
                by="ear.732.supp3",
            )
    if not p.listed_owners:
        return
    owners = "; ".join(f"{n} {pct:g} % ({src})" for n, pct, src in p.listed_owners)
    share = p.owned_by_listed_pct
    if share >= 50 and operating and receiving and moving:
        ctx.decided.add(f"party:{p.index}")
        ctx.require(
            "party",
            rule_id,
            f"{p.label} {p.party.name!r} is {share:g} % owned by listed parties ({owners}): it "
            "inherits their Entity List / MEU licence requirement",
            policy="presumption_of_denial",
            values={"owned_by_listed_pct": share},
        )
        return
    why = (
        "the Affiliates Rule is suspended (2025-11-10 to 2026-11-09), so only listed names are "
        "restricted"
        if ctx.has(rule_id) and not operating
        else "the Affiliates Rule is not in force on this day"
        if not ctx.has(rule_id)
        else "below the 50 % threshold"
    )
    if ctx.has(rule_id):
        ctx.add(
            rule_id,
            "not_applicable",
            f"{p.label} {p.party.name!r}: {share:g} % owned by listed parties; {why}",
        )
    ctx.flag(
        "DG-RF-16" if ctx.has("bis.guidance.2025-05-13.diversion.DG-RF-16") else "KYC",
        f"{p.label} {p.party.name!r} has listed owners ({owners}); {why} - resolve before "
        "proceeding",
        by=rule_id if ctx.has(rule_id) else "ear.732.supp3",
    )


__all__ = ["FOOTNOTE_RULES", "check_parties", "fdp_footnotes", "policy_of"]
