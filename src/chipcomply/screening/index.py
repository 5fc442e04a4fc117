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
    CONTAINED_FLOOR,
    GATE_CAP,
    GATE_SIM,
    MAX_MERGE,
    MIN_SIM,
    Alignment,
    _phonetic,
    looks_like_organisation,
    score_tokens,
    token_similarity,
)
from chipcomply.screening.vocabulary import (
    DISTINCTIVE,
    GENERIC,
    LEGAL,
    NUMBER,
    STOP,
    edit_probes,
)

MAX_POSTING = 1000  # postings longer than this are only used when nothing rarer exists
MIN_DELETE_LEN = 4


@dataclass(frozen=True, slots=True)
class IndexedName:
    record: int  # position in Screener.records
    text: str  # the name as indexed
    published: str  # the published name (primary or a.k.a.) it was read from
    how: str  # "primary name", "a.k.a.", "a.k.a., name without brackets" …
    tokens: tuple[Token, ...]
    weights: tuple[float, ...]  # each token's weight
    weight: float  # summed token weights
    org: bool  # the name reads as an organisation's (legal form or organisation words)


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
            token_w = tuple(self.weight(t) for t in toks)
            org = looks_like_organisation(toks)
            names.append(IndexedName(r_i, text, published, how, toks, token_w, sum(token_w), org))
            for name_key in _keys(toks):
                postings[name_key].append(n_i)
        self.names = tuple(names)
        self.name_weight = array("d", (entry.weight for entry in names))
        self.postings: dict[str, array[int]] = {k: array("i", v) for k, v in postings.items()}
        # class of every key: distinctive if any of its tokens is
        form_cls: dict[str, str] = {}
        generic_only: set[int] = set()
        generic_postings: dict[str, list[int]] = defaultdict(list)
        for n_i, entry in enumerate(names):
            has_distinctive = any(t.cls in (DISTINCTIVE, NUMBER) for t in entry.tokens)
            if not has_distinctive:
                generic_only.add(n_i)
            for t in entry.tokens:
                if t.cls in (DISTINCTIVE, NUMBER):
                    form_cls[t.form] = DISTINCTIVE
                else:
                    form_cls.setdefault(t.form, t.cls)
            for posting_key in _keys(entry.tokens):
                if posting_key not in form_cls:
                    form_cls[posting_key] = DISTINCTIVE if has_distinctive else GENERIC
                if not has_distinctive:
                    generic_postings[posting_key].append(n_i)
        self.form_cls = form_cls
        self.generic_only = frozenset(generic_only)
        self.generic_postings: dict[str, array[int]] = {
            k: array("i", v) for k, v in generic_postings.items()
        }
        self._sets: dict[str, frozenset[int]] = {}
        self._similar: dict[str, list[tuple[str, float]]] = {}
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
        cached = self._similar.get(form)
        if cached is not None:
            return cached
        result = self._similar_forms(form)
        if len(self._similar) < 200_000:
            self._similar[form] = result
        return result

    def _similar_forms(self, form: str) -> list[tuple[str, float]]:
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
        """Names whose score could reach ``threshold``, by an upper bound on the score.

        Only postings of distinctive forms are walked; generic and place words (long
        postings) only add to names already found, except for list names made of generic
        words alone, which have their own short postings. A name with no distinctive match
        is capped by the gate, so it is dropped when the cap is below the threshold.
        """
        weights = [self.weight(t) for t in tokens]
        total_q = sum(weights)
        if total_q <= 0:
            return []
        # (weight, form, fuzzy?): typo keys only for distinctive single tokens; vocabulary
        # words were already corrected by the normaliser, joined forms are looked up as is
        units: list[tuple[float, str, bool]] = []
        n = len(tokens)
        for i, t in enumerate(tokens):
            if t.cls not in (LEGAL, STOP):
                units.append((weights[i], t.form, t.cls == DISTINCTIVE))
        for size in range(2, MAX_MERGE + 1):
            for i in range(n - size + 1):
                span = tokens[i : i + size]
                if any(t.cls == STOP for t in span):
                    continue
                joined = "".join(t.form for t in span)
                if joined in self.postings:
                    units.append((sum(weights[i : i + size]), joined, False))
        primary: list[tuple[int, float, float, str]] = []
        secondary: list[tuple[int, float, float, str]] = []
        for w, form, fuzzy in units:
            found = (
                self.similar_forms(form)
                if fuzzy
                else ([(form, 1.0)] if form in self.postings else [])
            )
            for cand, sim in found:
                item = (len(self.postings[cand]), w * sim, sim, cand)
                if self.form_cls.get(cand) == DISTINCTIVE:
                    primary.append(item)
                else:
                    secondary.append(item)
        primary.sort(key=lambda x: (x[0], x[3]))
        secondary.sort(key=lambda x: (x[0], x[3]))
        walk = [x for x in primary if x[0] <= MAX_POSTING] or primary[:1]
        rest = [x for x in primary if x not in walk] + secondary
        acc_q: dict[int, float] = defaultdict(float)
        acc_l: dict[int, float] = defaultdict(float)
        strong: set[int] = set()
        for _, wq_sim, sim, cand in walk:
            w_l = self.idf(cand) * sim
            hit = sim >= GATE_SIM
            for n_i in self.postings[cand]:
                acc_q[n_i] += wq_sim
                acc_l[n_i] += w_l
                if hit:
                    strong.add(n_i)
        capped_ok = threshold <= GATE_CAP
        for size, wq_sim, sim, cand in rest:
            w_l = self.idf(cand) * sim * CLASS_FACTOR[self.form_cls.get(cand, DISTINCTIVE)]
            for n_i in self.generic_postings.get(cand, ()):
                acc_q[n_i] += wq_sim
                acc_l[n_i] += w_l
            if capped_ok and size <= MAX_POSTING:
                members: Iterable[int] = self.postings[cand]
            elif size <= len(acc_q):
                members = [n_i for n_i in self.postings[cand] if n_i in acc_q]
            else:
                posting = self._posting_set(cand)
                members = [n_i for n_i in list(acc_q) if n_i in posting]
            for n_i in members:
                if n_i in self.generic_only:
                    continue  # counted through the generic-only postings above
                acc_q[n_i] += wq_sim
                acc_l[n_i] += w_l
        out: list[int] = []
        name_w = self.name_weight
        generic_only = self.generic_only
        contain = CONTAIN
        # a person's name inside a longer one is lifted to a floor (score.CONTAINED_FLOOR)
        person = not looks_like_organisation(tokens) and (
            sum(1 for t in tokens if t.cls == DISTINCTIVE) >= 2
        )
        for n_i, aq in acc_q.items():
            w_name = name_w[n_i]
            mq = aq if aq < total_q else total_q
            al = acc_l[n_i]
            ml = al if al < w_name else w_name
            dice = (mq + ml) / (total_q + w_name)
            cover = mq / total_q if total_q <= w_name else ml / w_name
            bound = (1.0 - contain) * dice + contain * (cover if cover < 1.0 else 1.0)
            if person and n_i in strong and (mq >= 0.9 * total_q or ml >= 0.9 * w_name):
                lifted = CONTAINED_FLOOR + (1.0 - CONTAINED_FLOOR) * dice
                bound = lifted if lifted > bound else bound
            if n_i not in strong and n_i not in generic_only and bound > GATE_CAP:
                bound = GATE_CAP
            if bound >= threshold:
                out.append(n_i)
        out.sort()
        return out

    def _posting_set(self, form: str) -> frozenset[int]:
        found = self._sets.get(form)
        if found is None:
            found = frozenset(self.postings[form])
            if len(self._sets) < 4096:
                self._sets[form] = found
        return found


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
    query_w = [index.weight(t) for t in query]
    for n_i in name_ids:
        entry = index.names[n_i]
        rec = index.records[entry.record]
        country_ok = None
        if country and rec.countries:
            country_ok = country in rec.countries
        person_ok = None
        if rec.type == "Individual" and company_like:
            person_ok = False
        al = score_tokens(
            query,
            entry.tokens,
            index.weight,
            country_ok,
            person_ok,
            listed_weights=entry.weights,
            query_weights=query_w,
            orgs=(company_like, entry.org),
        )
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
