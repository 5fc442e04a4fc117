"""The classifier agrees with the ECCNs NVIDIA publishes for its own parts.

NVIDIA's portal gives board/system ECCNs (4A090.x, or a .z paragraph when the product is
also described in an encryption or computer ECCN) and a per-GPU TPP. Each .z carries the
same parameter level as the 3A090/4A090 paragraph it mirrors, and 4A994/5A992.c/EAR99
mean the part is outside 3A090/4A090.
"""

from __future__ import annotations

from datetime import date

import pytest

from chipcomply.catalog import default_catalog


def _published_level(eccn: str, tpp: int | None) -> str | None:
    if eccn.startswith(("4A090.a", "3A090.a")):
        return "a"
    if eccn.startswith(("4A090.b", "3A090.b")):
        return "b"
    if ".z" in eccn:
        # .z items meet 3A090/4A090 parameters; all NVIDIA .z parts listed are TPP >= 4800.
        assert tpp is not None and tpp >= 4800
        return "a"
    return None


RECORDS = [r for r in default_catalog().records if r.vendor_classification is not None]


def test_there_is_something_to_compare() -> None:
    assert len(RECORDS) >= 20


@pytest.mark.parametrize("record", RECORDS, ids=[r.id for r in RECORDS])
def test_classifier_matches_vendor_classification(record: object) -> None:
    cat = default_catalog()
    vendor = record.vendor_classification  # type: ignore[attr-defined]
    result = cat.classify(record, date(2026, 7, 31))  # type: ignore[arg-type]
    assert result.parameter_class == _published_level(vendor.eccn, vendor.tpp), vendor.product
    if vendor.tpp is not None:
        assert result.tpp is not None
        # Portal TPPs use exact boost clocks; datasheet figures are rounded (≤ 4 % apart).
        assert abs(result.tpp - vendor.tpp) / vendor.tpp < 0.04, (result.tpp, vendor.tpp)
