"""Explanations: which record and alias matched, token by token, with every number used."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pydantic import BaseModel, ConfigDict

from chipcomply.lists.records import ListRecord
from chipcomply.screening.normalise import Token
from chipcomply.screening.score import (
    CLASS_FACTOR,
    CONTAIN,
    CONTAINED_FLOOR,
    COUNTRY_MISMATCH,
    GATE_CAP,
    GATE_SIM,
    GENERIC_COVER,
    Alignment,
)
from chipcomply.screening.vocabulary import Vocabulary

FORMULA = (
    "w = class factor × ln(1 + N/(df + 0.5)) ("
    + ", ".join(f"{k} {v}" for k, v in CLASS_FACTOR.items())
    + "); dice = Σ sim·(w_query + w_list) / (W_query + W_list); "
    f"base = {1 - CONTAIN:.2f}·dice + {CONTAIN:.2f}·min(1.6·dice, cover of the lighter name), "
    "× (1 − conflict) for words each side has and the other lacks; people's names wholly "
    f"inside the other raised to {CONTAINED_FLOOR} + {1 - CONTAINED_FLOOR:.2f}·dice; "
    f"capped at {GATE_CAP} unless a distinctive token matches with sim ≥ {GATE_SIM} "
    f"(names of generic words only must be covered ≥ {GENERIC_COVER}); "
    f"× {COUNTRY_MISMATCH} when the query country is not among the record's countries; "
    "see chipcomply.screening.score for every rule"
)


class TokenInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    text: str
    form: str
    cls: str
    via: str
    weight: float


class AlignedPair(BaseModel):
    model_config = ConfigDict(frozen=True)

    query: str
    query_form: str
    query_via: str
    listed: str
    listed_form: str
    listed_via: str
    match: str  # exact | fuzzy | joined | initial
    similarity: float
    weight_query: float
    weight_listed: float


class RecordFacts(BaseModel):
    """What an Entity List (or other BIS list) hit means, straight from the record."""

    model_config = ConfigDict(frozen=True)

    license_requirement: str | None = None
    license_policy: str | None = None
    footnotes: list[str] = []
    federal_register_notice: str | None = None


class Explanation(BaseModel):
    model_config = ConfigDict(frozen=True)

    text: str
    record_uid: str | None = None
    snapshot: str | None = None
    matched_name: str
    matched_as: str  # primary name / a.k.a. / derived
    aligned: list[AlignedPair]
    unmatched_query: list[TokenInfo]
    unmatched_listed: list[TokenInfo]
    weight_query: float
    weight_listed: float
    dice: float
    cover_query: float
    cover_listed: float
    gate: str
    base: float
    country: str | None = None
    record_countries: list[str] = []
    country_effect: str = "none"
    score: float
    formula: str = FORMULA
    record: RecordFacts | None = None

    def __str__(self) -> str:
        return self.text


def _info(tok: Token, w: float) -> TokenInfo:
    return TokenInfo(text=tok.text, form=tok.form, cls=tok.cls, via=tok.via, weight=round(w, 4))


def _via_text(tok: Token, vocab: Vocabulary) -> str:
    via = tok.via
    if "alias" in via and tok.form in vocab.curated:
        alias = vocab.curated[tok.form]
        return f"{via} (curated {alias.kind or 'alias'} {alias.canonical!r}; {alias.source})"
    return via


def explain(
    query: Sequence[Token],
    listed: Sequence[Token],
    al: Alignment,
    weigh: Callable[[Token], float],
    vocab: Vocabulary,
    *,
    matched_name: str,
    matched_as: str,
    record: ListRecord | None = None,
    country: str | None = None,
) -> Explanation:
    used_q: set[int] = set()
    used_l: set[int] = set()
    aligned: list[AlignedPair] = []
    for p in al.pairs:
        used_q.update(p.query)
        used_l.update(p.listed)
        qt = [query[i] for i in p.query]
        lt = [listed[i] for i in p.listed]
        aligned.append(
            AlignedPair(
                query=" ".join(dict.fromkeys(t.text for t in qt)),
                query_form=" ".join(t.form for t in qt),
                query_via="; ".join(v for v in (_via_text(t, vocab) for t in qt) if v),
                listed=" ".join(dict.fromkeys(t.text for t in lt)),
                listed_form=" ".join(t.form for t in lt),
                listed_via="; ".join(v for v in (_via_text(t, vocab) for t in lt) if v),
                match=p.how,
                similarity=round(p.sim, 4),
                weight_query=round(p.w_query, 4),
                weight_listed=round(p.w_listed, 4),
            )
        )
    un_q = [_info(t, weigh(t)) for i, t in enumerate(query) if i not in used_q]
    un_l = [_info(t, weigh(t)) for i, t in enumerate(listed) if i not in used_l]
    countries = list(record.countries) if record else []
    effect = "none"
    if country and countries:
        effect = "matches" if country in countries else f"differs (× {COUNTRY_MISMATCH})"
    parts = []
    for a in aligned:
        step = f" via {a.query_via}" if a.query_via else ""
        sim = "" if a.similarity == 1.0 else f" {a.similarity:.2f}"
        lstep = f" via {a.listed_via}" if a.listed_via else ""
        parts.append(f"{a.query!r}→{a.query_form!r}{step} = {a.listed!r}{lstep} ({a.match}{sim})")
    what = (
        f"{record.source_code} record {record.entity_number or record.uid} {record.name!r}"
        if record
        else "name"
    )
    text = f"{what}: matched {matched_as} {matched_name!r} at {al.score:.4f}. " + (
        "; ".join(parts) if parts else "no tokens aligned"
    )
    if un_l:
        text += ". Unmatched on the list: " + ", ".join(
            f"{t.form} ({t.cls} {t.weight:.2f})" for t in un_l
        )
    if un_q:
        text += ". Unmatched in the query: " + ", ".join(
            f"{t.form} ({t.cls} {t.weight:.2f})" for t in un_q
        )
    if al.gate == "capped":
        text += f". Capped at {GATE_CAP}: no distinctive token matched"
    if effect.startswith("differs"):
        text += f". Country {country} not among {', '.join(countries)}"
    facts = None
    if record is not None and record.source_code in ("EL", "MEU", "UVL", "DPL"):
        facts = RecordFacts(
            license_requirement=record.license_requirement,
            license_policy=record.license_policy,
            footnotes=list(record.footnotes),
            federal_register_notice=record.federal_register_notice,
        )
        if record.source_code == "EL":
            fn = f" footnotes {', '.join(record.footnotes)};" if record.footnotes else ""
            text += (
                f". Entity List:{fn} licence requirement: {record.license_requirement or '—'};"
                f" policy: {record.license_policy or '—'};"
                f" FR {record.federal_register_notice or '—'}"
            )
    return Explanation(
        text=text,
        record_uid=record.uid if record else None,
        snapshot=record.snapshot if record else None,
        matched_name=matched_name,
        matched_as=matched_as,
        aligned=aligned,
        unmatched_query=un_q,
        unmatched_listed=un_l,
        weight_query=round(al.w_query_total, 4),
        weight_listed=round(al.w_listed_total, 4),
        dice=round(al.dice, 4),
        cover_query=round(al.cover_query, 4),
        cover_listed=round(al.cover_listed, 4),
        gate=al.gate,
        base=al.base,
        country=country,
        record_countries=countries,
        country_effect=effect,
        score=al.score,
        record=facts,
    )
