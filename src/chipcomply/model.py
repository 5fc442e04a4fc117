"""Models at the boundary of the core: what comes in (specs) and what goes out (findings).

Inputs are pydantic models that forbid unknown fields and refuse strings where numbers
belong, so a typo in a spec is an error naming the field rather than a silent default.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chipcomply.errors import BadInput
from chipcomply.rulebook import RuleVersion

# Upper bounds keep arithmetic honest: no real IC or system comes near them, and a value
# beyond them is a unit mistake (e.g. FLOPS given where TFLOPS were meant).
MAX_FIGURE = 1e9
NonNegative = Annotated[float, Field(strict=True, ge=0, le=MAX_FIGURE, allow_inf_nan=False)]
Positive = Annotated[float, Field(strict=True, gt=0, le=MAX_FIGURE, allow_inf_nan=False)]
Count = Annotated[int, Field(strict=True, ge=1)]

#: Dense throughput fields accepted in a spec, in datasheet units (1 MAC = 2 operations).
RATE_FIELDS: tuple[str, ...] = (
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
)

ItemType = Literal["ic", "card", "server", "system"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class UnitRates(_Strict):
    """Dense peak throughput of one processing unit (or of the whole IC when units=1)."""

    fp64_tflops: NonNegative | None = None
    fp32_tflops: NonNegative | None = None
    tf32_tflops: NonNegative | None = None
    bf16_tflops: NonNegative | None = None
    fp16_tflops: NonNegative | None = None
    fp8_tflops: NonNegative | None = None
    fp6_tflops: NonNegative | None = None
    fp4_tflops: NonNegative | None = None
    int8_tops: NonNegative | None = None
    int4_tops: NonNegative | None = None

    def rates(self) -> dict[str, float]:
        """The rate fields that were given, by field name."""
        return {f: v for f in RATE_FIELDS if (v := getattr(self, f)) is not None}


class ChipSpec(UnitRates):
    """What the classifier needs to know about an IC, or about an item built from ICs.

    Rates describe one IC. If they were read off a card or board carrying several identical
    ICs, say so with ``rates_cover_ics`` and they are divided back to one IC, because the
    3A090 parameters are per integrated circuit.
    """

    name: str | None = None
    die_area_mm2: Positive | None = None
    datacenter: Annotated[bool, Field(strict=True)] | None = None
    planar: Annotated[bool, Field(strict=True)] = False
    item_type: ItemType = "ic"
    units: Count | list[UnitRates] = 1
    rates_cover_ics: Count = 1
    ic_count: Count | None = None
    interconnect_gbps: NonNegative | None = None
    memory_bw_tbps: NonNegative | None = None
    # Another CCL entry that also describes the item (e.g. 5A992 for mass-market encryption);
    # an item meeting 3A090/4A090 parameters is then classified in that entry's .z paragraph.
    also_described_in: (
        Annotated[str, Field(pattern=r"^[0-9][A-E][0-9]{3}(\.[a-z0-9]+)*$")] | None
    ) = None
    # Sparse marketing figures are accepted so that a pasted datasheet row does not fail,
    # and are reported as ignored: TPP counts dense throughput only.
    fp16_sparse_tflops: NonNegative | None = None
    bf16_sparse_tflops: NonNegative | None = None
    tf32_sparse_tflops: NonNegative | None = None
    fp8_sparse_tflops: NonNegative | None = None
    fp6_sparse_tflops: NonNegative | None = None
    fp4_sparse_tflops: NonNegative | None = None
    int8_sparse_tops: NonNegative | None = None
    int4_sparse_tops: NonNegative | None = None

    def sparse_fields_given(self) -> list[str]:
        return [f for f in type(self).model_fields if "_sparse_" in f and getattr(self, f)]


class Finding(BaseModel):
    """One step of reasoning: which rule, its citation, what was compared and the result."""

    model_config = ConfigDict(frozen=True)

    rule_id: str
    citation: str
    outcome: str
    detail: str
    conf: Literal["H", "M", "L"]
    valid_from: date | None = None
    valid_to: date | None = None
    unverified: bool = False
    source: str | None = None
    values: dict[str, Any] = Field(default_factory=dict)


def finding(
    rule: RuleVersion, outcome: str, detail: str, values: dict[str, Any] | None = None
) -> Finding:
    """A finding produced by ``rule``, carrying its citation, confidence and validity span."""
    label = " [unverified]" if rule.unverified else ""
    return Finding(
        rule_id=rule.rule_id,
        citation=rule.citation,
        outcome=outcome,
        detail=detail + label,
        conf=rule.conf,
        valid_from=rule.valid_from,
        valid_to=rule.valid_to,
        unverified=rule.unverified,
        source=rule.source,
        values=values or {},
    )


M = TypeVar("M", bound=BaseModel)


def parse_model(model: type[M], data: Any, where: str = "") -> M:
    """Validate ``data`` as ``model``; on failure raise BadInput naming the first bad field."""
    if not isinstance(data, dict):
        raise BadInput(where or "input", f"expected a mapping of fields, got {_kind(data)}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        field = f"{where}.{loc}" if where and loc else (loc or where or "input")
        raise BadInput(field, _explain(err)) from None


def _kind(value: Any) -> str:
    return "nothing" if value is None else type(value).__name__


def _explain(err: Any) -> str:
    kind = err.get("type", "")
    given = err.get("input")
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "required field is missing"
    if kind in {"float_type", "int_type", "float_parsing", "int_parsing"}:
        return f"expected a number, got {given!r}"
    if kind in {"bool_type", "bool_parsing"}:
        return f"expected true or false, got {given!r}"
    if kind in {"greater_than_equal", "greater_than", "less_than_equal", "less_than"}:
        return f"must be {err['msg'].split('be ', 1)[-1]}, got {given!r}"
    if kind == "finite_number":
        return f"must be a finite number, got {given!r}"
    if kind == "literal_error":
        return f"{err['msg'].lower()}, got {given!r}"
    return f"{err['msg']} (got {given!r})"
