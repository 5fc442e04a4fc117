"""The sources that make up the US Consolidated Screening List, and one short code for each.

The CSL names each source with a long string ("Entity List (EL) - Bureau of Industry and
Security"); every record keeps that string exactly as published (``source``) and gets one
short code (``source_code``) from the table below. The codes follow the abbreviations the
CSL itself prints in brackets, so they are stable across editions:

=========  =============================================================================
code       source
=========  =============================================================================
EL         Entity List — BIS (15 CFR 744 Supp. 4)
MEU        Military End User List — BIS (15 CFR 744 Supp. 7)
UVL        Unverified List — BIS (15 CFR 744 Supp. 6)
DPL        Denied Persons List — BIS (15 CFR 764 Supp. 2)
SDN        Specially Designated Nationals — Treasury OFAC
SSI        Sectoral Sanctions Identifications — Treasury OFAC (non-SDN)
FSE        Foreign Sanctions Evaders — Treasury OFAC (non-SDN)
PLC        Palestinian Legislative Council — Treasury OFAC (non-SDN)
CAP        Correspondent Account / Payable-Through Account Sanctions (CAPTA) — OFAC (non-SDN)
CMIC       Chinese Military-Industrial Complex Companies — Treasury OFAC (non-SDN)
NS-MBS     Menu-Based Sanctions — Treasury OFAC (non-SDN)
561        Part 561 List — Treasury OFAC (non-SDN; retired, kept for old editions)
DTC        ITAR Debarred — State Department DDTC
ISN        Nonproliferation Sanctions — State Department ISN
=========  =============================================================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from chipcomply.errors import DataError


@dataclass(frozen=True)
class Source:
    code: str
    csl_name: str  # the source string exactly as the CSL prints it
    agency: str
    citation: str
    list_url: str


SOURCES: tuple[Source, ...] = (
    Source(
        "EL",
        "Entity List (EL) - Bureau of Industry and Security",
        "Commerce/BIS",
        "15 C.F.R. § 744.11, § 744.16 and Supplement No. 4 to Part 744",
        "https://www.bis.gov/regulations/ear/744#supplement-4-744",
    ),
    Source(
        "MEU",
        "Military End User (MEU) List - Bureau of Industry and Security",
        "Commerce/BIS",
        "15 C.F.R. § 744.21 and Supplement No. 7 to Part 744",
        "https://www.bis.gov/regulations/ear/744#supplement-7-744",
    ),
    Source(
        "UVL",
        "Unverified List (UVL) - Bureau of Industry and Security",
        "Commerce/BIS",
        "15 C.F.R. § 744.15 and Supplement No. 6 to Part 744",
        "https://www.bis.gov/regulations/ear/744#supplement-6-744",
    ),
    Source(
        "DPL",
        "Denied Persons List (DPL) - Bureau of Industry and Security",
        "Commerce/BIS",
        "15 C.F.R. Part 764, Supplement No. 2",
        "https://www.bis.gov/licensing/end-user-guidance/denied-persons-list-dpl",
    ),
    Source(
        "SDN",
        "Specially Designated Nationals (SDN) - Treasury Department",
        "Treasury/OFAC",
        "31 C.F.R. Chapter V; EAR licence requirement via 15 C.F.R. § 744.8",
        "https://sanctionslist.ofac.treas.gov/Home/SdnList",
    ),
    Source(
        "SSI",
        "Sectoral Sanctions Identifications List (SSI) - Treasury Department",
        "Treasury/OFAC",
        "31 C.F.R. Part 589 (OFAC directives)",
        "https://sanctionslist.ofac.treas.gov/Home/ConsolidatedList",
    ),
    Source(
        "FSE",
        "Foreign Sanctions Evaders (FSE) - Treasury Department",
        "Treasury/OFAC",
        "E.O. 13608",
        "https://sanctionslist.ofac.treas.gov/Home/ConsolidatedList",
    ),
    Source(
        "PLC",
        "Palestinian Legislative Council List (PLC) - Treasury Department",
        "Treasury/OFAC",
        "OFAC non-SDN PLC list",
        "https://sanctionslist.ofac.treas.gov/Home/ConsolidatedList",
    ),
    Source(
        "CAP",
        "Capta List (CAP) - Treasury Department",
        "Treasury/OFAC",
        "OFAC CAPTA list (correspondent / payable-through accounts)",
        "https://sanctionslist.ofac.treas.gov/Home/ConsolidatedList",
    ),
    Source(
        "CMIC",
        "Non-SDN Chinese Military-Industrial Complex Companies List (CMIC) - Treasury Department",
        "Treasury/OFAC",
        "E.O. 13959 as amended by E.O. 14032",
        "https://sanctionslist.ofac.treas.gov/Home/ConsolidatedList",
    ),
    Source(
        "NS-MBS",
        "Non-SDN Menu-Based Sanctions List (NS-MBS List) - Treasury Department",
        "Treasury/OFAC",
        "OFAC menu-based sanctions",
        "https://sanctionslist.ofac.treas.gov/Home/ConsolidatedList",
    ),
    Source(
        "561",
        "Part 561 List (561) - Treasury Department",
        "Treasury/OFAC",
        "31 C.F.R. Part 561",
        "https://sanctionslist.ofac.treas.gov/Home/ConsolidatedList",
    ),
    Source(
        "DTC",
        "ITAR Debarred (DTC) - State Department",
        "State/DDTC",
        "22 C.F.R. § 127.7 (ITAR)",
        "https://www.pmddtc.state.gov/",
    ),
    Source(
        "ISN",
        "Nonproliferation Sanctions (ISN) - State Department",
        "State/ISN",
        "State Department nonproliferation sanctions",
        "https://www.state.gov/key-topics-bureau-of-international-security-and-nonproliferation/nonproliferation-sanctions/",
    ),
)

BY_CODE: dict[str, Source] = {s.code: s for s in SOURCES}
_BY_NAME: dict[str, Source] = {s.csl_name.casefold(): s for s in SOURCES}
_BRACKET = re.compile(r"\(([^()]+)\)")
# Bracketed abbreviations the CSL has used for a source, mapped onto our code.
_ALIASES = {"NS-MBS LIST": "NS-MBS", "MBS": "NS-MBS", "CAPTA": "CAP"}


def source_code(csl_name: str) -> str:
    """The short code for a CSL source string; unknown sources are a data error."""
    found = _BY_NAME.get(csl_name.strip().casefold())
    if found is not None:
        return found.code
    for abbrev in _BRACKET.findall(csl_name):
        key = str(abbrev).strip().upper()
        key = _ALIASES.get(key, key)
        if key in BY_CODE:
            return key
    raise DataError(f"unknown CSL source {csl_name!r}")


def csl_name(code: str) -> str:
    return BY_CODE[code].csl_name


def is_entity_list(code: str) -> bool:
    return code == "EL"
