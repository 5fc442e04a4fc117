"""Unit tests of the per-area modules (jurisdiction, HQ rule, letters, end uses, GP10, AI
training) on hand-built contexts; screening is not involved, so no party is listed."""

from __future__ import annotations

from typing import Any

from chipcomply.logic import ai_training, end_use, fdp, gp10, hq_rule, items, letters
from chipcomply.logic.case import parse_case
from chipcomply.logic.common import Ctx, PartyFacts
from chipcomply.logic.determine import determine
from chipcomply.rulebook import default_rulebook


def ctx_for(**case: Any) -> Ctx:
    doc = {"activity": "export", **case}
    c = parse_case(doc)
    book = default_rulebook()
    ctx = Ctx(case=c, book=book, view=book.at(c.as_of))
    ctx.items = [items.item_facts(ctx, i, it) for i, it in enumerate(c.items)]
    ctx.parties = [PartyFacts(index=i, party=p) for i, p in enumerate(c.parties)]
    return ctx


KCHIP = {"name": "K-NPU", "int8_tops": 1200, "die_area_mm2": 600, "datacenter": True}


def test_jurisdiction_us_origin_de_minimis_and_fdp() -> None:
    base = {"as_of": "2025-06-01", "from_country": "KR", "to_country": "DE"}
    foreign = {"spec": KCHIP, "origin_country": "KR", "designer_hq_country": "KR"}
    c = ctx_for(**base, items=[{**foreign, "us_content_pct": 5, "us_technology": "no"}])
    assert fdp.jurisdiction(c, c.items[0]) == "no"
    c = ctx_for(**base, items=[{**foreign, "us_content_pct": 30, "us_technology": "no"}])
    assert fdp.jurisdiction(c, c.items[0]) == "yes"
    c = ctx_for(**base, items=[{**foreign, "origin_country": "US"}])
    assert fdp.jurisdiction(c, c.items[0]) == "yes"
    # to Vietnam the advanced-computing FDP rule decides, and needs the US-technology fact
    c = ctx_for(**{**base, "to_country": "VN"}, items=[{**foreign, "us_content_pct": 5}])
    assert fdp.jurisdiction(c, c.items[0]) == "unknown"
    assert c.items[0].jurisdiction_missing == ["items[0].us_technology"]
    c = ctx_for(
        **{**base, "to_country": "VN"},
        items=[{**foreign, "us_content_pct": 5, "us_technology": "yes"}],
    )
    assert fdp.jurisdiction(c, c.items[0]) == "yes"


def test_hq_parties_by_date() -> None:
    parties = [{"role": "end_user", "name": "X", "country": "MY", "headquarters_country": "CN"}]
    assert hq_rule.hq_parties(ctx_for(as_of="2023-11-16", parties=parties)) == []
    assert hq_rule.hq_parties(ctx_for(as_of="2023-11-17", parties=parties)) == ["parties[0]"]
    macau = [{"role": "consignee", "name": "Y", "country": "SG", "headquarters_country": "MO"}]
    assert hq_rule.hq_parties(ctx_for(as_of="2025-06-01", parties=macau)) == ["parties[0]"]


def test_letter_reaches_ics_by_memory_bandwidth() -> None:
    spec = {
        "name": "Bandwidth special",
        "fp16_tflops": 50,
        "die_area_mm2": 600,
        "datacenter": True,
        "memory_bw_tbps": 4.2,
    }
    c = ctx_for(
        as_of="2025-06-01",
        from_country="US",
        to_country="CN",
        items=[{"spec": spec}],
        parties=[{"role": "end_user", "name": "Z", "country": "CN", "headquarters_country": "CN"}],
    )
    c.items[0].subject = "yes"
    letters.check_letters(c, c.items[0])
    assert [r.finding.rule_id for r in c.requirements] == ["ear.744.informed.2025-04-09.nvidia-h20"]
    assert "memory bandwidth 4.2 TB/s" in c.requirements[0].finding.detail


def test_actor_and_known_end_uses() -> None:
    c = ctx_for(
        as_of="2025-06-01",
        activity="finance",
        parties=[{"role": "exporter", "name": "E"}, {"role": "payer", "name": "Bank"}],
        end_use={"purposes": ["ai_training"], "knowledge": ["military"]},
    )
    who = end_use.actor(c)
    assert who is not None and who.party.name == "Bank"
    assert end_use.known(c) == {"ai_training", "military"}


def test_prc_3a090_ic_definition() -> None:
    c = ctx_for(
        as_of="2025-06-01",
        items=[
            {"chip": "Huawei Ascend 910D"},
            {"spec": KCHIP, "designer_hq_country": "CN"},
            {"spec": KCHIP, "designer_hq_country": "KR", "origin_country": "KR"},
        ],
    )
    rule = c.rule(gp10.GUIDANCE)
    prc = frozenset({"CN", "MO"})
    named = list(rule.value("named_chips"))
    assert "named in the guidance" in (gp10.is_prc_ic(c, c.items[0], prc, named) or "")
    assert "headquartered in CN" in (gp10.is_prc_ic(c, c.items[1], prc, named) or "")
    assert gp10.is_prc_ic(c, c.items[2], prc, named) is None


def test_ai_training_needs_the_model_owner_headquarters() -> None:
    c = ctx_for(
        as_of="2025-06-01",
        activity="iaas_compute",
        parties=[{"role": "iaas_provider", "name": "P", "country": "US", "us_person": True}],
        end_use={"purposes": ["ai_training"]},
    )
    ai_training.check_ai_training(c)
    assert c.missing == ["end_use.model_owner_headquarters"]


def test_gp10_guidance_only_from_2025_05_13() -> None:
    case = {
        "activity": "use",
        "to_country": "MY",
        "items": [{"chip": "Huawei Ascend 910C"}],
    }
    before = determine({**case, "as_of": "2025-05-12"}, screener=lambda n, c: None)
    after = determine({**case, "as_of": "2025-05-13"}, screener=lambda n, c: None)
    assert before.outcome == "no_license_required"
    assert after.outcome == "gp10_risk"


def test_user_eccn_wins_over_the_classifier() -> None:
    c = ctx_for(as_of="2025-06-01", items=[{"chip": "NVIDIA H20", "eccn": "3A090.b"}])
    assert c.items[0].pclass == "b" and c.items[0].basis == "eccn"
    c = ctx_for(as_of="2025-06-01", items=[{"chip": "NVIDIA H100 SXM5 80GB", "eccn": "5A992.z"}])
    assert c.items[0].pclass == "a" and c.items[0].eccn == "5A992.z"
    # before 3A090 existed the user's ECCN gives way to the law of the day
    c = ctx_for(as_of="2021-06-01", items=[{"eccn": "3A090.a"}])
    assert c.items[0].pclass is None and c.items[0].handled
