"""Side-by-side comparison of catalogue chips and systems, with ratios against the first."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict

from chipcomply.catalog import Accelerator, Catalog, Record, System, default_catalog
from chipcomply.errors import BadInput
from chipcomply.logic.classify import Classification
from chipcomply.model import RATE_FIELDS
from chipcomply.rulebook import RuleBook

#: Metrics in display order: (key, label, unit). Systems report totals over all chips.
METRICS: tuple[tuple[str, str, str], ...] = (
    ("chip_count", "Accelerators", ""),
    *(
        (f"dense_{f}", f"Dense {f.split('_')[0].upper()}", f.split("_")[1].upper())
        for f in RATE_FIELDS
    ),
    ("memory_gb", "Memory", "GB"),
    ("memory_bw_tbps", "Memory bandwidth", "TB/s"),
    ("interconnect_gbps", "Scale-up bandwidth per chip", "GB/s"),
    ("power_w", "Power", "W"),
    ("tpp", "TPP per IC", ""),
    ("item_tpp", "TPP, all ICs", ""),
    ("performance_density", "Performance density", "TPP/mm2"),
)


class ComparedItem(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    record_id: str
    kind: str
    confidence: str
    metrics: dict[str, float | None]
    classification: Classification
    basis: dict[str, str]
    sources: list[str]


class Comparison(BaseModel):
    model_config = ConfigDict(frozen=True)

    as_of: date
    baseline: str
    metrics: list[dict[str, str]]
    items: list[ComparedItem]
    ratios: dict[str, dict[str, float | None]]


def _accelerator_metrics(rec: Accelerator) -> tuple[dict[str, float | None], dict[str, str]]:
    m: dict[str, float | None] = {"chip_count": float(rec.ic_packages_per_unit)}
    for f in RATE_FIELDS:
        m[f"dense_{f}"] = getattr(rec, f)
    m["memory_gb"] = rec.memory_gb
    m["memory_bw_tbps"] = rec.memory_bw_tbps
    m["interconnect_gbps"] = rec.interconnect_gbps
    m["power_w"] = rec.tdp_w
    basis = {"power_w": "TDP"}
    if rec.interconnect_basis:
        basis["interconnect_gbps"] = rec.interconnect_basis
    return m, basis


def _system_metrics(rec: System) -> tuple[dict[str, float | None], dict[str, str]]:
    def scaled(value: float | None, factor: float) -> float | None:
        return None if value is None else round(value * factor, 6)

    m: dict[str, float | None] = {f"dense_{f}": None for f in RATE_FIELDS}
    m["chip_count"] = float(rec.chip_count)
    m["dense_bf16_tflops"] = scaled(rec.total_dense_bf16_pflops, 1000)
    m["dense_fp8_tflops"] = scaled(rec.total_dense_fp8_pflops, 1000)
    m["dense_fp4_tflops"] = scaled(rec.total_dense_fp4_pflops, 1000)
    m["memory_gb"] = scaled(rec.total_hbm_tb, 1000)
    m["memory_bw_tbps"] = rec.total_hbm_bw_tbps
    m["interconnect_gbps"] = rec.scaleup_bw_per_chip_gbps
    m["power_w"] = scaled(rec.total_power_kw, 1000)
    basis = {"dense": "system totals over all accelerators"}
    if rec.power_basis:
        basis["power_w"] = rec.power_basis
    if rec.scaleup_bw_basis:
        basis["interconnect_gbps"] = rec.scaleup_bw_basis
    return m, basis


def _item(catalog: Catalog, rec: Record, cls: Classification) -> ComparedItem:
    metrics, basis = (
        _accelerator_metrics(rec) if isinstance(rec, Accelerator) else _system_metrics(rec)
    )
    metrics["tpp"] = cls.tpp
    count = metrics["chip_count"] or 1.0
    metrics["item_tpp"] = None if cls.tpp is None else round(cls.tpp * count, 6)
    metrics["performance_density"] = cls.performance_density
    return ComparedItem(
        name=rec.display_name,
        record_id=rec.id,
        kind=rec.kind,
        confidence=rec.confidence,
        metrics=metrics,
        classification=cls,
        basis=basis,
        sources=catalog.sources_for(rec),
    )


def compare(
    names: list[str],
    as_of: date | None = None,
    catalog: Catalog | None = None,
    rulebook: RuleBook | None = None,
) -> Comparison:
    """Compare two or more catalogue records; ratios are each item over the first."""
    if len(names) < 2:
        raise BadInput("names", "compare needs at least two chips or systems")
    cat = catalog or default_catalog()
    day = as_of or date.today()
    records = [cat.lookup(n, field=f"names[{i}]") for i, n in enumerate(names)]
    items = [_item(cat, r, cat.classify(r, day, rulebook)) for r in records]
    base = items[0]
    ratios: dict[str, dict[str, float | None]] = {}
    for other in items[1:]:
        row: dict[str, float | None] = {}
        for key, _, _ in METRICS:
            a, b = base.metrics.get(key), other.metrics.get(key)
            row[key] = round(b / a, 4) if a and b is not None else None
        ratios[f"{other.name} / {base.name}"] = row
    return Comparison(
        as_of=day,
        baseline=base.name,
        metrics=[{"key": k, "label": label, "unit": u} for k, label, u in METRICS],
        items=items,
        ratios=ratios,
    )
