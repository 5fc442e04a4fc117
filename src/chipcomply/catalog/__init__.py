"""The chip and rack-scale system catalogue shipped with chipcomply."""

from __future__ import annotations

from datetime import date

from chipcomply.catalog.names import NameIndex, compact, name_tokens
from chipcomply.catalog.records import Accelerator, Record, System, load_records
from chipcomply.logic.classify import Classification, classify
from chipcomply.model import ChipSpec
from chipcomply.rulebook import RuleBook


class Catalog:
    def __init__(self, records: list[Record]) -> None:
        self.records = records
        self._by_id = {r.id: r for r in records}
        self._names = NameIndex(records)

    def lookup(self, name: str, field: str = "chip") -> Record:
        return self._names.lookup(name, field)

    def get(self, record_id: str) -> Record:
        return self._by_id[record_id]

    def chip_of(self, system: System) -> Accelerator | None:
        if system.chip is None:
            return None
        chip = self._by_id[system.chip]
        assert isinstance(chip, Accelerator)
        return chip

    def spec_for(self, record: Record) -> ChipSpec:
        """The classifier input for a record; a system is classified by the IC it contains."""
        if isinstance(record, Accelerator):
            return record.spec()
        chip = self.chip_of(record)
        base = chip.spec() if chip is not None else record.derived_chip_spec()
        return base.model_copy(
            update={
                "name": record.display_name,
                "item_type": "system",
                "ic_count": record.chip_count,
                "datacenter": True,
            }
        )

    def sources_for(self, record: Record) -> list[str]:
        out = list(record.sources)
        if isinstance(record, System) and (chip := self.chip_of(record)) is not None:
            out += [u for u in chip.sources if u not in out]
        return out

    def classify(
        self, record: Record, as_of: date | None = None, rulebook: RuleBook | None = None
    ) -> Classification:
        result = classify(self.spec_for(record), as_of, rulebook)
        vendor = record.vendor_classification
        return result.model_copy(
            update={
                "sources": self.sources_for(record),
                "vendor_classification": vendor.model_dump(mode="json") if vendor else None,
                "caveats": self.caveats_for(record),
            }
        )

    def caveats_for(self, record: Record) -> list[str]:
        """What a reviewer must know about the quality of the figures behind the answer."""
        out: list[str] = []
        records: list[Record] = [record]
        if isinstance(record, System):
            chip = self.chip_of(record)
            if chip is None:
                out.append(
                    f"no catalogue record for {record.chip_model}: per-chip rates were "
                    "divided out of the system totals"
                )
            else:
                records.append(chip)
        for rec in records:
            if rec.confidence != "official":
                out.append(
                    f"{rec.display_name}: figures are {rec.confidence}, not vendor-confirmed"
                )
            if rec.estimated_fields:
                fields = ", ".join(rec.estimated_fields)
                out.append(f"{rec.display_name}: estimated by us: {fields}")
        return out


_DEFAULT: Catalog | None = None


def default_catalog() -> Catalog:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Catalog(load_records())
    return _DEFAULT


__all__ = [
    "Accelerator",
    "Catalog",
    "Record",
    "System",
    "compact",
    "default_catalog",
    "load_records",
    "name_tokens",
]
