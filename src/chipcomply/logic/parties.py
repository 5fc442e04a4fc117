"""Screening the parties of a case (and their owners) with chipcomply's screening engine.

The engine is called through one function, ``screen(name, country=None)``, whose result has
``.hits`` (best first), each with ``.matched_name``, ``.score``, ``.explanation`` and the list
``.record`` (``source_code``, ``footnotes``, ``federal_register_notice``, ``license_policy``…).
A caller may pass its own screener with the same shape (the API does, to share one index).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from chipcomply.logic.case import Owner
from chipcomply.logic.common import Ctx, ListHit, PartyFacts

Screener = Callable[[str, str | None], Any]
#: list sources whose listing carries ownership to 50 %-owned affiliates (Affiliates Rule)
AFFILIATE_SOURCES: frozenset[str] = frozenset({"EL", "MEU"})
_FR_VOLUME = re.compile(r"(\d{2,3})\s*FR\s*\d+")


def default_screener() -> Screener:
    from chipcomply.screening import screen

    def run(name: str, country: str | None) -> Any:
        return screen(name, country=country)

    return run


def lists_version() -> str | None:
    """The list snapshots screening ran against (recorded with every determination)."""
    try:
        from chipcomply.lists.store import active_lists
    except ImportError:  # pragma: no cover - lists ship with the package
        return None
    ids = active_lists().ids
    return ", ".join(f"{fam}={sid}" for fam, sid in sorted(ids.items()))


def first_listed_year(notice: str | None) -> int | None:
    """Year of the earliest Federal Register cite in a listing (FR volume = year - 1935)."""
    if not notice:
        return None
    volumes = [int(v) for v in _FR_VOLUME.findall(notice)]
    return min(volumes) + 1935 if volumes else None


def _hits(result: Any) -> list[ListHit]:
    out: list[ListHit] = []
    for hit in getattr(result, "hits", []) or []:
        rec = hit.record
        score = float(hit.score)
        out.append(
            ListHit(
                source_code=str(rec.source_code),
                matched_name=str(hit.matched_name),
                listed_name=str(getattr(rec, "name", hit.name)),
                entity_number=getattr(rec, "entity_number", None),
                score=score,
                confident=is_confident(hit),
                footnotes=list(getattr(rec, "footnotes", []) or []),
                federal_register_notice=getattr(rec, "federal_register_notice", None),
                license_requirement=getattr(rec, "license_requirement", None),
                license_policy=getattr(rec, "license_policy", None),
                explanation=_explain(getattr(hit, "explanation", "")),
            )
        )
    return out


def _explain(expl: Any) -> str:
    text = getattr(expl, "text", None)
    return str(text if text is not None else expl)


def best_per_source(hits: list[ListHit]) -> list[ListHit]:
    """The best hit of each list source (hits arrive best first), confident ones preferred."""
    out: dict[str, ListHit] = {}
    for h in hits:
        have = out.get(h.source_code)
        if have is None or (h.confident and not have.confident):
            out[h.source_code] = h
    return list(out.values())


def is_confident(hit: Any) -> bool:
    """Whether the engine calls this a match (its own verdict when it gives one)."""
    for attr in ("is_match", "match", "confident"):
        verdict = getattr(hit, attr, None)
        if isinstance(verdict, bool):
            return verdict
    return float(hit.score) >= CONFIDENT_SCORE


#: score at or above which a hit without an explicit verdict is treated as the listed party
CONFIDENT_SCORE = 0.9


def listed_on_day(ctx: Ctx, hit: ListHit) -> bool:
    """False only when the listing's earliest FR cite is from a later year than the as-of day."""
    year = first_listed_year(hit.federal_register_notice)
    return year is None or year <= ctx.day.year


def screen_parties(ctx: Ctx, screener: Screener) -> None:
    cache: dict[tuple[str, str | None], list[ListHit]] = {}

    def run(name: str, country: str | None) -> list[ListHit]:
        key = (name, country)
        if key not in cache:
            result = screener(name, country)
            lists = getattr(result, "lists", None)
            if isinstance(lists, dict) and lists and ctx.lists_version is None:
                ctx.lists_version = ", ".join(f"{k}={v}" for k, v in sorted(lists.items()))
            cache[key] = [h for h in _hits(result) if listed_on_day(ctx, h)]
        return cache[key]

    for i, party in enumerate(ctx.case.parties):
        facts = PartyFacts(index=i, party=party, hits=run(party.name, party.country))
        listed: list[tuple[str, float, str]] = []
        facts.owned_by_listed_pct = _listed_share(party.owners, run, listed, 1.0)
        facts.listed_owners = listed
        ctx.parties.append(facts)


def _listed_share(
    owners: list[Owner],
    run: Callable[[str, str | None], list[ListHit]],
    found: list[tuple[str, float, str]],
    weight: float,
) -> float:
    """Aggregate share held by listed owners (an owner >= 50 % listed-owned counts as listed)."""
    total = 0.0
    for owner in owners:
        hits = [h for h in run(owner.name, owner.country) if h.confident]
        listed = [h for h in hits if h.source_code in AFFILIATE_SOURCES]
        share = owner.percent * weight
        if listed:
            found.append((owner.name, round(share, 4), listed[0].source_code))
            total += share
            continue
        inner = _listed_share(owner.owners, run, found, 1.0)
        if inner >= 50:
            found.append((owner.name, round(share, 4), "owned-by-listed"))
            total += share
    return round(total, 4)


__all__ = [
    "CONFIDENT_SCORE",
    "Screener",
    "best_per_source",
    "default_screener",
    "first_listed_year",
    "is_confident",
    "lists_version",
    "screen_parties",
]
