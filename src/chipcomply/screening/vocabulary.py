"""Word knowledge for name matching: word classes, Chinese company words, curated aliases.

Two data files feed it, both in ``screening/data``:

- ``vocabulary.yaml`` — our own tables: Chinese company and place words with their English
  rendering, and Latin spellings/abbreviations folded onto one canonical form, each word
  with a class (legal, stop, generic, place) that sets how little it counts.
- ``curated_aliases.yaml`` — brand and former names with a source for each (华为 = Huawei,
  中芯国际 = SMIC …). Every form of an entry folds onto one canonical token, on the query
  side and the list side alike. The file is optional: without it, names still match through
  pinyin, translation and the lists' own a.k.a. entries.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from chipcomply.errors import DataError

DISTINCTIVE = "distinctive"
GENERIC = "generic"
PLACE = "place"
LEGAL = "legal"
STOP = "stop"
NUMBER = "number"
CLASSES = (DISTINCTIVE, GENERIC, PLACE, LEGAL, STOP, NUMBER)

NEAR_MIN_LEN = 7  # vocabulary words this long or longer are recognised with a typo
NEAR_LONG_LEN = 10  # … and with two typos from this length
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")


def latin_key(text: str) -> tuple[str, ...]:
    """Lower-case ASCII word tuple of a vocabulary phrase ("Co., Ltd." -> ("co", "ltd"))."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    folded = folded.replace("'", "").replace("’", "")
    return tuple(w for w in _NON_ALNUM.split(folded) if w)


@dataclass(frozen=True)
class HanWord:
    han: str
    english: tuple[str, ...]  # canonical English tokens
    cls: str
    alias_of: str | None = None  # canonical token when the word is a curated alias


@dataclass(frozen=True)
class CuratedAlias:
    canonical: str  # the display name, e.g. "Huawei"
    token: str  # the folded token every form maps to, e.g. "huawei"
    forms: tuple[str, ...]
    kind: str
    source: str
    note: str = ""


Folded = tuple[tuple[tuple[str, str], ...], str]  # ((canonical token, class), …), how


@dataclass
class Vocabulary:
    han: dict[str, HanWord] = field(default_factory=dict)
    # Latin words and phrases -> the canonical tokens they fold to, and how
    latin: dict[tuple[str, ...], Folded] = field(default_factory=dict)
    # pinyin syllable sequences of known words (for spaced pinyin: "ji shu" -> technology)
    pinyin_words: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)
    max_phrase: int = 1
    phrase_len: dict[str, int] = field(default_factory=dict)  # first word -> longest phrase
    max_pinyin: int = 1
    _near: dict[str, tuple[str, ...]] | None = None
    _near_phrases: dict[tuple[int, str], list[tuple[tuple[str, ...], Folded]]] | None = None
    curated: dict[str, CuratedAlias] = field(default_factory=dict)  # token -> alias
    fingerprint: str = ""

    def han_max(self) -> int:
        return max((len(w) for w in self.han), default=1)

    def token_class(self, token: str) -> str:
        found = self.latin.get((token,))
        if found is not None and len(found[0]) == 1:
            return found[0][0][1]
        return NUMBER if token.isdigit() else DISTINCTIVE

    def near_word(self, form: str) -> Folded | None:
        """A misspelt vocabulary word (``technolgies`` → technology), for long words only."""
        if len(form) < NEAR_MIN_LEN or not form.isalpha():
            return None
        if self._near is None:
            table: dict[str, set[str]] = {}
            for key in self.latin:
                word = key[0]
                if len(key) != 1 or len(word) < NEAR_MIN_LEN - 1 or not word.isalpha():
                    continue
                for d in {word, *(word[:i] + word[i + 1 :] for i in range(len(word)))}:
                    table.setdefault(d, set()).add(word)
            self._near = {k: tuple(sorted(v)) for k, v in table.items()}
        from rapidfuzz.distance import OSA

        best: tuple[int, str] | None = None
        for probe in edit_probes(form):
            for word in self._near.get(probe, ()):
                if split_pinyin(form) is not None and split_pinyin(word) is not None:
                    continue  # two pinyin words one letter apart are two names, not a typo
                dist = OSA.distance(form, word)
                limit = 1 if len(form) < NEAR_LONG_LEN else 2
                if dist <= limit and (best is None or (dist, word) < best):
                    best = (dist, word)
        if best is None:
            return None
        outs, _ = self.latin[(best[1],)]
        return outs, "near"

    def near_phrases(self, position: int, word: str) -> list[tuple[tuple[str, ...], Folded]]:
        """Phrases that may be matched with one word misspelt, by one of their exact words.

        These are legal-form phrases of three words or more and curated alias phrases of
        two or more ("Joynt Stock Company", "Moor Thread", "Yangtse Memory").
        """
        if self._near_phrases is None:
            table: dict[tuple[int, str], list[tuple[tuple[str, ...], Folded]]] = {}
            for key, folded in sorted(self.latin.items()):
                legal = len(key) >= 3 and all(cls == LEGAL for _, cls in folded[0])
                alias = len(key) >= 2 and folded[1] == "alias"
                if legal or alias:
                    for k, w in enumerate(key):
                        table.setdefault((k, w), []).append((key, folded))
            self._near_phrases = table
        return self._near_phrases.get((position, word), [])

    def single_class(self, key: tuple[str, ...]) -> str | None:
        found = self.latin.get(key)
        return found[0][0][1] if found is not None and len(found[0]) == 1 else None


def _read(name: str) -> str | None:
    node = resources.files("chipcomply.screening").joinpath(f"data/{name}")
    try:
        return node.read_text("utf-8")
    except FileNotFoundError:
        return None


def _fold(text: str) -> str:
    return "".join(latin_key(text))


def build_vocabulary(vocab_text: str, curated_text: str | None) -> Vocabulary:
    try:
        raw: Any = yaml.safe_load(vocab_text)
    except yaml.YAMLError as exc:
        raise DataError(f"screening vocabulary.yaml: {exc}") from None
    vocab = Vocabulary()
    no_pinyin: set[str] = set()
    for han, spec in (raw.get("han") or {}).items():
        english = latin_key(str(spec["en"]))
        vocab.han[str(han)] = HanWord(str(han), english, str(spec["class"]))
        if spec.get("pinyin") is False:
            no_pinyin.add(str(han))
    for cls, table in (raw.get("latin") or {}).items():
        if cls not in CLASSES:
            raise DataError(f"screening vocabulary.yaml: unknown class {cls!r}")
        for canonical, variants in table.items():
            canon_key = latin_key(str(canonical))
            canon = "".join(canon_key)
            out: tuple[tuple[str, str], ...] = ((canon, str(cls)),)
            vocab.latin.setdefault(canon_key, (out, "canonical"))
            if len(canon_key) > 1:
                vocab.latin.setdefault((canon,), (out, "canonical"))
            for variant in variants or []:
                key = latin_key(str(variant))
                if key:
                    vocab.latin.setdefault(key, (out, "abbreviation"))
    # English renderings of Han words are themselves canonical forms, and their pinyin
    # (joined or syllable by syllable) reads as the same English words.
    from chipcomply.screening.transliterate import pinyin

    def canonical_of(tok: str) -> str:
        found = vocab.latin.get((tok,))
        return found[0][0][0] if found is not None and len(found[0]) == 1 else tok

    for han, word in list(vocab.han.items()):
        vocab.han[han] = HanWord(word.han, tuple(canonical_of(t) for t in word.english), word.cls)
    for word in vocab.han.values():
        for tok in word.english:
            vocab.latin.setdefault((tok,), (((tok, word.cls),), "canonical"))
        if len(word.han) < 2 or word.han in no_pinyin:
            continue
        syllables = pinyin(word.han)
        out = tuple((tok, word.cls) for tok in word.english)
        vocab.latin.setdefault(("".join(syllables),), (out, "pinyin word"))
        vocab.pinyin_words.setdefault(syllables, word.english)
    for key, (out, _) in list(vocab.latin.items()):
        if len(key) == 1 and len(key[0]) > 3:
            split = split_pinyin(key[0])
            if split is not None and len(split) > 1:
                vocab.pinyin_words.setdefault(split, tuple(t for t, _ in out))
    if curated_text:
        _load_curated(vocab, curated_text)
    vocab.max_phrase = max(len(k) for k in vocab.latin)
    for key in vocab.latin:
        vocab.phrase_len[key[0]] = max(vocab.phrase_len.get(key[0], 1), len(key))
    vocab.max_pinyin = max((len(k) for k in vocab.pinyin_words), default=1)
    digest = hashlib.sha256(vocab_text.encode("utf-8"))
    digest.update(b"\0" + (curated_text or "").encode("utf-8"))
    vocab.fingerprint = digest.hexdigest()[:16]
    return vocab


def _load_curated(vocab: Vocabulary, text: str) -> None:
    try:
        raw: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DataError(f"screening curated_aliases.yaml: {exc}") from None
    entries = raw.get("aliases") if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        raise DataError("screening curated_aliases.yaml: expected a top-level 'aliases' list")
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not entry.get("canonical"):
            raise DataError(f"screening curated_aliases.yaml aliases[{i}]: needs 'canonical'")
        canonical = str(entry["canonical"])
        token = _fold(canonical) or canonical
        forms = tuple(str(f) for f in entry.get("forms") or [] if str(f).strip())
        alias = CuratedAlias(
            canonical=canonical,
            token=token,
            forms=(canonical, *[f for f in forms if f != canonical]),
            kind=str(entry.get("kind", "")),
            source=str(entry.get("source", "")),
            note=str(entry.get("note", "")),
        )
        existing = vocab.curated.get(token)
        if existing is not None:
            alias = CuratedAlias(
                canonical=existing.canonical,
                token=token,
                forms=existing.forms + tuple(f for f in alias.forms if f not in existing.forms),
                kind=existing.kind,
                source=existing.source,
                note=existing.note,
            )
        vocab.curated[token] = alias
        for form in alias.forms:
            if _HAN.search(form):
                han = "".join(ch for ch in form if _HAN.match(ch))
                if han:
                    simple = _to_simplified(han)
                    vocab.han[simple] = HanWord(simple, (token,), DISTINCTIVE, token)
                continue
            key = tuple(w for w in latin_key(form) if vocab.single_class((w,)) != LEGAL)
            if not key:
                continue
            # Never fold ordinary vocabulary words (a form "Technology" would swallow them).
            if len(key) == 1 and key in vocab.latin and vocab.latin[key][1] != "alias":
                continue
            out = ((token, DISTINCTIVE),)
            vocab.latin[key] = (out, "alias")
            if len(key) > 1:
                vocab.latin.setdefault(("".join(key),), (out, "alias"))
            split = split_pinyin("".join(key))
            if split is not None and len(split) > 1:
                vocab.pinyin_words.setdefault(split, (token,))


@lru_cache(maxsize=65536)
def edit_probes(form: str) -> frozenset[str]:
    """The form, its one-character deletions and its adjacent transpositions."""
    probes = {form}
    probes.update(form[:i] + form[i + 1 :] for i in range(len(form)))
    probes.update(form[:i] + form[i + 1] + form[i] + form[i + 2 :] for i in range(len(form) - 1))
    return frozenset(probes)


@lru_cache(maxsize=1)
def pinyin_syllables() -> frozenset[str]:
    """Every toneless pinyin syllable (from pypinyin's character readings)."""
    from pypinyin.pinyin_dict import pinyin_dict

    out: set[str] = set()
    for readings in pinyin_dict.values():
        for reading in str(readings).split(","):
            plain = unicodedata.normalize("NFD", reading)
            plain = "".join(c for c in plain if not unicodedata.combining(c)).replace("ü", "v")
            if plain.isascii() and plain.isalpha() and any(v in plain for v in "aeiouv"):
                out.add(plain.lower())
    return frozenset(out)


@lru_cache(maxsize=100_000)
def split_pinyin(word: str) -> tuple[str, ...] | None:
    """The word cut into pinyin syllables (``huawei`` → hua, wei), or None if it cannot be."""
    syllables = pinyin_syllables()
    n = len(word)
    if n == 0 or n > 40:
        return None
    best: list[tuple[str, ...] | None] = [None] * (n + 1)
    best[0] = ()
    for i in range(n):
        if best[i] is None:
            continue
        for size in range(6, 0, -1):
            j = i + size
            if j > n or word[i:j] not in syllables:
                continue
            cand = (*best[i], word[i:j])  # type: ignore[misc]
            if best[j] is None or len(cand) < len(best[j]):  # type: ignore[arg-type]
                best[j] = cand
    return best[n]


def _to_simplified(text: str) -> str:
    from chipcomply.screening.transliterate import to_simplified

    return to_simplified(text)


@lru_cache(maxsize=1)
def default_vocabulary() -> Vocabulary:
    vocab_text = _read("vocabulary.yaml")
    if vocab_text is None:
        raise DataError("screening vocabulary.yaml is missing from the package")
    return build_vocabulary(vocab_text, _read("curated_aliases.yaml"))
