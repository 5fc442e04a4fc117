"""From a name as typed to the tokens cc-name-v1 compares.

Steps, in order (each token remembers which ones changed it, for the explanation):

1. Refuse what is not a name: empty, longer than ``MAX_NAME_CHARS``, or nothing left after
   cleaning.
2. Drop invisible characters (zero-width, bidi controls, soft hyphen, BOM) so
   ``Hua\u200bwei`` reads ``Huawei``; control characters become spaces.
3. Unicode NFKC: full-width ``ＨＵＡＷＥＩ`` → ``HUAWEI``, ligatures, compatibility ideographs.
4. Split into Han runs and other words. Han runs are converted to simplified characters,
   cut into known words (company words, places, curated brands) and unknown runs, which are
   read as joined pinyin (壁仞 → ``biren``).
5. Other words: letters that merely look Latin inside a Latin word (Cyrillic ``а`` in
   ``Huаwei``) are folded to Latin; other scripts are transliterated (Путин → ``putin``);
   case folded, accents and apostrophes dropped, dotted abbreviations joined (S.A. → sa).
6. Vocabulary: spellings and phrases fold to one canonical token with a class
   (``Co., Ltd.`` → ``company limited``/legal, ``Tech`` → ``technology``/generic,
   ``Hua Wei`` → ``huawei``/curated alias).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from chipcomply.errors import BadInput
from chipcomply.screening.transliterate import (
    homoglyph_fold,
    is_mixed_script,
    pinyin,
    script_of,
    to_ascii,
    to_simplified,
)
from chipcomply.screening.vocabulary import (
    DISTINCTIVE,
    GENERIC,
    LEGAL,
    NUMBER,
    STOP,
    Folded,
    Vocabulary,
    default_vocabulary,
    pinyin_syllables,
)

MAX_NAME_CHARS = 1000

_HAN_RANGES = (
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0x20000, 0x2FFFF),
)
_APOSTROPHES = dict.fromkeys(map(ord, "'’‘`´ʼʻ′"), None)
_DOTTED = re.compile(r"(?<![^\W\d_])((?:[^\W\d_]\.){2,}(?:[^\W\d_](?![^\W\d_]))?)")
_ASCII_SPLIT = re.compile(r"[^0-9a-z]+")
# Single-character Chinese words are only taken as words at the end of a name part and
# after a run of at least two unknown characters (红旗厂 → hongqi + factory), so that they
# do not cut brand names apart (海光 stays haiguang, not hai + light).
_MIN_RUN_BEFORE_SUFFIX = 2
MIN_PINYIN_RUN = 4  # spaced pinyin of this many syllables is regrouped into words


Raw = tuple[str, str, str, str | None]  # text, form, via, class (None = not yet folded)

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_NUMERAL = re.compile(r"第?[零〇一二两三四五六七八九十百]+")


def chinese_number(text: str) -> int | None:
    """Value of a Chinese numeral up to 999 (三十 → 30, 第七 → 7), None if it is not one."""
    text = text.removeprefix("第")
    if not text:
        return None
    if all(c in _CN_DIGITS for c in text) and len(text) > 1:
        return int("".join(str(_CN_DIGITS[c]) for c in text))
    total = 0
    current = 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current


@dataclass(frozen=True, slots=True)
class Token:
    text: str  # the span of the input it came from
    form: str  # what is compared: lower-case ASCII
    cls: str  # vocabulary class
    via: str = ""  # how text became form ("" when it is just case/punctuation)
    han: str = ""  # simplified Chinese characters, when the token was read from them


def is_han(ch: str) -> bool:
    code = ord(ch)
    return any(lo <= code <= hi for lo, hi in _HAN_RANGES)


def _is_word_char(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return cat[0] in "LMN"


def check_name(name: object, field: str = "name") -> str:
    """The name as a string, or BadInput naming ``field``."""
    if not isinstance(name, str):
        raise BadInput(field, f"expected text, got {type(name).__name__}")
    if len(name) > MAX_NAME_CHARS:
        raise BadInput(
            field, f"is {len(name):,} characters long; names are limited to {MAX_NAME_CHARS:,}"
        )
    if "\ufffd" in name or any(0xD800 <= ord(c) <= 0xDFFF for c in name):
        raise BadInput(field, "is not valid UTF-8 text")
    if not name.strip():
        raise BadInput(field, "is empty")
    return name


_ASCII_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ASCII_WORD = re.compile(r"[A-Za-z0-9]+")


def clean(text: str) -> str:
    """Invisible characters dropped, controls to spaces, NFKC."""
    if text.isascii():
        return _ASCII_CONTROL.sub(" ", text)
    out: list[str] = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat == "Cf":  # zero-width, bidi controls, soft hyphen, BOM
            continue
        if cat in ("Cc", "Zl", "Zp"):
            out.append(" ")
            continue
        out.append(ch)
    return unicodedata.normalize("NFKC", "".join(out))


def _segments(text: str) -> list[tuple[bool, str]]:
    """Alternating (is_han, text) runs; separators between words stay in non-Han runs."""
    if text.isascii():
        return [(False, text)]
    segs: list[tuple[bool, str]] = []
    buf: list[str] = []
    han_mode = False
    for ch in text:
        h = is_han(ch)
        if h != han_mode and buf:
            segs.append((han_mode, "".join(buf)))
            buf = []
        han_mode = h
        buf.append(ch)
    if buf:
        segs.append((han_mode, "".join(buf)))
    return segs


def _words(text: str) -> list[str]:
    text = text.translate(_APOSTROPHES)
    text = _DOTTED.sub(lambda m: m.group(1).replace(".", ""), text)
    text = text.replace("&", " and ").replace("+", " and ")
    if text.isascii():
        return _ASCII_WORD.findall(text)
    words: list[str] = []
    buf: list[str] = []
    for ch in text:
        if _is_word_char(ch):
            buf.append(ch)
        elif buf:
            words.append("".join(buf))
            buf = []
    if buf:
        words.append("".join(buf))
    return words


def _latin_context(words: list[str]) -> bool:
    if all(w.isascii() for w in words):
        return bool(words)
    return any(all(script_of(c) == "LATIN" for c in w if c.isalpha()) for w in words if w)


def _word_tokens(word: str, latin_context: bool) -> list[tuple[str, str, str]]:
    """(text, ascii form, via) for one non-Han word."""
    via = ""
    source = word
    if not word.isascii():
        if is_mixed_script(word):
            folded = homoglyph_fold(word)
            if folded is not None:
                source, via = folded, "homoglyph"
        elif latin_context:
            scripts = {script_of(c) for c in word if c.isalpha()}
            folded = homoglyph_fold(word) if scripts <= {"CYRILLIC", "GREEK"} else None
            if folded is not None:
                source, via = folded, "homoglyph"
        if not source.isascii():
            plain = unicodedata.normalize("NFKD", source)
            plain = "".join(c for c in plain if not unicodedata.combining(c))
            scripts = {script_of(c) for c in plain if c.isalpha()}
            if not scripts <= {"LATIN"}:
                via = via or "transliteration"
            source = to_ascii(plain)
    forms = [f for f in _ASCII_SPLIT.split(source.lower()) if f]
    return [(word, f, via) for f in forms]


def _han_tokens(run: str, vocab: Vocabulary) -> list[Raw]:
    """(text, form, via, class-or-None) for one Han run."""
    simple = to_simplified(run)
    trad = simple != run
    out: list[Raw] = []
    unknown: list[str] = []
    unknown_orig: list[str] = []
    longest = vocab.han_max()
    i = 0

    def flush() -> None:
        if not unknown:
            return
        han = "".join(unknown)
        form = "".join(pinyin(han))
        if form:
            via = "simplified+pinyin" if "".join(unknown_orig) != han else "pinyin"
            if form in vocab.curated:
                # Same sound as a curated brand but other characters (华微 is not 华为):
                # a different name, so it must not read as the brand.
                out.append(("".join(unknown_orig), form + "_h", via + " (homophone)", DISTINCTIVE))
            else:
                out.append(("".join(unknown_orig), form, via, None))
        unknown.clear()
        unknown_orig.clear()

    while i < len(simple):
        numeral = _CN_NUMERAL.match(simple, i)
        if numeral and any(
            simple[i : i + size] in vocab.han
            for size in range(len(numeral.group()) + 1, min(longest, len(simple) - i) + 1)
        ):
            numeral = None  # a known word that starts with a numeral (第四范式 is 4Paradigm)
        if numeral and (numeral.group().startswith("第") or len(numeral.group()) > 1):
            value = chinese_number(numeral.group())
            if value is not None:
                flush()
                end = numeral.end()
                out.append((run[i:end], str(value), "chinese numeral", NUMBER))
                i = end
                continue
        match = None
        for size in range(min(longest, len(simple) - i), 0, -1):
            piece = simple[i : i + size]
            word = vocab.han.get(piece)
            if word is None:
                continue
            if size == 1 and word.alias_of is None and word.cls != STOP:
                at_end = i + 1 == len(simple)
                if not at_end or (unknown and len(unknown) < _MIN_RUN_BEFORE_SUFFIX):
                    continue
            match = word
            break
        if match is None:
            unknown.append(simple[i])
            unknown_orig.append(run[i])
            i += 1
            continue
        flush()
        size = len(match.han)
        orig = run[i : i + size]
        prefix = "simplified+" if trad and orig != simple[i : i + size] else ""
        if match.alias_of is not None:
            out.append((orig, match.alias_of, prefix + "alias", DISTINCTIVE))
        else:
            for tok in match.english:
                out.append((orig, tok, prefix + "translation", match.cls))
        i += size
    flush()
    return out


def tokenize(name: str, vocab: Vocabulary | None = None) -> tuple[Token, ...]:
    """The comparable tokens of ``name`` (already checked with :func:`check_name`).

    A person's name written surname first ("PUTIN, Vladimir") is read in the usual order,
    so that order-sensitive rules (who is whose son) see the same name either way.
    """
    vocab = vocab or default_vocabulary()
    text = clean(name)
    if text.count(",") == 1:
        before, after = text.split(",")
        first, second = _tokenize(before, vocab), _tokenize(after, vocab)
        if first and second and not any(t.cls in (LEGAL, GENERIC) for t in first + second):
            return second + first
    return _tokenize(text, vocab)


def _tokenize(text: str, vocab: Vocabulary) -> tuple[Token, ...]:
    raw: list[Raw] = []
    segs = _segments(text)
    all_words = [w for is_h, s in segs if not is_h for w in _words(s)]
    latin_ctx = _latin_context(all_words)
    for han, seg in segs:
        if han:
            raw.extend(_han_tokens(seg, vocab))
        else:
            for word in _words(seg):
                raw.extend((t, f, v, None) for t, f, v in _word_tokens(word, latin_ctx))
    return _fold_vocabulary(raw, vocab)


_NUMBER_WORDS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fourty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_ORDINAL_WORDS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
}
# Roman numerals of two letters or more (single letters are initials; "xi" is a pinyin word).
_ROMAN = {
    "ii": 2,
    "iii": 3,
    "iv": 4,
    "vi": 6,
    "vii": 7,
    "viii": 8,
    "ix": 9,
    "xii": 12,
    "xiii": 13,
    "xiv": 14,
    "xv": 15,
    "xvi": 16,
    "xvii": 17,
    "xviii": 18,
    "xix": 19,
    "xx": 20,
    "xxi": 21,
}
_ALNUM_PARTS = re.compile(r"[a-z]+|[0-9]+")
_LEGAL_TAILS = frozenset({"lp", "llc", "ltd", "inc", "plc", "sa", "ag", "gmbh", "co", "llp"})
_ORDINAL = re.compile(r"^(\d+)(?:st|nd|rd|th)$")
_LEET = str.maketrans("0134579", "oieastg")
_LEET_TOKEN = re.compile(r"^[a-z]+[0134579][a-z0134579]*[a-z]+$")


def _numbers(raw: list[Raw]) -> list[Raw]:
    """Number words and ordinals to digits (forty-four → 44, 1st → 1); leet letters back."""
    out: list[Raw] = []
    i = 0
    while i < len(raw):
        text, form, via, cls = raw[i]
        if cls is None:
            m = _ORDINAL.match(form)
            if m:
                out.append((text, m.group(1), via, None))
                i += 1
                continue
            if form in _ORDINAL_WORDS:
                out.append((text, str(_ORDINAL_WORDS[form]), "number word", None))
                i += 1
                continue
            if form in _NUMBER_WORDS:
                value = _NUMBER_WORDS[form]
                texts = [text]
                j = i + 1
                if value >= 20 and value % 10 == 0 and j < len(raw) and raw[j][3] is None:
                    nxt = raw[j][1]
                    unit = _NUMBER_WORDS.get(nxt, _ORDINAL_WORDS.get(nxt))
                    if unit is None and nxt.isdigit() and len(nxt) == 1:
                        unit = int(nxt)
                    if unit is not None and 0 < unit < 10:
                        value += unit
                        texts.append(raw[j][0])
                        j += 1
                out.append((" ".join(texts), str(value), "number word", None))
                i = j
                continue
            parts: list[str] = _ALNUM_PARTS.findall(form)
            if len(parts) > 1 and all(part.isdigit() or len(part) >= 2 for part in parts):
                # letters and digits run together (AHL1, 4Paradigm): compare them apart
                out.extend((text, part, via, None) for part in parts)
                i += 1
                continue
            following = raw[i + 1][1] if i + 1 < len(raw) else None
            if (
                form in ("i", "v", "x")
                and i > 0
                and len(raw) >= 3
                and (following is None or following in _LEGAL_TAILS)
            ):
                out.append((text, str({"i": 1, "v": 5, "x": 10}[form]), "roman numeral", None))
                i += 1
                continue
            if form in _ROMAN and len(raw) > 1:
                out.append((text, str(_ROMAN[form]), "roman numeral", None))
                i += 1
                continue
            if _LEET_TOKEN.match(form) and sum(c.isalpha() for c in form) >= 2:
                out.append((text, form.translate(_LEET), via or "digits as letters", None))
                i += 1
                continue
        out.append(raw[i])
        i += 1
    return out


def _pinyin_runs(raw: list[Raw], vocab: Vocabulary) -> list[Raw]:
    """Spaced pinyin ("Hai Kang Wei Shi Ji Shu") regrouped into words (haikangweishi jishu).

    A run of two or more Latin tokens that are each one pinyin syllable is cut into known
    words (vocabulary and curated names, longest first); the syllables left between them
    are joined into one word each, as a name written in joined pinyin would be.
    """
    syllables = pinyin_syllables()
    out: list[Raw] = []
    i = 0
    n = len(raw)
    while i < n:
        j = i
        while j < n and raw[j][3] is None and "pinyin" not in raw[j][2] and raw[j][1] in syllables:
            j += 1
        if j - i < 2:
            out.append(raw[i])
            i += 1
            continue
        run = raw[i:j]
        forms = [r[1] for r in run]
        known = any(
            tuple(forms[a:b]) in vocab.pinyin_words
            for a in range(len(forms))
            for b in range(a + 2, min(len(forms), a + vocab.max_pinyin) + 1)
        )
        if len(forms) < MIN_PINYIN_RUN and not known:
            # two or three syllables alone ("Kim Yong Chun", "Xi Jin Ping") stay words;
            # the aligner joins them when the other name writes them as one
            out.extend(run)
            i = j
            continue
        k = 0
        pending: list[Raw] = []
        while k < len(forms):
            hit = 0
            for size in range(min(vocab.max_pinyin, len(forms) - k), 1, -1):
                if tuple(forms[k : k + size]) in vocab.pinyin_words:
                    hit = size
                    break
            if hit:
                _flush_syllables(pending, out)
                piece = run[k : k + hit]
                text = " ".join(p[0] for p in piece)
                out.append((text, "".join(p[1] for p in piece), "pinyin syllables joined", None))
                k += hit
            else:
                pending.append(run[k])
                k += 1
        _flush_syllables(pending, out)
        i = j
    return out


def _flush_syllables(pending: list[Raw], out: list[Raw]) -> None:
    if pending:
        text = " ".join(p[0] for p in pending)
        via = "pinyin syllables joined" if len(pending) > 1 else pending[0][2]
        out.append((text, "".join(p[1] for p in pending), via, None))
        pending.clear()


def _fold_vocabulary(raw: list[Raw], vocab: Vocabulary) -> tuple[Token, ...]:
    raw = _pinyin_runs(_numbers(raw), vocab)
    tokens: list[Token] = []
    i = 0
    n = len(raw)
    while i < n:
        text, form, via, cls = raw[i]
        if cls is not None:  # Han words: already canonical
            tokens.append(Token(text, form, cls, via, _han_of(text)))
            i += 1
            continue
        hit = None
        longest = vocab.phrase_len.get(form, 1)
        for size in range(min(longest, n - i), 0, -1):
            if any(raw[j][3] is not None for j in range(i, i + size)):
                continue
            key = tuple(raw[j][1] for j in range(i, i + size))
            found = vocab.latin.get(key)
            if found is not None:
                hit = (size, found)
                break
        if hit is None:
            # words written apart that the vocabulary knows joined (Changjiang Cunchu → YMTC)
            for size in range(min(4, n - i), 1, -1):
                if any(raw[j][3] is not None for j in range(i, i + size)):
                    continue
                joined = "".join(raw[j][1] for j in range(i, i + size))
                found = vocab.latin.get((joined,))
                if found is not None and found[1] in ("alias", "pinyin word"):
                    hit = (size, found)
                    break
        if hit is None or hit[0] == 1:
            # a misspelt phrase beats the single word it starts with ("National Univeristy
            # of Defense Technology" is still NUDT, not the generic word "national")
            near_hit = _near_phrase(raw, i, vocab)
            if near_hit is not None and near_hit[0] > (hit[0] if hit else 0):
                hit = near_hit
        if hit is None:
            near = vocab.near_word(form)
            if near is not None:
                hit = (1, near)
        if hit is None:
            kind = NUMBER if form.isdigit() else DISTINCTIVE
            tokens.append(Token(text, form, kind, via, _han_of(text)))
            i += 1
            continue
        size, (outs, how) = hit
        span = " ".join(dict.fromkeys(raw[j][0] for j in range(i, i + size)))
        steps = [v for v in dict.fromkeys(raw[j][2] for j in range(i, i + size)) if v]
        if how == "alias":
            if size > 1 or outs[0][0] != form:
                steps.append("alias")
        elif how == "near":
            steps.append("vocabulary (misspelt)")
        elif how != "canonical" or size > 1 or outs[0][0] != form:
            steps.append("vocabulary")
        for canon, kind in outs:
            tokens.append(Token(span, canon, kind, "+".join(steps), _han_of(span)))
        i += size
    return tuple(tokens)


def _near_phrase(raw: list[Raw], i: int, vocab: Vocabulary) -> tuple[int, Folded] | None:
    """A known phrase starting at ``i`` with one word misspelt (one edit, four letters or
    more) or, at the end of the name, cut short to four letters or more: "Joynt Stock
    Company", "Joint Stock Compan", "Moor Thread", "Yangtse Memory", "Jiangnan Institute
    of Computing Tech"."""
    from rapidfuzz.distance import OSA

    n = len(raw)
    seen: set[tuple[str, ...]] = set()
    for k in range(min(vocab.max_phrase, n - i)):
        if raw[i + k][3] is not None:
            break
        for phrase, folded in vocab.near_phrases(k, raw[i + k][1]):
            size = len(phrase)
            if phrase in seen or i + size > n:
                continue
            seen.add(phrase)
            if any(raw[j][3] is not None for j in range(i, i + size)):
                continue
            misses = 0
            for m, word in enumerate(phrase):
                got = raw[i + m][1]
                if got == word:
                    continue
                last = i + m == n - 1
                if (
                    len(got) >= 4
                    and got[0] == word[0]
                    and (
                        OSA.distance(got, word, score_cutoff=1) <= 1
                        or (last and word.startswith(got))
                    )
                ):
                    misses += 1
                else:
                    misses = 2
                    break
            if misses == 1:
                return size, (folded[0], "near")
    return None


def _han_of(text: str) -> str:
    """The characters of a token read from Han (as simplified) or Hangul text, else ""."""
    if not text:
        return ""
    if all(is_han(c) for c in text):
        return to_simplified(text)
    if all(0xAC00 <= ord(c) <= 0xD7A3 for c in text):
        return text  # Hangul syllable blocks: one block is one syllable
    return ""


@lru_cache(maxsize=200_000)
def tokens_of(name: str) -> tuple[Token, ...]:
    """Cached :func:`tokenize` with the default vocabulary."""
    return tokenize(name)
