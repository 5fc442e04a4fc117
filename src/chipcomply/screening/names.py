"""The names a list record answers to, as indexed.

A record is indexed under its primary name and every a.k.a. exactly as published, plus a few
names read out of how the lists write them:

- ``X. Affiliated Entity: Y`` (Entity List affiliate rows) — the row lists ``Y``, so ``Y``
  is indexed rather than the whole string;
- ``A; a.k.a. B`` and ``A (a.k.a. B) C`` — each name on its own;
- ``Huawei Technologies Co., Ltd. (Huawei)`` — the name without the bracket, and the
  bracketed short name when it is one (acronyms and brands, not places or legal forms).
"""

from __future__ import annotations

import re

from chipcomply.lists.records import ListRecord

_AFFILIATE = re.compile(r"\.?\s*Affiliated Entit(?:y|ies):\s*", re.IGNORECASE)
_AKA_SPLIT = re.compile(
    r"[;,]?\s*\b(?:a\.?k\.?a\.?|f\.?k\.?a\.?|n\.?k\.?a\.?)(?=[\s,:'\"])[,:]?\s*", re.I
)
_AKA_PAREN = re.compile(r"\(\s*(?:a\.?k\.?a\.?|f\.?k\.?a\.?)\s*,?\s*([^()]+)\)", re.IGNORECASE)
_PAREN = re.compile(r"\(([^()]{1,60})\)")
_SPACES = re.compile(r"\s+")
_SUCCESSOR = re.compile(r";\s*and any successor.*$", re.IGNORECASE)


def _tidy(text: str) -> str:
    return _SPACES.sub(" ", text).strip(" ;,.-")


def derived_names(name: str, is_person: bool) -> list[tuple[str, str]]:
    """(name, how) pairs read out of one published name; the name itself comes first."""
    out: list[tuple[str, str]] = [(name, "")]
    base = _SUCCESSOR.sub("", name)
    if base != name:
        out.append((_tidy(base), "without successor clause"))
    parts = _AFFILIATE.split(base)
    if len(parts) > 1:
        out = [(_tidy(parts[-1]), "affiliate named in the entry")]
        base = parts[-1]
    for inner in _AKA_PAREN.findall(base):
        out.append((_tidy(inner), "a.k.a. inside the name"))
        base = _AKA_PAREN.sub(" ", base)
        out.append((_tidy(base), "name without a.k.a."))
    pieces = [p for p in _AKA_SPLIT.split(base) if _tidy(p)]
    if len(pieces) > 1:
        out.extend((_tidy(p), "a.k.a. inside the name") for p in pieces)
    stripped = _PAREN.sub(" ", base)
    if stripped != base and _tidy(stripped):
        out.append((_tidy(stripped), "name without brackets"))
        if not is_person:
            for inner in _PAREN.findall(base):
                out.append((_tidy(inner), "bracketed short name"))
    seen: set[str] = set()
    unique: list[tuple[str, str]] = []
    for text, how in out:
        if text and text not in seen:
            seen.add(text)
            unique.append((text, how))
    return unique


def record_names(record: ListRecord) -> list[tuple[str, str, str]]:
    """(indexed name, published name it came from, how) for every name of the record."""
    is_person = record.type == "Individual"
    out: list[tuple[str, str, str]] = []
    for i, published in enumerate(record.names):
        kind = "primary name" if i == 0 else "a.k.a."
        for text, how in derived_names(published, is_person):
            out.append((text, published, f"{kind}, {how}" if how else kind))
    return out
