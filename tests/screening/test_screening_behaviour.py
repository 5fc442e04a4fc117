"""What screening promises, on the real bundled lists (one index for the session)."""

from __future__ import annotations

import json

import pytest

import chipcomply
from chipcomply.errors import BadInput
from chipcomply.screening import ALGORITHM, DEFAULT_THRESHOLD, Screener, screen
from chipcomply.screening.score import COUNTRY_MISMATCH

HUAWEI = "Huawei Technologies Co., Ltd. (Huawei)"
BIREN = "Shanghai Biren Intelligent Technology Co., Ltd."


def names(result: chipcomply.screening.ScreenResult) -> list[str]:
    return [h.name for h in result.hits]


def test_simplified_chinese_hits_huawei_on_the_entity_list(screener: Screener) -> None:
    result = screener.screen("华为技术有限公司")
    top = result.hits[0]
    assert HUAWEI in names(result)
    hit = next(h for h in result.hits if h.name == HUAWEI)
    assert hit.source == "Entity List (EL) - Bureau of Industry and Security"
    assert hit.score >= 0.95 and top.score >= hit.score
    assert hit.record.source_code == "EL" and hit.record.footnotes == ["FN1", "FN2"]
    assert hit.record.countries == ["CN"]
    facts = hit.explanation.record
    assert facts is not None and facts.footnotes == ["FN1", "FN2"]
    assert facts.license_policy == "Presumption of denial"
    assert facts.federal_register_notice and "84 FR 22963" in facts.federal_register_notice


def test_traditional_and_simplified_give_the_same_answer(screener: Screener) -> None:
    trad = screener.screen("華為")
    simp = screener.screen("华为")
    assert trad.hits and [(h.name, h.score) for h in trad.hits] == [
        (h.name, h.score) for h in simp.hits
    ]
    assert HUAWEI in names(trad)


def test_generic_words_alone_do_not_match_biren(screener: Screener) -> None:
    generic = screener.screen("Shanghai Intelligent Technology Co., Ltd.")
    assert BIREN not in names(generic)
    biren = screener.match("Shanghai Intelligent Technology Co., Ltd.", BIREN)
    assert not biren.match and biren.explanation.gate == "capped"
    assert any(t.form == "biren" for t in biren.explanation.unmatched_listed)
    # …while the distinctive word with generic ones around it does
    assert BIREN in names(screener.screen("Biren Technology"))
    assert BIREN in names(screener.screen("上海壁仞智能科技有限公司"))


@pytest.mark.parametrize(
    "query",
    [
        "Hua\u200bwei Tech\u200dnologies",  # zero-width space / joiner
        "\u202eHuawei\u202c Technologies",  # bidi controls
        "Huаwei Technologies",  # Cyrillic а
        "ＨＵＡＷＥＩ　ＴＥＣＨＮＯＬＯＧＩＥＳ",  # full-width
        "Hua Wei Technologies",  # spaced
        "huawei-technologies co. ltd",
    ],
)
def test_evasion_spellings_still_hit(screener: Screener, query: str) -> None:
    assert HUAWEI in names(screener.screen(query))


@pytest.mark.parametrize(
    ("query", "listed"),
    [
        # a known phrase with one word misspelt is still that phrase, even though its
        # first word is a vocabulary word of its own ("national", "beijing")
        (
            "National Univeristy of Defense Technology",
            "National University of Defense Technology (NUDT)",
        ),
        (
            "Beijing Acadamy of Artificial Intelligence",
            "Beijing Academy of Artificial Intelligence",
        ),
        # and a phrase cut short at the end of the name
        (
            "Wuxi Jiangnan Institute of Computing Tech.",
            "Wuxi Jiangnan Institute of Computing Technology",
        ),
    ],
)
def test_misspelt_or_cut_short_alias_phrases_still_hit(
    screener: Screener, query: str, listed: str
) -> None:
    assert listed in names(screener.screen(query))


def test_brand_alias_leaves_the_company_word_to_align(screener: Screener) -> None:
    # 旷视 is the brand; 科技 stays "technology" and aligns with the listed name's word
    assert "Megvii Technology" in names(screener.screen("北京旷视科技有限公司"))


@pytest.mark.parametrize("query", ["第四范式", "第四範式"])
def test_a_brand_that_starts_with_a_numeral_is_the_brand(screener: Screener, query: str) -> None:
    assert "4Paradigm Technology Co., Ltd" in names(screener.screen(query))


def test_a_near_phrase_needs_its_other_words_exact(screener: Screener) -> None:
    # one word off is a typo; two words off is another organisation
    assert "National University of Defense Technology (NUDT)" not in names(
        screener.screen("National Univeristy of Defense Technics")
    )


def test_cyrillic_name_hits_the_latin_sdn_entry(screener: Screener) -> None:
    result = screener.screen("Владимир Путин")
    assert result.hits and result.hits[0].name == "PUTIN, Vladimir Vladimirovich"
    assert result.hits[0].source_code == "SDN"
    via = [a.query_via for a in result.hits[0].explanation.aligned]
    assert "transliteration" in via


def test_explanation_is_precise_enough_to_recompute_the_score(screener: Screener) -> None:
    hit = screener.screen("Biren Technology").hits[0]
    exp = hit.explanation
    matched = sum(a.similarity * (a.weight_query + a.weight_listed) for a in exp.aligned)
    dice = matched / (exp.weight_query + exp.weight_listed)
    assert dice == pytest.approx(exp.dice, abs=1e-3)
    unmatched = sum(t.weight for t in exp.unmatched_query) + sum(
        t.weight for t in exp.unmatched_listed
    )
    aligned_w = sum(a.weight_query + a.weight_listed for a in exp.aligned)
    assert aligned_w + unmatched == pytest.approx(exp.weight_query + exp.weight_listed, abs=1e-2)
    assert exp.score == hit.score and exp.matched_name == hit.matched_name
    assert str(exp) == exp.text and "Biren" in exp.text and "Entity List" in exp.text
    assert exp.record_uid == hit.record.uid and exp.snapshot == hit.record.snapshot


def test_pinyin_alias_and_translation_are_named(screener: Screener) -> None:
    hit = next(h for h in screener.screen("上海壁仞智能科技有限公司").hits if h.name == BIREN)
    vias = {a.query: a.query_via for a in hit.explanation.aligned}
    assert "translation" in vias["上海"]
    assert "pinyin" in vias["壁仞"] or "alias" in vias["壁仞"]


def test_json_is_the_contract_and_deterministic(screener: Screener) -> None:
    first = screener.screen("华为技术有限公司").model_dump(mode="json")
    second = screener.screen("华为技术有限公司").model_dump(mode="json")
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)
    assert {"query", "algorithm", "lists", "hits"} <= set(first)
    assert first["algorithm"] == ALGORITHM == "cc-name-v1"
    assert set(first["lists"]) == {"csl", "ofac-sdn"}
    for hit in first["hits"]:
        assert {"name", "matched_name", "source", "entity_number", "score", "explanation"} <= set(
            hit
        )
        assert 0.0 <= hit["score"] <= 1.0 and hit["score"] >= DEFAULT_THRESHOLD
    scores = [h["score"] for h in first["hits"]]
    assert scores == sorted(scores, reverse=True)


def test_package_level_screen_gives_the_same_result(screener: Screener) -> None:
    assert chipcomply.screen is screen
    a = screen("Sugon", country="CN").model_dump(mode="json")
    b = screener.screen("Sugon", country="CN").model_dump(mode="json")
    assert a == b


def test_country_is_a_qualifier_not_a_filter(screener: Screener) -> None:
    plain = {h.record.uid: h.score for h in screener.screen("Sugon").hits}
    wrong = {h.record.uid: h for h in screener.screen("Sugon", country="FR", threshold=0.5).hits}
    assert set(plain) <= set(wrong)
    for uid, score in plain.items():
        hit = wrong[uid]
        if hit.record.countries and "FR" not in hit.record.countries:
            assert hit.score == pytest.approx(score * COUNTRY_MISMATCH, abs=2e-4)
            assert hit.explanation.country_effect.startswith("differs")


def test_threshold_filters_hits(screener: Screener) -> None:
    loose = screener.screen("Huawei Device", threshold=0.5)
    strict = screener.screen("Huawei Device", threshold=0.95)
    assert len(strict.hits) < len(loose.hits)
    assert all(h.score >= 0.95 for h in strict.hits)


def test_a_query_never_scans_the_whole_list(screener: Screener) -> None:
    index = screener.index
    for query in ("Huawei", "Shanghai Technology Co., Ltd.", "John Smith", "Gazprom"):
        tokens = chipcomply.screening.normalise.tokens_of(query)
        found = index.candidates(tokens, DEFAULT_THRESHOLD)
        assert len(found) < len(index.names) / 20


@pytest.mark.parametrize(
    ("kwargs", "field", "problem"),
    [
        ({"name": ""}, "name", "is empty"),
        ({"name": "   \t"}, "name", "is empty"),
        ({"name": "x" * 10_000_000}, "name", "10,000,000 characters"),
        ({"name": "Hua\udcffwei"}, "name", "not valid UTF-8"),
        ({"name": "Huawei", "country": "XX"}, "country", "unknown country code"),
        ({"name": "Huawei", "country": "China"}, "country", "unknown country code"),
        ({"name": "Huawei", "threshold": 1.5}, "threshold", "at most 1"),
        ({"name": "--- ...", "threshold": 0.9}, "name", "no letters or digits"),
    ],
)
def test_bad_input_names_the_field(
    screener: Screener, kwargs: dict[str, object], field: str, problem: str
) -> None:
    with pytest.raises(BadInput) as exc:
        screener.screen(**kwargs)  # type: ignore[arg-type]
    assert exc.value.field == field and problem in exc.value.problem


def test_match_scores_two_names(screener: Screener) -> None:
    res = screener.match("華為技術", "Huawei Technologies Co., Ltd.")
    assert res.match and res.score >= 0.9
    assert screener.match("Huawei", "Huawei").score == 1.0
    assert not screener.match("Huawei", "Hikvision").match
    homophone = screener.match("高石早苗", "高市早苗")
    assert not homophone.match and homophone.explanation.aligned[0].match == "homophone"
