"""Parsers for the list files chipcomply ingests; each returns a :class:`ParsedList`.

Formats (``FORMATS``):

- ``csl-csv`` — trade.gov ``consolidated.csv`` (29 columns, UTF-8 with BOM, multi-valued
  cells joined with ``;``).
- ``csl-json`` — trade.gov ``consolidated.json`` (``{"results": [...]}``, one object per
  entry, multi-valued fields as arrays, addresses as objects).
- ``csl-projection`` — the compact projection of ``consolidated.json`` shipped in the repo
  (short keys resolved through ``tables``; see ``lists/data/PROVENANCE.md``).
- ``csl-projection-csv`` — the same projection flattened to CSV.
- ``ofac-legacy`` — OFAC's legacy delimited files: ``sdn.csv`` or ``cons_prim.csv`` with the
  sibling ``alt``/``add``/``comments`` files read from the same folder when present.
- ``ofac-sdn-json`` — the SDN list re-published as JSON (``entries`` of ``uid, name, type,
  programs, alternateNames``) with a ``published`` date.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from chipcomply.errors import DataError
from chipcomply.lists.countries import country_code, is_country_code
from chipcomply.lists.records import (
    ListRecord,
    clean,
    parse_footnotes,
    party_type,
    split_list,
)
from chipcomply.lists.sources import BY_CODE, csl_name, source_code

FORMATS = (
    "csl-csv",
    "csl-json",
    "csl-projection",
    "csl-projection-csv",
    "ofac-legacy",
    "ofac-sdn-json",
)

#: The official CSL CSV header, in order.
CSL_COLUMNS: tuple[str, ...] = (
    "_id",
    "source",
    "entity_number",
    "type",
    "programs",
    "name",
    "title",
    "addresses",
    "federal_register_notice",
    "start_date",
    "end_date",
    "standard_order",
    "license_requirement",
    "license_policy",
    "call_sign",
    "vessel_type",
    "gross_tonnage",
    "gross_registered_tonnage",
    "vessel_flag",
    "vessel_owner",
    "remarks",
    "source_list_url",
    "alt_names",
    "citizenships",
    "dates_of_birth",
    "nationalities",
    "places_of_birth",
    "source_information_url",
    "ids",
)
PROJECTION_CSV_COLUMNS: tuple[str, ...] = (
    "source",
    "entity_number",
    "type",
    "programs",
    "name",
    "alt_names",
    "address_countries",
    "federal_register_notice",
    "license_requirement",
    "license_policy",
    "source_list_url",
)
PROJECTION_KEYS = ("sourceGeneratedAt", "entryCount", "tables", "entries")
OFAC_SDN_COLUMNS = 12  # ent_num, SDN_Name, SDN_Type, Program, Title, ..., Remarks


@dataclass
class ParsedList:
    """Records read from one file, plus what the manifest checks need."""

    format: str
    family: str  # "csl", "ofac-sdn" or "ofac-cons"
    as_of: date | None
    records: list[ListRecord]
    columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return dict(sorted(Counter(r.source_code for r in self.records).items()))


# ----------------------------------------------------------------------------- helpers


def decode(data: bytes, what: str) -> str:
    """Text of a list file: UTF-8 (BOM allowed), else Windows-1252 as OFAC sometimes ships."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise DataError(f"{what}: neither UTF-8 nor Windows-1252 (byte {exc.start})") from None


def _parse_iso_day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None


def _uid(code: str, entity_number: str | None, *parts: object) -> str:
    if entity_number:
        return f"{code}:{entity_number}"
    digest = hashlib.sha1("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()
    return f"{code}:{digest[:12]}"


def _unique_uids(records: list[ListRecord]) -> list[ListRecord]:
    """Records whose uid repeats (same source, number and content) get ``#2``, ``#3`` …"""
    seen: Counter[str] = Counter()
    out: list[ListRecord] = []
    for rec in records:
        seen[rec.uid] += 1
        if seen[rec.uid] > 1:
            rec = rec.model_copy(update={"uid": f"{rec.uid}#{seen[rec.uid]}"})
        out.append(rec)
    return out


def _countries_from_addresses(addresses: Iterable[str]) -> list[str]:
    """CSL addresses end in the ISO-2 country ("Komitas 26/114, Yerevan, Armenia, AM")."""
    out: list[str] = []
    for addr in addresses:
        tail = addr.rsplit(",", 1)[-1].strip()
        code = tail.upper() if len(tail) == 2 and is_country_code(tail) else country_code(tail)
        if code and code not in out:
            out.append(code)
    return out


def _iso_countries(values: Iterable[object]) -> list[str]:
    """ISO-2 codes from a country list; region labels ("REGION: KASHMIR") are dropped."""
    out: list[str] = []
    for value in values:
        text = str(value).strip()
        code = text.upper() if len(text) == 2 and is_country_code(text) else country_code(text)
        if code and code not in out:
            out.append(code)
    return out


def _record(
    *,
    code: str,
    source: str,
    entity_number: str | None,
    name: str,
    where: str,
    **fields: Any,
) -> ListRecord:
    if not name:
        raise DataError(f"{where}: entry has no name")
    lr = fields.get("license_requirement")
    if code == "EL" and "footnotes" not in fields:
        fields["footnotes"] = parse_footnotes(lr)
    alt = [a for a in fields.pop("alt_names", []) if a and a != name]
    uid = _uid(code, entity_number, name, fields.get("federal_register_notice"), alt)
    return ListRecord(
        uid=uid,
        source=source,
        source_code=code,
        entity_number=entity_number,
        name=name,
        alt_names=alt,
        **fields,
    )


# ------------------------------------------------------------------------ official CSL


def _csl_row(row: dict[str, str], where: str) -> ListRecord:
    raw_source = clean(row.get("source"))
    if raw_source is None:
        raise DataError(f"{where}: column 'source' is empty")
    code = source_code(raw_source)
    addresses = split_list(row.get("addresses"))
    return _record(
        code=code,
        source=raw_source,
        entity_number=clean(row.get("entity_number")),
        name=clean(row.get("name")) or "",
        where=where,
        type=party_type(row.get("type")),
        alt_names=split_list(row.get("alt_names")),
        countries=_countries_from_addresses(addresses),
        addresses=addresses,
        programs=split_list(row.get("programs")),
        federal_register_notice=clean(row.get("federal_register_notice")),
        start_date=clean(row.get("start_date")),
        end_date=clean(row.get("end_date")),
        license_requirement=clean(row.get("license_requirement")),
        license_policy=clean(row.get("license_policy")),
        title=clean(row.get("title")),
        remarks=clean(row.get("remarks")),
        source_list_url=clean(row.get("source_list_url")),
    )


def parse_csl_csv(data: bytes, as_of: date | None = None) -> ParsedList:
    text = decode(data, "consolidated.csv")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise DataError("consolidated.csv: the file is empty")
    header = [h.strip() for h in header]
    missing = [c for c in CSL_COLUMNS if c not in header]
    if missing:
        raise DataError(f"consolidated.csv: missing columns {', '.join(missing)}")
    records: list[ListRecord] = []
    for lineno, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            raise DataError(
                f"consolidated.csv line {lineno}: {len(cells)} fields, header has {len(header)}"
            )
        records.append(_csl_row(dict(zip(header, cells, strict=True)), f"line {lineno}"))
    return ParsedList("csl-csv", "csl", as_of, _unique_uids(records), header)


def _join(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(_join(v) for v in value if v not in (None, ""))
    if isinstance(value, dict):
        parts = [value.get(k) for k in ("address", "city", "state", "postal_code", "country")]
        return ", ".join(str(p) for p in parts if p)
    return str(value)


def parse_csl_json(data: bytes, as_of: date | None = None) -> ParsedList:
    try:
        doc = json.loads(decode(data, "consolidated.json"))
    except json.JSONDecodeError as exc:
        raise DataError(f"consolidated.json: malformed JSON at line {exc.lineno}") from None
    results = doc.get("results") if isinstance(doc, dict) else doc
    if not isinstance(results, list):
        raise DataError("consolidated.json: expected a 'results' array")
    records: list[ListRecord] = []
    columns: set[str] = set()
    for i, item in enumerate(results):
        if not isinstance(item, dict):
            raise DataError(f"consolidated.json results[{i}]: expected an object")
        columns.update(item)
        row = {k: _join(item.get(k)) for k in CSL_COLUMNS if k not in ("addresses", "_id")}
        addrs = item.get("addresses") or []
        row["addresses"] = "; ".join(_join(a) for a in addrs) if isinstance(addrs, list) else ""
        records.append(_csl_row(row, f"results[{i}]"))
    if as_of is None and isinstance(doc, dict):
        as_of = _parse_iso_day(str(doc.get("generated_at") or doc.get("sourceGeneratedAt") or ""))
    return ParsedList("csl-json", "csl", as_of, _unique_uids(records), sorted(columns))


# -------------------------------------------------------------------- compact projection


def parse_csl_projection(data: bytes, as_of: date | None = None) -> ParsedList:
    try:
        doc = json.loads(decode(data, "CSL projection"))
    except json.JSONDecodeError as exc:
        raise DataError(f"CSL projection: malformed JSON at line {exc.lineno}") from None
    if not isinstance(doc, dict):
        raise DataError("CSL projection: expected a JSON object")
    missing = [k for k in PROJECTION_KEYS if k not in doc]
    if missing:
        raise DataError(f"CSL projection: missing keys {', '.join(missing)}")
    tables = doc["tables"]

    def table(name: str, index: Any, where: str) -> str | None:
        if index is None:
            return None
        values = tables.get(name, [])
        if not isinstance(index, int) or not 0 <= index < len(values):
            raise DataError(f"CSL projection {where}: bad index {index!r} into tables.{name}")
        return str(values[index])

    records: list[ListRecord] = []
    for i, e in enumerate(doc["entries"]):
        where = f"entries[{i}]"
        raw_source = table("sources", e.get("s"), where)
        if raw_source is None:
            raise DataError(f"CSL projection {where}: no source")
        code = source_code(raw_source)
        programs = table("programmes", e.get("pg"), where)
        records.append(
            _record(
                code=code,
                source=raw_source,
                entity_number=clean(e.get("e")),
                name=clean(e.get("n")) or "",
                where=where,
                type=party_type(e.get("t")),
                alt_names=[a for a in (clean(x) for x in e.get("a") or []) if a],
                countries=_iso_countries(e.get("c") or []),
                programs=split_list(programs),
                federal_register_notice=clean(e.get("fr")),
                license_requirement=clean(table("licenceRequirements", e.get("lr"), where)),
                license_policy=clean(table("licencePolicies", e.get("lp"), where)),
                source_list_url=table("urls", e.get("u"), where),
            )
        )
    declared = doc.get("entryCount")
    if declared != len(records):
        raise DataError(f"CSL projection: entryCount says {declared}, found {len(records)}")
    as_of = as_of or _parse_iso_day(str(doc.get("sourceGeneratedAt") or ""))
    return ParsedList("csl-projection", "csl", as_of, _unique_uids(records), sorted(k for k in doc))


def parse_csl_projection_csv(data: bytes, as_of: date | None = None) -> ParsedList:
    text = decode(data, "CSL projection CSV")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in PROJECTION_CSV_COLUMNS if c not in header]
    if missing:
        raise DataError(f"CSL projection CSV: missing columns {', '.join(missing)}")
    records: list[ListRecord] = []
    for lineno, row in enumerate(reader, start=2):
        if None in row:
            raise DataError(f"CSL projection CSV line {lineno}: more fields than the header")
        raw_source = clean(row.get("source"))
        if raw_source is None:
            raise DataError(f"CSL projection CSV line {lineno}: column 'source' is empty")
        records.append(
            _record(
                code=source_code(raw_source),
                source=raw_source,
                entity_number=clean(row.get("entity_number")),
                name=clean(row.get("name")) or "",
                where=f"line {lineno}",
                type=party_type(row.get("type")),
                alt_names=split_list(row.get("alt_names")),
                countries=_iso_countries(split_list(row.get("address_countries"))),
                programs=split_list(row.get("programs")),
                federal_register_notice=clean(row.get("federal_register_notice")),
                license_requirement=clean(row.get("license_requirement")),
                license_policy=clean(row.get("license_policy")),
                source_list_url=clean(row.get("source_list_url")),
            )
        )
    return ParsedList("csl-projection-csv", "csl", as_of, _unique_uids(records), header)


# ----------------------------------------------------------------------------- OFAC

_AKA = re.compile(r"\b(?:a\.k\.a\.|f\.k\.a\.|n\.k\.a\.)\s*'([^']+)'", re.IGNORECASE)
# OFAC programme tags that put a consolidated (non-SDN) entry on a given CSL source.
_CONS_PROGRAMS = (
    ("CMIC", "CMIC"),
    ("NS-PLC", "PLC"),
    ("FSE", "FSE"),
    ("CAPTA", "CAP"),
    ("MBS", "NS-MBS"),
    ("561", "561"),
    ("UKRAINE-EO13662", "SSI"),
)


def _ofac_rows(text: str, what: str) -> Iterator[tuple[int, list[str]]]:
    text = text.replace("\x1a", "")
    for lineno, cells in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        if not cells or not any(c.strip() for c in cells):
            continue
        yield lineno, [c.strip() for c in cells]


def _ofac_programs(value: str) -> list[str]:
    text = clean(value) or ""
    return [p.strip(" []") for p in text.split("] [") if p.strip(" []")]


def _cons_source(programs: list[str]) -> str:
    for tag, code in _CONS_PROGRAMS:
        if any(p == tag or p.startswith(tag + "-") or p.endswith("-" + tag) for p in programs):
            return code
    for tag, code in _CONS_PROGRAMS:
        if any(tag in p for p in programs):
            return code
    return "NS-MBS"


def _sibling(path: Path, *names: str) -> Path | None:
    for name in names:
        for candidate in (path.with_name(name), path.with_name(name.upper())):
            if candidate.is_file():
                return candidate
    return None


def parse_ofac_legacy(path: Path, as_of: date | None = None) -> ParsedList:
    """OFAC legacy CSV (``sdn.csv`` or ``cons_prim.csv``) with its sibling files."""
    stem = path.name.lower()
    consolidated = stem.startswith("cons")
    prefix = "cons_" if consolidated else ""
    family = "ofac-cons" if consolidated else "ofac-sdn"
    text = decode(path.read_bytes(), path.name)
    alt: dict[str, list[str]] = {}
    alt_path = _sibling(path, f"{prefix}alt.csv")
    if alt_path is not None:
        for _, cells in _ofac_rows(decode(alt_path.read_bytes(), alt_path.name), alt_path.name):
            if len(cells) >= 4 and clean(cells[3]):
                alt.setdefault(cells[0], []).append(cells[3])
    countries: dict[str, list[str]] = {}
    addresses: dict[str, list[str]] = {}
    add_path = _sibling(path, f"{prefix}add.csv")
    if add_path is not None:
        for _, cells in _ofac_rows(decode(add_path.read_bytes(), add_path.name), add_path.name):
            if len(cells) < 5:
                continue
            parts = [p for p in (clean(c) for c in cells[2:5]) if p]
            if parts:
                addresses.setdefault(cells[0], []).append(", ".join(parts))
            code = country_code(clean(cells[4]) or "")
            if code and code not in countries.setdefault(cells[0], []):
                countries[cells[0]].append(code)
    comments: dict[str, str] = {}
    com_path = _sibling(path, f"{prefix}comments.csv", "sdn_comments.csv")
    if com_path is not None:
        for _, cells in _ofac_rows(decode(com_path.read_bytes(), com_path.name), com_path.name):
            if len(cells) >= 2:
                comments[cells[0]] = comments.get(cells[0], "") + cells[1]
    records: list[ListRecord] = []
    for lineno, cells in _ofac_rows(text, path.name):
        if len(cells) != OFAC_SDN_COLUMNS:
            raise DataError(
                f"{path.name} line {lineno}: {len(cells)} fields, expected {OFAC_SDN_COLUMNS}"
            )
        ent = cells[0]
        if not ent.isdigit():
            raise DataError(f"{path.name} line {lineno}: ent_num {ent!r} is not a number")
        programs = _ofac_programs(cells[3])
        code = _cons_source(programs) if consolidated else "SDN"
        remarks = (clean(cells[11]) or "") + comments.get(ent, "")
        names = list(alt.get(ent, []))
        for aka in _AKA.findall(remarks):
            if aka not in names:
                names.append(aka)
        kind = party_type(cells[2]) or "Entity"  # OFAC leaves entities' type as -0-
        records.append(
            _record(
                code=code,
                source=csl_name(code),
                entity_number=ent,
                name=clean(cells[1]) or "",
                where=f"{path.name} line {lineno}",
                type=kind,
                alt_names=names,
                countries=countries.get(ent, []),
                addresses=addresses.get(ent, []),
                programs=programs,
                title=clean(cells[4]),
                remarks=remarks or None,
                source_list_url=BY_CODE[code].list_url,
            )
        )
    return ParsedList(
        "ofac-legacy", family, as_of, _unique_uids(records), [f"{OFAC_SDN_COLUMNS} columns"]
    )


def parse_ofac_sdn_json(data: bytes, as_of: date | None = None) -> ParsedList:
    try:
        doc = json.loads(decode(data, "OFAC SDN JSON"))
    except json.JSONDecodeError as exc:
        raise DataError(f"OFAC SDN JSON: malformed JSON at line {exc.lineno}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("entries"), list):
        raise DataError("OFAC SDN JSON: expected an object with an 'entries' array")
    records: list[ListRecord] = []
    for i, e in enumerate(doc["entries"]):
        where = f"entries[{i}]"
        if not isinstance(e, dict) or "uid" not in e:
            raise DataError(f"OFAC SDN JSON {where}: entry without uid")
        records.append(
            _record(
                code="SDN",
                source=csl_name("SDN"),
                entity_number=str(e["uid"]),
                name=clean(e.get("name")) or "",
                where=where,
                type=party_type(e.get("type")),
                alt_names=[a for a in (clean(x) for x in e.get("alternateNames") or []) if a],
                programs=[str(p) for p in e.get("programs") or []],
                source_list_url=BY_CODE["SDN"].list_url,
            )
        )
    as_of = as_of or _parse_iso_day(str(doc.get("published") or ""))
    return ParsedList("ofac-sdn-json", "ofac-sdn", as_of, _unique_uids(records), sorted(doc))


def sniff_format(path: Path) -> str:
    """Guess the format of a list file from its name and first bytes."""
    name = path.name.lower()
    head = path.read_bytes()[:4096].lstrip(b"\xef\xbb\xbf").lstrip()
    if head.startswith((b"{", b"[")):
        if b'"fieldKey"' in head or b"sourceGeneratedAt" in head:
            return "csl-projection"
        if b'"results"' in head:
            return "csl-json"
        if b'"entries"' in head or b"SDN" in head:
            return "ofac-sdn-json"
        return "csl-json"
    first = head.split(b"\n", 1)[0]
    if first.startswith(b"_id,") or b"source_information_url" in first:
        return "csl-csv"
    if first.startswith(b"source,entity_number"):
        return "csl-projection-csv"
    if name.startswith(("sdn", "cons_prim")):
        return "ofac-legacy"
    raise DataError(
        f"{path.name}: cannot tell the list format; give --format ({', '.join(FORMATS)})"
    )


def parse_file(path: Path, fmt: str | None = None, as_of: date | None = None) -> ParsedList:
    """Parse a list file in ``fmt`` (guessed when None)."""
    if not path.is_file():
        raise DataError(f"no such file: {path}")
    fmt = fmt or sniff_format(path)
    if fmt == "ofac-legacy":
        return parse_ofac_legacy(path, as_of)
    parsers = {
        "csl-csv": parse_csl_csv,
        "csl-json": parse_csl_json,
        "csl-projection": parse_csl_projection,
        "csl-projection-csv": parse_csl_projection_csv,
        "ofac-sdn-json": parse_ofac_sdn_json,
    }
    if fmt not in parsers:
        raise DataError(f"unknown list format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return parsers[fmt](path.read_bytes(), as_of)
