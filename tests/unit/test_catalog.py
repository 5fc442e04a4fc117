from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
import yaml

from chipcomply.catalog import Accelerator, System, default_catalog, load_records
from chipcomply.catalog.records import _data_dir
from chipcomply.errors import BadInput, DataError

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "chips"


def test_catalogue_carries_every_sheet_row_with_sources() -> None:
    cat = default_catalog()
    accelerators = [r for r in cat.records if isinstance(r, Accelerator)]
    systems = [r for r in cat.records if isinstance(r, System)]
    assert len(accelerators) == 47
    assert len(systems) == 7
    assert all(r.sources for r in cat.records)


@pytest.mark.skipif(not SHARED.is_dir(), reason="team spec sheets not beside the checkout")
def test_catalogue_matches_the_team_spec_sheets() -> None:
    cat = default_catalog()
    by_model = {r.model: r for r in cat.records}
    with open(SHARED / "accelerators.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        rec = by_model[row["model"]]
        assert isinstance(rec, Accelerator)
        for field in ("fp8_tflops", "bf16_tflops", "int8_tops", "die_area_mm2", "memory_gb"):
            sheet = float(row[field]) if row[field] else None
            assert getattr(rec, field) == sheet, (row["model"], field)
        assert rec.sources == [u.strip() for u in row["source_urls"].split(" | ") if u.strip()]
        assert rec.datacenter == (row["datacenter"] == "y")


@pytest.mark.parametrize(
    "name",
    ["H100", "H100 SXM", "NVIDIA H100 SXM5 80GB", "h100-sxm5", "nvidia h100 sxm5 80 gb"],
)
def test_h100_names_lead_to_one_record(name: str) -> None:
    assert default_catalog().lookup(name).id == "nvidia-h100-sxm5-80gb"


def test_token_match_finds_a_unique_record() -> None:
    assert default_catalog().lookup("Huawei 910C").id == "huawei-ascend-910c"
    assert default_catalog().lookup("cloudmatrix").kind == "system"


def test_ambiguous_name_lists_the_choices() -> None:
    with pytest.raises(BadInput) as info:
        default_catalog().lookup("NVL72")
    assert "GB200 NVL72" in info.value.message and "GB300 NVL72" in info.value.message


def test_unknown_name_suggests_close_records() -> None:
    with pytest.raises(BadInput) as info:
        default_catalog().lookup("NVIDIA H10O SXM5")
    assert "did you mean" in info.value.message


def _write_broken(tmp_path: Path, mutate: object) -> Path:
    target = tmp_path / "data"
    shutil.copytree(_data_dir(), target)
    path = target / "accelerators.yaml"
    doc = yaml.safe_load(path.read_text("utf-8"))
    assert callable(mutate)
    mutate(doc["records"][0])
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return target


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda r: r.update(fp9_tflops=1.0), "fp9_tflops"),
        (lambda r: r.update(fp8_tflops="1979 TFLOPS"), "fp8_tflops"),
        (lambda r: r.update(memory_gb=-80), "memory_gb"),
        (lambda r: r.update(sources=[]), "sources"),
        (lambda r: r.update(sources=["datasheet"]), "sources"),
        (lambda r: r.update(die_area_mm2=0), "die_area_mm2"),
    ],
)
def test_bad_records_are_refused_on_load(tmp_path: Path, mutate: object, expected: str) -> None:
    with pytest.raises(DataError) as info:
        load_records(_write_broken(tmp_path, mutate))
    assert "nvidia-a100-sxm4-80gb" in info.value.message
    assert expected in info.value.message


def test_system_is_classified_by_the_chip_it_contains() -> None:
    cat = default_catalog()
    nvl72 = cat.lookup("GB200 NVL72")
    result = cat.classify(nvl72)
    assert result.item_type == "system"
    assert result.eccn == "4A090.a"
    assert result.item_tpp == pytest.approx(72 * 40000)
    assert any("nvidia.com" in s or "semianalysis" in s for s in result.sources)
