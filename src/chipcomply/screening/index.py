"""The in-memory blocking index and the screener built on it.

Every indexed name is tokenised once. Three kinds of keys point back to names:

- each token form (``huawei``), and the forms of two or three adjacent tokens joined
  (``hua`` + ``wei`` → ``huawei``), so a query never needs to agree on word breaks;
- every form with one character deleted (the symmetric-delete trick), so a typo'd query
  token finds the list token within two edits without comparing against the vocabulary.

A query looks up its tokens (rarest first, skipping the huge postings of generic words when
it has anything better), sums per candidate name an upper bound of the score it could
reach, and aligns in full only the candidates whose bound clears the threshold. A query
therefore never compares against the whole list.
"""

from __future__ import annotations

import math
from array import array
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from chipcomply.lists.records import ListRecord
from chipcomply.screening.names import record_names
from chipcomply.screening.normalise import Token, tokens_of
from chipcomply.screening.score import (
    CLASS_FACTOR,
    CONTAIN,
    GATE_CAP,
    MAX_MERGE,
    MIN_SIM,
    Alignment,
    _phonetic,
    looks_like_organisation,
    score_tokens,
    token_similarity,
)
from chipcomply.screening.vocabulary import DISTINCTIVE, LEGAL, STOP, edit_probes

MAX_POSTING = 2500  # postings longer than this are only used when nothing rarer exists
MIN_DELETE_LEN = 4


@dataclass(frozen=True, slots=True)
class IndexedName:
    record: int  # position in Screener.records
    text: str  # the name as indexed
    published: str  # the published name (primary or a.k.a.) it was read from
    how: str  # "primary name", "a.k.a.", "a.k.a., name without brackets" …
    tokens: tuple[Token, ...]
    weight: float  # summed token weights


def _deletes(form: str) -> set[str]:
    return {form[:i] + form[i + 1 :] for i in range(len(form))}


def _keys(tokens: Sequence[Token]) -> set[str]:
    keys = {t.form for t in tokens}
    n = len(tokens)
    for size in range(2, MAX_MERGE + 1):
        for i in range(n - size + 1):
            span = tokens[i : i + size]
            if any(t.cls in (LEGAL, STOP) for t in span):
                continue
            keys.add("".join(t.form for t in span))
    return keys


class NameIndex:
    """Token statistics and postings over a set of list records."""

    def __init__(self, records: Sequence[ListRecord]) -> None:
        self.records = tuple(records)
        names: list[IndexedName] = []
        df: dict[str, int] = defaultdict(int)
        staged: list[tuple[int, str, str, str, tuple[Token, ...]]] = []
        for r_i, rec in enumerate(self.records):
            seen: set[tuple[str, ...]] = set()
            record_forms: set[str] = set()
            for text, published, how in record_names(rec):
                toks = tokens_of(text)
                if not toks:
                    continue
                key = tuple(t.form for t in toks)
                if key in seen:
                    continue
                if "bracketed" in how and (
                    len(toks) > 4 or not any(t.cls == DISTINCTIVE for t in toks)
                ):
                    continue
                seen.add(key)
                staged.append((r_i, text, published, how, toks))
                record_forms.update(key)
            for form in record_forms:
                df[form] += 1
        self.n_records = max(1, len(self.records))
        self.df = dict(df)
        self._max_idf = self.idf("")
        postings: dict[str, list[int]] = defaultdict(list)
        for n_i, (r_i, text, published, how, toks) in enumerate(staged):
            weight = sum(self.weight(t) for t in toks)
            names.append(IndexedName(r_i, text, published, how, toks, weight))
            for name_key in _keys(toks):
                postings[name_key].append(n_i)
        self.names = tuple(names)
        self.postings: dict[str, array[int]] = {k: array("i", v) for k, v in postings.items()}
        deletes: dict[str, list[str]] = defaultdict(list)
        # Typo keys for single tokens only; joined forms are matched exactly.
        single = {t.form for entry in names for t in entry.tokens}
        for form in sorted(single):
            if len(form) >= MIN_DELETE_LEN and not form.isdigit():
                for d in _deletes(form):
                    deletes[d].append(form)
        self.deletes: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in deletes.items()}
        sounds: dict[str, list[str]] = defaultdict(list)
        for form in sorted(single):
            if len(form) >= 5 and form.isalpha():
                sounds[_phonetic(form)].append(form)
        self.sounds: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in sounds.items()}

    # ------------------------------------------------------------------ weights

    def idf(self, form: str) -> float:
        return math.log(1.0 + self.n_records / (self.df.get(form, 0) + 0.5))

    def weight(self, token: Token) -> float:
        return CLASS_FACTOR[token.cls] * self.idf(token.form)

    # ------------------------------------------------------------------ lookup

    def similar_forms(self, form: str) -> list[tuple[str, float]]:
        """Indexed forms similar to ``form`` (itself included when indexed)."""
        found: dict[str, float] = {}
        if form in self.postings:
            found[form] = 1.0
        if len(form) >= MIN_DELETE_LEN and not form.isdigit():
            probes = edit_probes(form)
            if len(form) >= 5 and form.isalpha():
                for cand in self.sounds.get(_phonetic(form), ()):
                    if cand not in found:
                        sim, _ = token_similarity(form, cand)
                        if sim >= MIN_SIM:
                            found[cand] = sim
            for probe in probes:
                for cand in self.deletes.get(probe, ()):
                    if cand not in found:
                        sim, _ = token_similarity(form, cand)
                        if sim >= MIN_SIM:
                            found[cand] = sim
                if probe in self.postings and probe not in found:
                    sim, _ = token_similarity(form, probe)
                    if sim >= MIN_SIM:
                        found[probe] = sim
        return sorted(found.items())

    def candidates(self, tokens: Sequence[Token], threshold: float) -> list[int]:
        """Names whose score could reach ``threshold``, by an upper bound on the score."""
        weights = [self.weight(t) for t in tokens]
        total_q = sum(weights)
        if total_q <= 0:
            return []
        units: list[tuple[float, str]] = []
        for i, t in enumerate(tokens):
            if t.cls in (LEGAL, STOP):
                continue
            units.append((weights[i], t.form))
        n = len(tokens)
        for size in range(2, MAX_MERGE + 1):
            for i in range(n - size + 1):
                span = tokens[i : i + size]
                if any(t.cls in (LEGAL, STOP) for t in span):
                    continue
                units.append((sum(weights[i : i + size]), "".join(t.form for t in span)))
        lookups: list[tuple[int, float, float, str]] = []
        for w, form in units:
            for cand, sim in self.similar_forms(form):
                posting = self.postings[cand]
                lookups.append((len(posting), w * sim, sim, cand))
        if not lookups:
            return []
        lookups.sort(key=lambda x: (x[0], x[3]))
        if lookups[0][0] <= MAX_POSTING:
            lookups = [x for x in lookups if x[0] <= MAX_POSTING]
        else:
            lookups = lookups[:1]
        acc_q: dict[int, float] = defaultdict(float)
        acc_l: dict[int, float] = defaultdict(float)
        distinct_hit: set[int] = set()
        for _, wq_sim, sim, cand in lookups:
            cls_factor = CLASS_FACTOR[DISTINCTIVE]
            w_l = cls_factor * self.idf(cand) * sim
            strong = sim >= 0.8
            for n_i in self.postings[cand]:
                acc_q[n_i] += wq_sim
                acc_l[n_i] += w_l
                if strong:
                    distinct_hit.add(n_i)
        out: list[int] = []
        names = self.names
        for n_i, aq in acc_q.items():
            w_name = names[n_i].weight
            mq = min(aq, total_q)
            ml = min(acc_l[n_i], w_name)
            dice = (mq + ml) / (total_q + w_name)
            cover = mq / total_q if total_q <= w_name else ml / w_name
            bound = (1.0 - CONTAIN) * dice + CONTAIN * min(1.0, cover)
            if n_i not in distinct_hit:
                bound = min(bound, GATE_CAP)
            if bound >= threshold:
                out.append(n_i)
        out.sort()
        return out


@dataclass(frozen=True, slots=True)
class Match:
    name: IndexedName
    alignment: Alignment


def best_per_record(
    index: NameIndex,
    query: Sequence[Token],
    name_ids: Iterable[int],
    country: str | None,
    threshold: float,
) -> list[Match]:
    """Score candidate names and keep each record's best name at or above ``threshold``."""
    best: dict[int, Match] = {}
    company_like = looks_like_organisation(query)
    for n_i in name_ids:
        entry = index.names[n_i]
        rec = index.records[entry.record]
        country_ok = None
        if country and rec.countries:
            country_ok = country in rec.countries
        person_ok = None
        if rec.type == "Individual" and company_like:
            person_ok = False
        al = score_tokens(query, entry.tokens, index.weight, country_ok, person_ok)
        if al.score < threshold:
            continue
        cur = best.get(entry.record)
        if cur is None or _better(al, entry, cur):
            best[entry.record] = Match(entry, al)
    return list(best.values())


def _better(al: Alignment, entry: IndexedName, cur: Match) -> bool:
    a = (al.score, entry.how.startswith("primary"), -len(entry.text), entry.text)
    b = (
        cur.alignment.score,
        cur.name.how.startswith("primary"),
        -len(cur.name.text),
        cur.name.text,
    )
    return a > b
