"""Script conversions: traditional → simplified Chinese, Han → pinyin, homoglyphs, any → Latin.

Libraries do the table work (OpenCC's tables via ``opencc-python-reimplemented``, ``pypinyin``
for readings, Unicode's confusables via ``confusable_homoglyphs``, ``anyascii`` for other
scripts); the choices of when to apply which are ours.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Any

from anyascii import anyascii


@lru_cache(maxsize=1)
def _t2s() -> Any:
    from opencc import OpenCC  # type: ignore[import-untyped]

    return OpenCC("t2s")


@lru_cache(maxsize=65536)
def to_simplified(text: str) -> str:
    """Traditional Chinese characters to simplified (華為 → 华为); others unchanged."""
    return str(_t2s().convert(text))


@lru_cache(maxsize=65536)
def pinyin(han: str) -> tuple[str, ...]:
    """Toneless pinyin syllables of a Han string, read as a phrase (重庆 → chong qing)."""
    from pypinyin import Style, lazy_pinyin

    syllables = lazy_pinyin(han, style=Style.NORMAL, errors="ignore", v_to_u=False)
    return tuple(s.lower().replace("ü", "v") for s in syllables if s)


@lru_cache(maxsize=1)
def _latin_confusables() -> dict[str, str]:
    """Non-Latin letters that look like one ASCII letter (Cyrillic а → a, Greek ο → o)."""
    from confusable_homoglyphs import confusables  # type: ignore[import-untyped]

    table: dict[str, str] = {}
    for char, entry in confusables.confusables_data.items():
        if len(char) != 1 or char.isascii():
            continue
        glyphs = entry if isinstance(entry, list) else entry.get("homoglyphs", [])
        for glyph in glyphs:
            target = glyph.get("c", "")
            if len(target) == 1 and target.isascii() and target.isalpha():
                table[char] = target.lower()
                break
    return table


def script_of(char: str) -> str:
    """A coarse script tag from the Unicode name (LATIN, CYRILLIC, GREEK, CJK, …)."""
    if char.isascii():
        return "LATIN" if char.isalpha() else "COMMON"
    try:
        name = unicodedata.name(char)
    except ValueError:
        return "UNKNOWN"
    return name.split(" ", 1)[0]


def homoglyph_fold(word: str) -> str | None:
    """The word with look-alike letters replaced by Latin ones, if every letter has one."""
    table = _latin_confusables()
    out: list[str] = []
    for ch in word:
        if ch.isascii() or not ch.isalpha():
            out.append(ch)
        elif ch in table:
            out.append(table[ch])
        elif script_of(ch) == "LATIN":
            out.append(ch)
        else:
            return None
    return "".join(out)


def is_mixed_script(word: str) -> bool:
    scripts = {script_of(c) for c in word if c.isalpha()}
    return "LATIN" in scripts and len(scripts) > 1


def to_ascii(word: str) -> str:
    """Latin transliteration of any script (Путин → Putin, Łódź → Lodz)."""
    return anyascii(word)
