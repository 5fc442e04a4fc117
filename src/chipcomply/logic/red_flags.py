"""Red flags: the catalogue (from the rulebook), the flags a case reports or a rule raises, and
whether each is open, resolved (with a recorded resolution) or already decided by a licence rule.

Any open flag blocks a clear answer (outcome ``red_flags_to_resolve``). Ids are the brief's
``DG-RF-01`` ... (May-2025 diversion guidance), ``RF-29`` (Supp. 3 to part 732) and ``KYC`` (the
general know-your-customer red flags of Supp. 3, for days before the 2025 guidance).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict

from chipcomply.errors import BadInput
from chipcomply.logic.case import RedFlagResolution
from chipcomply.logic.common import Ctx, FlagState
from chipcomply.rulebook import RuleBook, RuleVersion

DIVERSION = "bis.guidance.2025-05-13.diversion."
#: a reported flag is already answered by a licence rule when that rule decided its fact
DECIDED_BY: dict[str, tuple[str, ...]] = {
    "DG-RF-08": ("destination", "hq:"),
    "DG-RF-07": ("party:",),
}


@dataclass(frozen=True)
class FlagDef:
    flag_id: str
    rule_id: str
    title: str
    status: str | None  # "C" / "R" for the 2025 guidance items


class RedFlag(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    rule_id: str
    title: str
    status: Literal["open", "resolved", "decided_by_rule"]
    origin: Literal["reported", "derived"]
    detail: str
    citation: str
    conf: Literal["H", "M", "L"]
    unverified: bool
    source_status: str | None = None
    decided_by: str | None = None
    resolution: dict[str, str] | None = None


def catalogue(book: RuleBook) -> dict[str, FlagDef]:
    """Every red flag id chipcomply knows, with the rule that defines it."""
    out: dict[str, FlagDef] = {}
    for rule in book:
        if rule.rule_id.startswith(DIVERSION + "DG-RF-"):
            short = rule.rule_id.removeprefix(DIVERSION)
            status = rule.versions[0].values.get("status")
            out[short] = FlagDef(short, rule.rule_id, rule.title.split(" - ", 1)[-1], str(status))
    out["RF-29"] = FlagDef(
        "RF-29", "ear.732.supp3.rf29", book.rule("ear.732.supp3.rf29").title, None
    )
    out["KYC"] = FlagDef(
        "KYC", "ear.732.supp3", "Know-your-customer red flag (Supp. 3 to part 732)", None
    )
    return out


def due_diligence_steps(book: RuleBook) -> dict[str, str]:
    return {
        r.rule_id.removeprefix(DIVERSION): r.rule_id
        for r in book
        if r.rule_id.startswith(DIVERSION + "DD-")
    }


def canonical(flags: dict[str, FlagDef], given: str, field: str) -> str:
    text = given.strip()
    if text in flags:
        return text
    for fid, d in flags.items():
        if text == d.rule_id or text.upper() == fid.upper():
            return fid
    known = ", ".join(sorted(flags))
    raise BadInput(
        field, f"unknown red flag {given!r} (known: {known}; see `chipcomply rules red-flags`)"
    )


def _version(ctx: Ctx, d: FlagDef) -> RuleVersion:
    if ctx.has(d.rule_id):
        return ctx.rule(d.rule_id)
    return ctx.rule("ear.732.supp3")


def collect_reported(ctx: Ctx) -> None:
    flags = catalogue(ctx.book)
    for i, given in enumerate(ctx.case.red_flags):
        fid = canonical(flags, given, f"red_flags[{i}]")
        ctx.flags.append(FlagState(fid, "reported", f"reported in the case: {flags[fid].title}"))


def evaluate(ctx: Ctx) -> list[RedFlag]:
    flags = catalogue(ctx.book)
    resolutions: dict[str, RedFlagResolution] = {}
    for i, given in enumerate(ctx.case.red_flag_resolutions):
        resolutions[canonical(flags, given.id, f"red_flag_resolutions[{i}].id")] = given
    out: list[RedFlag] = []
    seen: set[tuple[str, str]] = set()
    for state in ctx.flags:
        key = (state.flag_id, state.detail)
        if key in seen:
            continue
        seen.add(key)
        d = flags[state.flag_id]
        version = _version(ctx, d)
        decided = _decided_by(ctx, state)
        res = resolutions.get(state.flag_id)
        status: Literal["open", "resolved", "decided_by_rule"]
        if decided is not None:
            status = "decided_by_rule"
        elif res is not None:
            status = "resolved"
        else:
            status = "open"
        detail = state.detail
        if version.rule_id != d.rule_id:
            detail += (
                f" (the {state.flag_id} guidance dates from 2025-05-13; on this day the same "
                "fact is a Supp. 3 to part 732 red flag)"
            )
        unverified = version.unverified or (d.status == "R")
        out.append(
            RedFlag(
                id=state.flag_id,
                rule_id=version.rule_id,
                title=d.title,
                status=status,
                origin=state.origin,
                detail=detail + (" [unverified]" if unverified else ""),
                citation=version.citation,
                conf=version.conf,
                unverified=unverified,
                source_status=d.status if d.status in ("C", "R") else None,
                decided_by=decided,
                resolution=(
                    {
                        "resolution": res.resolution,
                        "resolved_by": res.resolved_by,
                        "date": res.date.isoformat(),
                    }
                    if res is not None and decided is None
                    else None
                ),
            )
        )
        if decided is None and res is None:
            ctx.add(version, "red_flags_to_resolve", f"{state.flag_id} open: {state.detail}")
        elif decided is None and res is not None:
            ctx.add(
                version,
                "resolved",
                f"{state.flag_id} resolved by {res.resolved_by} on {res.date}: {res.resolution}",
            )
    return out


def _decided_by(ctx: Ctx, state: FlagState) -> str | None:
    """The licence rule that already decides the flag's fact, if any."""
    if state.origin == "reported":
        keys = DECIDED_BY.get(state.flag_id, ())
        hit = any(
            f == k or (k.endswith(":") and f.startswith(k)) for f in ctx.decided for k in keys
        )
    else:
        hit = bool(state.facts & ctx.decided)
    if not hit:
        return None
    if ctx.requirements:
        return ctx.requirements[0].finding.rule_id
    return next(
        (f.rule_id for f in ctx.findings if f.outcome in ("license_required", "license_exception")),
        None,
    )


def derive_flags(ctx: Ctx) -> None:
    """Red flags chipcomply raises from the case's own facts (after the licence rules ran)."""
    if not ctx.has(DIVERSION + "DG-RF-08"):
        return
    if not any(i.advanced for i in ctx.items):
        return
    from chipcomply.logic.destination import country_set, ear_country

    concern = country_set(
        ctx.view, {"groups": ["D:1", "D:4", "D:5"], "plus": ["MO"]}
    ) - country_set(ctx.view, {"groups": ["A:5", "A:6"]})
    for p in ctx.parties:
        if p.party.role not in ("end_user", "consignee"):
            continue
        hq = ear_country(ctx, p.party.headquarters_country)
        if hq in concern:
            ctx.flag(
                "DG-RF-08",
                f"{p.label} {p.party.name!r} is headquartered in {hq} (Country Group D:1/D:4/D:5 "
                "or Macau)",
                frozenset({f"hq:{p.index}", "destination"}),
                by=DIVERSION + "DG-RF-08",
            )
    forwarders = [p for p in ctx.parties if p.party.role == "forwarder"]
    if forwarders and not ctx.parties_with(frozenset({"end_user"})):
        ctx.flag(
            "DG-RF-06",
            f"{forwarders[0].label} {forwarders[0].party.name!r} is a forwarder and no end user "
            "is named",
            by=DIVERSION + "DG-RF-06",
        )


__all__ = [
    "RedFlag",
    "canonical",
    "catalogue",
    "collect_reported",
    "derive_flags",
    "due_diligence_steps",
    "evaluate",
]
