"""Extension points other apps (the intelligence helper first) plug into.

- `after_submit`: list of callables `(case) -> None`. Called after the submission
  commits (`transaction.on_commit`); a failure is logged and never blocks or undoes
  the submission.
- `triage_suggester`: optional callable
  `(title, description, lat, lon, channel) -> list[dict]` where each dict has
  `category_code`, `department_code`, `confidence` (0..1) and `why` (text). Used to
  pre-fill the operator's triage page. When None, only the dispatch catalogue's
  suggestion is shown.
- `case_panels`: list of `(template_name, context_fn)`; `context_fn(request, case)`
  returns a dict (or None to hide the panel). Rendered on the case page for staff,
  e.g. duplicate / merge suggestions.
- `triage_panels`: the same for the triage queue; `context_fn(request, None)`.
- `similar_finder`: optional callable `(text, lat, lon) -> list[Case]`, used by the
  report form to show "similar cases nearby" before the resident submits.

Register at app start-up (`AppConfig.ready`), e.g.
`from gongzhi.cases import hooks; hooks.after_submit.append(my_fn)`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger("gongzhi.cases.hooks")

after_submit: list[Callable[[Any], None]] = []
triage_suggester: (
    Callable[[str, str, float | None, float | None, str], list[dict[str, Any]]] | None
) = None
case_panels: list[tuple[str, Callable[[Any, Any], dict[str, Any] | None]]] = []
triage_panels: list[tuple[str, Callable[[Any, Any], dict[str, Any] | None]]] = []
similar_finder: Callable[[str, float | None, float | None], list[Any]] | None = None


def run_after_submit(case_id: int) -> None:
    """Called on commit: every hook sees the committed case; failures are only logged."""
    if not after_submit:
        return
    from .models import Case

    case = Case.objects.filter(pk=case_id).select_related("category", "area").first()
    if case is None:
        return
    for fn in list(after_submit):
        try:
            fn(case)
        except Exception:
            log.exception("after_submit hook %r failed for case %s", fn, case_id)


def triage_suggestions(
    title: str, description: str, lat: float | None, lon: float | None, channel: str
) -> list[dict[str, Any]]:
    if triage_suggester is None:
        return []
    try:
        return list(triage_suggester(title, description, lat, lon, channel))
    except Exception:
        log.exception("triage_suggester failed")
        return []


def panels(
    registry: list[tuple[str, Callable[[Any, Any], dict[str, Any] | None]]], request: Any, case: Any
) -> list[tuple[str, dict[str, Any]]]:
    result = []
    for template_name, fn in list(registry):
        try:
            ctx = fn(request, case)
        except Exception:
            log.exception("panel %s failed", template_name)
            continue
        if ctx is not None:
            result.append((template_name, ctx))
    return result


def similar_cases(text: str, lat: float | None, lon: float | None) -> list[Any]:
    if similar_finder is None:
        return []
    try:
        return list(similar_finder(text, lat, lon))
    except Exception:
        log.exception("similar_finder failed")
        return []
