"""cc-name-v1: how two token sequences are aligned and scored.

Weights. Each token weighs ``class factor × ln(1 + N / (df + 0.5))``: how rare its form is
over the N indexed records, scaled by its class (``CLASS_FACTOR``), so legal forms and stop
words count almost nothing and industry and place words little.

Alignment (``align``). Equal tokens are paired first; the rest compete by similarity:
near-equal tokens (``token_similarity``: one edit in a word of 3+ letters, two in 5+, three
in 10+; initials 0.6; two numbers in the same place 0.5) and two or three adjacent tokens
read as one word (``hua wei`` = ``huawei``, ``Siemens AG`` = ``SiemensAG``). Tokens read from
Chinese characters compare by their characters (``script_adjust``): a Han reading in pinyin
against Latin letters counts ``PINYIN_SIM``, same pinyin with other characters is only a
homophone. Each token is used at most once.

Score. With ``W_q``/``W_l`` the summed weights of all query/list tokens and each pair
contributing ``sim × (w_q + w_l)``::

    dice    = Σ sim·(w_q + w_l) / (W_q + W_l)
    cover_x = Σ sim·w_x / W_x                         (x = the lighter of the two names)
    base    = (1 − CONTAIN)·dice + CONTAIN·min(1.6·dice, cover_x)
    base   ×= 1 − CONFLICT · min(U_q, U_l) / ((W_q + W_l) / 2)

where ``U`` is the weight left unmatched on each side (``CONFLICT_FACTOR``): a substitution,
both names having what the other lacks, costs; an omission does not. Then, in order:

- **containment** — for people's names, when every distinctive word of one name matches
  in the other (equal or one letter off, at least two words, particles such as al/bin not
  counted), ``base`` is raised to ``CONTAINED_FLOOR + (1 − CONTAINED_FLOOR)·dice``;
- **patronymic** — "X bin Y" against "X bin Z" with Y ≠ Z: × ``PATRONYMIC_MISMATCH``;
- **national subsidiary** — a listed organisation name adding a country: × ``COUNTRY_ADDED``;
- **distinctive gate** — if a name has distinctive tokens and none matches with
  similarity ≥ ``GATE_SIM``, the score is capped at ``GATE_CAP``; a name of generic words
  only must be covered ≥ ``GENERIC_COVER`` on both sides instead;
- **qualifiers** — × ``COUNTRY_MISMATCH`` when the query's country is not among the
  record's countries (never a filter); × ``TYPE_MISMATCH`` for an organisation's name
  against an individual's record.

Every number used is returned in :class:`Alignment` so the explanation can show the sum.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from anyascii import anyascii
from rapidfuzz.distance import OSA

from chipcomply.screening.normalise import Token
from chipcomply.screening.vocabulary import (
    DISTINCTIVE,
    GENERIC,
    LEGAL,
    NUMBER,
    PLACE,
    STOP,
    split_pinyin,
)

ALGORITHM = "cc-name-v1"
DEFAULT_THRESHOLD = 0.80

CLASS_FACTOR: dict[str, float] = {
    DISTINCTIVE: 1.0,
    NUMBER: 0.6,
    GENERIC: 0.25,
    PLACE: 0.25,
    LEGAL: 0.03,
    STOP: 0.03,
}
MIN_SIM = 0.70  # below this two tokens do not match at all
INITIAL_SIM = 0.6
NUMBER_SIM = 0.5  # two different numbers in the same place (Fund III / Fund IV)
SHORT_SIM = 0.7  # one letter apart in a two- or three-letter word
PINYIN_SIM = 0.9  # a Han name read as pinyin, against the same letters in Latin script
HOMOPHONE_SIM = 0.7  # same pinyin, different characters
CONFLICT = 2.0  # how hard a substitution (each side has what the other lacks) counts
CONFLICT_FACTOR: dict[str, float] = {
    DISTINCTIVE: 1.0,
    NUMBER: 0.3,
    GENERIC: 0.6,
    PLACE: 0.6,
    LEGAL: 0.0,
    STOP: 0.0,
}
GATE_SIM = 0.75
GATE_CAP = 0.60
GENERIC_COVER = 0.85
CONTAIN = 0.35  # share of the score given to how fully the shorter name is covered
COUNTRY_MISMATCH = 0.95  # the query's country is not among the record's countries
TYPE_MISMATCH = 0.85  # an organisation's name against an individual's record
CONTAINED_FLOOR = 0.75  # a person's shorter name wholly inside the longer one scores at
# least this plus the rest in proportion to the dice …
CONTAINED_SIM = 0.85  # … each of its words equal or one letter off
PATRONYMIC_MISMATCH = 0.7  # "X bin Y" against "X bin Z"
COUNTRY_ADDED = 0.9  # a listed organisation name with a country the query lacks
MAX_MERGE = 3
JOINED_SIM = 0.85  # joined words must be this close

Weigher = Callable[[Token], float]


@dataclass(frozen=True, slots=True)
class Pair:
    query: tuple[int, ...]  # indexes into the query tokens
    listed: tuple[int, ...]  # indexes into the list-name tokens
    sim: float
    how: str  # exact | fuzzy | initial | joined
    w_query: float
    w_listed: float


@dataclass(frozen=True, slots=True)
class Alignment:
    pairs: tuple[Pair, ...]
    w_query_total: float
    w_listed_total: float
    dice: float
    cover_query: float
    cover_listed: float
    gate: str  # passed | capped | generic-only
    base: float  # before qualifiers
    score: float


def _phonetic(form: str) -> str:
    """A rough sound key: vowels dropped after the first letter, look-alike sounds merged."""
    s = form
    for a, b in (("ph", "f"), ("ck", "k"), ("kh", "h"), ("sch", "sh"), ("dh", "d"), ("th", "t")):
        s = s.replace(a, b)
    s = s.replace("x", "ks").translate(str.maketrans("cqzvwyj", "kksfuii"))
    out = [s[0]] if s else []
    for ch in s[1:]:
        if ch in "aeiou":
            continue
        if out and out[-1] == ch:
            continue
        out.append(ch)
    return "".join(out)


@lru_cache(maxsize=500_000)
def token_similarity(a: str, b: str) -> tuple[float, str]:
    """Similarity of two token forms in [0, 1] and how it was reached.

    Equal forms score 1. Otherwise the (optimal string alignment) edit distance decides:
    one edit in a word of three or more letters, two in five or more, three in ten or more;
    anything further apart does not match at all. Digits must agree exactly; a single letter
    matches a word it begins (an initial) at 0.6.
    """
    if a == b:
        return 1.0, "exact"
    la, lb = len(a), len(b)
    if a.isdigit() and b.isdigit():
        return NUMBER_SIM, "other number"  # series 1 / 2: the same family of names
    if la == 1 or lb == 1:
        short, long_ = (a, b) if la == 1 else (b, a)
        if len(long_) > 1 and long_[0] == short and not short.isdigit():
            return INITIAL_SIM, "initial"
        return 0.0, ""
    if any(c.isdigit() for c in a) or any(c.isdigit() for c in b):
        return 0.0, ""
    shortest, longest = min(la, lb), max(la, lb)
    if shortest <= 2:
        if longest <= 3 and OSA.distance(a, b, score_cutoff=1) == 1:
            return SHORT_SIM, "fuzzy"  # un / uun, on / un
        return 0.0, ""
    if a[0] != b[0] and split_pinyin(a) is not None and split_pinyin(b) is not None:
        return 0.0, ""  # juxin vs yuxin: another syllable, another name
    dist = OSA.distance(a, b, score_cutoff=3)
    if dist == 1:
        sim = max(0.85, 1.0 - 1.0 / longest)
    elif dist == 2 and shortest >= 5 and a[0] == b[0]:
        sim = max(0.75, 1.0 - 2.0 / longest)
    elif dist == 3 and shortest >= 10:
        sim = 1.0 - 3.0 / longest
    else:
        if shortest >= 5 and a[0] == b[0] and _phonetic(a) == _phonetic(b):
            return 0.8, "phonetic"
        return 0.0, ""
    return sim, "fuzzy"


def script_adjust(a: Token, b: Token, sim: float, how: str) -> tuple[float, str]:
    """Correct a form similarity for tokens read from Chinese characters.

    Two Han tokens compare by their characters: the same characters match, the same
    pinyin with other characters is only a homophone (高市 ≠ 高石). A Han token read as
    pinyin against a Latin token is a phonetic reading, weaker evidence than equal spelling
    (``PINYIN_SIM``); curated aliases and translations are not affected.
    """
    if a.han and b.han:
        if a.han == b.han:
            return 1.0, "exact"
        if sim >= 1.0 and "alias" in a.via and "alias" in b.via:
            return 1.0, "exact"
        if sim >= 1.0:
            return HOMOPHONE_SIM, "homophone"
        return 0.0, ""
    reading = [t for t in (a, b) if t.han and "pinyin" in t.via]
    if reading:
        if sim >= 1.0:
            return PINYIN_SIM, "pinyin"
        if strict_pair(a, b, sim):
            return 0.0, ""
        return min(sim, PINYIN_SIM), how
    return sim, how


def strict_pair(a: Token, b: Token, sim: float) -> bool:
    """Whether a fuzzy pair is too loose for tokens read from Chinese characters.

    A different character is a different syllable, so pinyin read from Han text matches
    only exactly or with one slip in a long word (摩尔线程 moerxiancheng ~ Mo'er Xianchen).
    """
    if sim >= 1.0:
        return False
    han = ("pinyin" in a.via and "joined" not in a.via) or (
        "pinyin" in b.via and "joined" not in b.via
    )
    return han and not (sim >= 0.9 and min(len(a.form), len(b.form)) >= 8)


def _merged_units(tokens: Sequence[Token], free: set[int]) -> list[tuple[tuple[int, ...], str]]:
    """Two or three adjacent unmatched tokens read as one word."""
    units: list[tuple[tuple[int, ...], str]] = []
    n = len(tokens)
    for size in range(2, MAX_MERGE + 1):
        for i in range(n - size + 1):
            idx = tuple(range(i, i + size))
            if not all(j in free for j in idx):
                continue
            span = tokens[i : i + size]
            if any(t.cls == STOP for t in span):
                continue
            units.append((idx, "".join(t.form for t in span)))
    return units


def _greedy(
    options: list[tuple[float, float, int, int, Pair]], used_q: set[int], used_l: set[int]
) -> list[Pair]:
    options.sort(key=lambda o: (o[0], o[1], o[2], o[3]))
    chosen: list[Pair] = []
    for _, _, _, _, pair in options:
        if used_q.intersection(pair.query) or used_l.intersection(pair.listed):
            continue
        used_q.update(pair.query)
        used_l.update(pair.listed)
        chosen.append(pair)
    return chosen


def align(
    query: Sequence[Token],
    listed: Sequence[Token],
    wq: Sequence[float],
    wl: Sequence[float],
) -> list[Pair]:
    """Greedy alignment, each token used at most once.

    Equal tokens are paired first. The rest compete by similarity: near-equal single
    tokens, and two or three adjacent tokens read as one word against one token on the
    other side (``Siemens AG`` = ``SiemensAG``, ``hua wei`` = ``huawei``).
    """
    exact: list[tuple[float, float, int, int, Pair]] = []
    fuzzy: list[tuple[float, float, int, int, Pair]] = []
    for qi, qt in enumerate(query):
        for li, lt in enumerate(listed):
            sim, how = token_similarity(qt.form, lt.form)
            if sim <= 0.0 and not (qt.han and lt.han):
                continue
            sim, how = script_adjust(qt, lt, sim, how)
            if sim <= 0.0:
                continue
            pair = Pair((qi,), (li,), sim, how, wq[qi], wl[li])
            option = (-sim, -(wq[qi] + wl[li]), qi, li, pair)
            (exact if sim >= 1.0 else fuzzy).append(option)
    used_q: set[int] = set()
    used_l: set[int] = set()
    chosen = _greedy(exact, used_q, used_l)
    free_q = set(range(len(query))) - used_q
    free_l = set(range(len(listed))) - used_l
    if free_q and free_l:
        pool = [o for o in fuzzy if o[2] in free_q and o[3] in free_l]
        if len(free_q) > 1 or len(free_l) > 1:
            pool.extend(_joined_options(query, listed, wq, wl, free_q, free_l))
        chosen.extend(_greedy(pool, used_q, used_l))
    chosen.sort(key=lambda p: (p.query[0], p.listed[0]))
    return chosen


def _joined_options(
    query: Sequence[Token],
    listed: Sequence[Token],
    wq: Sequence[float],
    wl: Sequence[float],
    free_q: set[int],
    free_l: set[int],
) -> list[tuple[float, float, int, int, Pair]]:
    out: list[tuple[float, float, int, int, Pair]] = []
    q_units = [((i,), query[i].form) for i in sorted(free_q)] + _merged_units(query, free_q)
    l_units = [((i,), listed[i].form) for i in sorted(free_l)] + _merged_units(listed, free_l)
    for qi, (q_idx, q_form) in enumerate(q_units):
        for li, (l_idx, l_form) in enumerate(l_units):
            if len(q_idx) == len(l_idx):
                continue  # exactly one side is joined
            lq, ll = len(q_form), len(l_form)
            if q_form[0] != l_form[0] or abs(lq - ll) > max(2, min(lq, ll) // 4):
                continue
            sim, _ = token_similarity(q_form, l_form)
            if sim < JOINED_SIM:
                continue
            w_q = sum(wq[i] for i in q_idx)
            w_l = sum(wl[i] for i in l_idx)
            pair = Pair(q_idx, l_idx, sim, "joined", w_q, w_l)
            out.append((-sim, -(w_q + w_l), 1000 + qi, 1000 + li, pair))
    return out


_GATED = (DISTINCTIVE, NUMBER)
_PATRONYMIC = frozenset({"bin", "ibn", "ben", "bint", "binti", "ould"})
# Name particles: articles, "son of", "servant of", "father of", nobiliary particles.
NAME_PARTICLES = _PATRONYMIC | frozenset(
    {
        "al",
        "el",
        "ul",
        "ud",
        "abd",
        "abdul",
        "abu",
        "abou",
        "de",
        "da",
        "di",
        "do",
        "dos",
        "das",
        "van",
        "von",
        "der",
        "den",
        "la",
        "le",
    }
)


def _contained(
    query: Sequence[Token], listed: Sequence[Token], pairs: Sequence[Pair], query_shorter: bool
) -> bool:
    """Whether every distinctive word of the shorter name matches in the longer one.

    Used for names of people only (neither name has a legal form or organisation words):
    a person's listed name often carries middle names, patronymics and titles that a query
    leaves out. At least two words must match, one of them a full word (not an initial).
    """
    short = query if query_shorter else listed
    long_ = listed if query_shorter else query
    long_used = {i for p in pairs for i in (p.listed if query_shorter else p.query)}
    left_over = any(t.cls == DISTINCTIVE and i not in long_used for i, t in enumerate(long_))
    initials = any(p.how == "initial" for p in pairs)
    if not left_over and not initials:
        return False  # nothing left over and nothing abbreviated: not a shorter form
    best: dict[int, Pair] = {}
    for pair in pairs:
        for i in pair.query if query_shorter else pair.listed:
            best[i] = pair
    full = 0
    matched = 0
    for i, tok in enumerate(short):
        if tok.cls != DISTINCTIVE:
            continue
        p = best.get(i)
        if p is None:
            return False
        if tok.form in NAME_PARTICLES:
            continue  # al, abd, bin …: must be there, but say little about who it is
        if p.how == "initial":
            matched += 1
        elif p.sim >= CONTAINED_SIM:
            matched += 1
            full += 1
        else:
            return False
    return matched >= 2 and full >= 1


def _fathers_differ(a: Sequence[Token], b: Sequence[Token]) -> bool:
    """'X bin Y' on both sides with no father Y in common: son and father swapped, or kin."""

    def fathers(tokens: Sequence[Token]) -> set[str]:
        for i in range(len(tokens) - 1):  # the first "bin" names the father
            if tokens[i].form in _PATRONYMIC and tokens[i + 1].cls == DISTINCTIVE:
                return {tokens[i + 1].form}
        return set()

    fa, fb = fathers(a), fathers(b)
    if not fa or not fb:
        return False
    return not any(token_similarity(x, y)[0] >= GATE_SIM for x in fa for y in fb)


@lru_cache(maxsize=1)
def _country_words() -> frozenset[str]:
    """Country names of one word (chile, mexico, thailand …), as token forms."""
    import pycountry

    words: set[str] = set()
    for country in pycountry.countries:
        for attr in ("name", "common_name"):
            name = getattr(country, attr, None)
            if name and " " not in name and "," not in name:
                words.add("".join(c for c in anyascii(name).lower() if c.isalnum()))
    return frozenset(words)


def _country_added(
    query: Sequence[Token], listed: Sequence[Token], used_q: set[int], used_l: set[int], org: bool
) -> bool:
    """A listed organisation name that adds a country the query lacks (Banco Santander
    Chile against Banco Santander): usually the national subsidiary, another entity. A query
    that adds a country (中国…, "Huawei China") is only giving context and is not discounted."""
    if not org:
        return False
    countries = _country_words()
    in_q = [i for i, t in enumerate(query) if t.form in countries]
    in_l = [i for i, t in enumerate(listed) if t.form in countries]
    if in_q and in_l:
        return False
    return any(i not in used_l for i in in_l) and not in_q


def looks_like_organisation(tokens: Sequence[Token]) -> bool:
    """A legal form or two organisation words: the name is not a person's."""
    if any(t.cls == LEGAL for t in tokens):
        return True
    return sum(1 for t in tokens if t.cls == GENERIC) >= 2


def score_tokens(
    query: Sequence[Token],
    listed: Sequence[Token],
    weigh: Weigher,
    country_ok: bool | None = None,
    person_ok: bool | None = None,
    listed_weights: Sequence[float] | None = None,
    query_weights: Sequence[float] | None = None,
    orgs: tuple[bool, bool] | None = None,
) -> Alignment:
    """Align and score two token sequences.

    ``country_ok`` is None when there is no country to compare; ``person_ok`` is False when
    an organisation's name is compared with an individual's record.
    """
    wq = list(query_weights) if query_weights is not None else [weigh(t) for t in query]
    wl = list(listed_weights) if listed_weights is not None else [weigh(t) for t in listed]
    total_q = sum(wq)
    total_l = sum(wl)
    if not query or not listed or total_q <= 0 or total_l <= 0:
        return Alignment((), total_q, total_l, 0.0, 0.0, 0.0, "capped", 0.0, 0.0)
    pairs = align(query, listed, wq, wl)
    m_q = sum(p.sim * p.w_query for p in pairs)
    m_l = sum(p.sim * p.w_listed for p in pairs)
    dice = (m_q + m_l) / (total_q + total_l)
    cover_q = m_q / total_q
    cover_l = m_l / total_l
    cover_short = cover_q if total_q <= total_l else cover_l
    base = (1.0 - CONTAIN) * dice + CONTAIN * min(dice * 1.6, cover_short)
    used_q = {i for p in pairs for i in p.query}
    used_l = {i for p in pairs for i in p.listed}
    left_q = sum(
        CONFLICT_FACTOR[t.cls] * wq[i] / CLASS_FACTOR[t.cls]
        for i, t in enumerate(query)
        if i not in used_q and CLASS_FACTOR[t.cls] > 0
    )
    left_l = sum(
        CONFLICT_FACTOR[t.cls] * wl[i] / CLASS_FACTOR[t.cls]
        for i, t in enumerate(listed)
        if i not in used_l and CLASS_FACTOR[t.cls] > 0
    )
    conflict = min(left_q, left_l) / ((total_q + total_l) / 2.0)
    base *= max(0.0, 1.0 - CONFLICT * conflict)
    if orgs is None:
        orgs = (looks_like_organisation(query), looks_like_organisation(listed))
    people = not (orgs[0] or orgs[1])
    contained = people and (
        _contained(query, listed, pairs, True) or _contained(query, listed, pairs, False)
    )
    if contained and min(left_q, left_l) == 0:
        # every distinctive word of the shorter (person's) name is in the longer one
        base = max(base, CONTAINED_FLOOR + (1.0 - CONTAINED_FLOOR) * dice)
    if _fathers_differ(query, listed):
        base *= PATRONYMIC_MISMATCH
    if _country_added(query, listed, used_q, used_l, not people):
        base *= COUNTRY_ADDED
    distinctive = [i for i, t in enumerate(listed) if t.cls in (DISTINCTIVE, NUMBER)]
    gate = "passed"
    if distinctive:
        hit = any(
            p.sim >= GATE_SIM and any(listed[i].cls in _GATED for i in p.listed) for p in pairs
        )
        if not hit:
            gate = "capped"
            base = min(base, GATE_CAP)
    else:
        gate = "generic-only"
        if min(cover_l, cover_q) < GENERIC_COVER:
            base = min(base, GATE_CAP)
            gate = "capped"
    q_distinct = [t for t in query if t.cls == DISTINCTIVE]
    if q_distinct and gate != "capped":
        q_hit = any(
            p.sim >= GATE_SIM and any(query[i].cls in _GATED for i in p.query) for p in pairs
        )
        if not q_hit:
            gate = "capped"
            base = min(base, GATE_CAP)
    score = base * (COUNTRY_MISMATCH if country_ok is False else 1.0)
    if person_ok is False:
        score *= TYPE_MISMATCH
    return Alignment(
        tuple(pairs),
        total_q,
        total_l,
        dice,
        cover_q,
        cover_l,
        gate,
        round(base, 4),
        round(min(1.0, score), 4),
    )
