"""Demo content: fold the demo cases into the figures and write yesterday's open data."""

from __future__ import annotations

from typing import Any


def seed(cast: Any) -> None:
    from .figures import update_figures
    from .opendata import generate_open_data

    update_figures()
    generate_open_data()
