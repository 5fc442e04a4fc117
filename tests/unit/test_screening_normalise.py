"""The normaliser and token scorer on their own (no index needed)."""

from __future__ import annotations

import pytest

from chipcomply.errors import BadInput
from chipcomply.screening.normalise import (
    MAX_NAME_CHARS,
    Token,
    check_name,
    chinese_number,
    clean,
    tokenize,
)
from chipcomply.screening.score import (
    CLASS_FACTOR,
    HOMOPHONE_SIM,
    PINYIN_SIM,
    score_tokens,
    token_similarity,
)
from chipcomply.screening.vocabulary import split_pinyin


def forms(name: str) -> list[str]:
    return [t.form for t in tokenize(name)]


def flat(tok: Token) -> float:
    return CLASS_FACTOR[tok.cls] * 5.0


def test_invisible_characters_and_full_width_forms_disappear() -> None:
    assert clean("Hua\u200bwei\u202e") == "Huawei"
    assert forms("ＨＵＡＷＥＩ") == ["huawei"]
    assert forms("Hua\u00adwei\ufeff") == ["huawei"]


def test_homoglyphs_inside_latin_words_fold_to_latin() -> None:
    toks = tokenize("Huаwei Тechnologies")  # Cyrillic а and Т
    assert [t.form for t in toks] == ["huawei", "technology"]
    assert "homoglyph" in toks[0].via


def test_cyrillic_words_are_transliterated() -> None:
    toks = tokenize("Владимир Путин")
    assert [t.form for t in toks] == ["vladimir", "putin"]
    assert all("transliteration" in t.via for t in toks)


def test_traditional_and_simplified_chinese_read_the_same() -> None:
    assert forms("華為技術有限公司") == forms("华为技术有限公司")
    assert forms("上海壁仞智能科技有限公司")[:4] == [
        "shanghai",
        "biren",
        "intelligent",
        "technology",
    ]


def test_han_words_keep_their_characters_for_comparison() -> None:
    tok = tokenize("红旗")[0]
    assert tok.form == "hongqi" and tok.han == "红旗" and tok.via == "pinyin"
    brand = tokenize("華為")[0]  # a curated brand: folded onto the brand's token
    assert brand.form == "huawei" and brand.han == "华为" and "alias" in brand.via


def test_legal_forms_are_folded_and_weigh_little() -> None:
    toks = tokenize("Obshchestvo S Ogranichennoi Otvetstvennostyu Laggar Pro")
    assert toks[0].form == "ooo" and toks[0].cls == "legal"
    assert [t.cls for t in tokenize("Siemens Aktiengesellschaft")] == ["distinctive", "legal"]
    assert forms("S.A.") == ["sa"] and forms("Sp. z o.o.") == ["spzoo"]
    # a misspelt or cut legal phrase is still a legal form
    assert forms("Tactical Joynt Stock Company")[-1] == "jsc"


def test_vocabulary_translates_and_typos_in_generic_words_are_tolerated() -> None:
    assert forms("Huawei Technolgies") == ["huawei", "technology"]
    assert forms("Ji Shu") == ["technology"]  # spaced pinyin of 技术
    assert forms("Int'l Business") == ["international", "business"]


def test_spaced_pinyin_is_regrouped_only_in_long_runs() -> None:
    assert forms("Zhe Jiang Lan Tian Wei Xing Ke Ji") == [
        "zhejiang",
        "lantianweixing",
        "technology",
    ]
    assert forms("Kim Yong Chun") == ["kim", "yong", "chun"]


def test_numbers_words_ordinals_roman_numerals_and_chinese_numerals() -> None:
    assert forms("Brigade Forty-Four") == ["brigade", "44"]
    assert forms("1st International Bank")[0] == "1"
    assert forms("Fund IV L.P.")[1] == "4"
    assert forms("Ig0r Sech1n") == ["igor", "sechin"]
    assert chinese_number("第三十") == 30 and chinese_number("七") == 7
    assert chinese_number("一二三") == 123 and chinese_number("研究") is None
    assert "7" in forms("中国电子科技集团公司第七研究所")


def test_pinyin_syllable_split() -> None:
    assert split_pinyin("huawei") == ("hua", "wei")
    assert split_pinyin("zhongguancun") == ("zhong", "guan", "cun")
    assert split_pinyin("technology") is None


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("", "is empty"),
        (" \n\t ", "is empty"),
        ("x" * (MAX_NAME_CHARS + 1), "names are limited to"),
        ("bad \udcff byte", "not valid UTF-8"),
        (b"bytes", "expected text"),
    ],
)
def test_check_name_refuses_what_is_not_a_name(value: object, problem: str) -> None:
    with pytest.raises(BadInput) as exc:
        check_name(value, "row 3")
    assert exc.value.field == "row 3" and problem in exc.value.problem


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("huawei", "huawei", 1.0),
        ("cambricorn", "cambricon", 0.9),  # one edit in a long word
        ("merkur", "merkel", 0.75),  # two edits
        ("ortiz", "ortega", 0.0),  # three edits in a short word: another name
        ("juxin", "yuxin", 0.0),  # pinyin words with another first syllable
        ("j", "jean", 0.6),  # an initial
        ("2004", "2005", 0.5),  # numbers in the same place
    ],
)
def test_token_similarity_tiers(a: str, b: str, expected: float) -> None:
    sim, _ = token_similarity(a, b)
    assert sim == pytest.approx(expected, abs=0.02)
    assert token_similarity(b, a)[0] == sim


def test_han_tokens_compare_by_characters() -> None:
    same = score_tokens(tokenize("高市早苗"), tokenize("高市早苗"), flat)
    homophone = score_tokens(tokenize("高石早苗"), tokenize("高市早苗"), flat)
    assert same.score == 1.0
    assert homophone.pairs[0].how == "homophone" and homophone.pairs[0].sim == HOMOPHONE_SIM
    reading = score_tokens(tokenize("红旗"), tokenize("Hongqi"), flat)
    assert reading.pairs[0].sim == PINYIN_SIM and reading.pairs[0].how == "pinyin"


def test_generic_words_cannot_make_a_match_alone() -> None:
    al = score_tokens(
        tokenize("Shanghai Intelligent Technology Co., Ltd."),
        tokenize("Shanghai Biren Intelligent Technology Co., Ltd."),
        flat,
    )
    assert al.gate == "capped" and al.score <= 0.6
    ok = score_tokens(
        tokenize("Biren Technology"), tokenize("Shanghai Biren Intelligent Technology"), flat
    )
    assert ok.gate == "passed" and ok.score > 0.8


def test_joined_and_split_words_align() -> None:
    al = score_tokens(tokenize("Siemens AG"), tokenize("SiemensAG"), flat)
    assert al.score == 1.0 and al.pairs[0].how == "joined"


def test_son_and_father_swapped_is_not_the_same_person() -> None:
    swapped = score_tokens(
        tokenize("SALMAN BIN MUHAMMAD AL-RAWI"), tokenize("MUHAMMAD BIN SALMAN AL-RAWI"), flat
    )
    same = score_tokens(tokenize("bin Salman Mohammed"), tokenize("Mohammed bin Salman"), flat)
    assert swapped.score < 0.8 <= same.score


def test_country_and_type_qualifiers_scale_the_score() -> None:
    base = score_tokens(tokenize("Huawei"), tokenize("Huawei"), flat)
    other = score_tokens(tokenize("Huawei"), tokenize("Huawei"), flat, country_ok=False)
    person = score_tokens(tokenize("Huawei Co Ltd"), tokenize("Huawei"), flat, person_ok=False)
    assert other.score == pytest.approx(base.score * 0.95, abs=1e-4)
    assert person.score < base.score
