from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gongzhi.intelligence import text


def test_chinese_text_gives_jieba_words_and_character_ngrams() -> None:
    toks = text.tokens("小区路灯不亮，晚上很黑")
    assert "小区" in toks and "晚上" in toks
    assert "c:路灯" in toks and "c:灯不亮" in toks


def test_english_text_gives_lower_case_words_without_stop_words() -> None:
    toks = text.tokens("The Street Light is OUT on Main St")
    assert toks == ["street", "light", "out", "main", "st"]


def test_mixed_script_text_keeps_both_languages() -> None:
    toks = text.tokens("Elm St 路灯坏了 please fix")
    assert "elm" in toks and "fix" in toks and "c:路灯" in toks
    assert text.script_of("Elm St 路灯坏了 please fix") == "mixed"


def test_empty_and_symbol_only_text_gives_no_tokens() -> None:
    assert text.tokens("") == []
    assert text.tokens(None) == []
    assert text.tokens("!!! ??? 123") == []
    assert text.script_of("…") == "other"


def test_unknown_script_is_not_an_error() -> None:
    assert text.script_of("Привет мир") == "other" or text.tokens("Привет мир") == ["привет", "мир"]
    assert text.tokens("Привет мир") == ["привет", "мир"]


def test_huge_text_is_cut_to_a_bounded_length() -> None:
    toks = text.tokens("路灯不亮" * 100_000)
    assert 0 < len(toks) < 10 * text.MAX_CHARS


def test_full_width_letters_are_normalised() -> None:
    assert text.normalise("ＡＢＣ　Light") == "abc light"


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=300))
def test_any_unicode_text_tokenises_without_error(value: str) -> None:
    assert isinstance(text.tokens(value), list)
    assert isinstance(text.shingles(value), set)
