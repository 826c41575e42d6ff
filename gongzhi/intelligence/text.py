"""Tokenisation for Chinese, English and mixed text.

Chinese runs are cut into jieba words and character n-grams (n-grams survive
jieba's mistakes on local names and new words); Latin runs become lower-cased
words. Text in other scripts still yields character n-grams, so nothing is ever
"unknown language": it is just weaker evidence. Pure functions, no Django.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable
from typing import Any

MAX_CHARS = 4000  # longer text adds little signal and costs time: keep the head

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(rf"([{_CJK}]+)|([^\W\d_]+(?:'[^\W\d_]+)?)|(\d+)", re.UNICODE)
_CJK_RUN = re.compile(rf"[{_CJK}]")
_SPACE = re.compile(r"\s+")

_jieba: Any = None
_jieba_lock = threading.Lock()

EN_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "from",
        "by",
        "with",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "it",
        "its",
        "this",
        "that",
        "there",
        "here",
        "i",
        "we",
        "you",
        "he",
        "she",
        "they",
        "my",
        "our",
        "your",
        "me",
        "us",
        "please",
        "hi",
        "hello",
        "dear",
        "thanks",
        "thank",
        "not",
        "no",
        "yes",
        "do",
        "does",
        "did",
        "have",
        "has",
        "had",
        "will",
        "would",
        "can",
        "could",
        "should",
        "as",
        "if",
        "so",
        "but",
    ]
)
ZH_STOP = frozenset(
    [
        "的",
        "了",
        "是",
        "在",
        "和",
        "与",
        "及",
        "我",
        "我们",
        "你",
        "你们",
        "他",
        "她",
        "它",
        "有",
        "也",
        "都",
        "就",
        "这",
        "那",
        "这个",
        "那个",
        "一个",
        "什么",
        "请",
        "请问",
        "您好",
        "你好",
        "谢谢",
        "感谢",
        "希望",
        "能",
        "能否",
        "可以",
        "是否",
        "没有",
        "问题",
        "反映",
        "关于",
        "领导",
        "相关",
        "部门",
        "为什么",
        "怎么",
        "如何",
        "已经",
        "还是",
        "但是",
        "因为",
        "所以",
        "而且",
        "进行",
        "一下",
        "现在",
        "目前",
    ]
)


def _get_jieba() -> Any:
    """jieba builds its prefix dictionary on first use (about a second): do it once
    per process, lazily, so imports and commands that never see Chinese stay fast."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import logging

                import jieba

                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _jieba = jieba
    return _jieba


def normalise(text: str | None) -> str:
    """NFKC (full-width letters and digits become ASCII), lower case, one space, cut
    to MAX_CHARS. The TipDM cells carry runs of tabs and newlines: gone."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", str(text))[:MAX_CHARS]
    return _SPACE.sub(" ", text).strip().lower()


def script_of(text: str) -> str:
    """'zh', 'en', 'mixed' or 'other' (by counts of CJK and Latin letters)."""
    cjk = len(_CJK_RUN.findall(text))
    latin = sum(1 for ch in text if "a" <= ch.lower() <= "z")
    if cjk == 0 and latin == 0:
        return "other"
    if cjk and latin and min(cjk, latin) / max(cjk, latin) > 0.2:
        return "mixed"
    return "zh" if cjk >= latin else "en"


def words(text: str) -> list[str]:
    """Words of a normalised text: jieba words for CJK runs, Latin words (stop
    words dropped) and numbers kept only when short (house numbers are noise)."""
    out: list[str] = []
    for m in _RUN.finditer(text):
        cjk, word, number = m.group(1), m.group(2), m.group(3)
        if cjk:
            if len(cjk) == 1:
                continue
            for w in _get_jieba().lcut(cjk, HMM=True):
                if len(w) > 1 and w not in ZH_STOP:
                    out.append(w)
        elif word:
            if len(word) > 1 and word not in EN_STOP:
                out.append(word)
        elif number and len(number) <= 3:
            pass  # numbers alone say little about category; skip
    return out


def char_ngrams(text: str, n_min: int = 2, n_max: int = 3) -> list[str]:
    """Character n-grams inside each CJK run (never across punctuation)."""
    out: list[str] = []
    for m in re.finditer(rf"[{_CJK}]+", text):
        run = m.group(0)
        for n in range(n_min, n_max + 1):
            out.extend(run[i : i + n] for i in range(len(run) - n + 1))
    return out


def tokens(text: str | None) -> list[str]:
    """Everything a model sees of a text: words plus 'c:'-prefixed CJK n-grams."""
    t = normalise(text)
    return words(t) + ["c:" + g for g in char_ngrams(t)]


def shingles(text: str | None) -> set[str]:
    """Compact token set for duplicate look-up: words, plus CJK bigrams."""
    t = normalise(text)
    return set(words(t)) | {"c:" + g for g in char_ngrams(t, 2, 2)}


def join_fields(values: Iterable[object]) -> str:
    return " \n".join(str(v) for v in values if v not in (None, ""))
