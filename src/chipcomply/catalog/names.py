"""Finding a catalogue record from the name a person typed.

Names compare case- and punctuation-insensitively ("H100-SXM5" = "h100 sxm5"). An exact
name or alias wins; otherwise every typed word must appear in the record's names. More than
one candidate is never resolved by guessing: the caller gets the list of choices.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable

from chipcomply.catalog.records import Record
from chipcomply.errors import BadInput

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def name_tokens(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return [t for t in _NON_ALNUM.split(folded) if t]


def compact(text: str) -> str:
    return "".join(name_tokens(text))


def _strip_parentheses(text: str) -> str:
    return re.sub(r"\(.*?\)", " ", text)


def names_of(record: Record) -> list[str]:
    """Every name the record answers to."""
    vendor = record.vendor.split(" ")[0]
    base = [record.model, _strip_parentheses(record.model), *record.aliases]
    return [*base, *(f"{vendor} {n}" for n in base), record.id]


class NameIndex:
    def __init__(self, records: Iterable[Record]) -> None:
        self._records = list(records)
        self._exact: dict[str, list[Record]] = {}
        self._tokens: list[tuple[set[str], Record]] = []
        for rec in self._records:
            tokens: set[str] = set()
            for name in names_of(rec):
                key = compact(name)
                bucket = self._exact.setdefault(key, [])
                if rec not in bucket:
                    bucket.append(rec)
                tokens.update(name_tokens(name))
            self._tokens.append((tokens, rec))

    def candidates(self, name: str) -> list[Record]:
        key = compact(name)
        if not key:
            return []
        exact = self._exact.get(key)
        if exact:
            return list(exact)
        wanted = set(name_tokens(name))
        return [rec for tokens, rec in self._tokens if wanted <= tokens]

    def lookup(self, name: str, field: str = "chip") -> Record:
        if not compact(name):
            raise BadInput(field, "a chip or system name is required")
        found = self.candidates(name)
        if len(found) == 1:
            return found[0]
        if found:
            choices = "; ".join(sorted(r.display_name for r in found))
            raise BadInput(field, f"{name!r} is ambiguous; it matches: {choices}")
        every = {r.display_name: r for r in self._records}
        close = difflib.get_close_matches(name, list(every), n=3, cutoff=0.5)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        raise BadInput(field, f"unknown chip or system {name!r}{hint}")
