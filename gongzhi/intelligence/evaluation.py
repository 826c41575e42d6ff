"""Offline evaluation of the triage model against the plain baseline, same splits."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)
from sklearn.model_selection import StratifiedKFold

from .triage import BaselineModel, Doc, TriageModel

_EPOCH = datetime(1900, 1, 1)  # noqa: DTZ001 - only an ordering sentinel among naive times


def _top_k(dec: np.ndarray, classes: np.ndarray, y: Sequence[str], k: int = 3) -> float:
    order = np.argsort(-dec, axis=1)[:, :k]
    hits = [y[i] in set(classes[order[i]]) for i in range(len(y))]
    return float(np.mean(hits)) if hits else 0.0


def _metrics(y_true: list[str], y_pred: list[str], top3: float) -> dict[str, Any]:
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(f1_score(y_true, y_pred, average="macro", zero_division=0)),
        "top3_accuracy": top3,
    }


def splits(
    labels: Sequence[str],
    times: Sequence[datetime | None] | None,
    *,
    split_by_time: float | None,
    folds: int | None,
) -> list[tuple[np.ndarray, np.ndarray]]:
    n = len(labels)
    if split_by_time:
        if times is None:
            raise ValueError("--split-by-time needs --time.")
        order = np.array(sorted(range(n), key=lambda i: (times[i] is None, times[i] or _EPOCH)))
        cut = int(n * split_by_time)
        return [(order[:cut], order[cut:])]
    k = folds or 5
    y = np.array(labels, dtype=object)
    _, counts = np.unique(y, return_counts=True)
    k = max(2, min(k, int(counts.min()) if counts.min() >= 2 else k))
    skf = StratifiedKFold(n_splits=k, shuffle=True, random_state=42)
    if counts.min() < k:
        from sklearn.model_selection import KFold

        return list(KFold(n_splits=k, shuffle=True, random_state=42).split(np.zeros(n)))
    return list(skf.split(np.zeros(n), y))


def evaluate(
    docs: Sequence[Doc],
    labels: Sequence[str],
    *,
    times: Sequence[datetime | None] | None = None,
    split_by_time: float | None = None,
    folds: int | None = None,
    unlabelled: Sequence[Doc] = (),
    tree: Mapping[str, Sequence[str]] | None = None,
    label_keywords: Mapping[str, Sequence[str]] | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Train and test ours and the plain baseline on the same splits; pool the
    predictions of all folds and compute metrics on the pool."""
    labels = [str(x) for x in labels]
    parts = splits(labels, times, split_by_time=split_by_time, folds=folds)
    y_true: list[str] = []
    ours_pred: list[str] = []
    base_pred: list[str] = []
    ours_top3: list[float] = []
    base_top3: list[float] = []
    timings = {"ours_fit_s": 0.0, "baseline_fit_s": 0.0}
    for fold, (tr, te) in enumerate(parts, 1):
        d_tr = [docs[i] for i in tr]
        y_tr = [labels[i] for i in tr]
        d_te = [docs[i] for i in te]
        y_te = [labels[i] for i in te]
        # Test messages are unlabelled text the model may see (transductive IDF and
        # self-training use no test label); so are the extra unlabelled messages.
        t0 = time.perf_counter()
        ours = TriageModel(tree=tree, label_keywords=label_keywords).fit(
            d_tr, y_tr, unlabelled=list(unlabelled) + d_te
        )
        timings["ours_fit_s"] += time.perf_counter() - t0
        proba = ours.predict_proba(d_te)
        ours_pred += [str(ours.classes_[i]) for i in proba.argmax(axis=1)]
        ours_top3.append(_top_k(proba, ours.classes_, y_te) * len(y_te))
        t0 = time.perf_counter()
        base = BaselineModel().fit(d_tr, y_tr)
        timings["baseline_fit_s"] += time.perf_counter() - t0
        dec = base.decision(d_te)
        base_pred += [str(base.classes_[i]) for i in dec.argmax(axis=1)]
        base_top3.append(_top_k(dec, base.classes_, y_te) * len(y_te))
        y_true += y_te
        if progress:
            progress(f"fold {fold}/{len(parts)} done")
    n = len(y_true)
    classes = sorted(set(y_true) | set(ours_pred))
    p, r, f, s = precision_recall_fscore_support(y_true, ours_pred, labels=classes, zero_division=0)
    return {
        "n_rows": len(labels),
        "n_test": n,
        "n_classes": len(set(labels)),
        "n_unlabelled": len(unlabelled),
        "splits": len(parts),
        "mode": f"time split {split_by_time}" if split_by_time else f"{len(parts)}-fold",
        "ours": _metrics(y_true, ours_pred, sum(ours_top3) / max(n, 1)),
        "baseline": _metrics(y_true, base_pred, sum(base_top3) / max(n, 1)),
        "per_class": [
            {
                "label": c,
                "precision": float(p[i]),
                "recall": float(r[i]),
                "f1": float(f[i]),
                "support": int(s[i]),
            }
            for i, c in enumerate(classes)
        ],
        "confusion": {
            "labels": classes,
            "matrix": confusion_matrix(y_true, ours_pred, labels=classes).tolist(),
        },
        "timings": timings,
    }


def format_report(result: Mapping[str, Any], max_confusion: int = 15) -> str:
    lines = [
        f"rows {result['n_rows']}, tested {result['n_test']}, classes {result['n_classes']}, "
        f"unlabelled {result['n_unlabelled']}, {result['mode']}",
        "",
        f"{'':10} {'accuracy':>9} {'macro-F1':>9} {'top-3':>9}",
    ]
    for name in ("ours", "baseline"):
        m = result[name]
        lines.append(
            f"{name:10} {m['accuracy']:9.3f} {m['macro_f1']:9.3f} {m['top3_accuracy']:9.3f}"
        )
    lines += ["", f"{'class':40} {'prec':>6} {'rec':>6} {'f1':>6} {'n':>6}"]
    for row in sorted(result["per_class"], key=lambda r: -r["support"]):
        lines.append(
            f"{row['label'][:40]:40} {row['precision']:6.2f} {row['recall']:6.2f} {row['f1']:6.2f} {row['support']:6d}"
        )
    labels = result["confusion"]["labels"]
    matrix = np.array(result["confusion"]["matrix"])
    if len(labels):
        top = np.argsort(-matrix.sum(axis=1))[:max_confusion]
        lines += [
            "",
            f"confusion matrix (rows true, columns predicted; {len(top)} largest classes):",
        ]
        lines.append(" " * 22 + " ".join(f"{i:>5}" for i in range(len(top))))
        for k, i in enumerate(top):
            lines.append(
                f"{k:>2} {labels[i][:18]:18} " + " ".join(f"{matrix[i, j]:5d}" for j in top)
            )
    return "\n".join(lines)
