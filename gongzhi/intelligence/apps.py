from __future__ import annotations

import importlib
import logging

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

log = logging.getLogger(__name__)


class IntelligenceConfig(AppConfig):
    name = "gongzhi.intelligence"
    label = "intelligence"
    verbose_name = _("Intelligence")

    def ready(self) -> None:
        from . import permissions  # noqa: F401  (registers the rules)

        self._register_case_hooks()

    @staticmethod
    def _register_case_hooks() -> None:
        """Plug into the cases app when it offers hooks; harmless when it does not."""
        try:
            hooks = importlib.import_module("gongzhi.cases.hooks")
        except ImportError:
            return
        from .selectors import similar_cases_for, triage_suggestions_for
        from .tasks import after_submit
        from .views import case_panel_context, triage_panel_context

        if (
            isinstance(getattr(hooks, "after_submit", None), list)
            and after_submit not in hooks.after_submit
        ):
            hooks.after_submit.append(after_submit)
        if hasattr(hooks, "triage_suggester"):
            setattr(hooks, "triage_suggester", triage_suggestions_for)  # noqa: B010
        if hasattr(hooks, "similar_finder"):
            setattr(hooks, "similar_finder", similar_cases_for)  # noqa: B010
        panel = ("intelligence/panels/case_panel.html", case_panel_context)
        if isinstance(getattr(hooks, "case_panels", None), list) and panel not in hooks.case_panels:
            hooks.case_panels.append(panel)
        tpanel = ("intelligence/panels/triage_queue_panel.html", triage_panel_context)
        if (
            isinstance(getattr(hooks, "triage_panels", None), list)
            and tpanel not in hooks.triage_panels
        ):
            hooks.triage_panels.append(tpanel)
