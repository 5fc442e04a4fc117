from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from chipcomply.catalog import compact
from chipcomply.cli.common import parse_document
from chipcomply.errors import BadInput
from chipcomply.logic.classify import classify
from chipcomply.model import RATE_FIELDS, ChipSpec, parse_model

LEVEL = {None: 0, "b": 1, "a": 2}
rate = st.floats(min_value=0, max_value=20000, allow_nan=False, allow_infinity=False)
rates = st.dictionaries(st.sampled_from(RATE_FIELDS), rate, min_size=1)
days = st.sampled_from([date(2023, 6, 1), date(2025, 6, 1)])


def _spec(r: dict[str, float], **extra: Any) -> ChipSpec:
    return ChipSpec(**r, **extra)


@settings(max_examples=200, deadline=None)
@given(rates, st.sampled_from(RATE_FIELDS), st.floats(min_value=0, max_value=5000))
def test_tpp_is_monotone_in_every_rate(r: dict[str, float], field: str, bump: float) -> None:
    before = classify(_spec(r, datacenter=True, die_area_mm2=800), date(2025, 6, 1))
    raised = dict(r)
    raised[field] = raised.get(field, 0.0) + bump
    after = classify(_spec(raised, datacenter=True, die_area_mm2=800), date(2025, 6, 1))
    assert before.tpp is not None and after.tpp is not None
    assert after.tpp >= before.tpp


@settings(max_examples=300, deadline=None)
@given(
    rates,
    st.sampled_from(RATE_FIELDS),
    st.floats(min_value=0, max_value=5000),
    st.floats(min_value=50, max_value=3000),
    st.booleans(),
    days,
)
def test_classification_never_loosens_when_a_rate_rises(
    r: dict[str, float], field: str, bump: float, area: float, dc: bool, day: date
) -> None:
    extra = {"datacenter": dc, "die_area_mm2": area, "interconnect_gbps": 900.0}
    before = classify(_spec(r, **extra), day)
    raised = dict(r)
    raised[field] = raised.get(field, 0.0) + bump
    after = classify(_spec(raised, **extra), day)
    assert before.status != "insufficient_information"
    assert LEVEL[after.parameter_class] >= LEVEL[before.parameter_class]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_document_parser_only_ever_raises_bad_input(text: str) -> None:
    try:
        parse_document(text, "--spec")
    except BadInput as exc:
        assert exc.field == "--spec"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from([*RATE_FIELDS, "die_area_mm2", "item_type", "units", "x"]), json_values
    )
)
def test_spec_validation_only_ever_raises_bad_input(data: dict[str, Any]) -> None:
    try:
        spec = parse_model(ChipSpec, data, "spec")
    except BadInput as exc:
        assert exc.field.startswith("spec")
        return
    try:
        classify(spec, date(2025, 6, 1))
    except BadInput as exc:
        assert exc.field == "units"


@given(st.text(max_size=40))
def test_name_folding_is_idempotent_and_case_blind(name: str) -> None:
    assert compact(compact(name)) == compact(name)
    assert compact(name.upper()) == compact(name.lower()) or not name.isascii()
