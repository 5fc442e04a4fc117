"""ISO 3166-1 alpha-2 country codes: validating user input and reading list addresses."""

from __future__ import annotations

import re
from functools import lru_cache

import pycountry

from chipcomply.errors import BadInput

# Codes the lists use that ISO 3166-1 does not assign (Kosovo is user-assigned "XK").
_EXTRA = {"XK": "Kosovo"}
# Names the OFAC and CSL address files use that pycountry does not resolve on its own.
_NAME_FIXES = {
    "burma": "MM",
    "russia": "RU",
    "iran": "IR",
    "syria": "SY",
    "north korea": "KP",
    "korea, north": "KP",
    "korea, south": "KR",
    "south korea": "KR",
    "korea": "KR",
    "laos": "LA",
    "vietnam": "VN",
    "taiwan": "TW",
    "bolivia": "BO",
    "venezuela": "VE",
    "tanzania": "TZ",
    "moldova": "MD",
    "macau": "MO",
    "macao": "MO",
    "hong kong": "HK",
    "west bank": "PS",
    "gaza": "PS",
    "palestinian": "PS",
    "region: gaza": "PS",
    "kosovo": "XK",
    "turkey": "TR",
    "czech republic": "CZ",
    "congo, democratic republic of the": "CD",
    "democratic republic of the congo": "CD",
    "congo, republic of the": "CG",
    "cote d ivoire": "CI",
    "ivory coast": "CI",
    "the bahamas": "BS",
    "the gambia": "GM",
    "brunei": "BN",
    "cabo verde": "CV",
    "micronesia, federated states of": "FM",
    "united kingdom": "GB",
    "united states": "US",
}


@lru_cache(maxsize=1)
def _codes() -> frozenset[str]:
    return frozenset({c.alpha_2 for c in pycountry.countries} | set(_EXTRA))


def check_country(value: str | None, field: str = "--country") -> str | None:
    """Upper-cased ISO-2 code, or BadInput naming the field for anything else."""
    if value is None:
        return None
    code = value.strip().upper()
    if not code:
        return None
    if len(code) != 2 or code not in _codes():
        raise BadInput(field, f"unknown country code {value!r} (expected ISO 3166-1 alpha-2)")
    return code


def is_country_code(value: str) -> bool:
    return value.upper() in _codes()


@lru_cache(maxsize=4096)
def country_code(name: str) -> str | None:
    """ISO-2 code for a country as written in an address field, or None if unknown."""
    text = re.sub(r"\s+", " ", name.strip().strip(".")).casefold()
    if not text:
        return None
    if len(text) == 2 and text.upper() in _codes():
        return text.upper()
    if text in _NAME_FIXES:
        return _NAME_FIXES[text]
    text = text.replace("'", " ")
    if text in _NAME_FIXES:
        return _NAME_FIXES[text]
    try:
        found = pycountry.countries.lookup(text)
    except LookupError:
        return None
    return str(found.alpha_2)
