from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _case_panel(request: Any, case: Any) -> dict[str, Any] | None:
    """Offer mediation on the case page of a dispute, to those who may convert it."""
    from .services import CONVERTIBLE_CASE_STATES, is_dispute_case, may_convert_case

    if case is None or case.status not in CONVERTIBLE_CASE_STATES or not is_dispute_case(case):
        return None
    if not may_convert_case(request.user, case):
        return None
    return {"number": case.number}


class MediationConfig(AppConfig):
    name = "gongzhi.mediation"
    label = "mediation"
    verbose_name = _("Mediation and legal protection")

    def ready(self) -> None:
        from gongzhi.cases import hooks

        hooks.case_panels.append(("mediation/case_panel.html", _case_panel))
