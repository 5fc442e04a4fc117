"""Delta re-screening: after a list update, screen stored counterparties against what changed.

A full re-screen runs every stored counterparty against the whole new index. The delta
re-screen reaches the same hits by looking at far fewer records, with three tools:

**A subset view of the new index** (:func:`subset_index`). It holds the names of some
records only, but answers every question the candidate search asks (token weights, key
classes, posting lengths, which keys exist, typo keys) exactly as the full index does, so a
name in the view is a candidate, and scores, exactly when it would be in the full index. A
query against the view therefore finds precisely the full index's hits among those records.

**Band pairs.** For each counterparty the monitor keeps every record it matched at
``threshold - BAND`` (not only the hits at ``threshold``). A list update moves the token
weights of unchanged records a little, because they are IDF weights over the whole list;
a pair that becomes a hit must have been within the band before. So the view a
counterparty is re-screened against holds: the added and changed records; the records whose
weights moved more than ``SIGNIFICANT``; the records with names of generic words only (their
gate compares a weight ratio with a fixed cover); and the band records of the counterparties.

**The weight shift** (:func:`weight_shift`), computed from the old and the new index:

- forms whose weight moved by more than ``SIGNIFICANT`` (relative), and keys that appeared,
  disappeared, changed class, or changed length where length decides the search (postings
  longer than ``index.MAX_POSTING``). A counterparty whose search touches one of them is
  re-screened against the full index;
- ``rho``, the largest relative weight change of every other form. Scores and candidate
  bounds then move by at most ``drift = DRIFT_FACTOR * rho``; each counterparty's band
  margin shrinks by that much per delta run, and when it would not cover the next drift the
  counterparty is re-screened in full (which restores the whole band).

Hits are always decided at ``threshold`` by the candidate search itself (never by filtering
band scores), because the search's bound is a heuristic: at the default threshold it can
drop a name that a lower threshold keeps, and a full re-screen would drop it too.

What remains outside these guarantees: the score's comparisons of weight sums with each
other (which side of a pair is "shorter", the person-name lift in the candidate bound) can
flip when two sums are within ``rho`` of each other and make a jump larger than the band.
The replay test and ``monitor --full`` (a full re-screen) are the check on that.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import multiprocessing
import os
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from chipcomply.errors import BadInput
from chipcomply.lists.countries import check_country
from chipcomply.lists.diff import ListDiff
from chipcomply.lists.records import ListRecord
from chipcomply.screening.index import MAX_POSTING, IndexedName, Match, NameIndex, best_per_record
from chipcomply.screening.normalise import Token, check_name, tokens_of
from chipcomply.screening.score import GATE_CAP, GENERIC_COVER, MAX_MERGE
from chipcomply.screening.vocabulary import DISTINCTIVE

BAND = 0.05  # band pairs are kept down to threshold - BAND
VIEW_FLOOR = 0.001  # a record whose name's weight moved more than this is evaluated exactly
SIGNIFICANT = 0.005  # a party whose name's weight moved more than this is re-screened in full
# A score moves by at most DRIFT_FACTOR * rho (+ rounding to 4 places) when every weight
# moves by a factor within 1 ± rho: dice and covers by 2 rho, the containment blend by
# 2.4 rho, the conflict factor by 2 rho; the gates and multipliers do not add to it.
DRIFT_FACTOR = 5.0
ROUNDING = 0.0002


# ----------------------------------------------------------------- the subset view


class _Posting:
    """A posting of the view: the view's members, the full index's length."""

    __slots__ = ("members", "size")

    def __init__(self, members: Sequence[int], size: int) -> None:
        self.members = members
        self.size = size

    def __len__(self) -> int:
        return self.size

    def __iter__(self) -> Iterator[int]:
        return iter(self.members)


_NONE: tuple[int, ...] = ()


class _Postings(Mapping[str, _Posting]):
    """Every key of the full index (so membership tests agree), the view's members only."""

    def __init__(
        self, full: Mapping[str, Sequence[int]], sub: dict[str, Sequence[int]], view: SubsetIndex
    ) -> None:
        self.full = full
        self.sub = sub
        self.view = view
        self._made: dict[str, _Posting] = {}

    def __contains__(self, key: object) -> bool:
        return key in self.full

    def __getitem__(self, key: str) -> _Posting:
        touched = self.view.touched
        if touched is not None:
            touched.add(key)
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = _Posting(self.sub.get(key, _NONE), len(self.full[key]))
        return made

    def __iter__(self) -> Iterator[str]:
        return iter(self.full)

    def __len__(self) -> int:
        return len(self.full)


class SubsetIndex(NameIndex):
    """A view of a full index restricted to some records (see the module docstring).

    ``touched``, when a set, collects every key whose posting the candidate search used
    (every form it found, exact, joined or similar, is read through ``postings[key]``).
    """

    touched: set[str] | None = None


def subset_index(full: NameIndex, record_ids: Iterable[int]) -> SubsetIndex:
    """The view of ``full`` that holds the records at the given positions."""
    wanted = sorted(set(record_ids))
    new_pos = {r: i for i, r in enumerate(wanted)}
    view = SubsetIndex.__new__(SubsetIndex)
    view.__dict__.update(full.__dict__)  # global statistics: weights, classes, typo keys
    names: list[IndexedName] = []
    name_map: dict[int, int] = {}
    for n_i, entry in enumerate(full.names):
        r = new_pos.get(entry.record)
        if r is not None:
            name_map[n_i] = len(names)
            names.append(dataclasses.replace(entry, record=r))
    sub: dict[str, Sequence[int]] = {}
    for key, members in full.postings.items():
        mine = [name_map[n] for n in members if n in name_map]
        if mine:
            sub[key] = array("i", mine)
    generic: dict[str, array[int]] = {}
    for key, members in full.generic_postings.items():
        mine = [name_map[n] for n in members if n in name_map]
        if mine:
            generic[key] = array("i", mine)
    view.records = tuple(full.records[r] for r in wanted)
    view.names = tuple(names)
    view.name_weight = array("d", (e.weight for e in names))
    view.postings = _Postings(full.postings, sub, view)  # type: ignore[assignment]
    view.generic_postings = generic
    view.generic_only = frozenset(name_map[n] for n in full.generic_only if n in name_map)
    view._sets = {}
    view.touched = None
    return view


# ----------------------------------------------------------------- what moved


def _stats(index: NameIndex) -> NameIndex:
    """Just the weight statistics of an index (document frequencies and N)."""
    stats = NameIndex.__new__(NameIndex)
    stats.df = index.df
    stats.n_records = index.n_records
    return stats


def _moved(old: NameIndex, new: NameIndex, tokens: Sequence[Token]) -> float:
    """How much of a name's weight moved: sum of |new - old| token weights over the total."""
    total = moved = 0.0
    for t in tokens:
        w = new.weight(t)
        total += w
        moved += abs(w - old.weight(t))
    return moved / total if total > 0 else 0.0


@dataclass(frozen=True)
class Shift:
    """How the new index's weights and keys differ from the old one's."""

    old: NameIndex  # the old index's weight statistics
    new: NameIndex
    view_uids: frozenset[str]  # records whose names' weights moved more than VIEW_FLOOR
    rho: float  # how much any other list name's weight moved (relative, as in _moved)
    rho_n: float  # how much a single unchanged form's weight moved (the list grew/shrank)
    reweighted: int
    sig_keys: frozenset[str]
    removed_keys: frozenset[str]

    @property
    def everything(self) -> bool:
        return self.rho_n > SIGNIFICANT

    def party_drift(self, tokens: Sequence[Token]) -> float | None:
        """How far a party's scores against records outside the view can move; None when its
        own words' weights moved too much for that bound to be useful."""
        mine = _moved(self.old, self.new, tokens)
        if mine > SIGNIFICANT:
            return None
        return DRIFT_FACTOR * max(self.rho, mine) + ROUNDING

    def as_dict(self) -> dict[str, Any]:
        return {
            "forms_reweighted": self.reweighted,
            "records_reweighted": len(self.view_uids),
            "keys_changed": len(self.sig_keys),
            "keys_removed": len(self.removed_keys),
            "rho": round(self.rho, 6),
            "drift": round(DRIFT_FACTOR * self.rho + ROUNDING, 6),
            "everything": self.everything,
        }


def weight_shift(old: NameIndex, new: NameIndex, capped: bool = False) -> Shift:
    """Compare two indexes. ``capped``: a threshold in use is at or below ``GATE_CAP``, where
    the search also walks short generic postings in full (so their lengths matter too)."""
    old_stats = _stats(old)

    def dev(form: str) -> float:
        return abs(new.idf(form) / old.idf(form) - 1.0)

    rho_n = dev("\x00")  # a form on neither list
    reweighted: list[str] = []
    seen_df: set[int] = set()
    for form in old.df.keys() | new.df.keys():
        a, b = old.df.get(form, 0), new.df.get(form, 0)
        if a != b:
            reweighted.append(form)
        elif a not in seen_df:
            seen_df.add(a)
            rho_n = max(rho_n, dev(form))
    # names that carry a reweighted form: exactly evaluated when their weight moved enough
    names: set[int] = set()
    for form in reweighted:
        if form in new.postings:
            names.update(new.postings[form])
    view_uids: set[str] = set()
    rho = rho_n
    for n_i in sorted(names):
        entry = new.names[n_i]
        moved = _moved(old_stats, new, entry.tokens)
        if moved > VIEW_FLOOR:
            view_uids.add(new.records[entry.record].uid)
        elif moved > rho:
            rho = moved
    sig_keys: set[str] = set()
    removed: set[str] = set()
    for key in old.postings.keys() | new.postings.keys():
        a = len(old.postings[key]) if key in old.postings else 0
        b = len(new.postings[key]) if key in new.postings else 0
        if a == 0 or b == 0:
            sig_keys.add(key)
            if b == 0:
                removed.add(key)
            continue
        if old.form_cls.get(key) != new.form_cls.get(key):
            sig_keys.add(key)
        elif a != b and max(a, b) > MAX_POSTING:
            # a long posting decides the walk when it is a distinctive key; a generic one
            # only when short generic postings are walked in full and this one crossed over
            distinctive = new.form_cls.get(key) == DISTINCTIVE
            if distinctive or (capped and min(a, b) <= MAX_POSTING):
                sig_keys.add(key)
    return Shift(
        old_stats,
        _stats(new),
        frozenset(view_uids),
        rho,
        rho_n,
        len(reweighted),
        frozenset(sig_keys),
        frozenset(removed),
    )


# ----------------------------------------------------------------- screening parties


@dataclass(frozen=True)
class Party:
    """A stored counterparty, as the monitor re-screens it."""

    id: int
    name: str
    country: str | None
    band: frozenset[str] = frozenset()  # uids matched at threshold - BAND last time
    margin: float = 0.0  # how much weight drift the band still covers (0: screen in full)
    current: bool = False  # screened against the old lists (else: screen in full)


@dataclass(frozen=True)
class Found:
    uid: str
    score: float
    matched_name: str


@dataclass
class PartyResult:
    id: int
    mode: str  # "delta" | "full" | "error"
    hits: dict[str, Found] = field(default_factory=dict)  # at the threshold
    band: dict[str, Found] = field(default_factory=dict)  # at threshold - BAND
    margin: float = 0.0
    why: str = ""  # why a full re-screen, or the error


def _found(index: NameIndex, matches: list[Match]) -> dict[str, Found]:
    out: dict[str, Found] = {}
    for m in matches:
        rec = index.records[m.name.record]
        out[rec.uid] = Found(rec.uid, m.alignment.score, m.name.published)
    return out


def _evaluate(
    index: NameIndex, tokens: Sequence[Token], country: str | None, cutoff: float
) -> dict[str, Found]:
    return _found(
        index, best_per_record(index, tokens, index.candidates(tokens, cutoff), country, cutoff)
    )


def _reach(index: NameIndex, tokens: Sequence[Token]) -> set[str]:
    """Every key a search for these tokens could read in ``index``, and more: each token's
    form, the forms of two or three adjacent tokens joined, and each token's similar forms
    (the search itself reads a subset of these)."""
    forms = [t.form for t in tokens]
    keys = set(forms)
    for size in range(2, MAX_MERGE + 1):
        for i in range(len(forms) - size + 1):
            keys.add("".join(forms[i : i + size]))
    for form in forms:
        keys.update(f for f, _ in index.similar_forms(form))
    return keys


def _generic_reach(needs: dict[str, list[Any]], reach: set[str], tokens: Sequence[Token]) -> bool:
    """Whether a name of generic words only could be covered enough (``Plan._live_keys``)."""
    if not needs:
        return False
    initials = {t.form for t in tokens if len(t.form) == 1}
    enough = GENERIC_COVER - 0.01
    for form in reach & needs.keys():
        for shares, free in needs[form]:
            got = free + sum(w for f, w in shares if f in reach or f[0] in initials)
            if got >= enough:
                return True
    return False


def _reachable(tokens: Sequence[Token], gone: NameIndex | None, removed: frozenset[str]) -> bool:
    """Whether the old index's search for these tokens could have used a removed key."""
    if gone is None or not removed:
        return False
    return not _reach(gone, tokens).isdisjoint(removed)


@dataclass
class Plan:
    """Everything one re-screen needs; built once, read by every worker.

    ``view`` holds what every counterparty is re-screened against (added, changed and
    reweighted records, generic-only names) plus the band records of all counterparties;
    ``core`` is the same without the band records, for counterparties whose band is empty.
    """

    full: NameIndex
    threshold: float
    view: SubsetIndex | None = None
    shift: Shift | None = None
    gone: NameIndex | None = None  # old versions of removed and changed records
    core: SubsetIndex | None = None
    live: dict[int, frozenset[str]] = field(default_factory=dict)  # per view: keys that matter
    # per view: for names of generic words only, the words each cannot do without
    needs: dict[int, dict[str, list[Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.core is None:
            self.core = self.view
        for v in (self.view, self.core):
            if v is not None and self.shift is not None and id(v) not in self.live:
                self.live[id(v)], self.needs[id(v)] = self._live_keys(v, self.shift)

    def _live_keys(
        self, view: SubsetIndex, shift: Shift
    ) -> tuple[frozenset[str], dict[str, list[Any]]]:
        # Only a distinctive key's posting brings in new candidates (other postings add to
        # names already found), unless the cut-off is low enough for short generic postings
        # to be walked too. A changed key matters whether or not the view has names under it.
        postings = view.postings
        sub: dict[str, Sequence[int]] = postings.sub if isinstance(postings, _Postings) else {}
        capped = self.threshold - BAND <= GATE_CAP
        cls = view.form_cls
        live = {k for k in sub if capped or cls.get(k) == DISTINCTIVE} | shift.sig_keys
        # A name of generic words only scores above GATE_CAP only when both sides cover
        # GENERIC_COVER of it, so a party reaches one only with words carrying that much of
        # its weight. Each such name is kept as (word shares, share always counted): words
        # an initial, a number or a character could match count whatever the party reaches.
        needs: dict[str, list[tuple[tuple[tuple[str, float], ...], float]]] = {}
        for n_i in sorted(view.generic_only):
            entry = view.names[n_i]
            total = entry.weight or 1.0
            shares: list[tuple[str, float]] = []
            free = 0.0
            for t, w in zip(entry.tokens, entry.weights, strict=True):
                if len(t.form) == 1 or t.form.isdigit() or t.han:
                    free += w / total
                else:
                    shares.append((t.form, w / total))
            info = (tuple(shares), free)
            for form in {f for f, _ in shares}:
                needs.setdefault(form, []).append(info)
            if not shares or capped:
                live |= {t.form for t in entry.tokens}
        return frozenset(live), needs


def _why_full(plan: Plan, party: Party, tokens: Sequence[Token]) -> tuple[str, float | None]:
    """Why this party needs a full re-screen ("" when the delta is exact), and its drift."""
    shift = plan.shift
    if not party.current:
        return "not screened against the previous lists", None
    if plan.view is None or shift is None:
        return "no delta available", None
    if shift.everything:
        return "every weight moved", None
    drift = shift.party_drift(tokens)
    if drift is None:
        return "its words' weights moved", None
    if party.margin < drift:
        return "band margin used up", None
    if _reachable(tokens, plan.gone, shift.removed_keys):
        return "its search used a removed key", None
    return "", drift


def screen_party(plan: Plan, party: Party) -> PartyResult:
    """Hits and band of one counterparty, by the delta when it can, else in full."""
    cutoff, low = plan.threshold, max(0.01, plan.threshold - BAND)
    try:
        tokens = tokens_of(check_name(party.name, "name"))
        if not tokens:
            raise BadInput("name", f"{party.name!r} has no letters or digits to compare")
        country = check_country(party.country, "country")
    except BadInput as exc:
        return PartyResult(party.id, "error", why=exc.message)
    shift = plan.shift
    view = plan.view if party.band else plan.core
    why, drift = _why_full(plan, party, tokens)
    if not why:
        assert view is not None and shift is not None and drift is not None
        reach = _reach(view, tokens)
        if reach.isdisjoint(plan.live[id(view)]) and not _generic_reach(
            plan.needs[id(view)], reach, tokens
        ):
            # nothing in the view can be reached and no changed key is read: no hits
            return PartyResult(party.id, "delta", {}, {}, party.margin - drift)
        view.touched = set()
        try:
            band = _evaluate(view, tokens, country, low)
            touched = view.touched
        finally:
            view.touched = None
        if touched.isdisjoint(shift.sig_keys):
            # a hit at the threshold is also found at the band's lower cut-off
            hits = _evaluate(view, tokens, country, cutoff) if band else {}
            return PartyResult(party.id, "delta", hits, band, party.margin - drift)
        why = "its search touched a changed key"
    band = _evaluate(plan.full, tokens, country, low)
    hits = _evaluate(plan.full, tokens, country, cutoff) if band else {}
    return PartyResult(party.id, "full", hits, band, BAND, why)


def view_records(
    full: NameIndex, diff: ListDiff | None, shift: Shift | None, band_uids: Iterable[str]
) -> list[int]:
    """Positions in ``full`` of the records a delta re-screen looks at."""
    pos = {r.uid: i for i, r in enumerate(full.records)}
    wanted: set[int] = set()
    if diff is not None:
        for c in (*diff.added, *diff.changed):
            if c.uid in pos:
                wanted.add(pos[c.uid])
    if shift is not None:
        wanted.update(pos[u] for u in shift.view_uids if u in pos)
    wanted.update(full.names[n].record for n in full.generic_only)
    wanted.update(pos[u] for u in band_uids if u in pos)
    return sorted(wanted)


def delta_plan(
    full: NameIndex,
    threshold: float,
    old_index: NameIndex,
    old_records: Iterable[ListRecord],
    diff: ListDiff,
    band_uids: Iterable[str],
) -> Plan:
    """The plan of a delta re-screen from ``old_index`` to ``full`` (the new index)."""
    shift = weight_shift(old_index, full, capped=threshold - BAND <= GATE_CAP)
    core_ids = view_records(full, diff, shift, ())
    view_ids = view_records(full, diff, shift, band_uids)
    core = subset_index(full, core_ids)
    view = core if view_ids == core_ids else subset_index(full, view_ids)
    return Plan(full, threshold, view, shift, gone_index(old_records, diff), core)


def gone_index(old_records: Iterable[ListRecord], diff: ListDiff) -> NameIndex | None:
    """A small index of the old versions of removed and changed records."""
    uids = {c.uid for c in (*diff.removed, *diff.changed)}
    records = [r for r in old_records if r.uid in uids]
    return NameIndex(records) if records else None


def engine_key(threshold: float) -> str:
    """Names what decides stored matches besides the lists: the screening algorithm, its
    vocabulary and code, this module, the threshold and the band."""
    from pathlib import Path

    from chipcomply import __version__, screening
    from chipcomply.screening.score import ALGORITHM
    from chipcomply.screening.vocabulary import default_vocabulary

    digest = hashlib.sha256(
        json.dumps(
            [ALGORITHM, __version__, default_vocabulary().fingerprint, threshold, BAND]
        ).encode()
    )
    files = [*sorted(Path(screening.__file__).parent.glob("*.py")), Path(__file__)]
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


# ----------------------------------------------------------------- running many

_PLAN: Plan | None = None


def _work(parties: list[Party]) -> list[PartyResult]:
    assert _PLAN is not None
    return [screen_party(_PLAN, p) for p in parties]


def screen_parties(
    plan: Plan,
    parties: Sequence[Party],
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    chunk: int = 500,
) -> list[PartyResult]:
    """Re-screen parties, on ``workers`` forked processes sharing the plan's indexes."""
    global _PLAN
    n = workers if workers is not None else min(2, os.cpu_count() or 1)
    chunks = [list(parties[i : i + chunk]) for i in range(0, len(parties), chunk)]
    out: list[PartyResult] = []
    if n <= 1 or len(chunks) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for c in chunks:
            out.extend(screen_party(plan, p) for p in c)
            if progress:
                progress(len(c))
        return out
    _PLAN = plan
    try:
        with multiprocessing.get_context("fork").Pool(n) as pool:
            for res in pool.imap(_work, chunks):
                out.extend(res)
                if progress:
                    progress(len(res))
    finally:
        _PLAN = None
    return out
