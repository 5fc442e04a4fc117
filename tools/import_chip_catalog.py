"""One-off import of the team's chip/system spec sheets into the packaged catalogue.

Reads ../shared/data/chips/{accelerators,systems}.csv and writes one YAML record per chip
and per system under src/chipcomply/catalog/data/, adding the curated aliases below. The
YAML files are the source of truth afterwards; re-run only to refresh from the sheets.

    python tools/import_chip_catalog.py ../shared/data/chips
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

import yaml

OUT = Path(__file__).resolve().parents[1] / "src/chipcomply/catalog/data"

RATE = [
    "fp64_tflops",
    "fp32_tflops",
    "tf32_tflops",
    "bf16_tflops",
    "fp16_tflops",
    "fp8_tflops",
    "fp6_tflops",
    "fp4_tflops",
    "int8_tops",
    "int4_tops",
]
NUMERIC = [*RATE, "die_area_mm2", "memory_gb", "memory_bw_tbps", "tdp_w", "interconnect_gbps"]

# Names people actually type. Each alias must lead to one record; a shorter name shared by
# several records (e.g. "NVL72") is deliberately left out so that it comes back ambiguous.
ALIASES: dict[str, list[str]] = {
    "A100 SXM4 80GB": ["A100", "A100 SXM", "A100 SXM4", "A100 80GB"],
    "A800 SXM4 80GB": ["A800", "A800 SXM", "A800 SXM4"],
    "H100 SXM5 80GB": ["H100", "H100 SXM", "H100 SXM5", "H100 80GB"],
    "H100 PCIe 80GB": ["H100 PCIe"],
    "H800 SXM5 80GB": ["H800", "H800 SXM", "H800 SXM5"],
    "H20 (HGX)": ["H20", "HGX H20"],
    "H200 SXM 141GB": ["H200", "H200 SXM", "H200 141GB"],
    "B200 (HGX, 1000 W)": ["B200", "HGX B200", "Blackwell B200"],
    "B300 (HGX Blackwell Ultra)": ["B300", "HGX B300", "Blackwell Ultra"],
    "B30A (China Blackwell, reported)": ["B30A"],
    "GB200 (per Blackwell GPU in GB200 superchip)": ["GB200", "GB200 GPU", "GB200 superchip"],
    "GB300 (per Blackwell Ultra GPU in GB300)": ["GB300", "GB300 GPU", "GB300 superchip"],
    "L20 (China)": ["L20"],
    "L2 (China)": ["L2"],
    "GeForce RTX 4090": ["RTX 4090", "4090"],
    "GeForce RTX 4090 D (China)": ["RTX 4090 D", "RTX 4090D", "4090 D", "4090D"],
    "GeForce RTX 5090": ["RTX 5090", "5090"],
    "GeForce RTX 5090 D (China, V1)": ["RTX 5090 D", "RTX 5090D", "5090 D", "RTX 5090 D V1"],
    "GeForce RTX 5090 D V2 (China)": ["RTX 5090 D V2", "RTX 5090D V2", "5090 D V2"],
    "Instinct MI250X": ["MI250X"],
    "Instinct MI300X": ["MI300X"],
    "Instinct MI308X (China)": ["MI308X", "MI308"],
    "Instinct MI325X": ["MI325X"],
    "Instinct MI355X": ["MI355X"],
    "Gaudi 2 (HL-225H)": ["Gaudi 2", "Gaudi2", "HL-225H"],
    "Gaudi 3 (HL-325L OAM)": ["Gaudi 3", "Gaudi3", "HL-325L"],
    "TPU v5p": ["v5p"],
    "TPU v6e (Trillium)": ["TPU v6e", "Trillium", "v6e"],
    "TPU7x (Ironwood)": ["TPU7x", "Ironwood", "TPU v7"],
    "Ascend 910 (original)": ["Ascend 910", "Huawei Ascend 910"],
    "Ascend 910B": ["910B", "Huawei Ascend 910B"],
    "Ascend 910C": ["910C", "Huawei Ascend 910C"],
    "Ascend 910D (reported)": ["Ascend 910D", "910D", "Huawei Ascend 910D"],
    "Ascend 950PR (Atlas 350 card)": ["Ascend 950PR", "950PR", "Atlas 350"],
    "Ascend 950DT": ["950DT"],
    "Ascend 310": ["Huawei Ascend 310"],
    "MLU370-X8 (card, 2x MLU370)": ["MLU370-X8", "MLU370 X8"],
    "MLU290-M5": ["MLU290"],
    "MLU590 (Siyuan 590)": ["MLU590", "Siyuan 590"],
    "BR100": ["Biren BR100"],
    "MTT S4000": ["S4000", "Moore Threads S4000"],
    "DCU (K100 series)": ["Hygon DCU", "Hygon K100", "K100"],
    "Zhenwu 810E PPU": ["Zhenwu 810E", "T-Head PPU", "Alibaba PPU"],
    # systems
    "NVIDIA DGX H100": ["DGX H100"],
    "NVIDIA HGX H100 8-GPU": ["HGX H100", "HGX H100 8 GPU"],
    "NVIDIA GB200 NVL72": ["GB200 NVL72"],
    "NVIDIA GB300 NVL72": ["GB300 NVL72"],
    "Huawei CloudMatrix 384 (Atlas 900 A3 SuperPoD)": [
        "CloudMatrix 384",
        "CloudMatrix384",
        "CM384",
        "Atlas 900 A3 SuperPoD",
    ],
    "Huawei Atlas 950 SuperPoD": ["Atlas 950 SuperPoD", "Atlas 950"],
    "Huawei Atlas 960 SuperPoD": ["Atlas 960 SuperPoD", "Atlas 960"],
}

# systems.csv names the chip in words; this ties each system to its accelerator record.
SYSTEM_CHIP = {
    "H100 SXM5 80GB": "H100 SXM5 80GB",
    "GB200 (B200 GPU) + Grace": "GB200 (per Blackwell GPU in GB200 superchip)",
    "GB300 (Blackwell Ultra GPU) + Grace": "GB300 (per Blackwell Ultra GPU in GB300)",
    "Ascend 910C": "Ascend 910C",
    "Ascend 950DT": "Ascend 950DT",
}


def slug(*parts: str) -> str:
    text = " ".join(parts).lower()
    text = re.sub(r"\(.*?\)", " ", text)
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def num(value: str) -> float | int | None:
    value = value.strip()
    if not value:
        return None
    f = float(value)
    return int(f) if f.is_integer() and "." not in value else f


def urls(value: str) -> list[str]:
    return [u.strip() for u in value.split(" | ") if u.strip()]


def accelerators(rows: list[dict[str, str]]) -> tuple[list[dict[str, object]], dict[str, str]]:
    out: list[dict[str, object]] = []
    ids: dict[str, str] = {}
    for row in rows:
        rid = slug(row["vendor"].split(" ")[0], row["model"])
        ids[row["model"]] = rid
        rec: dict[str, object] = {
            "id": rid,
            "kind": "accelerator",
            "vendor": row["vendor"],
            "model": row["model"],
            "aliases": ALIASES.get(row["model"], []),
            "year": int(row["year"]) if row["year"] else None,
            "designer_hq_country": row["designer_hq_country"] or None,
            "foundry": row["foundry"] or None,
            "process_node": row["process_node"] or None,
        }
        for f in NUMERIC:
            rec[f] = num(row[f])
        rec.update(
            {
                "memory_type": row["memory_type"] or None,
                "datacenter": {"y": True, "n": False}[row["datacenter"]],
                "unit": row["unit"] or "package",
                "ic_packages_per_unit": int(row["ic_packages_per_unit"] or 1),
                "die_area_basis": row["die_area_basis"] or None,
                "interconnect_basis": row["interconnect_basis"] or None,
                "confidence": row["confidence"],
                "estimated_fields": [f for f in row["estimated_fields"].split(";") if f],
                "notes": row["notes"] or None,
                "sources": urls(row["source_urls"]),
            }
        )
        out.append({k: v for k, v in rec.items() if v is not None})
    return out, ids


def systems(rows: list[dict[str, str]], chip_ids: dict[str, str]) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for row in rows:
        chip = SYSTEM_CHIP.get(row["chip_model"])
        rec: dict[str, object] = {
            "id": slug(row["name"]),
            "kind": "system",
            "vendor": row["vendor"],
            "model": row["name"],
            "aliases": ALIASES.get(row["name"], []),
            "chip": chip_ids[chip] if chip else None,
            "chip_model": row["chip_model"],
            "chip_count": int(row["chip_count"]),
        }
        for f in [
            "total_dense_bf16_pflops",
            "total_dense_fp8_pflops",
            "total_dense_fp4_pflops",
            "total_hbm_tb",
            "total_hbm_bw_tbps",
            "scaleup_domain_size",
            "scaleup_bw_per_chip_gbps",
            "scaleup_bw_total_tbps",
            "total_power_kw",
        ]:
            rec[f] = num(row[f])
        rec.update(
            {
                "power_basis": row["power_basis"] or None,
                "scaleup_bw_basis": row["scaleup_bw_basis"] or None,
                "datacenter": True,
                "confidence": row["confidence"],
                "estimated_fields": [f for f in row["estimated_fields"].split(";") if f],
                "notes": row["notes"] or None,
                "sources": urls(row["source_urls"]),
            }
        )
        out.append({k: v for k, v in rec.items() if v is not None})
    return out


def main(src: str) -> None:
    base = Path(src)
    with open(base / "accelerators.csv", encoding="utf-8", newline="") as fh:
        acc, ids = accelerators(list(csv.DictReader(fh)))
    with open(base / "systems.csv", encoding="utf-8", newline="") as fh:
        sysrecs = systems(list(csv.DictReader(fh)), ids)
    header = (
        "# Generated by tools/import_chip_catalog.py from the team spec sheets (see SOURCES.md);\n"
        "# edit here afterwards. Rates are dense datasheet figures (1 MAC = 2 operations).\n"
    )
    for name, recs in [("accelerators.yaml", acc), ("systems.yaml", sysrecs)]:
        text = yaml.safe_dump({"records": recs}, sort_keys=False, allow_unicode=True, width=100)
        (OUT / name).write_text(header + text, encoding="utf-8")
    print(f"wrote {len(acc)} accelerators and {len(sysrecs)} systems to {OUT}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/chips")
