"""Properties of the name normaliser and scorer (Hypothesis)."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from chipcomply.errors import BadInput
from chipcomply.screening.normalise import Token, check_name, tokenize
from chipcomply.screening.score import CLASS_FACTOR, score_tokens, token_similarity

# Names: letters from several scripts, digits, spaces and punctuation; no surrogates.
name_chars = st.characters(
    blacklist_categories=("Cs",),
    whitelist_categories=("Lu", "Ll", "Lo", "Nd", "Zs", "Pd", "Po", "Mn"),
)
names = st.text(name_chars, min_size=1, max_size=60)
latin_words = st.lists(
    st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz"), min_size=2, max_size=10),
    min_size=1,
    max_size=6,
)
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u202a", "\u202c", "\u00ad"]


def flat(tok: Token) -> float:
    return CLASS_FACTOR[tok.cls] * 4.0


def forms(text: str) -> list[str]:
    return [t.form for t in tokenize(text)]


@settings(max_examples=300, deadline=None)
@given(names)
def test_tokenize_never_fails_and_forms_are_lower_ascii(text: str) -> None:
    try:
        check_name(text)
    except BadInput:
        return
    for tok in tokenize(text):
        assert tok.form and tok.form.isascii() and tok.form == tok.form.lower()
        assert tok.form.isalnum() or "_" in tok.form


@settings(max_examples=200, deadline=None)
@given(latin_words, st.data())
def test_invisible_characters_change_nothing(words: list[str], data: st.DataObject) -> None:
    text = " ".join(words)
    pos = data.draw(st.integers(min_value=0, max_value=len(text)))
    mark = data.draw(st.sampled_from(INVISIBLE))
    assert forms(text[:pos] + mark + text[pos:]) == forms(text)


@settings(max_examples=200, deadline=None)
@given(latin_words)
def test_case_and_full_width_forms_change_nothing(words: list[str]) -> None:
    text = " ".join(words)
    wide = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" for c in text)
    assert forms(text.upper()) == forms(text) == forms(wide)
    assert forms(unicodedata.normalize("NFD", text)) == forms(text)


@settings(max_examples=200, deadline=None)
@given(names, names)
def test_scores_are_bounded_and_self_match_is_perfect(a: str, b: str) -> None:
    ta, tb = tokenize(a), tokenize(b)
    al = score_tokens(ta, tb, flat)
    assert 0.0 <= al.score <= 1.0
    if ta and any(t.cls not in ("legal", "stop") for t in ta):
        assert score_tokens(ta, ta, flat).score == 1.0


@settings(max_examples=300, deadline=None)
@given(
    st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789"), min_size=1, max_size=12),
    st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789"), min_size=1, max_size=12),
)
def test_token_similarity_is_symmetric_and_in_range(a: str, b: str) -> None:
    sim_ab, _ = token_similarity(a, b)
    sim_ba, _ = token_similarity(b, a)
    assert sim_ab == sim_ba
    assert 0.0 <= sim_ab <= 1.0
    assert (sim_ab == 1.0) == (a == b)
