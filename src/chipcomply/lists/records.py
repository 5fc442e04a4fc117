"""One restricted-party list entry, whatever file format it came from.

Every parser (official CSL CSV/JSON, the compact projection, OFAC legacy and parsed files)
produces :class:`ListRecord`; the screening index and the determination engine only ever see
this model.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chipcomply.lists.sources import BY_CODE

PartyType = Literal["Entity", "Individual", "Vessel", "Aircraft"]

# Entity List licence-requirement text carries footnote markers as bare digits printed after
# a section cite or after "EAR" ("734.9(e)1 and 744.11 of the EAR2", "734.9(g),3 746.8",
# "of the EAR)4", "of the EAR) 5"). A marker is a single digit 1-5 that follows ")", ",", or
# "EAR" (optionally one space) and is not itself the start of a section number or a date.
_MARKER = re.compile(
    r"(?:(?<=\))|(?<=,)|(?<=EAR)|(?<=\) )|(?<=, )|(?<=EAR ))([1-5])(?![\d(])(?!\.\d)(?! of)"
)
# Where the marker was lost in transcription, the cited FDP paragraph still says which
# footnote applies (Supp. 4 to Part 744: FN1 = § 734.9(e)(1), FN3 = § 734.9(g),
# FN4 = § 734.9(e)(2), FN5 = § 734.9(e)(3)).
_CITED = (
    (re.compile(r"734\.9\(e\)\s?(?:\(1\)|1\b)"), "FN1"),
    (re.compile(r"734\.9\(e\)\(2\)"), "FN4"),
    (re.compile(r"734\.9\(e\)\(3\)"), "FN5"),
    (re.compile(r"734\.9\(g\)"), "FN3"),
)


def parse_footnotes(license_requirement: str | None) -> list[str]:
    """Entity List footnote designations (``["FN1", "FN2"]``) found in a licence requirement."""
    if not license_requirement:
        return []
    found = {f"FN{d}" for d in _MARKER.findall(license_requirement)}
    for pattern, label in _CITED:
        if pattern.search(license_requirement):
            found.add(label)
    return sorted(found)


class ListRecord(BaseModel):
    """A listed party. ``name`` and ``alt_names`` are exactly as published."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    uid: str = Field(description="Stable id: source code + entity number (or content hash).")
    source: str = Field(description="The CSL source string, exactly as the CSL prints it.")
    source_code: str = Field(description="Short code, see chipcomply.lists.sources.")
    entity_number: str | None = None
    type: PartyType | None = None
    name: str
    alt_names: list[str] = Field(default_factory=list)
    countries: list[str] = Field(default_factory=list, description="ISO 3166-1 alpha-2.")
    addresses: list[str] = Field(default_factory=list)
    programs: list[str] = Field(default_factory=list)
    federal_register_notice: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    license_requirement: str | None = None
    license_policy: str | None = None
    footnotes: list[str] = Field(default_factory=list)
    title: str | None = None
    remarks: str | None = None
    source_list_url: str | None = None
    snapshot: str | None = Field(None, description="Id of the snapshot the record came from.")

    @property
    def aliases(self) -> list[str]:
        return list(self.alt_names)

    @property
    def names(self) -> list[str]:
        """The primary name followed by every alias, without repeats."""
        seen: dict[str, None] = {self.name: None}
        for alias in self.alt_names:
            seen.setdefault(alias, None)
        return list(seen)

    @property
    def is_entity_list(self) -> bool:
        return self.source_code == "EL"

    @property
    def agency(self) -> str:
        return BY_CODE[self.source_code].agency


def clean(value: object) -> str | None:
    """Strip a field; empty strings and OFAC's ``-0-`` placeholder become None."""
    if value is None:
        return None
    text = str(value).strip()
    if not text or text == "-0-":
        return None
    return text


def split_list(value: object, sep: str = ";") -> list[str]:
    text = clean(value)
    if text is None:
        return []
    out: list[str] = []
    for part in text.split(sep):
        item = part.strip()
        if item and item != "-0-" and item not in out:
            out.append(item)
    return out


def party_type(value: object) -> PartyType | None:
    text = (clean(value) or "").casefold()
    mapping: dict[str, PartyType] = {
        "entity": "Entity",
        "individual": "Individual",
        "vessel": "Vessel",
        "aircraft": "Aircraft",
    }
    return mapping.get(text)
