"""Triage engine: suggest a label (category or department) for a text with its place
and channel, with calibrated confidences and the terms that weighed most.

Features: TF-IDF of words (jieba for Chinese) + TF-IDF of CJK character n-grams +
one-hot place/channel tokens + a category-tree prior (how strongly the text matches
each branch's keyword list). Model: a linear SVM, its margins turned into
probabilities by a softmax whose temperature is fitted on held-out data. Unlabelled
messages help twice: they shape the IDF weights, and confident predictions on them
are added back as weak examples (self-training). Pure Python + scikit-learn.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from . import text as textmod

FORMAT_VERSION = 2


class ModelVersionError(Exception):
    """A saved model was written by another format or scikit-learn version."""


@dataclass(frozen=True)
class Doc:
    """One message: free text plus categorical context (place code, channel)."""

    text: str
    meta: tuple[str, ...] = ()


@dataclass
class Suggestion:
    label: str
    confidence: float
    why: list[str] = field(default_factory=list)


@functools.lru_cache(maxsize=50_000)
def _analyse(text: str) -> tuple[list[str], list[str]]:
    """Words and CJK n-grams of a text; cached because training passes over the same
    messages several times (features, calibration, self-training)."""
    t = textmod.normalise(text)
    return textmod.words(t), ["c:" + g for g in textmod.char_ngrams(t)]


def _identity(tokens: list[str]) -> list[str]:
    return tokens


def _vectorizer(
    *, max_features: int | None, binary: bool = False, min_df: int = 1
) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer=_identity,
        min_df=min_df,
        sublinear_tf=True,
        max_features=max_features,
        use_idf=not binary,
        norm="l2" if not binary else None,
        binary=binary,
        dtype=np.float32,
    )


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)  # type: ignore[no-any-return]


class TriageModel:
    """Fit once, then `suggest()` per case. Holds no Django objects: picklable."""

    def __init__(
        self,
        *,
        use_chars: bool = True,
        tree: Mapping[str, Sequence[str]] | None = None,
        label_keywords: Mapping[str, Sequence[str]] | None = None,
        self_train: bool = True,
        c: float = 0.5,
        meta_weight: float = 0.6,
        tree_weight: float = 0.5,
        max_features: int = 100_000,
        class_weight: str | None = "balanced",
    ) -> None:
        self.class_weight = class_weight
        self.use_chars = use_chars
        self.tree = {k: [textmod.normalise(w) for w in v if w] for k, v in (tree or {}).items()}
        self.label_keywords = {k: list(v) for k, v in (label_keywords or {}).items()}
        self.self_train = self_train
        self.c = c
        self.meta_weight = meta_weight
        self.tree_weight = tree_weight
        self.max_features = max_features
        self.temperature = 1.0
        self.classes_: np.ndarray = np.array([])
        self.feature_names_: np.ndarray = np.array([])
        self.trained_on = 0
        self.pseudo_labelled = 0
        self.fit_seconds = 0.0

    # -- features -----------------------------------------------------------

    def _tokens(
        self, docs: Sequence[Doc]
    ) -> tuple[list[list[str]], list[list[str]], list[list[str]]]:
        w_tokens, c_tokens, m_tokens = [], [], []
        for d in docs:
            w, c = _analyse(d.text)
            w_tokens.append(w)
            c_tokens.append(c if self.use_chars else [])
            m_tokens.append([m for m in d.meta if m])
        return w_tokens, c_tokens, m_tokens

    def _tree_matrix(self, docs: Sequence[Doc]) -> sp.csr_matrix:
        if not self.tree:
            return sp.csr_matrix((len(docs), 0), dtype=np.float32)
        keys = list(self.tree)
        rows = np.zeros((len(docs), len(keys)), dtype=np.float32)
        for i, d in enumerate(docs):
            t = textmod.normalise(d.text)
            for j, k in enumerate(keys):
                hits = sum(1 for w in self.tree[k] if w and w in t)
                rows[i, j] = math.log1p(hits)
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return sp.csr_matrix(rows / norms * self.tree_weight)

    def _fit_features(self, docs: Sequence[Doc]) -> None:
        w, c, m = self._tokens(docs)
        min_df = 2 if len(docs) >= 500 else 1
        # A placeholder token keeps a vocabulary non-empty (English-only data has no
        # CJK n-grams; symbol-only data has no words).
        self.word_vec = _vectorizer(max_features=self.max_features, min_df=min_df if any(w) else 1)
        self.word_vec.fit([*w, ["∅"] * min_df] if any(w) else [["∅"]])
        self.char_vec = _vectorizer(max_features=self.max_features, min_df=min_df if any(c) else 1)
        self.char_vec.fit(c if any(c) else [["c:∅"]])
        self.meta_vec = _vectorizer(max_features=None, binary=True)
        self.meta_vec.fit(m if any(m) else [["meta:∅"]])
        self.feature_names_ = np.concatenate(
            [
                self.word_vec.get_feature_names_out(),
                self.char_vec.get_feature_names_out(),
                self.meta_vec.get_feature_names_out(),
                np.array(["tree:" + k for k in self.tree], dtype=object),
            ]
        )

    def transform(self, docs: Sequence[Doc]) -> sp.csr_matrix:
        w, c, m = self._tokens(docs)
        blocks = [self.word_vec.transform(w)]
        blocks.append(
            self.char_vec.transform(c) * 0.8
            if self.use_chars
            else self.char_vec.transform([[] for _ in docs])
        )
        blocks.append(self.meta_vec.transform(m) * self.meta_weight)
        blocks.append(self._tree_matrix(docs))
        return sp.hstack(blocks, format="csr", dtype=np.float32)

    # -- training -----------------------------------------------------------

    def _svm(self) -> LinearSVC:
        return LinearSVC(C=self.c, class_weight=self.class_weight, max_iter=3000)

    def fit(
        self,
        docs: Sequence[Doc],
        labels: Sequence[str],
        *,
        unlabelled: Sequence[Doc] = (),
        progress: Any = None,
    ) -> TriageModel:
        """Fit on labelled docs (plus cold-start pseudo-documents made of each label's
        keywords, plus unlabelled docs for IDF and self-training)."""
        started = time.perf_counter()
        docs = list(docs)
        labels = [str(x) for x in labels]
        seed_docs = [Doc(" ".join(words)) for lab, words in self.label_keywords.items() if words]
        seed_labels = [lab for lab, words in self.label_keywords.items() if words]
        all_docs = docs + seed_docs
        all_labels = labels + seed_labels
        if len(set(all_labels)) < 2:
            raise ValueError("Need at least two different labels to learn from.")
        self._fit_features(all_docs + list(unlabelled))
        x = self.transform(all_docs)
        weights = np.ones(len(all_labels), dtype=np.float64)
        weights[len(docs) :] = 0.5
        y = np.array(all_labels, dtype=object)
        self._fit_temperature(x, y, weights)
        if progress:
            progress("calibrated")
        self.svm = self._svm().fit(x, y, sample_weight=weights)
        self.classes_ = self.svm.classes_
        if self.self_train and unlabelled:
            xu = self.transform(unlabelled)
            proba = self._proba(xu)
            best = proba.argmax(axis=1)
            conf = proba.max(axis=1)
            keep = conf >= 0.6
            if keep.sum():
                x = sp.vstack([x, xu[keep]], format="csr")
                y = np.concatenate([y, self.classes_[best[keep]]])
                weights = np.concatenate([weights, 0.3 * conf[keep]])
                self.svm = self._svm().fit(x, y, sample_weight=weights)
                self.classes_ = self.svm.classes_
            self.pseudo_labelled = int(keep.sum())
            if progress:
                progress("self-trained")
        self.__dict__.pop("_coef_t", None)
        self._prepare_fast()
        self.trained_on = len(docs)
        self.fit_seconds = time.perf_counter() - started
        return self

    def _fit_temperature(self, x: sp.csr_matrix, y: np.ndarray, w: np.ndarray) -> None:
        """Fit the softmax temperature on a held-out fifth (NLL over a small grid)."""
        n = x.shape[0]
        if n < 50:
            self.temperature = 3.0
            return
        rng = np.random.default_rng(7)
        idx = rng.permutation(n)
        cut = int(n * 0.8)
        tr, ho = idx[:cut], idx[cut:]
        if len(set(y[tr])) < 2:
            self.temperature = 3.0
            return
        svm = self._svm().fit(x[tr], y[tr], sample_weight=w[tr])
        dec = np.asarray(svm.decision_function(x[ho]))
        if dec.ndim == 1:
            dec = np.column_stack([-dec, dec])
        pos = {c: i for i, c in enumerate(svm.classes_)}
        target = np.array([pos.get(v, -1) for v in y[ho]])
        known = target >= 0
        if not known.any():
            self.temperature = 3.0
            return
        best_t, best_nll = 3.0, float("inf")
        for t in (0.5, 1, 1.5, 2, 3, 4, 6, 8, 12):
            p = _softmax(dec[known] * t)
            nll = -np.log(np.clip(p[np.arange(known.sum()), target[known]], 1e-9, 1)).mean()
            if nll < best_nll:
                best_t, best_nll = float(t), float(nll)
        self.temperature = best_t

    # -- inference ----------------------------------------------------------

    def _decision(self, x: sp.csr_matrix) -> np.ndarray:
        dec = np.asarray(self.svm.decision_function(x))
        if dec.ndim == 1:
            dec = np.column_stack([-dec, dec])
        return dec

    def _proba(self, x: sp.csr_matrix) -> np.ndarray:
        return _softmax(self._decision(x) * self.temperature)

    def predict_proba(self, docs: Sequence[Doc]) -> np.ndarray:
        return self._proba(self.transform(docs))

    def predict(self, docs: Sequence[Doc]) -> list[str]:
        return [str(v) for v in self.classes_[self.predict_proba(docs).argmax(axis=1)]]

    def _prepare_fast(self) -> None:
        """Plain dicts and arrays for one-document inference: scikit-learn's input
        validation costs ~10 ms per call, the arithmetic itself ~0.1 ms."""
        self._fast: list[tuple[dict[str, int], np.ndarray | None, int, float, bool]] = []
        offset = 0
        for vec, weight, binary in (
            (self.word_vec, 1.0, False),
            (self.char_vec, 0.8, False),
            (self.meta_vec, self.meta_weight, True),
        ):
            vocab = {str(k): int(v) for k, v in vec.vocabulary_.items()}
            idf = None if binary else np.asarray(vec.idf_, dtype=np.float64)
            self._fast.append((vocab, idf, offset, weight, binary))
            offset += len(vocab)
        self._tree_offset = offset
        self._coef_t = np.ascontiguousarray(self.svm.coef_.T, dtype=np.float64)
        self._intercept = np.asarray(self.svm.intercept_, dtype=np.float64)

    def _vector(self, doc: Doc) -> tuple[np.ndarray, np.ndarray]:
        if not hasattr(self, "_coef_t"):
            self._prepare_fast()
        w, c = _analyse(doc.text)
        idx: list[int] = []
        val: list[float] = []
        for (vocab, idf, offset, weight, binary), toks in zip(
            self._fast, (w, c if self.use_chars else [], list(doc.meta)), strict=True
        ):
            counts: dict[int, int] = {}
            for t in toks:
                j = vocab.get(t)
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
            if not counts:
                continue
            js = np.fromiter(counts, dtype=np.int64, count=len(counts))
            if binary:
                vs = np.ones(len(js))
            else:
                assert idf is not None
                vs = (
                    1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))
                ) * idf[js]
                vs /= np.linalg.norm(vs) or 1.0
            idx.extend((js + offset).tolist())
            val.extend((vs * weight).tolist())
        if self.tree:
            tree_row = self._tree_matrix([doc]).toarray()[0]
            for j, v in enumerate(tree_row):
                if v:
                    idx.append(self._tree_offset + j)
                    val.append(float(v))
        return np.array(idx, dtype=np.int64), np.array(val, dtype=np.float64)

    def suggest(self, doc: Doc, k: int = 3, explain: int = 5) -> list[Suggestion]:
        """Top-k labels with confidence, each with the terms that pushed it up most."""
        idx, val = self._vector(doc)
        rows = self._coef_t[idx]  # (nnz, n_classes or 1)
        dec = val @ rows + self._intercept if len(idx) else self._intercept.copy()
        if dec.shape[0] == 1:
            dec = np.array([-dec[0], dec[0]])
            rows = np.column_stack([-rows[:, 0], rows[:, 0]]) if len(idx) else np.zeros((0, 2))
        proba = _softmax((dec * self.temperature)[None, :])[0]
        order = np.argsort(-proba)[:k]
        out = []
        for ci in order:
            contrib = val * rows[:, ci] if len(idx) else np.zeros(0)
            top = np.argsort(-contrib)[:explain]
            why = [_pretty(str(self.feature_names_[idx[j]])) for j in top if contrib[j] > 0]
            out.append(Suggestion(str(self.classes_[ci]), float(proba[ci]), _dedupe(why)))
        return out

    # -- persistence --------------------------------------------------------

    def save(self, path: Path, *, meta: Mapping[str, Any] | None = None) -> Path:
        import joblib

        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        joblib.dump(
            {
                "format_version": FORMAT_VERSION,
                "sklearn_version": sklearn.__version__,
                "meta": dict(meta or {}),
                "model": self,
            },
            tmp,
            compress=3,
        )
        tmp.replace(path)
        return path


def load_model(path: Path) -> tuple[TriageModel, dict[str, Any]]:
    """Load a saved model; refuse one from another format or scikit-learn version
    (its pickled estimators could silently mis-predict)."""
    import joblib

    try:
        payload = joblib.load(path)
    except FileNotFoundError:
        raise
    except Exception as exc:
        raise ModelVersionError(
            f"{path.name} is not a readable triage model ({exc.__class__.__name__}). Retrain with `manage.py triage_train`."
        ) from exc
    if not isinstance(payload, dict) or "format_version" not in payload:
        raise ModelVersionError(
            f"{path.name} is not a triage model file. Retrain with `manage.py triage_train`."
        )
    if payload["format_version"] != FORMAT_VERSION:
        raise ModelVersionError(
            f"{path.name} has model format {payload['format_version']}, this code reads format "
            f"{FORMAT_VERSION}. Retrain with `manage.py triage_train`."
        )
    if payload.get("sklearn_version") != sklearn.__version__:
        raise ModelVersionError(
            f"{path.name} was trained with scikit-learn {payload.get('sklearn_version')}, this "
            f"process runs {sklearn.__version__}. Retrain with `manage.py triage_train`."
        )
    return payload["model"], payload.get("meta", {})


def _pretty(name: str) -> str:
    if name.startswith("c:"):
        return name[2:]
    return name


def _dedupe(items: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for it in items:
        if not any(it in s for s in seen):
            seen.append(it)
    return seen


class BaselineModel:
    """The plain baseline: TF-IDF of words (jieba for Chinese) with a linear SVM,
    every input column concatenated as text. Same tokeniser, no extras."""

    def fit(self, docs: Sequence[Doc], labels: Sequence[str]) -> BaselineModel:
        self.vec = TfidfVectorizer(analyzer=_identity)
        x = self.vec.fit_transform([self._words(d) for d in docs])
        self.svm = LinearSVC().fit(x, np.array([str(v) for v in labels], dtype=object))
        self.classes_ = self.svm.classes_
        return self

    @staticmethod
    def _words(d: Doc) -> list[str]:
        extra = textmod.words(textmod.normalise(" ".join(m.split("=", 1)[-1] for m in d.meta)))
        return _analyse(d.text)[0] + extra

    def decision(self, docs: Sequence[Doc]) -> np.ndarray:
        dec = np.asarray(
            self.svm.decision_function(self.vec.transform([self._words(d) for d in docs]))
        )
        if dec.ndim == 1:
            dec = np.column_stack([-dec, dec])
        return dec
