"""List parsers on real files: official CSL CSV/JSON, the projection, OFAC legacy and JSON."""

from __future__ import annotations

import csv
import gzip
import json
from importlib import resources
from pathlib import Path

import pytest

from chipcomply.errors import DataError
from chipcomply.lists import parse_file, parse_footnotes, source_code
from chipcomply.lists.parsers import CSL_COLUMNS, parse_csl_json, parse_csl_projection

DATA = Path(__file__).resolve().parents[1] / "screening" / "data"
OFFICIAL_CSV = DATA / "csl_official_format_sample_2025-06.csv"


def _bundled(name: str) -> bytes:
    blob = resources.files("chipcomply.lists").joinpath(f"data/{name}").read_bytes()
    return gzip.decompress(blob)


def test_official_csl_csv_sample_parses_every_row_and_source() -> None:
    parsed = parse_file(OFFICIAL_CSV)
    assert parsed.format == "csl-csv" and parsed.family == "csl"
    assert len(parsed.records) == 13
    assert parsed.counts() == {
        "DPL": 1,
        "DTC": 1,
        "EL": 1,
        "FSE": 1,
        "ISN": 1,
        "MEU": 1,
        "PLC": 2,
        "SDN": 1,
        "SSI": 3,
        "UVL": 1,
    }
    uvl = next(r for r in parsed.records if r.source_code == "UVL")
    assert uvl.name == "Atlas Sanatgaran"
    assert uvl.countries == ["AM"] and uvl.addresses == ["Komitas 26/114, Yerevan, Armenia, AM"]
    plc = next(r for r in parsed.records if r.entity_number == "9673")
    assert plc.type == "Individual"
    assert plc.alt_names == ["Mohammad Mutlaq ABU JHESHEH", "Mohammed ABU JEHEISHA"]
    meu = next(r for r in parsed.records if r.source_code == "MEU")
    assert meu.federal_register_notice == "85 FR 83799" and meu.start_date == "2020-12-23"
    assert meu.license_requirement and "supplement no. 2 to part 744" in meu.license_requirement


def test_official_csl_json_carries_the_same_records_as_the_csv(tmp_path: Path) -> None:
    # consolidated.json holds the same entries with arrays and address objects.
    with OFFICIAL_CSV.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    results = []
    for row in rows:
        item: dict[str, object] = {k: row[k] for k in CSL_COLUMNS if k != "_id"}
        item["id"] = row["_id"]
        for key in ("alt_names", "programs", "citizenships", "nationalities"):
            item[key] = [p.strip() for p in row[key].split(";") if p.strip()]
        addresses = []
        for addr in filter(None, (a.strip() for a in row["addresses"].split(";"))):
            *rest, country = [p.strip() for p in addr.split(",")]
            addresses.append({"address": ", ".join(rest), "country": country})
        item["addresses"] = addresses
        results.append(item)
    path = tmp_path / "consolidated.json"
    path.write_text(json.dumps({"total": len(results), "results": results}), encoding="utf-8")
    from_json = parse_file(path)
    from_csv = parse_file(OFFICIAL_CSV)
    assert from_json.format == "csl-json"
    assert [r.name for r in from_json.records] == [r.name for r in from_csv.records]
    assert [r.countries for r in from_json.records] == [r.countries for r in from_csv.records]
    assert [r.alt_names for r in from_json.records] == [r.alt_names for r in from_csv.records]


def test_csl_json_rejects_a_document_without_results() -> None:
    with pytest.raises(DataError, match="results"):
        parse_csl_json(b'{"total": 0}')


def test_projection_resolves_tables_and_keeps_entity_list_facts() -> None:
    parsed = parse_csl_projection(_bundled("csl_projection_2026-07-31.json.gz"))
    assert parsed.as_of is not None and parsed.as_of.isoformat() == "2026-07-31"
    assert len(parsed.records) == 25921
    assert parsed.counts()["EL"] == 3420 and parsed.counts()["SDN"] == 19181
    huawei = next(r for r in parsed.records if r.name == "Huawei Technologies Co., Ltd. (Huawei)")
    assert huawei.source == "Entity List (EL) - Bureau of Industry and Security"
    assert huawei.countries == ["CN"]
    assert huawei.footnotes == ["FN1", "FN2"]
    assert huawei.license_policy == "Presumption of denial"
    assert huawei.federal_register_notice and "84 FR 22963" in huawei.federal_register_notice
    biren = next(
        r for r in parsed.records if r.name == "Shanghai Biren Intelligent Technology Co., Ltd."
    )
    assert biren.footnotes == ["FN4"]


def test_projection_refuses_a_wrong_entry_count() -> None:
    doc = json.loads(_bundled("csl_projection_2026-07-31.json.gz"))
    doc["entries"] = doc["entries"][:10]
    with pytest.raises(DataError, match="entryCount"):
        parse_csl_projection(json.dumps(doc).encode())


def test_ofac_sdn_json_bundled_edition() -> None:
    from chipcomply.lists.parsers import parse_ofac_sdn_json

    parsed = parse_ofac_sdn_json(_bundled("ofac_sdn_2026-08-20.json.gz"))
    assert parsed.family == "ofac-sdn" and len(parsed.records) == 19249
    assert parsed.as_of is not None and parsed.as_of.isoformat() == "2026-08-20"
    first = parsed.records[0]
    assert first.entity_number == "36" and first.name == "AEROCARIBBEAN AIRLINES"
    assert first.alt_names == ["AERO-CARIBBEAN"] and first.programs == ["CUBA"]
    assert first.source_code == "SDN"


def test_ofac_legacy_sdn_with_alt_and_address_files() -> None:
    parsed = parse_file(DATA / "ofac_sdn_legacy" / "sdn.csv")
    assert parsed.format == "ofac-legacy" and parsed.family == "ofac-sdn"
    assert len(parsed.records) == 30
    by_num = {r.entity_number: r for r in parsed.records}
    cuba = by_num["306"]
    assert cuba.name == "BANCO NACIONAL DE CUBA"
    assert "NATIONAL BANK OF CUBA" in cuba.alt_names  # from alt.csv
    assert "BNC" in cuba.alt_names  # from the remarks' a.k.a.
    # add.csv: the bank's foreign branches, country names read as ISO-2 codes
    assert cuba.countries == ["CH", "ES", "JP", "PA"]
    assert by_num["173"].countries == ["GB"]


def test_ofac_legacy_consolidated_maps_programmes_to_sources() -> None:
    parsed = parse_file(DATA / "ofac_cons_legacy" / "cons_prim.csv")
    assert parsed.family == "ofac-cons"
    counts = parsed.counts()
    assert counts.get("SSI", 0) >= 1 and counts.get("CMIC", 0) >= 1 and counts.get("PLC", 0) >= 1
    assert all(r.source.endswith("Treasury Department") for r in parsed.records)


def test_ragged_official_csv_names_the_line(tmp_path: Path) -> None:
    text = OFFICIAL_CSV.read_text(encoding="utf-8-sig").splitlines()
    text[3] = text[3] + ',"extra"'
    bad = tmp_path / "consolidated.csv"
    bad.write_text("\n".join(text) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match="line 4"):
        parse_file(bad)


EAR_ALL = "For all items subject to the EAR"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"{EAR_ALL}, see §§ 734.9(e)1 and 744.11 of the EAR2", ["FN1", "FN2"]),
        (f"{EAR_ALL}, see §§ 734.9(e) 1 and 744.11 of the EAR 2", ["FN1", "FN2"]),
        (f"{EAR_ALL}. (See §§ 734.9(e)(2) and 744.11 of the EAR)4", ["FN4"]),
        (f"{EAR_ALL}. (See §§ 734.9(e)(2) and 744.11 of the EAR)", ["FN4"]),
        (f"{EAR_ALL}. (See §§734.4(a)(9), 734.9(e)(3), and 744.11 of the EAR)5", ["FN5"]),
        (f"{EAR_ALL}. (See §§ 734.9(g),3 746.8(a)(3), and 744.21(b) of the EAR)", ["FN3"]),
        (
            "All items subject to the EAR, apart from items that are related to transactions "
            "authorized by OFAC pursuant to General License No. 1B of March 2, 2021. "
            "(See §§ 734.9(g),3 746.8(a)(3), and 744.21(b) of the EAR)",
            ["FN3"],
        ),
        (f"{EAR_ALL}. (See §744.11 of the EAR).", []),
        (f"{EAR_ALL} (See §744.2 (d) of the EAR)", []),
        (None, []),
    ],
)
def test_entity_list_footnote_markers(text: str | None, expected: list[str]) -> None:
    assert parse_footnotes(text) == expected


def test_source_codes_cover_every_csl_source_string() -> None:
    assert source_code("Entity List (EL) - Bureau of Industry and Security") == "EL"
    assert source_code("Non-SDN Menu-Based Sanctions List (NS-MBS List) - Treasury Department") == (
        "NS-MBS"
    )
    assert source_code("Capta List (CAP) - Treasury Department") == "CAP"
    with pytest.raises(DataError, match="unknown CSL source"):
        source_code("Some Other List")
