"""Unit tests of the determination logic modules, on the real rulebook."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from chipcomply.errors import BadInput, OutsideCoverage
from chipcomply.logic import destination, exceptions, items, parties, penalties, prc, red_flags
from chipcomply.logic.case import parse_case
from chipcomply.logic.common import Ctx
from chipcomply.logic.determine import determine
from chipcomply.logic.entity_list import policy_of
from chipcomply.rulebook import default_rulebook


def ctx_on(day: str, **case: Any) -> Ctx:
    doc = {"as_of": day, "activity": "export", **case}
    book = default_rulebook()
    c = parse_case(doc)
    return Ctx(case=c, book=book, view=book.at(c.as_of))


# --- case model -----------------------------------------------------------------------------


def test_case_rejects_datetimes_and_future_resolutions() -> None:
    with pytest.raises(BadInput) as err:
        parse_case({"as_of": "2025-06-01T10:00:00", "activity": "export"})
    assert err.value.field == "as_of"
    with pytest.raises(BadInput) as err:
        parse_case(
            {
                "as_of": "2025-06-01",
                "activity": "export",
                "red_flag_resolutions": [
                    {"id": "DG-RF-02", "resolution": "x", "resolved_by": "y", "date": "2025-07-01"}
                ],
            }
        )
    assert err.value.field == "red_flag_resolutions[0].date"


def test_case_normalises_country_codes_and_eccns() -> None:
    c = parse_case(
        {
            "as_of": date(2025, 6, 1),
            "activity": "export",
            "to_country": "cn",
            "items": [{"eccn": "4a090.A"}],
        }
    )
    assert c.to_country == "CN" and c.items[0].eccn == "4A090.a"
    with pytest.raises(BadInput) as err:
        parse_case({"as_of": "2025-06-01", "activity": "export", "items": [{"eccn": "H100"}]})
    assert err.value.field == "items[0].eccn"


def test_chip_and_spec_together_is_bad_input() -> None:
    with pytest.raises(BadInput) as err:
        determine(
            {
                "as_of": "2025-06-01",
                "activity": "export",
                "items": [{"chip": "H100", "spec": {"fp16_tflops": 100}}],
            },
            screener=lambda n, c: None,
        )
    assert err.value.field == "items[0].spec"


def test_outside_coverage_is_an_error_not_an_answer() -> None:
    with pytest.raises(OutsideCoverage):
        determine({"as_of": "2027-01-01", "activity": "use"}, screener=lambda n, c: None)


# --- destination ----------------------------------------------------------------------------


def test_cambodia_leaves_d5_on_2025_11_07_but_stays_d1() -> None:
    before, after = ctx_on("2025-11-06"), ctx_on("2025-11-07")
    assert "KH" in destination.group_members(before.view, "D:5")
    assert "KH" not in destination.group_members(after.view, "D:5")
    assert "KH" in destination.group_members(after.view, "D:1")


def test_macau_is_never_d5_but_is_in_the_d5_or_macau_set() -> None:
    c = ctx_on("2025-06-01")
    assert "MO" not in destination.group_members(c.view, "D:5")
    assert "MO" in destination.d5_or_macau(c)


def test_advanced_computing_destinations_2025() -> None:
    c = ctx_on("2025-06-01")
    spec = c.rule("ear.742.6.a.6.iii").value("a")
    got = destination.country_set(c.view, spec)
    expected = set(
        [
            "AE",
            "AF",
            "AM",
            "AZ",
            "BH",
            "BY",
            "CD",
            "CF",
            "CN",
            "CU",
            "EG",
            "ER",
            "GE",
            "HT",
            "IQ",
            "IR",
            "JO",
            "KG",
            "KH",
            "KP",
            "KW",
            "KZ",
            "LA",
            "LB",
            "LY",
            "MD",
            "MM",
            "MN",
            "MO",
            "NI",
            "OM",
            "PK",
            "QA",
            "RU",
            "SA",
            "SD",
            "SO",
            "SS",
            "SY",
            "TJ",
            "TM",
            "UZ",
            "VE",
            "VN",
            "YE",
            "ZW",
        ]
    )
    assert got == expected  # REGULATIONS.md §B.1 lists these 46 (IL excluded via A:6)
    assert "IL" not in got and "SG" not in got


def test_hong_kong_is_china_from_2020_12_23() -> None:
    assert destination.ear_country(ctx_on("2021-01-01"), "HK") == "CN"
    assert destination.ear_country(ctx_on("2020-06-01"), "HK") == "HK"


# --- items ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("eccn", "klass", "bare"),
    [
        ("3A090.a", "a", False),
        ("4A090.b", "b", False),
        ("5A992.z", None, True),
        ("5A992.z.1", "a", False),
        ("4A003.z.2", "b", False),
        ("3A090.c", "c", False),
        ("EAR99", None, False),
        ("3A991.p", None, False),
    ],
)
def test_eccn_class(eccn: str, klass: str | None, bare: bool) -> None:
    assert items.eccn_class(eccn) == (klass, bare)


# --- parties --------------------------------------------------------------------------------


def test_first_listed_year_reads_fr_volumes() -> None:
    assert parties.first_listed_year("84 FR 22963; 85 FR 29853") == 2019
    assert parties.first_listed_year("90 FR 4621") == 2025
    assert parties.first_listed_year(None) is None


def test_entity_list_policy_text() -> None:
    assert policy_of("Presumption of denial") == "presumption_of_denial"
    assert policy_of("Case-by-case review for items ...") == "case_by_case"
    assert policy_of(None) == "presumption_of_denial"


def test_most_restrictive_policy() -> None:
    assert (
        exceptions.most_restrictive(["presumption_of_approval", "case_by_case"]) == "case_by_case"
    )
    assert exceptions.most_restrictive([None, "presumption_of_denial"]) == "presumption_of_denial"
    assert exceptions.most_restrictive([None]) is None


# --- red flags ------------------------------------------------------------------------------


def test_red_flag_ids_are_stable_and_aliases_resolve() -> None:
    flags = red_flags.catalogue(default_rulebook())
    assert red_flags.canonical(flags, "dg-rf-08", "f") == "DG-RF-08"
    rid = "bis.guidance.2025-05-13.diversion.DG-RF-10"
    assert red_flags.canonical(flags, rid, "f") == "DG-RF-10"
    with pytest.raises(BadInput):
        red_flags.canonical(flags, "RF-99", "red_flags[0]")


# --- penalties ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "cap"),
    [
        ("2019-06-01", 300000),
        ("2022-02-01", 328121),
        ("2023-06-01", 353534),
        ("2025-01-15", 374474),
    ],
)
def test_civil_cap_by_date(day: str, cap: int) -> None:
    c = ctx_on(day)
    exp = penalties.exposure(c, 0, "no_license_required")
    assert exp.civil_cap_usd == cap and exp.civil_max_per_violation_usd == cap
    assert exp.criminal_max_fine_usd == 1_000_000 and exp.criminal_max_prison_years == 20


def test_civil_max_is_twice_transaction_value_when_greater() -> None:
    c = ctx_on("2025-06-01", items=[{"eccn": "EAR99", "value_usd": 1_000_000}])
    c.items = [items.item_facts(c, 0, c.case.items[0])]
    assert penalties.exposure(c, 0, "license_required").civil_max_per_violation_usd == 2_000_000


# --- PRC ------------------------------------------------------------------------------------


def test_prc_minerals_follow_their_suspension_windows() -> None:
    def run(day: str) -> set[str]:
        c = ctx_on(
            day,
            from_country="CN",
            to_country="US",
            items=[{"eccn": "EAR99", "origin_country": "CN", "material": "gallium"}],
        )
        return {f.rule_id + ":" + f.outcome for f in prc.check_prc(c, "not_subject_to_ear")}

    assert "prc.minerals.2024-46.us:prc_prohibited" in run("2025-06-01")
    assert "prc.minerals.2024-46.us:prc_suspended" in run("2025-11-09")
    assert "prc.minerals.2023-23:prc_license_required" in run("2025-11-09")
    assert not any(r.startswith("prc.minerals.2024-46") for r in run("2024-12-02"))


def test_prc_clear_when_nothing_is_engaged() -> None:
    c = ctx_on("2025-06-01", to_country="DE")
    out = prc.check_prc(c, "no_license_required", matcher=lambda a, b: 0.0)
    assert [f.outcome for f in out] == ["prc_clear"]


# --- whole determination --------------------------------------------------------------------


def test_same_input_same_bytes() -> None:
    case = {
        "as_of": "2025-06-01",
        "activity": "export",
        "from_country": "US",
        "to_country": "SA",
        "items": [{"chip": "H100", "quantity": 4}],
        "parties": [
            {
                "role": "end_user",
                "name": "Riyadh AI Compute Co",
                "country": "SA",
                "headquarters_country": "SA",
            }
        ],
    }
    a = determine(case).model_dump_json()
    b = determine(case).model_dump_json()
    assert a == b


def test_no_items_and_no_facts_is_not_a_clear_answer() -> None:
    d = determine({"as_of": "2025-06-01", "activity": "export"}, screener=lambda n, c: None)
    assert d.outcome == "insufficient_information"
    assert {"to_country", "from_country"} <= set(d.missing_facts)
