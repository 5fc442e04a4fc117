"""Catalogue records (accelerators and rack-scale systems) and their validation on load."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from chipcomply.errors import DataError
from chipcomply.model import ChipSpec

Number = Annotated[float, Field(strict=True, ge=0, allow_inf_nan=False)]
Confidence = Literal["official", "reported", "estimated"]


class VendorClassification(BaseModel):
    """The export classification the designer itself publishes for the product (a cross-check)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    eccn: str = Field(pattern=r"^(EAR99|[0-9][A-E][0-9]{3}(\.[a-z0-9]+)*)$")
    product: str
    part_numbers: list[str] = Field(default_factory=list)
    tpp: Annotated[int, Field(strict=True, ge=0)] | None = None
    source: str
    retrieved_via: str | None = None


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9\-]*$")
    vendor: str = Field(min_length=1)
    model: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    datacenter: Annotated[bool, Field(strict=True)]
    confidence: Confidence
    estimated_fields: list[str] = Field(default_factory=list)
    notes: str | None = None
    sources: list[str] = Field(min_length=1)
    vendor_classification: VendorClassification | None = None

    @field_validator("sources")
    @classmethod
    def _sources_are_urls(cls, value: list[str]) -> list[str]:
        for url in value:
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"source {url!r} is not an http(s) URL")
        return value

    @property
    def display_name(self) -> str:
        first = self.vendor.split(" ")[0]
        return self.model if self.model.startswith(first) else f"{first} {self.model}"


class Accelerator(_Record):
    """One accelerator product/SKU; throughput figures are dense datasheet values."""

    kind: Literal["accelerator"]
    year: int | None = None
    designer_hq_country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    foundry: str | None = None
    process_node: str | None = None
    fp64_tflops: Number | None = None
    fp32_tflops: Number | None = None
    tf32_tflops: Number | None = None
    bf16_tflops: Number | None = None
    fp16_tflops: Number | None = None
    fp8_tflops: Number | None = None
    fp6_tflops: Number | None = None
    fp4_tflops: Number | None = None
    int8_tops: Number | None = None
    int4_tops: Number | None = None
    die_area_mm2: Annotated[float, Field(strict=True, gt=0)] | None = None
    memory_gb: Number | None = None
    memory_type: str | None = None
    memory_bw_tbps: Number | None = None
    tdp_w: Number | None = None
    interconnect_gbps: Number | None = None
    unit: Literal["package", "card"] = "package"
    ic_packages_per_unit: Annotated[int, Field(strict=True, ge=1)] = 1
    die_area_basis: str | None = None
    interconnect_basis: str | None = None

    def spec(self) -> ChipSpec:
        rates = {
            f: getattr(self, f)
            for f in ChipSpec.model_fields
            if f.endswith(("_tflops", "_tops"))
            and "_sparse_" not in f
            and getattr(self, f, None) is not None
        }
        return ChipSpec(
            name=self.display_name,
            die_area_mm2=self.die_area_mm2,
            datacenter=self.datacenter,
            item_type="ic" if self.unit == "package" else "card",
            rates_cover_ics=self.ic_packages_per_unit,
            interconnect_gbps=self.interconnect_gbps,
            memory_bw_tbps=self.memory_bw_tbps,
            **rates,
        )


class System(_Record):
    """A rack- or pod-scale system; totals are dense and cover all its accelerators."""

    kind: Literal["system"]
    chip: str | None = None
    chip_model: str
    chip_count: Annotated[int, Field(strict=True, ge=1)]
    total_dense_bf16_pflops: Number | None = None
    total_dense_fp8_pflops: Number | None = None
    total_dense_fp4_pflops: Number | None = None
    total_hbm_tb: Number | None = None
    total_hbm_bw_tbps: Number | None = None
    scaleup_domain_size: Annotated[int, Field(strict=True, ge=1)] | None = None
    scaleup_bw_per_chip_gbps: Number | None = None
    scaleup_bw_total_tbps: Number | None = None
    total_power_kw: Number | None = None
    power_basis: str | None = None
    scaleup_bw_basis: str | None = None

    def derived_chip_spec(self) -> ChipSpec:
        """Per-chip dense rates divided out of the system totals (when no chip record exists)."""
        rates: dict[str, float] = {}
        for total, field in [
            (self.total_dense_bf16_pflops, "bf16_tflops"),
            (self.total_dense_fp8_pflops, "fp8_tflops"),
            (self.total_dense_fp4_pflops, "fp4_tflops"),
        ]:
            if total is not None:
                rates[field] = round(total * 1000 / self.chip_count, 6)
        return ChipSpec(
            name=f"{self.chip_model} (derived from {self.display_name} totals)",
            datacenter=True,
            **rates,
        )


Record = Accelerator | System
DATA_FILES = ("accelerators.yaml", "systems.yaml")


def _data_dir() -> Path:
    return Path(str(resources.files("chipcomply.catalog") / "data"))


def _describe(exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"])
    return f"{loc}: {err['msg']} (got {err.get('input')!r})"


def load_records(data_dir: Path | None = None) -> list[Record]:
    """Load and validate every record; any problem names the file, record and field."""
    base = data_dir or _data_dir()
    records: list[Record] = []
    for name in DATA_FILES:
        path = base / name
        try:
            doc: Any = yaml.safe_load(path.read_text("utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise DataError(f"catalogue {name}: cannot read: {exc}") from exc
        if not isinstance(doc, dict) or not isinstance(doc.get("records"), list):
            raise DataError(f"catalogue {name}: expected a mapping with a 'records' list")
        model: type[Accelerator] | type[System] = (
            Accelerator if name.startswith("accel") else System
        )
        for i, raw in enumerate(doc["records"]):
            rid = raw.get("id", f"#{i + 1}") if isinstance(raw, dict) else f"#{i + 1}"
            try:
                records.append(model.model_validate(raw))
            except ValidationError as exc:
                raise DataError(f"catalogue {name}, record {rid}: {_describe(exc)}") from None
    _check_links(records)
    return records


def _check_links(records: list[Record]) -> None:
    ids = [r.id for r in records]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise DataError(f"catalogue: duplicate record ids {', '.join(dupes)}")
    accelerators = {r.id for r in records if isinstance(r, Accelerator)}
    for r in records:
        if isinstance(r, System) and r.chip is not None and r.chip not in accelerators:
            raise DataError(f"catalogue systems.yaml, record {r.id}: unknown chip {r.chip!r}")
        for f in r.estimated_fields:
            if f not in type(r).model_fields:
                raise DataError(f"catalogue record {r.id}: estimated_fields names unknown {f!r}")
