"""ECCN 3A090 / 4A090 classification of an IC or of an item containing ICs, as of a day.

TPP and performance density are computed with decimal arithmetic from the figures as
written, so a threshold edge (exactly 4800, exactly 5.92) is decided exactly and never by
binary rounding.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chipcomply.errors import BadInput
from chipcomply.model import ChipSpec, Finding, ItemType, UnitRates, finding
from chipcomply.rulebook import RuleBook, RuleView, default_rulebook

ParameterClass = Literal["a", "b"]
Status = Literal["controlled", "not_controlled", "insufficient_information"]
RATE_HINT = "dense_rate"  # reported as missing when no throughput figure was given at all


class TppBreakdown(BaseModel):
    """How the TPP of one IC was reached, precise enough to recompute it by hand."""

    model_config = ConfigDict(frozen=True)

    tpp: float
    basis: list[str]
    per_unit: list[dict[str, float]]
    rates_cover_ics: int


class Classification(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str | None = None
    as_of: date
    item_type: ItemType
    status: Status
    eccn: str | None
    paragraph: str | None
    ic_eccn: str | None
    ic_paragraph: str | None
    parameter_class: ParameterClass | None
    tpp: float | None
    performance_density: float | None
    applicable_die_area_mm2: float | None
    item_tpp: float | None
    datacenter: bool | None
    tpp_breakdown: TppBreakdown | None
    findings: list[Finding]
    missing: list[str]
    rulebook: str
    sources: list[str] = Field(default_factory=list)
    z_eccn: str | None = None
    vendor_classification: dict[str, object] | None = None
    caveats: list[str] = Field(default_factory=list)


def _dec(value: float) -> Decimal:
    return Decimal(repr(value))


def _num(value: Decimal) -> float:
    return float(round(value, 6))


def _unit_rate_sets(spec: ChipSpec) -> list[dict[str, float]]:
    top = spec.rates()
    if isinstance(spec.units, list):
        if top:
            raise BadInput("units", "give rates either per unit or at the top level, not both")
        return [u.rates() for u in spec.units]
    return [top] * spec.units


def compute_tpp(spec: ChipSpec, view: RuleView) -> tuple[Decimal | None, TppBreakdown | None]:
    """TPP of one IC: per unit the highest rate x bit length, summed over units."""
    bits: dict[str, int] = dict(view.get("ear.774.3A090.tn.tpp").value("bit_length"))
    units = _unit_rate_sets(spec)
    if not any(units):
        return None, None
    total = Decimal(0)
    basis: set[str] = set()
    per_unit: list[dict[str, float]] = []
    for rates in units:
        products = {f: _dec(r) * bits[f] for f, r in rates.items()}
        best = max(products.values(), default=Decimal(0))
        basis.update(f for f, p in products.items() if p == best and best > 0)
        per_unit.append({f: _num(p) for f, p in products.items()})
        total += best
    tpp = total / spec.rates_cover_ics
    return tpp, TppBreakdown(
        tpp=_num(tpp),
        basis=sorted(basis),
        per_unit=per_unit,
        rates_cover_ics=spec.rates_cover_ics,
    )


def _tpp_finding(view: RuleView, tpp: Decimal, bd: TppBreakdown) -> Finding:
    rule = view.get("ear.774.3A090.tn.tpp")
    shown = ", ".join(
        f"{f.removesuffix('_tflops').removesuffix('_tops')} {p:g}"
        for f, p in sorted(bd.per_unit[0].items(), key=lambda kv: -kv[1])
    )
    units = len(bd.per_unit)
    detail = f"TPP = max over precisions of rate x bit length ({shown})"
    if units > 1:
        detail += f", summed over {units} processing units"
    if bd.rates_cover_ics > 1:
        detail += f", divided by the {bd.rates_cover_ics} ICs the figures cover"
    detail += f" = {_num(tpp):g}; deciding precision: {', '.join(bd.basis)}"
    if bd.basis == ["tf32_tflops"]:
        detail += " (TF32 counted at its declared 32-bit width; check against the datasheet)"
    return finding(rule, "computed", detail, {"tpp": _num(tpp), "basis": bd.basis})


def _classify_2022(
    spec: ChipSpec, view: RuleView, tpp: Decimal
) -> tuple[ParameterClass | None, str | None, list[Finding], list[str]]:
    rule = view.get("ear.774.3A090.2022.a")
    tpp_min = Decimal(str(rule.value("tpp_min")))
    io_min = Decimal(str(rule.value("io_min_gbps")))
    if tpp < tpp_min:
        f = finding(
            rule, "not_met", f"TPP {_num(tpp):g} < {tpp_min}", {"tpp": _num(tpp), "min": tpp_min}
        )
        return None, None, [f], []
    if spec.interconnect_gbps is None:
        f = finding(
            rule,
            "missing",
            f"TPP {_num(tpp):g} >= {tpp_min}; the Oct-2022 test also needs the aggregate "
            "bidirectional I/O rate (interconnect_gbps)",
        )
        return None, None, [f], ["interconnect_gbps"]
    io = _dec(spec.interconnect_gbps)
    met = io >= io_min
    detail = (
        f"TPP {_num(tpp):g} >= {tpp_min} and I/O {_num(io):g} GB/s "
        f"{'>=' if met else '<'} {io_min} GB/s"
    )
    values = {"tpp": _num(tpp), "interconnect_gbps": _num(io)}
    return (
        ("a", "3A090.a", [finding(rule, "met", detail, values)], [])
        if met
        else (None, None, [finding(rule, "not_met", detail, values)], [])
    )


def _density(
    spec: ChipSpec, view: RuleView, tpp: Decimal
) -> tuple[Decimal | None, list[Finding], bool]:
    """PD and its finding; the flag says whether PD is unknown only for want of die area."""
    rule = view.get("ear.774.3A090.tn.pd")
    if spec.planar:
        detail = (
            "all logic dies are planar, so the applicable die area is 0 and performance "
            "density is undefined: the density-based paragraphs cannot be met"
        )
        return None, [finding(rule, "not_applicable", detail)], False
    if spec.die_area_mm2 is None:
        return None, [], True
    area = _dec(spec.die_area_mm2)
    pd = tpp / area
    detail = f"PD = TPP {_num(tpp):g} / applicable die area {_num(area):g} mm2 = {_num(pd):g}"
    return pd, [finding(rule, "computed", detail, {"performance_density": _num(pd)})], False


def _paragraph_tests(
    view: RuleView, tpp: Decimal, pd: Decimal | None
) -> tuple[str | None, list[Finding]]:
    """Test a.1, a.2, b.1, b.2 in the rule's order; the first one met decides."""
    found: list[Finding] = []
    decided: str | None = None

    def d(v: object) -> Decimal:
        return Decimal(str(v))

    def record(rule_id: str, met: bool, text: str) -> None:
        nonlocal decided
        rule = view.get(rule_id)
        para = rule_id.removeprefix("ear.774.")
        if met and decided is None:
            decided = para
        values: dict[str, object] = {"tpp": _num(tpp)}
        if pd is not None:
            values["performance_density"] = _num(pd)
        found.append(finding(rule, "met" if met else "not_met", text, values))

    a1 = view.get("ear.774.3A090.a.1")
    t = d(a1.value("tpp_min"))
    record("ear.774.3A090.a.1", tpp >= t, f"TPP {_num(tpp):g} {'>=' if tpp >= t else '<'} {t}")
    if decided:
        return decided, found
    if pd is None:
        # Only reached when density cannot matter: TPP below every density-based floor,
        # or no non-planar logic area at all. Say why each paragraph fails.
        floor = d(view.get("ear.774.3A090.b.2").value("tpp_min"))
        why = (
            f"TPP {_num(tpp):g} < {floor}, below every density-based paragraph"
            if tpp < floor
            else "performance density undefined (no non-planar logic die area)"
        )
        for rule_id in ("ear.774.3A090.a.2", "ear.774.3A090.b.1", "ear.774.3A090.b.2"):
            record(rule_id, False, why)
        return decided, found

    a2 = view.get("ear.774.3A090.a.2")
    t, p = d(a2.value("tpp_min")), d(a2.value("pd_min"))
    ok = tpp >= t and pd >= p
    record(
        "ear.774.3A090.a.2",
        ok,
        f"TPP {_num(tpp):g} {'>=' if tpp >= t else '<'} {t} and "
        f"PD {_num(pd):g} {'>=' if pd >= p else '<'} {p}",
    )
    b1 = view.get("ear.774.3A090.b.1")
    t, tb = d(b1.value("tpp_min")), d(b1.value("tpp_below"))
    p, pb = d(b1.value("pd_min")), d(b1.value("pd_below"))
    ok = t <= tpp < tb and p <= pd < pb
    record(
        "ear.774.3A090.b.1",
        ok,
        f"{t} <= TPP {_num(tpp):g} < {tb}: {t <= tpp < tb}; {p} <= PD {_num(pd):g} < {pb}: "
        f"{p <= pd < pb}",
    )
    b2 = view.get("ear.774.3A090.b.2")
    t, p, pb = d(b2.value("tpp_min")), d(b2.value("pd_min")), d(b2.value("pd_below"))
    ok = tpp >= t and p <= pd < pb
    record(
        "ear.774.3A090.b.2",
        ok,
        f"TPP {_num(tpp):g} >= {t}: {tpp >= t}; {p} <= PD {_num(pd):g} < {pb}: {p <= pd < pb}",
    )
    return decided, found


def _classify_2023(
    spec: ChipSpec, view: RuleView, tpp: Decimal
) -> tuple[ParameterClass | None, str | None, Decimal | None, list[Finding], list[str]]:
    pd, found, area_missing = _density(spec, view, tpp)
    note2 = view.get("ear.774.3A090.note2")
    note2_below = Decimal(str(note2.value("tpp_below")))
    a2_min = Decimal(str(view.get("ear.774.3A090.a.2").value("tpp_min")))
    below_note2 = tpp < note2_below

    if below_note2 and spec.datacenter is False:
        found.append(
            finding(
                note2,
                "applied",
                f"not designed or marketed for datacenters and TPP {_num(tpp):g} < "
                f"{note2_below}: 3A090.a and .b do not apply",
                {"tpp": _num(tpp), "datacenter": False},
            )
        )
        return None, None, pd, found, []

    if area_missing and a2_min <= tpp < note2_below:
        # Between 1600 and 4800 only the density decides; without die area, say so.
        missing = ["die_area_mm2"] + (["datacenter"] if spec.datacenter is None else [])
        found.append(
            finding(
                view.get("ear.774.3A090.tn.pd"),
                "missing",
                f"TPP {_num(tpp):g} lies in [{a2_min}, {note2_below}), where performance "
                "density decides; the applicable die area (die_area_mm2) is needed",
                {"tpp": _num(tpp)},
            )
        )
        return None, None, None, found, missing

    paragraph, tests = _paragraph_tests(view, tpp, pd)
    found.extend(tests)
    if paragraph is None:
        return None, None, pd, found, []
    pclass: ParameterClass = "a" if paragraph.startswith("3A090.a") else "b"
    if below_note2:
        if spec.datacenter is None:
            found.append(
                finding(
                    note2,
                    "missing",
                    f"TPP {_num(tpp):g} < {note2_below}: Note 2 excludes the IC unless it is "
                    "designed or marketed for datacenters; that fact (datacenter) is needed",
                    {"tpp": _num(tpp)},
                )
            )
            return None, None, pd, found, ["datacenter"]
        found.append(
            finding(
                note2,
                "not_applied",
                "designed or marketed for datacenters: Note 2 does not exclude it",
                {"datacenter": True},
            )
        )
    elif spec.datacenter is False:
        found.append(
            finding(
                note2,
                "not_applied",
                f"not datacenter-marketed, but TPP {_num(tpp):g} >= {note2_below}: "
                "Note 2 does not exclude it (licence exceptions NAC/ACA may be available)",
                {"tpp": _num(tpp), "datacenter": False},
            )
        )
    return pclass, paragraph, pd, found, []


def _item_eccn(
    spec: ChipSpec, view: RuleView, pclass: ParameterClass | None
) -> tuple[str | None, str | None, list[Finding]]:
    if pclass is None:
        return None, None, []
    ic_eccn = f"3A090.{pclass}"
    if spec.item_type == "ic":
        return ic_eccn, None, []
    rule_id = f"ear.774.4A090.{pclass}"
    if not view.in_force(rule_id):
        return None, None, []
    rule = view.get(rule_id)
    detail = f"a {spec.item_type} containing an IC that meets {ic_eccn} is 4A090.{pclass}"
    return f"4A090.{pclass}", f"4A090.{pclass}", [finding(rule, "met", detail)]


def _z_paragraph(
    spec: ChipSpec, view: RuleView, pclass: ParameterClass | None
) -> tuple[str | None, list[Finding]]:
    if spec.also_described_in is None or pclass is None:
        return None, []
    parent = spec.also_described_in[:5]
    if not view.in_force("ear.774.z_paragraphs"):
        return None, []
    rule = view.get("ear.774.z_paragraphs")
    if parent not in rule.value("parents"):
        detail = f"{parent} has no .z paragraph; the 3A090/4A090 classification stands"
        return None, [finding(rule, "not_applicable", detail)]
    detail = (
        f"also described in {parent} and meets 3A090.{pclass}-level parameters: classified "
        f"{parent}.z, with the same advanced-computing licence requirements"
    )
    return f"{parent}.z", [finding(rule, "met", detail, {"parent": parent})]


def classify(
    spec: ChipSpec, as_of: date | None = None, rulebook: RuleBook | None = None
) -> Classification:
    """Classify ``spec`` under ECCN 3A090 / 4A090 as the rules stood on ``as_of``."""
    book = rulebook or default_rulebook()
    day = as_of or date.today()
    view = book.at(day)
    regime_rule = view.get("ear.774.3A090.regime")
    regime = regime_rule.value("test")
    findings: list[Finding] = []
    missing: list[str] = []

    tpp, breakdown = (None, None) if regime == "none" else compute_tpp(spec, view)
    pd: Decimal | None = None
    pclass: ParameterClass | None = None
    ic_paragraph: str | None = None

    if regime == "none":
        findings.append(
            finding(
                regime_rule,
                "not_in_force",
                f"on {day.isoformat()} ECCN 3A090 did not exist (created 2022-10-21)",
            )
        )
    elif tpp is None or breakdown is None:
        missing.append(RATE_HINT)
        findings.append(
            finding(
                view.get("ear.774.3A090.tn.tpp"),
                "missing",
                "no dense throughput figure was given (any of fp64_tflops ... int4_tops), "
                "so TPP cannot be computed",
            )
        )
    else:
        findings.append(_tpp_finding(view, tpp, breakdown))
        if regime == "tpp_and_pd":
            sparse = spec.sparse_fields_given()
            if sparse:
                findings.append(
                    finding(
                        view.get("ear.774.3A090.tn.dense"),
                        "applied",
                        f"sparse figures ignored ({', '.join(sparse)}): TPP uses dense rates",
                        {"ignored": sparse},
                    )
                )
            pclass, ic_paragraph, pd, found, miss = _classify_2023(spec, view, tpp)
        else:
            pclass, ic_paragraph, found, miss = _classify_2022(spec, view, tpp)
        findings.extend(found)
        missing.extend(miss)

    eccn, paragraph, item_findings = _item_eccn(spec, view, pclass)
    findings.extend(item_findings)
    z_eccn, z_findings = _z_paragraph(spec, view, pclass)
    findings.extend(z_findings)
    if spec.item_type == "ic":
        paragraph = ic_paragraph
    status: Status = (
        "insufficient_information"
        if missing
        else ("controlled" if eccn is not None else "not_controlled")
    )
    item_tpp = None
    if tpp is not None and spec.ic_count is not None:
        item_tpp = _num(tpp * spec.ic_count)
    applicable_area = None
    if spec.die_area_mm2 is not None and not spec.planar:
        applicable_area = spec.die_area_mm2
    return Classification(
        name=spec.name,
        as_of=day,
        item_type=spec.item_type,
        status=status,
        eccn=eccn,
        paragraph=paragraph,
        ic_eccn=f"3A090.{pclass}" if pclass else None,
        ic_paragraph=ic_paragraph,
        parameter_class=pclass,
        tpp=_num(tpp) if tpp is not None else None,
        performance_density=_num(pd) if pd is not None else None,
        applicable_die_area_mm2=applicable_area,
        item_tpp=item_tpp,
        datacenter=spec.datacenter,
        tpp_breakdown=breakdown,
        findings=findings,
        missing=missing,
        rulebook=book.version,
        z_eccn=z_eccn,
    )


__all__ = ["Classification", "TppBreakdown", "UnitRates", "classify", "compute_tpp"]
