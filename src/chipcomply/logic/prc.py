"""The PRC side, reported alongside the US answer and never hidden by it.

When the US answer means refusing, cancelling or restricting a deal with a PRC party, that
refusal engages the Anti-Foreign Sanctions Law (Art. 12: the PRC party may sue) and the MOFCOM
Blocking Rules (Art. 5: the Chinese party must report within 30 days). Parties are also checked
against the PRC lists chipcomply carries (Unreliable Entity List, MOFCOM control list), and
items against the 2023-25 critical-mineral export controls, each with its suspension window.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict

from chipcomply.logic.common import Ctx
from chipcomply.logic.destination import ear_country
from chipcomply.logic.end_use import actor, known
from chipcomply.rulebook import RuleVersion

PrcOutcome = Literal[
    "prc_conflict", "prc_prohibited", "prc_license_required", "prc_suspended", "prc_clear"
]
PRC = frozenset({"CN", "MO", "HK"})
#: name similarity at or above which a party is taken to be a PRC-listed entity
PRC_MATCH_SCORE = 0.9


class PrcFinding(BaseModel):
    model_config = ConfigDict(frozen=True)

    rule_id: str
    citation: str
    outcome: PrcOutcome
    detail: str
    conf: Literal["H", "M", "L"]
    unverified: bool
    valid_from: date | None
    valid_to: date | None


def _f(rule: RuleVersion, outcome: PrcOutcome, detail: str) -> PrcFinding:
    return PrcFinding(
        rule_id=rule.rule_id,
        citation=rule.citation,
        outcome=outcome,
        detail=detail + (" [unverified]" if rule.unverified else ""),
        conf=rule.conf,
        unverified=rule.unverified,
        valid_from=rule.valid_from,
        valid_to=rule.valid_to,
    )


def _fold(text: str) -> str:
    t = unicodedata.normalize("NFKC", text).casefold()
    t = re.sub(
        r"\b(inc|llc|ltd|corp|corporation|co|company|limited|s\.?a|ag|gmbh|plc)\b\.?", " ", t
    )
    return " ".join(re.sub(r"[^\w]+", " ", t).split())


def name_matcher() -> Callable[[str, str], float]:
    """The screening engine's pairwise matcher; a folded exact comparison if it is unavailable."""
    try:
        from chipcomply.screening.api import get_screener
    except ImportError:
        return lambda a, b: 1.0 if _fold(a) == _fold(b) else 0.0

    # One screener for the whole determination: each party meets every PRC-list name, and
    # only scores at or above PRC_MATCH_SCORE count, so the cheap pre-check may skip pairs.
    return functools.partial(get_screener().match_score, floor=PRC_MATCH_SCORE)


def _prc_parties(ctx: Ctx) -> list[tuple[str, str]]:
    out = []
    for p in ctx.parties:
        c = p.party.country or ""
        hq = p.party.headquarters_country or ""
        if c in PRC or hq in PRC:
            out.append((p.label, p.party.name))
    return out


def check_prc(
    ctx: Ctx, us_outcome: str, matcher: Callable[[str, str], float] | None = None
) -> list[PrcFinding]:
    out: list[PrcFinding] = []
    restrictive = us_outcome in ("gp10_risk", "license_required")
    prc_parties = _prc_parties(ctx)
    doer = actor(ctx)
    if restrictive and prc_parties and ctx.has("prc.afsl.art12"):
        names = ", ".join(f"{n!r}" for _, n in prc_parties)
        rule = ctx.rule("prc.afsl.art12")
        who = (
            f" ({doer.party.name!r} acts from {doer.party.country})"
            if doer and doer.party.country in PRC
            else ""
        )
        out.append(
            _f(
                rule,
                "prc_conflict",
                f"refusing, cancelling or restricting the deal with {names} in order to comply "
                "with the US "
                f"measure ({us_outcome}) may be 'implementing a foreign discriminatory "
                f"restrictive measure'{who}: "
                "the affected PRC party may sue in a PRC people's court for cessation and "
                "compensation",
            )
        )
        if ctx.has("prc.blocking.art5"):
            rb = ctx.rule("prc.blocking.art5")
            out.append(
                _f(
                    rb,
                    "prc_conflict",
                    f"a Chinese party prevented from normal trade by the US measure ({names}) "
                    "must report it to "
                    f"MOFCOM within {rb.value('report_days')} days (confidentiality may be "
                    "requested)",
                )
            )
        if ctx.has("prc.blocking.art7-9"):
            out.append(
                _f(
                    ctx.rule("prc.blocking.art7-9"),
                    "prc_conflict",
                    "if MOFCOM issues a prohibition order against the US measure, complying with "
                    "it becomes "
                    "unlawful in China (an exemption may be sought) and the harmed Chinese party "
                    "may claim damages",
                )
            )
        if (
            us_outcome == "gp10_risk"
            and ctx.has("prc.mofcom.2025-05-21")
            and any(f.rule_id == "bis.guidance.2025-05-13.gp10" for f in ctx.findings)
        ):
            out.append(
                _f(
                    ctx.rule("prc.mofcom.2025-05-21"),
                    "prc_conflict",
                    "MOFCOM said on 2025-05-21 that implementing or assisting the US Ascend "
                    "guidance may breach "
                    "the AFSL: dropping Huawei chips for that reason carries PRC legal exposure",
                )
            )
    out.extend(_lists(ctx, matcher or name_matcher()))
    out.extend(_minerals(ctx))
    if not out and (ctx.has("prc.uel") or ctx.has("prc.ecl.art18")):
        rule = ctx.rule("prc.uel") if ctx.has("prc.uel") else ctx.rule("prc.ecl.art18")
        out.append(
            _f(
                rule,
                "prc_clear",
                "no PRC counter-measure engaged: no PRC party is refused, no party matches the "
                "PRC list "
                "designations chipcomply carries (partial lists), no PRC-controlled material",
            )
        )
    return out


def _lists(ctx: Ctx, matcher: Callable[[str, str], float]) -> list[PrcFinding]:
    out: list[PrcFinding] = []
    from_cn = ear_country(ctx, ctx.case.from_country) == "CN"
    cn_origin = any(i.origin_country in PRC for i in ctx.items)
    for rule in ctx.view.versions_in_force():
        if not (rule.rule_id.startswith("prc.uel.") or rule.rule_id.startswith("prc.ecl.list.")):
            continue
        entities = list(rule.value("entities"))
        status = rule.value("status")
        for p in ctx.parties:
            best = max(((matcher(p.party.name, e), e) for e in entities), default=(0.0, ""))
            if best[0] < PRC_MATCH_SCORE:
                continue
            who = f"{p.label} {p.party.name!r} matches {best[1]!r} ({rule.title})"
            partial = "" if rule.value("complete") else "; the designation is known only in part"
            if status == "lifted":
                out.append(_f(rule, "prc_clear", f"{who}: the measures were lifted{partial}"))
            elif status == "suspended":
                out.append(
                    _f(
                        rule,
                        "prc_suspended",
                        f"{who}: measures suspended on this day; they revive when the suspension "
                        f"ends{partial}",
                    )
                )
            elif rule.value("list") == "uel":
                out.append(
                    _f(
                        rule,
                        "prc_prohibited",
                        f"{who}: China-related import/export, investment and entry may be "
                        "restricted; Chinese parties may apply to MOFCOM to trade with it (UEL "
                        f"Art. 11){partial}",
                    )
                )
            elif from_cn or cn_origin:
                out.append(
                    _f(
                        rule,
                        "prc_prohibited",
                        f"{who}: PRC-origin dual-use items may not be supplied to it, from any "
                        f"country{partial}",
                    )
                )
            else:
                out.append(
                    _f(
                        rule,
                        "prc_clear",
                        f"{who}: only PRC-origin dual-use items are barred and none is in this "
                        f"case{partial}",
                    )
                )
    return out


def _minerals(ctx: Ctx) -> list[PrcFinding]:
    out: list[PrcFinding] = []
    from_cn = ear_country(ctx, ctx.case.from_country) == "CN"
    dest = ear_country(ctx, ctx.case.to_country)
    uses = known(ctx)
    for item in ctx.case.items:
        if item.material is None:
            continue
        mat = item.material.strip().casefold().replace(" ", "_")
        cn_origin = item.origin_country in PRC
        for rule in ctx.view.versions_in_force():
            if not rule.rule_id.startswith("prc.minerals."):
                continue
            v = rule.values
            status = v.get("status")
            label = item.material
            if "to" in v and dest not in v["to"]:
                continue
            if "purposes" in v:
                if not (set(v["purposes"]) & uses):
                    continue
            elif mat not in v.get("materials", []) and mat not in v.get("extraterritorial", []):
                continue
            reach = from_cn or (cn_origin and mat in v.get("extraterritorial", []))
            if not reach:
                continue
            if status == "suspended":
                out.append(
                    _f(
                        rule,
                        "prc_suspended",
                        f"{label}: the control is suspended on this day (obligations revive on "
                        "expiry)",
                    )
                )
            elif status == "announced":
                out.append(
                    _f(rule, "prc_suspended", f"{label}: announced, not yet operative on this day")
                )
            elif v.get("effect") == "prohibited":
                out.append(
                    _f(
                        rule,
                        "prc_prohibited",
                        f"{label} from China to {dest}: exports barred in principle",
                    )
                )
            else:
                out.append(
                    _f(
                        rule,
                        "prc_license_required",
                        f"{label} exported from China: a MOFCOM export licence is required",
                    )
                )
    return out


__all__ = ["PrcFinding", "check_prc", "name_matcher"]
