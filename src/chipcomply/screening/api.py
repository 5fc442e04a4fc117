"""The screening API: ``screen(name)``, ``get_screener()``, ``match_names(left, right)``.

``ScreenResult.model_dump(mode="json")`` is exactly what ``chipcomply screen --json``
prints and what the REST API returns. Results are deterministic: the same input against
the same snapshots gives byte-identical JSON.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import pickle
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field
from rapidfuzz import fuzz

from chipcomply.errors import BadInput
from chipcomply.lists.countries import check_country
from chipcomply.lists.records import ListRecord
from chipcomply.lists.store import ActiveLists, SnapshotStore, active_lists
from chipcomply.screening.explain import Explanation, explain
from chipcomply.screening.index import Match, NameIndex, best_per_record
from chipcomply.screening.normalise import Token, check_name, tokens_of
from chipcomply.screening.score import ALGORITHM, DEFAULT_THRESHOLD, score_tokens
from chipcomply.screening.vocabulary import LEGAL, STOP, Vocabulary, default_vocabulary

SCHEMAS = ("Person", "Company", "Organization", "LegalEntity", "Vessel")


class Hit(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str = Field(description="The record's primary name, exactly as on the list.")
    matched_name: str = Field(description="The name or a.k.a. of the record that matched.")
    source: str = Field(description="The CSL source string.")
    source_code: str
    entity_number: str | None
    score: float
    explanation: Explanation
    record: ListRecord


class ScreenResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    query: str
    algorithm: str
    lists: dict[str, str]
    threshold: float
    country: str | None = None
    hits: list[Hit]


class MatchResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    score: float
    match: bool
    threshold: float
    algorithm: str
    explanation: Explanation


def check_threshold(value: float | None, field: str = "threshold") -> float:
    if value is None:
        return DEFAULT_THRESHOLD
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadInput(field, f"expected a number between 0 and 1, got {value!r}")
    if not 0.0 < float(value) <= 1.0:
        raise BadInput(field, f"must be greater than 0 and at most 1, got {value!r}")
    return float(value)


def _query_tokens(name: str, field: str) -> tuple[Token, ...]:
    tokens = tokens_of(check_name(name, field))
    if not tokens:
        raise BadInput(field, f"{name!r} has no letters or digits to compare")
    return tokens


PREFILTER_FLOOR = 0.8


def _content_forms(tokens: tuple[Token, ...]) -> set[str]:
    forms = {t.form for t in tokens if t.cls not in (LEGAL, STOP)}
    if len(forms) > 1:
        forms.add("".join(t.form for t in tokens if t.cls not in (LEGAL, STOP)))
    return forms


def _may_align(left: tuple[Token, ...], right: tuple[Token, ...]) -> bool:
    lf, rf = _content_forms(left), _content_forms(right)
    if lf & rf:
        return True
    return any(fuzz.ratio(a, b) >= 70 for a in lf for b in rf)


class Screener:
    """An index over the active lists; build once, screen many times (thread-safe reads)."""

    def __init__(self, lists: ActiveLists, vocab: Vocabulary | None = None) -> None:
        self.lists = lists
        self.vocab = vocab or default_vocabulary()
        self.index = NameIndex(lists.records)

    def warm_up(self) -> None:
        """Load the lazy tables (pinyin, OpenCC, confusables) before the first query."""
        self.screen("華為 Huаwei Путин", threshold=0.99)

    @property
    def list_ids(self) -> dict[str, str]:
        return self.lists.ids

    def matches(
        self, name: str, country: str | None = None, threshold: float | None = None
    ) -> tuple[tuple[Token, ...], list[Match]]:
        tokens = _query_tokens(name, "name")
        cutoff = check_threshold(threshold)
        cc = check_country(country, "country")
        found = best_per_record(
            self.index, tokens, self.index.candidates(tokens, cutoff), cc, cutoff
        )
        found.sort(key=lambda m: self._order(m))
        return tokens, found

    def _order(self, m: Match) -> tuple[float, str, str]:
        rec = self.index.records[m.name.record]
        return (-m.alignment.score, rec.name, rec.uid)

    def screen(
        self,
        name: str,
        country: str | None = None,
        threshold: float | None = None,
        limit: int | None = None,
    ) -> ScreenResult:
        cutoff = check_threshold(threshold)
        cc = check_country(country, "country")
        tokens, found = self.matches(name, cc, cutoff)
        if limit is not None:
            found = found[:limit]
        hits = [self._hit(tokens, m, cc) for m in found]
        return ScreenResult(
            query=name,
            algorithm=ALGORITHM,
            lists=self.list_ids,
            threshold=cutoff,
            country=cc,
            hits=hits,
        )

    def _hit(self, tokens: Sequence[Token], m: Match, country: str | None) -> Hit:
        rec = self.index.records[m.name.record]
        how = m.name.how
        matched_as = how if m.name.text == m.name.published else f"{how} ({m.name.text!r})"
        exp = explain(
            tokens,
            m.name.tokens,
            m.alignment,
            self.index.weight,
            self.vocab,
            matched_name=m.name.published,
            matched_as=matched_as,
            record=rec,
            country=country,
        )
        return Hit(
            name=rec.name,
            matched_name=m.name.published,
            source=rec.source,
            source_code=rec.source_code,
            entity_number=rec.entity_number,
            score=m.alignment.score,
            explanation=exp,
            record=rec,
        )

    def match_score(self, left: str, right: str, floor: float = DEFAULT_THRESHOLD) -> float:
        """The cc-name-v1 score of two names without an explanation, for callers that
        compare one name with many short-list names and keep only scores at or above
        ``floor``.

        When ``floor`` is 0.8 or more, a pair whose content words share no form at 0.7
        similarity or better (joined forms included) is scored 0 without alignment: such
        pairs stay far below the floor (the highest seen over the PRC lists and the labelled
        sets was 0.75), because the gate needs a matching distinctive word."""
        lt = _query_tokens(left, "left")
        rt = _query_tokens(right, "right")
        if floor >= PREFILTER_FLOOR and not _may_align(lt, rt):
            return 0.0
        return float(score_tokens(lt, rt, self.index.weight).score)

    def match(
        self,
        left: str,
        right: str,
        threshold: float | None = None,
        schema: str | None = None,
    ) -> MatchResult:
        """Compare two names with the same algorithm (token weights from the lists)."""
        cutoff = check_threshold(threshold)
        if schema is not None and schema not in SCHEMAS:
            raise BadInput("schema", f"unknown schema {schema!r}; use one of {', '.join(SCHEMAS)}")
        lt = _query_tokens(left, "left")
        rt = _query_tokens(right, "right")
        al = score_tokens(lt, rt, self.index.weight)
        exp = explain(
            lt, rt, al, self.index.weight, self.vocab, matched_name=right, matched_as="name"
        )
        return MatchResult(
            score=al.score,
            match=al.score >= cutoff,
            threshold=cutoff,
            algorithm=ALGORITHM,
            explanation=exp,
        )


_lock = threading.Lock()
_cached: tuple[str, Screener] | None = None


@functools.cache
def _code_fingerprint() -> str:
    """Hash of the code and data the pickled index is made of, so a changed algorithm,
    record model or vocabulary never reuses a stale index. Computed once per process."""
    digest = hashlib.sha256(ALGORITHM.encode())
    package = Path(__file__).parent.parent
    for folder in ("screening", "lists"):
        for path in sorted((package / folder).rglob("*")):
            if path.suffix in {".py", ".yaml", ".yml", ".json"} and path.is_file():
                digest.update(str(path.relative_to(package)).encode() + b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _cache_key(store: SnapshotStore) -> str:
    ids = store.active_ids()
    vocab = default_vocabulary()
    text = json.dumps([ids, vocab.fingerprint, _code_fingerprint(), sys.version_info[:2]])
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _load_cached(path: Path) -> Screener | None:
    try:
        with path.open("rb") as fh:
            obj = pickle.load(fh)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None
    return obj if isinstance(obj, Screener) else None


def _save_cached(path: Path, screener: Screener) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            pickle.dump(screener, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        for old in path.parent.glob("screening-index-*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        return  # a cache that cannot be written only costs time


def get_screener(store: SnapshotStore | None = None) -> Screener:
    """The process-wide screener over the active lists, built once.

    The built index is also kept on disk under the data home (keyed by the active snapshot
    ids, the vocabulary and the screening code), so a new process loads it in about a
    second instead of rebuilding it. Set ``CHIPCOMPLY_INDEX_CACHE=0`` to skip that.
    """
    global _cached
    store = store or SnapshotStore()
    with _lock:
        key = _cache_key(store)
        if _cached is not None and _cached[0] == key:
            return _cached[1]
        use_disk = os.environ.get("CHIPCOMPLY_INDEX_CACHE", "1") != "0"
        path = store.root.parent / "cache" / f"screening-index-{key}.pickle"
        screener = _load_cached(path) if use_disk and path.is_file() else None
        if screener is None:
            screener = Screener(active_lists(store))
            if use_disk:
                _save_cached(path, screener)
        screener.warm_up()
        _cached = (key, screener)
        return screener


def screen(name: str, country: str | None = None, threshold: float | None = None) -> ScreenResult:
    """Screen one name against the active lists (see :class:`ScreenResult`)."""
    return get_screener().screen(name, country=country, threshold=threshold)


def match_score(left: str, right: str, floor: float = DEFAULT_THRESHOLD) -> float:
    """The cc-name-v1 score of two names without an explanation (see Screener.match_score)."""
    return get_screener().match_score(left, right, floor)


def match_names(
    left: str, right: str, threshold: float | None = None, schema: str | None = None
) -> MatchResult:
    return get_screener().match(left, right, threshold=threshold, schema=schema)
