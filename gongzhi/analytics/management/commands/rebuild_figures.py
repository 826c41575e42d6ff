from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Recompute every case's figures and the roll-ups from the case events."

    def handle(self, *args: Any, **options: Any) -> None:
        from gongzhi.analytics.figures import rebuild_figures

        n = rebuild_figures(progress=options["verbosity"] > 0)
        self.stdout.write(f"Rebuilt the figures of {n} cases.")
