from __future__ import annotations

import pickle
from pathlib import Path

import joblib
import numpy as np
import pytest

from gongzhi.intelligence.triage import (
    BaselineModel,
    Doc,
    ModelVersionError,
    TriageModel,
    load_model,
)

from .synthetic import corpus


@pytest.fixture(scope="module")
def model() -> TriageModel:
    texts, labels = corpus(400)
    docs = [Doc(t, ("channel=web",)) for t in texts]
    return TriageModel(tree={"lighting": ["路灯", "light"]}).fit(
        docs, labels, unlabelled=[Doc(t) for t in corpus(100, seed=9)[0]]
    )


def test_model_learns_categories_of_chinese_and_english_messages(model: TriageModel) -> None:
    texts, labels = corpus(200, seed=5)
    predicted = model.predict([Doc(t) for t in texts])
    accuracy = np.mean([p == y for p, y in zip(predicted, labels, strict=True)])
    assert accuracy > 0.95


def test_suggestion_gives_top_three_with_confidence_and_reasons(model: TriageModel) -> None:
    top = model.suggest(Doc("幸福路路灯不亮了，晚上很黑"))
    assert len(top) == 3
    assert top[0].label == "lighting"
    assert top[0].confidence > top[1].confidence >= top[2].confidence
    assert abs(sum(s.confidence for s in model.suggest(Doc("路灯"), k=4)) - 1) < 1e-6
    assert any("路灯" in w for w in top[0].why)


def test_fast_single_document_path_matches_scikit_learn(model: TriageModel) -> None:
    texts, _ = corpus(50, seed=11)
    docs = [Doc(t, ("channel=web",)) for t in texts]
    proba = model.predict_proba(docs)
    for i, d in enumerate(docs):
        best = model.suggest(d, k=1)[0]
        assert best.label == model.classes_[proba[i].argmax()]
        assert abs(best.confidence - proba[i].max()) < 1e-6


def test_self_training_uses_confident_unlabelled_messages(model: TriageModel) -> None:
    assert model.pseudo_labelled > 50


def test_empty_text_still_gets_a_suggestion_without_error(model: TriageModel) -> None:
    top = model.suggest(Doc(""))
    assert len(top) == 3 and all(s.why == [] for s in top)


def test_cold_start_from_category_keywords_alone() -> None:
    m = TriageModel(
        label_keywords={
            "lighting": ["路灯", "street light", "lamp"],
            "sanitation": ["垃圾", "garbage", "trash"],
        }
    ).fit([], [])
    assert m.suggest(Doc("楼下路灯坏了"))[0].label == "lighting"
    assert m.suggest(Doc("trash everywhere"))[0].label == "sanitation"


def test_one_label_only_is_refused_with_a_message() -> None:
    with pytest.raises(ValueError, match="two different labels"):
        TriageModel().fit([Doc("a b"), Doc("c d")], ["x", "x"])


def test_saved_model_loads_and_predicts_the_same(model: TriageModel, tmp_path: Path) -> None:
    path = model.save(tmp_path / "m.joblib", meta={"version": "v1"})
    loaded, meta = load_model(path)
    assert meta["version"] == "v1"
    assert loaded.suggest(Doc("垃圾桶满了"))[0].label == model.suggest(Doc("垃圾桶满了"))[0].label


def test_model_from_another_format_or_sklearn_version_is_refused(
    model: TriageModel, tmp_path: Path
) -> None:
    path = tmp_path / "old.joblib"
    joblib.dump({"format_version": 1, "sklearn_version": "0.1", "model": model}, path)
    with pytest.raises(ModelVersionError, match="format 1"):
        load_model(path)
    joblib.dump({"format_version": 2, "sklearn_version": "0.1", "model": model}, path)
    with pytest.raises(ModelVersionError, match=r"scikit-learn 0\.1"):
        load_model(path)
    path.write_bytes(pickle.dumps("not a model"))
    with pytest.raises(ModelVersionError, match="not a triage model"):
        load_model(path)
    path.write_bytes(b"garbage")
    with pytest.raises(ModelVersionError, match="not a readable"):
        load_model(path)


def test_plain_baseline_fits_and_decides() -> None:
    texts, labels = corpus(200)
    base = BaselineModel().fit([Doc(t) for t in texts], labels)
    assert base.decision([Doc("路灯不亮")]).shape == (1, 4)
