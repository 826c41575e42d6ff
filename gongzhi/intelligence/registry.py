"""The process's triage model and duplicate index: loaded once, swapped atomically.

Triage failing must never block a submission: every entry point here returns
None or [] when no model is ready, and logs why.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

from django.conf import settings

from .dedup import DuplicateIndex
from .triage import ModelVersionError, TriageModel, load_model

log = logging.getLogger(__name__)

_lock = threading.Lock()
_models: dict[str, tuple[TriageModel, dict[str, Any], float] | None] = {}
_index: DuplicateIndex | None = None
_index_built_at = 0.0
INDEX_MAX_AGE_S = 3600.0  # a full rebuild hourly catches cases closed outside our hooks


def models_dir() -> Path:
    return Path(settings.DATA_DIR) / "models"


def model_path(target: str) -> Path:
    return models_dir() / f"triage-{target}.joblib"


def get_model(target: str = "category") -> tuple[TriageModel, dict[str, Any]] | None:
    """The current model for `target` ("category" or "department"), or None. Reloads
    when the file on disk changed (a retrain in another process)."""
    path = model_path(target)
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return None
    cached = _models.get(target)
    if cached and cached[2] == mtime:
        return cached[0], cached[1]
    with _lock:
        cached = _models.get(target)
        if cached and cached[2] == mtime:
            return cached[0], cached[1]
        try:
            model, meta = load_model(path)
        except (ModelVersionError, OSError, EOFError) as exc:
            log.warning("triage model %s not used: %s", path, exc)
            _models[target] = None
            return None
        _models[target] = (model, meta, mtime)
        return model, meta


def forget_models() -> None:
    with _lock:
        _models.clear()


def get_index(builder: Any = None) -> DuplicateIndex:
    """The duplicate index of open cases, built on first use by `builder(index)`."""
    global _index, _index_built_at
    if _index is not None and time.time() - _index_built_at < INDEX_MAX_AGE_S:
        return _index
    with _lock:
        if _index is None or time.time() - _index_built_at >= INDEX_MAX_AGE_S:
            fresh = DuplicateIndex()
            if builder is not None:
                builder(fresh)
            _index, _index_built_at = fresh, time.time()
    return _index


def reset_index() -> None:
    global _index
    with _lock:
        _index = None
